from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.knowledge.models import Audience, KnowledgeCategory, Situation


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=120)
    audience = forms.ChoiceField(label=_("audience"), choices=Audience.choices)
    situation = forms.ChoiceField(label=_("situation (scripts)"), choices=[("", "—"), *Situation.choices],
                                  required=False)
    category = forms.ModelChoiceField(label=_("category"), queryset=KnowledgeCategory.objects.all(), required=False)
    body = forms.CharField(label=_("text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 14}),
                           help_text=_("Paragraphs, lists, tables and links are kept; anything else is removed. "
                                       "Scripts may use {客户姓名} {工单号} {承诺时间} {工号} {技师姓名} {预约时间}."))
    edit_seq = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StepForm(forms.Form):
    step = forms.ChoiceField(choices=[("review", "review"), ("publish", "publish"), ("retire", "retire")])

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.qa.models import Sample


class SampleForm(forms.Form):
    agent = forms.ChoiceField(label=_("Agent"))
    source = forms.ChoiceField(label=_("What"), choices=Sample.Source.choices)
    since = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    size = forms.IntegerField(label=_("Sample size"), min_value=1, max_value=200, initial=5)
    seed = forms.IntegerField(label=_("Seed (optional)"), min_value=1, max_value=10**9 - 1, required=False,
                              help_text=_("The same seed draws the same sample again."))

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.agents = {a.username: a for a in agents}
        self.fields["agent"].choices = [(a.username, f"{a} · {a.org_unit}") for a in agents]
        today = timezone.localdate()
        self.initial.setdefault("since", today.replace(day=1))
        self.initial.setdefault("until", today)

    def clean_agent(self):
        return self.agents[self.cleaned_data["agent"]]


class ScoreForm(forms.Form):
    failed = forms.MultipleChoiceField(label=_("Items not met"), required=False, widget=forms.CheckboxSelectMultiple)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["failed"].choices = [
            (str(i.pk), (_("%(text)s — %(points)d points, fatal") if i.is_fatal else _("%(text)s — %(points)d points"))
             % {"text": i.text, "points": i.weight}) for i in items]

    def failed_ids(self) -> list[int]:
        return [int(v) for v in self.cleaned_data["failed"]]

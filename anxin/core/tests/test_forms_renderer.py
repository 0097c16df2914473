import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from anxin.core.forms_renderer import FastRenderer


class EveryWidget(forms.Form):
    name = forms.CharField(label="姓名", max_length=20, help_text="<b>全名</b>")
    count = forms.IntegerField(min_value=1, required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    email = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    urgent = forms.BooleanField(required=False)
    kind = forms.ChoiceField(choices=[("", "—"), ("a&b", "水 & 电 <急>"), ("x\"y", "引号\"")], required=False)
    grouped = forms.ChoiceField(choices=[("维修", [("1", "水管"), ("2", "电路")]), ("3", "其他")], required=False)
    many = forms.MultipleChoiceField(choices=[(1, "一"), (2, "二"), (1000, 1000)], required=False)
    pick = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")], widget=forms.RadioSelect, required=False)
    note = forms.CharField(widget=forms.Textarea, required=False)
    where = forms.ChoiceField(choices=[("维修", [("1", "水管 & 阀门"), ("2", "电路")]), ("3", "<其他>")],
                              widget=forms.RadioSelect(attrs={"class": "choices"}), required=False)
    ways = forms.MultipleChoiceField(choices=[("sms", "短信"), ("call", "电话")], widget=forms.CheckboxSelectMultiple,
                                     required=False)
    bare = forms.ChoiceField(choices=[("x", "无标签")], widget=forms.RadioSelect(attrs={"id": ""}), required=False)


@pytest.mark.parametrize("data", [None, {"name": 'O"Brien <script>', "count": "3", "day": "2026-12-05",
                                         "urgent": "on", "kind": "a&b", "grouped": "2", "many": ["1", "1000"],
                                         "token": "t&1", "pick": "b", "note": "<p>", "where": "1",
                                         "ways": ["sms", "call"]},
                                  {"count": "x", "email": "bad"}])
def test_the_fast_renderer_writes_what_djangos_templates_write(data):
    django_html = str(EveryWidget(data, renderer=DjangoTemplates()))
    fast_html = str(EveryWidget(data, renderer=FastRenderer()))
    assert fast_html == django_html
    # what a template writes field by field: each field's errors (empty or not), each radio on its own
    for name in EveryWidget.base_fields:
        django_form, fast_form = EveryWidget(data, renderer=DjangoTemplates()), EveryWidget(data, renderer=FastRenderer())
        assert str(fast_form[name].errors) == str(django_form[name].errors)
    for name in ("pick", "where", "ways", "bare"):
        django_field = EveryWidget(data, renderer=DjangoTemplates())[name]
        fast_field = EveryWidget(data, renderer=FastRenderer())[name]
        assert [str(w.tag()) for w in fast_field] == [str(w.tag()) for w in django_field]
        assert [str(w.tag(wrap_label=True)) for w in fast_field] == [str(w.tag(wrap_label=True)) for w in django_field]
        assert [str(w) for w in fast_field] == [str(w) for w in django_field]
    assert "&lt;script&gt;" in fast_html or data is None or "script" not in str(data)


def test_no_widget_of_the_form_falls_back_to_djangos_templates(monkeypatch):
    seen = []
    original = DjangoTemplates.render

    def record(self, template_name, context, request=None):
        seen.append(template_name)
        return original(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", record)
    form = EveryWidget({"pick": "a", "where": "3", "ways": ["sms"], "note": "x"}, renderer=FastRenderer())
    str(form)
    [(str(w.tag()), str(form[name].errors)) for name in ("pick", "ways") for w in form[name]]
    assert seen and not [name for name in seen if name.startswith("django/forms/widgets/")]

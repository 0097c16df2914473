"""The incident page's forms (A11): they shape the input; incident_services decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.workorders.models import Category

_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"})


class ConfirmForm(forms.Form):
    cause = forms.CharField(label=_("Cause"), max_length=200)
    eta = forms.DateTimeField(label=_("Estimated restoration"), widget=_WHEN)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Why this is not one outage"), max_length=200)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EtaForm(forms.Form):
    eta = forms.DateTimeField(label=_("New estimated restoration"), widget=_WHEN)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RestoreForm(forms.Form):
    resolution = forms.CharField(label=_("How it was resolved"), max_length=500)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DeclareForm(forms.Form):
    """A lead declares an outage from a known cause (planned works, a utility's notice)."""

    site = forms.ChoiceField(label=_("Site"))
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(is_active=True),
                                      to_field_name="code")
    district = forms.CharField(label=_("District"), max_length=20)
    street = forms.CharField(label=_("Street (empty: the whole district)"), max_length=50, required=False)
    cause = forms.CharField(label=_("Cause"), max_length=200)
    eta = forms.DateTimeField(label=_("Estimated restoration"), widget=_WHEN, required=False)

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.code, s.name) for s in sites]

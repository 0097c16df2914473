"""The complaint page's forms (D1–D6): they shape the input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.complaints.models import Complaint, Proposal


class ComplaintForm(forms.ModelForm):
    class Meta:
        model = Complaint
        fields = ["what_happened", "customer_wants", "category", "severity", "is_group", "media_threat"]


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("remedy"), choices=Proposal.Kind.choices)
    amount = forms.DecimalField(label=_("amount (yuan)"), min_value=0, max_digits=10, decimal_places=2, initial=0)
    measures = forms.CharField(label=_("measures"), max_length=500)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=[("corrective", _("Corrective")), ("preventive", _("Preventive"))])
    description = forms.CharField(label=_("what will change"), max_length=300)
    owner = forms.CharField(label=_("owner"), max_length=150)
    due_on = forms.DateField(label=_("due"), widget=forms.DateInput(attrs={"type": "date"}))


class CaseForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=100)
    lesson = forms.CharField(label=_("lesson"), max_length=2000, widget=forms.Textarea)


class RouteForm(forms.Form):
    owner = forms.ChoiceField(label=_("Owner"))
    expected_resolution_on = forms.DateField(label=_("expected resolution date"),
                                             widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(u.username, f"{u} · {u.org_unit}") for u in staff]


class ProposalPickForm(forms.Form):
    proposal = forms.IntegerField(widget=forms.HiddenInput)


class AnswerForm(ProposalPickForm):
    accepted = forms.TypedChoiceField(coerce=lambda v: v == "yes", choices=[("yes", "yes"), ("no", "no")])
    method = forms.ChoiceField(label=_("how"), choices=Proposal.Method.choices)
    confirmed_by = forms.CharField(label=_("confirmed by (name)"), max_length=50)


class HandlingFormForm(forms.Form):
    cause = forms.ChoiceField(label=_("root cause"), choices=[("", "—"), *Complaint.Cause.choices])
    note = forms.CharField(max_length=300, required=False)

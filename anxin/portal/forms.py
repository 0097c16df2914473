"""Portal forms: shape only; the rules are in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import OrgUnit
from anxin.core.choices import remembered
from anxin.workorders.models import Category


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))


class CodeForm(PhoneForm):
    code = forms.CharField(label=_("SMS code"), max_length=6, min_length=6, widget=forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}))


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Order number"), max_length=20,
                             widget=forms.TextInput(attrs={"placeholder": "GD20261205-0001"}))
    last4 = forms.RegexField(label=_("Last four digits of your phone"), regex=r"^\d{4}$", max_length=4,
                             widget=forms.TextInput(attrs={"inputmode": "numeric"}))


def repair_categories():
    """The categories a customer can book a visit for: those a field job type is set up for."""
    return (Category.objects.filter(is_active=True, pk__in=_job_category_ids()).order_by("name"))


def _job_category_ids():
    from anxin.field.models import JobType

    return JobType.objects.filter(is_active=True, category__isnull=False).values("category_id")


def _shown_categories() -> list[tuple[int, str]]:
    from anxin.field.models import JobType

    return remembered("portal.categories", lambda: [(c.pk, str(c)) for c in repair_categories()],
                      models=(Category, JobType))


def _shown_sites() -> list[tuple[int, str]]:
    return remembered("portal.sites", lambda: [(s.pk, str(s)) for s in RepairForm.base_fields["new_site"].queryset],
                      models=(OrgUnit,))


class RepairForm(forms.Form):
    category = forms.ModelChoiceField(label=_("What needs repair"), queryset=Category.objects.none(),
                                      empty_label=_("— choose —"))
    description = forms.CharField(label=_("Describe the problem"), max_length=1000, widget=forms.Textarea(
        attrs={"rows": 3, "placeholder": _("e.g. the kitchen tap leaks under the sink")}))
    address = forms.ChoiceField(label=_("Address"), widget=forms.RadioSelect)
    new_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    new_site = forms.ModelChoiceField(label=_("Service centre"), required=False,
                                      queryset=OrgUnit.objects.filter(kind=OrgUnit.Kind.SITE).order_by("name"))
    new_address = forms.CharField(label=_("Full address"), max_length=200, required=False,
                                  widget=forms.TextInput(attrs={"placeholder": _("e.g. 阳光花园 3 号楼 2 单元 501")}))
    slot = forms.CharField(required=False, max_length=12)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, customers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = repair_categories()  # what a submitted choice is checked against
        self.fields["category"].choices = [("", self.fields["category"].empty_label), *_shown_categories()]
        self.fields["new_site"].choices = [("", self.fields["new_site"].empty_label), *_shown_sites()]
        choices = [(str(c.pk), f"{c.name} · {c.site_name} · {c.address}") for c in customers]
        self.fields["address"].choices = choices + [("new", _("A new address"))]
        if choices:
            self.fields["address"].initial = choices[0][0]
        else:
            self.fields["address"].initial = "new"

    def clean(self):
        data = super().clean()
        if data.get("address") == "new":
            for name in ("new_name", "new_site", "new_address"):
                if not data.get(name):
                    self.add_error(name, _("Needed for a new address."))
        return data


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.customers.models import Asset, Contact, Customer


class CustomerForm(forms.Form):
    site = forms.ChoiceField(label=_("Site"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Customer.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=40)
    phone_kind = forms.ChoiceField(label=_("Phone type"), choices=Contact.Kind.choices, required=False)
    contact_name = forms.CharField(label=_("Contact name"), max_length=50, required=False)
    phone2 = forms.CharField(label=_("Second phone"), max_length=40, required=False)
    address_text = forms.CharField(label=_("Address"), max_length=200, required=False,
                                   help_text=_("e.g. 上海市浦东新区张杨路100号3栋201室 — split into parts automatically"))
    postcode = forms.RegexField(label=_("Postcode"), regex=r"^\d{6}$", required=False)
    tier = forms.ChoiceField(label=_("Tier"), choices=Customer.Tier.choices, initial=Customer.Tier.BASIC)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Customer.Language.choices)
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea)

    def __init__(self, *args, sites=(), can_set_tier=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.code, s.name) for s in sites]
        self.fields["tier"].disabled = not can_set_tier  # the tier is a manager's decision (VIP routing)


class CustomerEditForm(forms.ModelForm):
    """The archive's editable fields; phones are added one at a time on the archive page."""

    class Meta:
        model = Customer
        fields = ["kind", "name", "tier", "preferred_language", "preferred_channel", "province", "city", "district",
                  "street", "number", "address_detail", "postcode", "lat", "lng", "email", "notes"]

    def __init__(self, *args, can_set_tier=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].disabled = not can_set_tier

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"]
        if postcode and (len(postcode) != 6 or not postcode.isdigit()):
            raise forms.ValidationError(_("A postcode has 6 digits."))
        return postcode


class ContactForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=40)
    kind = forms.ChoiceField(label=_("Phone type"), choices=[("", "—"), *Contact.Kind.choices], required=False)
    name = forms.CharField(label=_("Contact name"), max_length=50, required=False)


class AssetForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = ["name", "maker", "brand", "model", "spec", "colour", "quantity", "serial_no", "purchased_on",
                  "use", "warranty_ends_on", "location", "service_interval_days"]
        widgets = {"purchased_on": forms.DateInput(attrs={"type": "date"}),
                   "warranty_ends_on": forms.DateInput(attrs={"type": "date"})}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

"""The field steps' forms: they shape the input (types, lengths, lists); the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.steps import TokenForm
from anxin.field import selectors
from anxin.field.models import Delay

INSPECTION_POINTS = ["外观", "安装位置", "管路/线路", "功能测试", "配件齐全"]


def _getlist(data, key: str) -> list:
    """A form's repeated field: a QueryDict from a page, a list in a JSON body."""
    if hasattr(data, "getlist"):
        return data.getlist(key)
    value = data.get(key, [])
    return value if isinstance(value, list) else [value]


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- the desk ------------------------------------------------------------------------------------------------

class AppointmentForm(forms.Form):
    window_from = forms.DateTimeField(label=_("from"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    window_to = forms.DateTimeField(label=_("to"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    agreed_with = forms.CharField(label=_("agreed with"), max_length=50)
    reason = forms.CharField(label=_("reason for the change"), max_length=200, required=False)


class JobDetailsForm(forms.Form):
    job_type = forms.ModelChoiceField(label=_("job type"), queryset=selectors.job_types(), required=False)
    is_recall = forms.BooleanField(label=_("recall / service campaign"), required=False)
    rework_of = forms.CharField(label=_("rework of order no."), max_length=20, required=False)
    pre_authorised = forms.CharField(label=_("may do without asking again"), max_length=500, required=False)


class DelayForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=Delay.Reason.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)
    new_promise = forms.DateTimeField(label=_("new promised time"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    consent_by = forms.CharField(label=_("customer consent given by"), max_length=50, required=False)


class WarrantySettleForm(forms.Form):
    note = forms.CharField(max_length=300, required=False)


class PaymentForm(forms.Form):
    method = forms.CharField(max_length=20, required=False)
    amount = forms.CharField(max_length=20, required=False)


# --- the technician's phone ----------------------------------------------------------------------------------

class NobodyHomeForm(TokenForm):
    waited_minutes = forms.IntegerField(label=_("Waited (minutes)"), min_value=0, max_value=600)
    note_left = forms.CharField(max_length=300, required=False)


class SignedForm(TokenForm):
    signer_name = forms.CharField(max_length=50, required=False)
    signature = forms.CharField(required=False)  # a PNG data URL; the service checks it


class InspectionForm(SignedForm):
    diagnosis = forms.CharField(max_length=2000, required=False)
    photo = forms.FileField(required=False)

    def clean(self):
        data = super().clean()
        data["items"] = [{"point": p, "ok": self.data.get(f"ok_{i}") == "ok", "note": self.data.get(f"note_{i}", "")}
                         for i, p in enumerate(_getlist(self.data, "point"))]
        return data


class WarrantyForm(TokenForm):
    decision = forms.CharField(max_length=20, required=False)
    note = forms.CharField(max_length=300, required=False)


class QuoteItemForm(TokenForm):
    price_item = forms.CharField(max_length=20, required=False)
    quantity = forms.CharField(max_length=20, required=False)
    kind = forms.CharField(max_length=20, required=False)
    description = forms.CharField(max_length=200, required=False)
    unit_price = forms.CharField(max_length=20, required=False)

    def clean_price_item(self):
        pk = self.cleaned_data["price_item"]
        return selectors.price_item_get(pk) if pk else None


class QuoteRemoveForm(TokenForm):
    item = forms.IntegerField()


class PreAuthorisedForm(forms.Form):
    pre_authorised = forms.CharField(max_length=500, required=False)


class MaterialsForm(TokenForm):
    """Parts from the catalogue (`part` + `part_qty`) and parts the customer supplies (`supplied` + qty + note)."""

    def clean(self):
        data = super().clean()
        data["lines"] = [(selectors.part_get(n.strip()), _int(q)) for n, q in zip(
            _getlist(self.data, "part"), _getlist(self.data, "part_qty"), strict=False) if n.strip()]
        data["customer_supplied"] = [(d, _int(q), n) for d, q, n in zip(
            _getlist(self.data, "supplied"), _getlist(self.data, "supplied_qty"), _getlist(self.data, "supplied_note"),
            strict=False) if d.strip()]
        return data


class PhoneDelayForm(TokenForm):
    reason = forms.CharField(max_length=20, required=False)
    note = forms.CharField(max_length=300, required=False)

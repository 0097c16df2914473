import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.intake.models import ContactLog
from anxin.workorders.models import Category, Channel, Priority
from anxin.workorders.states import Type

# The ways a customer reaches an agent who then fills this form; API and outbound visits have their own paths.
CALL_CHANNELS = (Channel.HOTLINE, Channel.WALK_IN, Channel.WECHAT, Channel.WEB, Channel.EMAIL, Channel.SMS)


class CallForm(forms.Form):
    """The S2 call-record fields plus, optionally, the work order to open from it."""

    site = forms.ChoiceField(label=_("Site"))
    customer = forms.UUIDField(required=False, widget=forms.HiddenInput)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    caller_name = forms.CharField(label=_("Caller name"), max_length=50, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=[(c, c.label) for c in CALL_CHANNELS],
                                initial=Channel.HOTLINE)
    category = forms.ChoiceField(label=_("Call category"), choices=ContactLog.Category.choices)
    product_no = forms.CharField(label=_("Product no."), max_length=60, required=False)
    model = forms.CharField(label=_("Model"), max_length=60, required=False)
    spec = forms.CharField(label=_("Specification"), max_length=60, required=False)
    fault_symptom = forms.CharField(label=_("Fault symptom"), max_length=200, required=False)
    content = forms.CharField(label=_("Content"), max_length=5000, widget=forms.Textarea, required=False)
    requested_visit_at = forms.DateTimeField(label=_("Requested visit time"), required=False,
                                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    handling_opinion = forms.CharField(label=_("Handling opinion"), max_length=500, required=False)
    result = forms.CharField(label=_("Result"), max_length=500, required=False)
    done = forms.BooleanField(label=_("Answered on the spot"), required=False)
    # --- the order (when the agent chooses "log and create order") ---
    order_type = forms.ChoiceField(label=_("Order type"), choices=Type.choices, initial=Type.REPAIR, required=False)
    order_title = forms.CharField(label=_("Order summary"), max_length=100, required=False)
    order_category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(is_active=True),
                                            required=False, to_field_name="code")
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int,
                                      initial=Priority.NORMAL, required=False)
    is_emergency = forms.BooleanField(label=_("Emergency"), required=False)
    asset = forms.ChoiceField(label=_("Asset"), required=False)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, sites=(), assets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.code, s.name) for s in sites]
        self.fields["content"].widget.attrs["required"] = True
        self.fields["asset"].choices = [("", "—")] + [(str(a.public_id), str(a)) for a in assets]
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)


    def clean(self):
        data = super().clean()
        if not (data.get("content") or "").strip():
            if str(self.data.get("action", "")).startswith(("incident:", "still_out:")):
                # A11: one click logs a caller of a known outage; what they said is the outage itself
                data["content"] = str(_("Called about the outage in their area."))
            else:
                self.add_error("content", forms.Field.default_error_messages["required"])
        return data


class CounterTicketForm(forms.Form):
    """A4: a walk-in customer takes a number (everything but the token optional: some give nothing)."""

    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    name = forms.CharField(label=_("Visitor's name"), max_length=50, required=False)
    purpose = forms.CharField(label=_("What they came for"), max_length=200, required=False)
    has_appointment = forms.BooleanField(label=_("Has an appointment"), required=False)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)


class CounterFinishForm(forms.Form):
    category = forms.ChoiceField(label=_("Call category"), choices=ContactLog.Category.choices,
                                 initial=ContactLog.Category.GENERAL)
    content = forms.CharField(label=_("Outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

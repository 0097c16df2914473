"""HTML input shape only; the rules live in services."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core import formfields
from anxin.core.languages import Language
from anxin.workorders.models import Category, Channel, Priority
from anxin.workorders.states import Status, Type

EMPTY = [("", "—")]


class QueueFilterForm(forms.Form):
    view = formfields.ChoiceField(label=_("View"), required=False,
                                  choices=[("all", _("All in my scope")), ("team", _("My team")), ("mine", _("Mine"))])
    status = formfields.ChoiceField(label=_("Status"), required=False,
                                    choices=EMPTY + [("open", _("Open"))] + list(Status.choices))
    type = formfields.ChoiceField(label=_("Type"), required=False, choices=EMPTY + list(Type.choices))
    channel = formfields.ChoiceField(label=_("Channel"), required=False, choices=EMPTY + list(Channel.choices))
    site = formfields.ChoiceField(label=_("Site"), required=False)
    priority = formfields.TypedChoiceField(label=_("Priority"), required=False, coerce=int, empty_value=None,
                                           choices=EMPTY + list(Priority.choices))
    owner = formfields.ChoiceField(label=_("Owner"), required=False)
    taken_by = formfields.ChoiceField(label=_("Taken by"), required=False)
    urged = forms.BooleanField(label=_("Chased (urged)"), required=False)
    # A12: orders of customers who prefer a language — "mine": the languages I speak other than Chinese
    language = formfields.ChoiceField(label=_("Customer's language"), required=False,
                                      choices=EMPTY + [("mine", _("Languages I speak"))] + list(Language.choices[1:]))
    received_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    received_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("Number or text"), required=False, max_length=50)
    sort = formfields.ChoiceField(label=_("Sort"), required=False, choices=[
        ("newest", _("Newest first")), ("oldest", _("Oldest first")), ("priority", _("Priority")),
        ("number", _("Number")), ("status", _("Status")), ("updated", _("Recently updated"))])
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)

    def __init__(self, *args, sites=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = EMPTY + [(s.code, s.name) for s in sites]
        self.fields["owner"].choices = EMPTY + [("-", _("Unassigned"))] + [(u.username, str(u)) for u in staff]
        self.fields["taken_by"].choices = EMPTY + [(u.username, str(u)) for u in staff]


class WorkOrderForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=Type.choices, initial=Type.REPAIR)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE)
    title = forms.CharField(label=_("Summary"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=5000, required=False, widget=forms.Textarea)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(is_active=True),
                                      required=False, to_field_name="code")
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int,
                                      initial=Priority.NORMAL)
    is_emergency = forms.BooleanField(label=_("Emergency"), required=False)
    asset = forms.ChoiceField(label=_("Asset"), required=False)
    visit_from = forms.DateTimeField(label=_("Requested visit from"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    visit_to = forms.DateTimeField(label=_("Requested visit to"), required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, assets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].choices = EMPTY + [(str(a.public_id), str(a)) for a in assets]
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4().hex


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)
    reason = forms.CharField(max_length=500, required=False)
    version = forms.IntegerField(min_value=1)


class AssignForm(forms.Form):
    owner = forms.CharField(max_length=150, required=False)
    version = forms.IntegerField(min_value=1)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), max_length=5000, widget=forms.Textarea)
    is_public = forms.BooleanField(label=_("Visible to the customer"), required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class UUIDListField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return [uuid.UUID(v) for v in value or []]
        except ValueError as exc:
            raise forms.ValidationError(_("Select at least one order.")) from exc


class BulkAssignForm(forms.Form):
    orders = UUIDListField()
    owner = forms.CharField(max_length=150, required=False)

"""Report filters: shape and the period rules; scope comes from the choices (sites the viewer may see)."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.reports.periods import GRAINS, Period, default_grain
from anxin.workorders.states import Type

EMPTY = [("", "—")]
MAX_DAYS = 3 * 366


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def default_since(today):
        return today.replace(day=1)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        since = data.get("since") or self.default_since(today)
        until = data.get("until") or today
        if since > today:
            raise forms.ValidationError(_("The period lies in the future: there is nothing to count yet."),
                                        code="future")
        if until < since:
            self.add_error("until", _("The end must not be before the start."))
            return data
        until = min(until, today)  # the rest of the period has not happened yet
        if (until - since).days + 1 > MAX_DAYS:
            self.add_error("since", _("Choose a period of at most three years."))
            return data
        data["period"] = Period(since, until)
        return data

    def valid_data(self) -> dict:
        """The fields that passed their checks, even when another one failed (the page shows that error)."""
        if not self.is_bound:
            return {}
        self.is_valid()  # runs the checks once
        return self.cleaned_data

    def period(self) -> Period:
        """The valid period, or this month so far (the page still shows the form's errors)."""
        if "period" in self.valid_data():
            return self.cleaned_data["period"]
        today = timezone.localdate()
        return Period(self.default_since(today), today)


class ReportFilterForm(PeriodForm):
    grain = forms.ChoiceField(label=_("Per"), required=False, choices=EMPTY + [
        ("day", _("Day")), ("week", _("Week")), ("month", _("Month")), ("quarter", _("Quarter"))])
    site = forms.ChoiceField(label=_("Site"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False, choices=EMPTY + list(Type.choices))

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sites = {s.code: s for s in sites}
        self.fields["site"].choices = EMPTY + [(s.code, s.name) for s in sites]

    def chosen_grain(self, period: Period) -> str:
        chosen = self.valid_data().get("grain")
        return chosen if chosen in GRAINS else default_grain(period)


class StaffFilterForm(ReportFilterForm):
    sort = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)


class RegisterForm(PeriodForm):
    """One day by default: the register is the agent's day."""

    agent = forms.ChoiceField(label=_("Agent"), required=False)

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agents = {u.username: u for u in agents}
        self.fields["agent"].choices = [(u.username, str(u)) for u in agents]

    @staticmethod
    def default_since(today):
        return today

    def clean(self):
        data = super().clean()
        if "period" in data and data["period"].days > 31:
            self.add_error("since", _("The register covers at most 31 days at once."))
            del data["period"]
        return data


class ComplaintReportForm(forms.Form):
    """H3 on demand: a kind, a day inside the period wanted, and a unit of the viewer's scope."""

    kind = forms.ChoiceField(label=pgettext_lazy("document", "Report"))
    day = forms.DateField(label=_("Any day of the period"),
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    unit = forms.ChoiceField(label=_("For"))

    def __init__(self, *args, units, **kwargs):
        from anxin.reports.models import ComplaintReport

        super().__init__(*args, **kwargs)
        self.units = {u.code: u for u in units}
        self.fields["kind"].choices = ComplaintReport.Kind.choices
        self.fields["unit"].choices = [(u.code, u.name) for u in units]
        if not self.is_bound:
            self.initial.setdefault("day", timezone.localdate().replace(day=1) - timedelta(days=1))  # last month

    def clean_unit(self):
        return self.units[self.cleaned_data["unit"]]


class HistoryUploadForm(forms.Form):
    file = forms.FileField(label=_("Work order history (.xlsx or .csv)"))

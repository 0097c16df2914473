from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from anxin.core.errors import DomainError
from anxin.sla import commitment_services, selectors, services
from anxin.sla.models import Commitment
from anxin.workorders import selectors as wo_selectors


@require_GET
@login_required
def order_clocks(request, public_id):
    """E3: each promise on the order with time left or time over (loaded into the order page)."""
    order = wo_selectors.workorder_get_for(user=request.user, public_id=public_id)
    now = timezone.now()
    rows = []
    clocks, applies = services.clocks_ensure(order=order)
    for clock in clocks:
        minutes = round((clock.due_at - now).total_seconds() / 60) if clock.due_at else None
        rows.append({"clock": clock, "left": minutes if minutes is not None and minutes >= 0 else None,
                     "over": -minutes if minutes is not None and minutes < 0 else None,
                     "late": bool(clock.met_at and clock.due_at and clock.met_at > clock.due_at)})
    return render(request, "sla/order_clocks.html", {
        "rows": rows, "applies": applies, "order": order, "form": CommitmentForm(),
        "commitments": selectors.commitments_for_order(order=order)})


class CommitmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Commitment.Kind.choices)
    description = forms.CharField(label=_("what was promised"), max_length=200)
    minutes = forms.IntegerField(label=_("within (minutes)"), min_value=1, max_value=60 * 24 * 30, initial=30)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=[(o, o) for o in ("kept", "missed", "cancelled")])
    note = forms.CharField(max_length=200, required=False)


@require_POST
@login_required
def commitment_make(request, public_id):
    order = wo_selectors.workorder_get_for(user=request.user, public_id=public_id)
    form = CommitmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was promised and within how many minutes."))
        return redirect("workorders:detail", public_id=order.public_id)
    try:
        commitment_services.commitment_make(
            order=order, actor=request.user, kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
            due_at=timezone.now() + timezone.timedelta(minutes=form.cleaned_data["minutes"]))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("workorders:detail", public_id=order.public_id)


@require_GET
@login_required
def commitment_list(request):
    """E5: what I promised, due next first; overdue ones on top."""
    return render(request, "sla/commitment_list.html", {
        "open": selectors.commitments_open_for(user=request.user), "now": timezone.now(), "form": CloseForm()})


@require_POST
@login_required
def commitment_close(request, pk: int):
    commitment = selectors.commitment_get_for(user=request.user, pk=pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            commitment_services.commitment_close(commitment=commitment, actor=request.user,
                                                 outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"])
        except DomainError as exc:
            messages.error(request, str(exc))
    return redirect("sla:commitments")


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@require_GET
@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def attainment(request):
    """E4/H1: promises kept and broken per site and metric, within the viewer's scope."""
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    since = data.get("since") or today.replace(day=1)
    until = data.get("until") or today
    start = timezone.make_aware(datetime.combine(since, time.min))
    end = timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min))
    return render(request, "sla/attainment.html", {
        "form": form, "since": since, "until": until,
        "rows": selectors.attainment_report(user=request.user, since=start, until=end)})

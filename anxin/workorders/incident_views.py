"""A11 pages: the incidents of the viewer's sites, one incident (reports, streets, messages, decisions), declaring
one by hand. Thin: forms shape, incident_services decides."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from anxin.accounts import selectors as account_selectors
from anxin.core.errors import DomainError
from anxin.core.steps import step_response
from anxin.workorders import incident_selectors as selectors
from anxin.workorders import incident_services as services
from anxin.workorders.incident_forms import ConfirmForm, DeclareForm, DismissForm, EtaForm, RestoreForm
from anxin.workorders.incident_steps import INCIDENT


@require_GET
@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def incident_list(request):
    return render(request, "workorders/incident_list.html", {"incidents": selectors.incidents_for(user=request.user)})


@login_required
@permission_required("workorders.assign_workorder", raise_exception=True)
def incident_declare(request):
    """A lead declares an outage from a known cause; the reports already in its area join it."""
    form = DeclareForm(request.POST or None, sites=account_selectors.site_list_for(user=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_declare(
                actor=request.user, site=account_selectors.orgunit_get_for(user=request.user, code=data["site"]),
                category=data["category"], district=data["district"], street=data["street"], cause=data["cause"],
                eta=data["eta"])
            return redirect("workorders:incident", public_id=incident.public_id)
        except DomainError as exc:
            form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, str(exc))
    return render(request, "workorders/incident_declare.html", {"form": form})


@require_GET
@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def incident_detail(request, public_id):
    return _page(request, selectors.incident_get_for(user=request.user, public_id=public_id))


@require_POST
@login_required
@permission_required("workorders.assign_workorder", raise_exception=True)
def incident_step(request, public_id, step):
    """Confirm, dismiss, a new time, restored (see `incident_steps.INCIDENT`)."""
    incident = selectors.incident_get_for(user=request.user, public_id=public_id)
    return step_response(request, INCIDENT[step], record=incident, page=lambda bound: _page(request, incident, bound),
                         done=lambda: redirect("workorders:incident", public_id=incident.public_id))


def _page(request, incident, bound=None):
    bound, version = bound or {}, {"expected_version": incident.version}
    return render(request, "workorders/incident_detail.html", {
        "page": selectors.incident_page(incident=incident), "i": incident,
        "confirm": bound.get("confirm") or ConfirmForm(initial={**version, "cause": incident.cause}),
        "dismiss": bound.get("dismiss") or DismissForm(initial=version),
        "eta_form": bound.get("eta") or EtaForm(initial=version),
        "restore": bound.get("restore") or RestoreForm(initial=version)})

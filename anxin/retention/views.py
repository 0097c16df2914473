"""B4 pages: the purge batches for the data officers, one batch with its items, a customer's deletion request and
the export of everything held on one customer."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anxin.core.errors import DomainError
from anxin.core.steps import step_response
from anxin.customers import selectors as customer_selectors
from anxin.retention import forms, selectors, services
from anxin.retention.steps import BATCH


@require_GET
@login_required
def batch_list(request):
    return render(request, "retention/batch_list.html", {"batches": selectors.batches_for(user=request.user)})


@require_POST
@login_required
def propose_now(request):
    """A reviewer lists the candidates now instead of waiting for the 1st (someone else then reviews them)."""
    batch = services.candidates_propose(actor=request.user)
    if batch is None:
        messages.info(request, _("Nothing is past its retention time."))
        return redirect("retention:list")
    return redirect("retention:batch", public_id=batch.public_id)


@require_GET
@login_required
def batch_detail(request, public_id):
    return _page(request, selectors.batch_get_for(user=request.user, public_id=public_id))


@require_POST
@login_required
def batch_step(request, public_id, step):
    batch = selectors.batch_get_for(user=request.user, public_id=public_id)
    return step_response(request, BATCH[step], record=batch, page=lambda bound: _page(request, batch, bound),
                         done=lambda: redirect("retention:batch", public_id=batch.public_id))


def _page(request, batch, bound=None):
    return render(request, "retention/batch_detail.html", {
        "batch": batch, "items": selectors.batch_items(batch=batch),
        "form": (bound or {}).get("approve") or (bound or {}).get("hold") or forms.ReviewForm()})


@require_POST
@login_required
def deletion_request(request, public_id):
    """From the customer's archive: the customer asked for their personal data to be deleted (PIPL)."""
    customer = customer_selectors.customer_get_for(user=request.user, public_id=public_id, with_archive=False)
    form = forms.RequestForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("invalid", _("Say how and when the customer asked."))
        services.purge_request(actor=request.user, customer=customer, reason=form.cleaned_data["reason"])
        messages.success(request, _("The deletion request waits for a data officer's review."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("customers:archive", public_id=customer.public_id)


@require_GET
@login_required
def customer_export(request, public_id):
    customer = customer_selectors.customer_get_for(user=request.user, public_id=public_id, with_archive=False)
    data = services.customer_data_export(actor=request.user, customer=customer, request=request)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=1), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.public_id}.json"'
    return response

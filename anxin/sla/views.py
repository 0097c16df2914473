from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from anxin.sla import selectors
from anxin.workorders import selectors as wo_selectors


@require_GET
@login_required
def order_clocks(request, public_id):
    """E3: each promise on the order with time left or time over (loaded into the order page)."""
    order = wo_selectors.workorder_get_for(user=request.user, public_id=public_id)
    now = timezone.now()
    rows = []
    for clock in selectors.clocks_for(order=order):
        minutes = round((clock.due_at - now).total_seconds() / 60) if clock.due_at else None
        rows.append({"clock": clock, "left": minutes if minutes is not None and minutes >= 0 else None,
                     "over": -minutes if minutes is not None and minutes < 0 else None})
    return render(request, "sla/order_clocks.html", {"rows": rows})

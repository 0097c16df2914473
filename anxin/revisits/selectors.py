from datetime import datetime

from django.db.models import Count, F, Q

from anxin.accounts.models import User
from anxin.core.errors import NotFound
from anxin.revisits.models import Revisit
from anxin.workorders.selectors import workorder_qs_for


def revisit_list_for(*, user: User, limit: int = 200) -> list[Revisit]:
    """Pending revisits in the user's scope: the next call due first."""
    return list(Revisit.objects.filter(work_order__in=workorder_qs_for(user), status=Revisit.Status.PENDING)
                .select_related("work_order", "work_order__customer").order_by("next_call_at", "due_at")[:limit])


def revisit_get_for(*, user: User, pk: int) -> Revisit:
    found = (Revisit.objects.filter(pk=pk, work_order__in=workorder_qs_for(user))
             .select_related("work_order", "work_order__customer", "work_order__owner").first())
    if found is None:
        raise NotFound()
    return found


def coverage_for(*, user: User, since: datetime, until: datetime) -> dict:
    """F1: revisited within the 3-day limit ÷ revisits due in the period (target 100 %)."""
    row = (Revisit.objects.filter(work_order__in=workorder_qs_for(user), due_at__gte=since, due_at__lt=until)
           .aggregate(due=Count("id"), on_time=Count("id", filter=Q(status=Revisit.Status.DONE,
                                                                    done_at__lte=F("due_at")))))
    row["percent"] = round(100 * row["on_time"] / row["due"], 1) if row["due"] else None
    return row

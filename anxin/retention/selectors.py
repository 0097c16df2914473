from uuid import UUID

from django.db.models import Count, Q

from anxin.accounts.models import User
from anxin.core.errors import NotFound
from anxin.retention.models import PurgeBatch, PurgeItem

VIEW = ("retention.view_purgebatch", "retention.review_purge")


def _may_view(user: User) -> bool:
    return any(user.has_perm(p) for p in VIEW)


def batches_for(*, user: User, limit: int = 100) -> list[PurgeBatch]:
    """Purge batches are company-wide (retention is one rule for the whole desk): the data officers see them all."""
    if not _may_view(user):
        raise NotFound()
    return list(PurgeBatch.objects.select_related("proposed_by", "reviewed_by").annotate(
        n=Count("items"), purged=Count("items", filter=Q(items__state=PurgeItem.State.PURGED)))
        .order_by("-created_at")[:limit])


def batch_get_for(*, user: User, public_id) -> PurgeBatch:
    try:
        UUID(str(public_id))
    except ValueError as exc:
        raise NotFound() from exc
    batch = PurgeBatch.objects.select_related("proposed_by", "reviewed_by").filter(public_id=public_id).first()
    if batch is None or not _may_view(user):
        raise NotFound()
    return batch


def batch_items(*, batch: PurgeBatch, limit: int = 500) -> list[PurgeItem]:
    return list(batch.items.select_related("customer", "work_order").order_by("id")[:limit])

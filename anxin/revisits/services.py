"""Revisits (F1–F3) and customer self-rating (F4). The only writers of Revisit and SelfRating."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, NotFound, PermissionDeniedError, domain_error_from
from anxin.core.signing import BadLink, order_id_from_rating_token
from anxin.revisits.models import Revisit, SelfRating
from anxin.sla.calendar import CalendarError
from anxin.sla.selectors import calendar_for
from anxin.workorders import services as wo_services
from anxin.workorders.models import WorkOrder
from anxin.workorders.states import Family, Status, types_of

MAX_ATTEMPTS = 3
RETRY_AFTER = (timedelta(hours=2), timedelta(hours=24))
DONE_STATES = (Status.RESOLVED, Status.CLOSED)
ASPECTS = ("timeliness", "attitude", "quality", "price", "overall")


def apply_scores(call, scores: dict | None, comments: str) -> None:
    """A reached call (revisit or panel survey): the scores 1–5 per aspect; overall is required."""
    for aspect in ASPECTS:
        setattr(call, aspect, (scores or {}).get(aspect))
    if call.overall is None:
        raise DomainError(ErrorCode.INVALID, _("Give an overall score from 1 to 5."), {"field": "overall"})
    call.comments = (comments or "").strip()[:2000]


def save_scored(call) -> None:
    try:
        call.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    call.save()


def _due(order: WorkOrder) -> datetime:
    """Three working days after completion (a complaint: after closure), on the site's business calendar."""
    finished = order.closed_at if order.family == Family.COMPLAINT else order.resolved_at
    calendar = calendar_for(order.site_id)
    day_minutes = sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for s, e in calendar.periods)
    try:
        return calendar.add(finished, 3 * day_minutes)
    except CalendarError:
        return finished + timedelta(days=3)


def revisits_schedule(*, since_days: int = 30, limit: int = 2000) -> int:
    """F1: a revisit task for every completed field order and every closed complaint (idempotent)."""
    field_types = types_of(Family.FIELD)
    complaint_types = types_of(Family.COMPLAINT)
    recent = timezone.now() - timedelta(days=since_days)
    orders = (WorkOrder.objects.filter(revisit__isnull=True)
              .filter(Q(type__in=field_types, status__in=DONE_STATES, resolved_at__gte=recent)
                      | Q(type__in=complaint_types, status=Status.CLOSED, closed_at__gte=recent))
              .only("id", "type", "site_id", "resolved_at", "closed_at")[:limit])
    made = 0
    for order in orders:
        try:
            with transaction.atomic():
                due = _due(order)
            Revisit.objects.create(work_order=order, due_at=due, next_call_at=order.closed_at or order.resolved_at)
            made += 1
        except IntegrityError:
            continue  # another sweep made it first
    return made


def revisit_record(*, revisit: Revisit, actor: User, reached: bool, scores: dict | None = None,
                   comments: str = "", new_request: str = "") -> Revisit:
    """F2/F3: record one call. Not reached → retry later (at most 3 calls). Reached → scores 1–5; an overall
    score at or below the threshold reopens the order for the desk to act on.

    Raises DomainError when the order is not completed, the revisit is finished, or a score is out of range.
    """
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    order = revisit.work_order
    if not can_see_unit(actor, order.site_id):  # another site's revisit looks missing, as its page does
        raise NotFound()
    if order.status not in DONE_STATES:
        raise DomainError(ErrorCode.INVALID, _("Only a completed order can be revisited."), {"field": "order"})
    if revisit.status != Revisit.Status.PENDING:
        raise DomainError(ErrorCode.CONFLICT, _("This revisit is already finished."), status=409)
    now = timezone.now()
    with transaction.atomic():
        locked = Revisit.objects.select_for_update().get(pk=revisit.pk)
        if locked.status != Revisit.Status.PENDING:
            raise DomainError(ErrorCode.CONFLICT, _("This revisit is already finished."), status=409)
        locked.attempts += 1
        locked.agent = actor
        if not reached:
            if locked.attempts >= MAX_ATTEMPTS:
                locked.status, locked.next_call_at, locked.done_at = Revisit.Status.NOT_REACHED, None, now
            else:
                locked.next_call_at = now + RETRY_AFTER[min(locked.attempts - 1, len(RETRY_AFTER) - 1)]
        else:
            apply_scores(locked, scores, comments)
            locked.status, locked.done_at, locked.next_call_at = Revisit.Status.DONE, now, None
        save_scored(locked)
        audit_record(actor=actor, action="update", object_type="revisits.revisit", object_id=locked.pk,
                     summary=f"{order.number} {'reached' if reached else 'not reached'}",
                     data={a: getattr(locked, a) for a in ASPECTS})
        if reached and new_request.strip():
            # F2: something new the customer asked for during the call becomes its own order, linked by text
            wo_services.workorder_create(
                actor=actor, type="service_request", channel="hotline", site=order.site, customer=order.customer,
                title=new_request.strip()[:100], received_at=now,
                description=_("New request during the revisit of %(number)s: %(text)s")
                % {"number": order.number, "text": new_request.strip()[:2000]})
        if reached and locked.overall <= settings.REVISIT_DISSATISFIED_AT:
            _dissatisfied(order, actor, locked.overall, locked.comments)
    return locked


def _dissatisfied(order: WorkOrder, actor: User, overall: int, comments: str) -> None:
    """F3: a dissatisfied customer reopens a resolved order — the desk sees it in the queue again. A closed one
    (every complaint's revisit: complaints are revisited once closed) cannot go back, so it is escalated: a complaint
    order about it for the desk, and a note on the original pointing to it."""
    reason = _("Revisit: customer dissatisfied (overall %(n)d)") % {"n": overall}
    if order.status == Status.RESOLVED:
        wo_services.workorder_transition(order=order, to=Status.IN_PROGRESS, actor=actor, reason=reason)
        return
    follow_up = wo_services.workorder_create(
        actor=actor, type="complaint", channel="hotline", site=order.site, customer=order.customer,
        title=(_("Dissatisfied at the revisit of %(number)s") % {"number": order.number})[:100],
        description=f"{reason}\n{comments}".strip())
    wo_services.workorder_add_note(order=order, actor=actor, body=_(
        "%(reason)s; the order is closed, so complaint %(number)s was opened for it.")
        % {"reason": reason, "number": follow_up.number})


def self_rating_create(*, token: str, scores: dict, comment: str = "") -> SelfRating:
    """F4: one rating per order from a signed link; forged/expired links and second ratings are refused."""
    try:
        public_id = order_id_from_rating_token(token)
    except BadLink as exc:
        raise DomainError(ErrorCode.NOT_FOUND, _("This link is not valid or has expired."), status=404) from exc
    order = WorkOrder.objects.filter(public_id=public_id).first()
    if order is None or order.status not in DONE_STATES:
        raise DomainError(ErrorCode.NOT_FOUND, _("This link is not valid or has expired."), status=404)
    rating = SelfRating(work_order=order, comment=(comment or "").strip()[:500],
                        **{a: scores.get(a) for a in ("overall", "timeliness", "attitude", "quality")})
    try:
        rating.full_clean(exclude=["work_order"])
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError as exc:
        raise DomainError(ErrorCode.CONFLICT, _("Thank you — this order has already been rated."), status=409) from exc
    audit_record(actor=None, action="create", object_type="revisits.selfrating", object_id=order.public_id,
                 summary=f"{order.number} {rating.overall}")
    return rating

"""H5 QA review: draw a sample, score it, appeal once, decide the appeal. Every write is audited."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.intake.models import ContactLog
from anxin.notifications.services import notify
from anxin.qa.models import Checklist, Review, Sample
from anxin.workorders.models import WorkOrder
from anxin.workorders.states import Status

MAX_SAMPLE = 200
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """Beijing days, both ends included."""
    return (datetime.combine(since, time.min, SHANGHAI), datetime.combine(until + timedelta(days=1), time.min, SHANGHAI))


def _invalid(message, field: str) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, {"field": field})


def population(*, agent: User, source: str, since: date, until: date) -> list[int]:
    """Ids an inspector may draw from, oldest first (the order the seed draws in). Records already in another
    sample are left out, so nothing is reviewed twice."""
    start, end = _bounds(since, until)
    if source == Sample.Source.CONTACTS:
        taken = set(Review.objects.filter(agent=agent, contact__isnull=False).values_list("contact_id", flat=True))
        ids = ContactLog.objects.filter(taker=agent, received_at__gte=start, received_at__lt=end)
    else:
        taken = set(Review.objects.filter(agent=agent, work_order__isnull=False).values_list("work_order_id",
                                                                                            flat=True))
        ids = WorkOrder.objects.filter(taken_by=agent, status=Status.CLOSED, closed_at__gte=start,
                                       closed_at__lt=end)
    return [pk for pk in ids.order_by("id").values_list("id", flat=True) if pk not in taken]


def sample_draw(*, inspector: User, agent: User, source: str, since: date, until: date, size: int,
                seed: int | None = None) -> Sample:
    """A random sample of the agent's records in the period, reproducible with its seed. A size above the
    population takes the whole population (and says so on the sample)."""
    if not inspector.has_perm("qa.review_qa") or not can_see_unit(inspector, agent.org_unit_id):
        raise PermissionDeniedError()
    if inspector.pk == agent.pk:
        raise _invalid(_("Nobody reviews their own work."), "agent")
    if source not in Sample.Source.values:
        raise _invalid(_("Choose contacts or closed orders."), "source")
    today = timezone.localdate()
    if since > until:
        raise _invalid(_("The start of the period is after its end."), "since")
    if since > today:
        raise _invalid(_("The period lies in the future: there is nothing to review yet."), "since")
    if not 1 <= size <= MAX_SAMPLE:
        raise _invalid(_("A sample holds 1 to %(n)d records.") % {"n": MAX_SAMPLE}, "size")
    checklist = Checklist.objects.filter(is_active=True).prefetch_related("items").first()
    if checklist is None or not checklist.items.all():
        raise _invalid(_("No checklist is in use yet: the administrator sets one up in the admin."), "agent")
    ids = population(agent=agent, source=source, since=since, until=until)
    if not ids:
        raise _invalid(_("%(agent)s has nothing of this kind to review in that period.") % {"agent": agent}, "since")
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 10**9)
    chosen = sorted(random.Random(seed).sample(ids, min(size, len(ids))))
    with transaction.atomic():
        sample = Sample.objects.create(agent=agent, inspector=inspector, checklist=checklist, source=source,
                                       since=since, until=until, size=size, seed=seed, population=len(ids))
        field = "contact_id" if source == Sample.Source.CONTACTS else "work_order_id"
        Review.objects.bulk_create([Review(sample=sample, agent=agent, **{field: pk}) for pk in chosen])
        audit_record(actor=inspector, action="create", object_type="qa.sample", object_id=str(sample.pk),
                     summary=f"{agent.username} {source} {since}–{until}: {len(chosen)} of {len(ids)} (seed {seed})")
    return sample


def _score(checklist: Checklist, failed: list[int]) -> tuple[Decimal, list[int]]:
    items = {i.pk: i for i in checklist.items.all()}
    unknown = set(failed) - set(items)
    if unknown:
        raise _invalid(_("That item is not on the checklist."), "failed")
    total = sum(i.weight for i in items.values())
    if any(items[pk].is_fatal for pk in failed) or not total:
        return Decimal("0.0"), sorted(failed)
    kept = total - sum(items[pk].weight for pk in failed)
    return (Decimal(kept * 100) / Decimal(total)).quantize(Decimal("0.1")), sorted(failed)


def _locked(review: Review, version: int) -> Review:
    locked = Review.objects.select_for_update().select_related("sample__checklist").get(pk=review.pk)
    if version != locked.version:
        raise DomainError(ErrorCode.CONFLICT, _("Someone changed this review meanwhile: reload it."), status=409)
    return locked


def review_score(*, review: Review, actor: User, failed: list[int], comment: str, version: int) -> Review:
    """Score (or, before any appeal, re-score) one record: the share of checklist points kept; 0 on a fatal item."""
    if not actor.has_perm("qa.review_qa") or not can_see_unit(actor, review.agent.org_unit_id) \
            or actor.pk == review.agent_id:
        raise PermissionDeniedError()
    with transaction.atomic():
        locked = _locked(review, version)
        if locked.appeal:
            raise DomainError(ErrorCode.CONFLICT, _("The agent has appealed: decide the appeal instead."),
                              status=409)
        locked.score, locked.failed_items = _score(locked.sample.checklist, failed)
        locked.comment, locked.scored_at, locked.version = comment.strip()[:2000], timezone.now(), locked.version + 1
        locked.save(update_fields=["score", "failed_items", "comment", "scored_at", "version"])
        audit_record(actor=actor, action="update", object_type="qa.review", object_id=str(locked.pk),
                     summary=f"{locked.agent.username}: {locked.score}")
        notify(recipients=[locked.agent], kind="qa_scored", subject=_("A QA review of your work: %(score)s points")
               % {"score": locked.score}, dedupe_key=f"qa-{locked.pk}-{locked.version}", url=f"/qa/reviews/{locked.pk}/")
    return locked


def review_appeal(*, review: Review, actor: User, text: str, version: int) -> Review:
    """The agent disagrees — once per review, after it was scored."""
    if actor.pk != review.agent_id:
        raise PermissionDeniedError()
    text = (text or "").strip()
    if not text:
        raise _invalid(_("Say why you disagree."), "appeal_text")
    with transaction.atomic():
        locked = _locked(review, version)
        if locked.score is None:
            raise DomainError(ErrorCode.CONFLICT, _("This review has not been scored yet."), status=409)
        if locked.appeal:
            raise DomainError(ErrorCode.CONFLICT, _("A review can be appealed only once."), status=409)
        locked.appeal, locked.appeal_text, locked.appealed_at = Review.Appeal.OPEN, text[:2000], timezone.now()
        locked.version += 1
        locked.save(update_fields=["appeal", "appeal_text", "appealed_at", "version"])
        audit_record(actor=actor, action="update", object_type="qa.review", object_id=str(locked.pk),
                     summary="appeal")
        notify(recipients=[locked.sample.inspector], kind="qa_appeal",
               subject=_("%(agent)s appealed a QA review") % {"agent": locked.agent},
               dedupe_key=f"qa-appeal-{locked.pk}", url=f"/qa/reviews/{locked.pk}/")
    return locked


def appeal_decide(*, review: Review, actor: User, failed: list[int], note: str, version: int) -> Review:
    """Keep the score or change it; either way the answer is written down and the agent is told. Final."""
    if not actor.has_perm("qa.review_qa") or not can_see_unit(actor, review.agent.org_unit_id) \
            or actor.pk == review.agent_id:
        raise PermissionDeniedError()
    if not (note or "").strip():
        raise _invalid(_("Answer the appeal."), "appeal_note")
    with transaction.atomic():
        locked = _locked(review, version)
        if locked.appeal != Review.Appeal.OPEN:
            raise DomainError(ErrorCode.CONFLICT, _("There is no appeal waiting on this review."), status=409)
        score, failed = _score(locked.sample.checklist, failed)
        locked.appeal = Review.Appeal.UPHELD if score == locked.score else Review.Appeal.CHANGED
        locked.score, locked.failed_items, locked.appeal_note = score, failed, note.strip()[:2000]
        locked.version += 1
        locked.save(update_fields=["appeal", "score", "failed_items", "appeal_note", "version"])
        audit_record(actor=actor, action="update", object_type="qa.review", object_id=str(locked.pk),
                     summary=f"appeal {locked.appeal}: {score}")
        notify(recipients=[locked.agent], kind="qa_appeal_decided",
               subject=_("Your appeal was answered: %(score)s points") % {"score": score},
               dedupe_key=f"qa-decided-{locked.pk}", url=f"/qa/reviews/{locked.pk}/")
    return locked

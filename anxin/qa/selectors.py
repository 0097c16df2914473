"""H5 reads: samples and reviews within the reader's scope, an agent's own results, scores for staff performance."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Avg, Count, Q

from anxin.accounts.models import User
from anxin.accounts.scope import visible_unit_ids
from anxin.core.errors import NotFound
from anxin.qa.models import Review, Sample


def agents_for(*, user: User) -> list[User]:
    """The agents an inspector may sample: active, in their scope, not themself."""
    from anxin.accounts.roles import Role

    return list(User.objects.filter(is_active=True, groups__name=Role.AGENT, org_unit_id__in=visible_unit_ids(user))
                .exclude(pk=user.pk).select_related("org_unit").order_by("org_unit__path", "username"))


def samples_for(*, user: User):
    return (Sample.objects.filter(agent__org_unit_id__in=visible_unit_ids(user))
            .select_related("agent", "inspector")
            .annotate(n=Count("reviews"), scored=Count("reviews", filter=Q(reviews__score__isnull=False)),
                      mean=Avg("reviews__score"), appeals=Count("reviews", filter=Q(reviews__appeal="open"))))


def sample_get_for(*, user: User, pk: int) -> Sample:
    sample = samples_for(user=user).filter(pk=pk).first()
    if sample is None or not user.has_perm("qa.review_qa"):
        raise NotFound()
    return sample


def review_get_for(*, user: User, pk: int) -> Review:
    """An inspector of the agent's scope, or the agent themself; anyone else finds nothing."""
    review = (Review.objects.select_related("sample__checklist", "sample__inspector", "agent", "contact",
                                            "work_order").filter(pk=pk).first())
    if review is None:
        raise NotFound()
    if review.agent_id == user.pk:
        return review
    if user.has_perm("qa.review_qa") and review.agent.org_unit_id in visible_unit_ids(user):
        return review
    raise NotFound()


def my_reviews(*, user: User):
    return (Review.objects.filter(agent=user, score__isnull=False).select_related("sample", "contact", "work_order")
            .order_by("-scored_at"))


def qa_scores(*, unit_ids, start: datetime, end: datetime) -> dict[int, tuple[Decimal, int]]:
    """Mean final score and number of reviews per agent of these units, over reviews scored in the period."""
    rows = (Review.objects.filter(agent__org_unit_id__in=unit_ids, score__isnull=False, scored_at__gte=start,
                                  scored_at__lt=end)
            .values("agent_id").annotate(mean=Avg("score"), n=Count("id")).order_by())
    return {r["agent_id"]: (Decimal(r["mean"]).quantize(Decimal("0.1")), r["n"]) for r in rows}


def next_to_score(*, review: Review) -> Review | None:
    """The sample's next record still waiting for a score (the inspector goes on to it after saving)."""
    return review.sample.reviews.filter(score__isnull=True).exclude(pk=review.pk).first()

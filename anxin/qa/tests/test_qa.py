"""H5 QA review: reproducible samples, weighted and fatal scoring, one appeal, scope, and the score in staff
performance. The default checklist (migration 0002) weighs 100 points: 10 10 20 15 15 20 10 and one fatal item."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from anxin.accounts import services as account_services
from anxin.accounts.roles import Role
from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.devtools.testing.personas import PASSWORD, fresh
from anxin.intake import services as intake_services
from anxin.qa import services
from anxin.qa.models import Checklist, Review
from anxin.reports.periods import Period
from anxin.reports.selectors import ReportFilters
from anxin.reports.staff import agent_performance

SH = ZoneInfo("Asia/Shanghai")
NOV = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def desk(world):
    for day in range(2, 14, 2):  # six contacts taken by agent_a in November, one in October
        intake_services.contactlog_create(actor=fresh(world.agent_a), site=world.site_a, category="general",
                                          content=f"咨询 11-{day:02d}", received_at=datetime(2026, 11, day, 10, tzinfo=SH))
    intake_services.contactlog_create(actor=fresh(world.agent_a), site=world.site_a, category="general",
                                      content="十月的来电", received_at=datetime(2026, 10, 20, 10, tzinfo=SH))
    world.qa = fresh(account_services.user_create(username="qa1", password=PASSWORD, role=Role.QA_INSPECTOR,
                                                  org_unit=world.hq))
    world.qa_b = fresh(account_services.user_create(username="qa_b", password=PASSWORD, role=Role.QA_INSPECTOR,
                                                    org_unit=world.site_b))
    return world


def items():
    return {i.text: i.pk for i in Checklist.objects.get(is_active=True).items.all()}


def draw(w, **kw):
    args = {"inspector": w.qa, "agent": w.agent_a, "source": "contacts", "since": NOV[0], "until": NOV[1], "size": 3,
            **kw}
    return services.sample_draw(**args)


def test_a_sample_is_random_reproducible_and_never_repeats_a_record(desk):
    first = draw(desk, seed=42)
    picked = list(first.reviews.values_list("contact_id", flat=True))
    assert len(picked) == 3 and first.population == 6
    Review.objects.filter(sample=first).delete()  # the same seed over the same population: the same records
    again = draw(desk, seed=42)
    assert list(again.reviews.values_list("contact_id", flat=True)) == picked
    rest = draw(desk, size=50)  # more than is left: the three not yet reviewed, all of them
    assert rest.population == 3 and rest.reviews.count() == 3
    assert not set(rest.reviews.values_list("contact_id", flat=True)) & set(picked)
    with pytest.raises(DomainError) as empty:
        draw(desk)  # everything of November is reviewed
    assert empty.value.extra["field"] == "since"


@pytest.mark.parametrize("bad, field", [
    ({"since": date(2030, 1, 1), "until": date(2030, 1, 31)}, "since"),
    ({"since": NOV[1], "until": NOV[0]}, "since"),
    ({"size": 0}, "size"), ({"size": 201}, "size"), ({"source": "emails"}, "source"),
])
def test_bad_samples_are_refused_clearly(desk, bad, field):
    with pytest.raises(DomainError) as exc:
        draw(desk, **bad)
    assert exc.value.extra["field"] == field


def test_who_may_draw(desk):
    with pytest.raises(PermissionDeniedError):
        draw(desk, inspector=fresh(desk.agent_b))  # an agent
    with pytest.raises(PermissionDeniedError):
        draw(desk, inspector=desk.qa_b)  # an inspector of site B, agent of site A
    with pytest.raises(DomainError):
        draw(desk, inspector=desk.manager, agent=desk.manager)  # nobody reviews their own work


def test_scores_weights_fatal_items_a_stale_form_and_one_appeal(desk):
    sample = draw(desk, seed=1)
    r1, r2, r3 = sample.reviews.all()
    names = items()
    r1 = services.review_score(review=r1, actor=desk.qa, failed=[names["准确记录诉求（时间、地点、现象）"]],
                               comment="地址没有记全", version=1)
    assert r1.score == Decimal("80.0")
    r2 = services.review_score(review=r2, actor=desk.qa, failed=[names["规范问候，报出工号"],
                                                                 names["保护客户信息，不辱骂、顶撞客户"]],
                               comment="", version=1)
    assert r2.score == Decimal("0.0")  # a fatal item scores the whole review 0
    r3 = services.review_score(review=r3, actor=desk.qa, failed=[], comment="", version=1)
    assert r3.score == Decimal("100.0")
    with pytest.raises(DomainError) as stale:
        services.review_score(review=r3, actor=desk.qa, failed=[], comment="", version=1)
    assert stale.value.status == 409
    with pytest.raises(DomainError):
        services.review_score(review=r3, actor=desk.qa, failed=[999999], comment="", version=r3.version)

    agent = fresh(desk.agent_a)
    with pytest.raises(PermissionDeniedError):
        services.review_appeal(review=r1, actor=fresh(desk.agent_b), text="不服", version=r1.version)
    r1 = services.review_appeal(review=r1, actor=agent, text="地址客户没有说全，我已回拨补记", version=r1.version)
    with pytest.raises(DomainError):
        services.review_appeal(review=r1, actor=agent, text="再申诉", version=r1.version)  # once
    with pytest.raises(DomainError):
        services.review_score(review=r1, actor=desk.qa, failed=[], comment="", version=r1.version)  # decide instead
    with pytest.raises(DomainError):
        services.appeal_decide(review=r1, actor=desk.qa, failed=[], note="", version=r1.version)  # an answer needed
    r1 = services.appeal_decide(review=r1, actor=desk.qa, failed=[], note="核实录音，已回拨补记，不扣分",
                                version=r1.version)
    assert r1.appeal == Review.Appeal.CHANGED and r1.score == Decimal("100.0")
    with pytest.raises(DomainError):
        services.appeal_decide(review=r1, actor=desk.qa, failed=[], note="再改", version=r1.version)  # final

    # the final scores feed staff performance: (100 + 0 + 100) / 3
    today = timezone.localdate()
    rows = agent_performance(user=fresh(desk.manager), filters=ReportFilters(period=Period(today - timedelta(days=1),
                                                                                            today)))
    row = next(r for r in rows if r["person"].username == "agent_a")
    assert row["qa"] == Decimal("66.7") and row["qa_n"] == 3


def test_the_pages_for_the_inspector_and_the_agent(desk, client_for):
    inspector = client_for(desk.qa)
    page = inspector.get("/qa/")
    assert page.status_code == 200 and "agent_a" in page.content.decode()  # the agents of the scope to sample
    drawn = inspector.post("/qa/", {"agent": "agent_a", "source": "contacts", "since": "2026-11-01",
                                    "until": "2026-11-30", "size": "2", "seed": "7"})
    assert drawn.status_code == 302
    sample_url = drawn["Location"]
    review = Review.objects.order_by("id").first()
    form = inspector.get(f"/qa/reviews/{review.pk}/").content.decode()
    assert "准确记录诉求" in form and "否决" in form
    saved = inspector.post(f"/qa/reviews/{review.pk}/", {"step": "score", "version": "1",
                                                          "failed": [str(items()["规范问候，报出工号"])],
                                                          "comment": "未报工号"})
    assert saved.status_code == 302 and saved["Location"] != sample_url  # on to the next record of the sample
    assert "90.0" in inspector.get(sample_url).content.decode()
    too_big = inspector.post("/qa/", {"agent": "agent_a", "source": "contacts", "since": "2026-11-01",
                                      "until": "2026-11-30", "size": "999"})
    assert too_big.status_code == 400

    agent = client_for(desk.agent_a)
    assert agent.get("/qa/").status_code == 403
    mine = agent.get("/qa/mine/").content.decode()
    assert "90.0" in mine
    appealed = agent.post(f"/qa/reviews/{review.pk}/", {"step": "appeal", "version": "2", "appeal_text": "我报了工号"})
    assert appealed.status_code == 302 and Review.objects.get(pk=review.pk).appeal == "open"
    assert client_for(desk.agent_b).get(f"/qa/reviews/{review.pk}/").status_code == 404  # another agent: missing
    assert client_for(desk.qa_b).get(f"/qa/reviews/{review.pk}/").status_code == 404  # another site's inspector
    assert client_for(desk.qa_b).get(sample_url).status_code == 404


def test_roles_cannot_cross_over(desk):
    """The agent neither scores nor decides; the inspector cannot appeal for the agent; another site cannot score."""
    review = draw(desk, seed=3).reviews.first()
    agent = fresh(desk.agent_a)
    with pytest.raises(PermissionDeniedError):
        services.review_score(review=review, actor=agent, failed=[], comment="", version=1)
    with pytest.raises(PermissionDeniedError):
        services.review_score(review=review, actor=desk.qa_b, failed=[], comment="", version=1)
    review = services.review_score(review=review, actor=desk.qa, failed=[], comment="", version=1)
    with pytest.raises(PermissionDeniedError):
        services.review_appeal(review=review, actor=desk.qa, text="代为申诉", version=review.version)
    review = services.review_appeal(review=review, actor=agent, text="不同意", version=review.version)
    with pytest.raises(PermissionDeniedError):
        services.appeal_decide(review=review, actor=agent, failed=[], note="自己改", version=review.version)
    with pytest.raises(PermissionDeniedError):
        services.appeal_decide(review=review, actor=desk.qa_b, failed=[], note="越权", version=review.version)

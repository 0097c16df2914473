"""F5: fixed-customer panels — quarterly surveys and the trend per aspect (worked example)."""

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from anxin.core.errors import DomainError, NotFound, PermissionDeniedError
from anxin.customers import services as customer_services
from anxin.revisits import panel_services, selectors
from anxin.revisits.models import PanelSurvey


@pytest.fixture
def panel(world):
    return panel_services.panel_create(name="阳光花园老业主", site=world.site_a, actor=world.manager)


def _survey(world, panel, customer, scores):
    survey = PanelSurvey.objects.get(member__panel=panel, member__customer=customer,
                                     quarter=panel_services.quarter_of(timezone.localdate()))
    return panel_services.panel_survey_record(survey=survey, actor=world.manager, reached=True, scores=scores)


def test_quarters():
    assert panel_services.quarter_of(date(2026, 11, 27)) == "2026Q4"
    assert panel_services.quarter_end("2026Q4").date() == date(2026, 12, 31)
    assert panel_services.quarter_end("2026Q1").date() == date(2026, 3, 31)


def test_each_member_gets_one_survey_a_quarter_and_the_trend_follows(world, panel):
    second = customer_services.customer_create(actor=None, site=world.site_a, name="赵敏",
                                               address_text="上海市浦东新区张杨路8号", contacts=[{"phone": "13700137000"}])
    with time_machine.travel(date(2026, 8, 10), tick=False):
        panel_services.panel_add(panel=panel, customer=world.customer_a, actor=world.manager)
        panel_services.panel_add(panel=panel, customer=second, actor=world.manager)
        assert panel_services.panels_schedule() == 0  # already made when they joined; idempotent
        _survey(world, panel, world.customer_a, {"timeliness": 3, "attitude": 4, "quality": 3, "price": 2, "overall": 3})
        _survey(world, panel, second, {"timeliness": 4, "attitude": 4, "quality": 4, "price": 3, "overall": 4})
    with time_machine.travel(date(2026, 11, 27), tick=False):
        assert panel_services.panels_schedule() == 2  # a new quarter: both again
        _survey(world, panel, world.customer_a, {"timeliness": 5, "attitude": 5, "quality": 4, "price": 3, "overall": 5})
        panel_services.panel_survey_record(survey=PanelSurvey.objects.get(member__customer=second, quarter="2026Q4"),
                                           actor=world.manager, reached=False)
    trend = selectors.panel_trend(panel=panel)
    # worked example: Q3 overall (3 + 4) / 2 = 3.5 from 2 surveys; Q4 only the one reached: 5.0, up 1.5
    assert [(t["quarter"], t["n"], t["overall"]) for t in trend] == [("2026Q3", 2, 3.5), ("2026Q4", 1, 5.0)]
    assert trend[1]["overall_change"] == 1.5 and trend[1]["price_change"] == 0.5 and trend[0]["overall_change"] is None


def test_bad_scores_other_sites_and_roles_are_refused(world, panel, client_for):
    panel_services.panel_add(panel=panel, customer=world.customer_a, actor=world.manager)
    survey = PanelSurvey.objects.get()
    with pytest.raises(DomainError):
        panel_services.panel_survey_record(survey=survey, actor=world.manager, reached=True, scores={"overall": 6})
    with pytest.raises(DomainError):  # a customer of another site cannot join
        panel_services.panel_add(panel=panel, customer=world.customer_b, actor=world.manager)
    with pytest.raises(NotFound):
        panel_services.panel_create(name="x", site=world.site_a, actor=world.agent_b)
    with pytest.raises(PermissionDeniedError):
        panel_services.panel_survey_record(survey=survey, actor=world.tech_a, reached=False)
    assert client_for(world.agent_b).get(f"/revisits/panels/{panel.pk}/").status_code == 404
    assert client_for(world.tech_a).get("/revisits/panels/").status_code == 403


def test_panel_page_adds_a_member_and_records_a_survey(world, panel, client_for):
    client = client_for(world.agent_a)
    url = f"/revisits/panels/{panel.pk}/"
    assert client.post(url, {"step": "add", "q": "13800138000"}).status_code == 302
    survey = PanelSurvey.objects.get()
    response = client.post(url, {"step": f"survey:{survey.pk}", "reached": "yes", "overall": "4", "quality": "5"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "4.00" in page and "王芳" in page
    member = panel.members.get()
    assert client.post(url, {"step": f"remove:{member.pk}"}).status_code == 302
    member.refresh_from_db()
    assert member.removed_at is not None and PanelSurvey.objects.filter(status="done").count() == 1  # history kept
    assert client_for(world.agent_b).post(url, {"step": f"remove:{member.pk}"}).status_code == 404


def test_an_ambiguous_search_adds_nobody(world, panel, client_for):
    customer_services.customer_create(actor=None, site=world.site_a, name="王芳", address_text="上海市浦东新区张杨路9号",
                                      contacts=[{"phone": "13700137001"}])
    page = client_for(world.agent_a).post(f"/revisits/panels/{panel.pk}/", {"step": "add", "q": "王芳"})
    assert page.status_code == 200 and "2 位客户符合" in page.content.decode()
    assert not panel.members.exists()

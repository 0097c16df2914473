"""SECURITY-CASES 42: PostgreSQL drops the connection under a request (a restart, a failover). The client gets a
clear, retryable 503 in its language; nothing is half-written; the retry makes exactly one order."""

import json

import psycopg
import pytest
from django.db import connection
from django.test import Client

from anxin.workorders.models import WorkOrder

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a dropped server connection is PostgreSQL's")


def _drop_my_connection() -> None:
    """Terminate this process's server connection from a second one, as a restart does."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def _reconnect_as_the_next_request_would() -> None:
    # The test client switches off Django's per-request connection check; gunicorn's workers run it (and, with
    # CONN_HEALTH_CHECKS, replace a dead connection before it is used) — `bench/faults` shows that end to end.
    connection.close_if_unusable_or_obsolete()


@pytest.mark.django_db(transaction=True)
def test_an_api_create_that_loses_the_database_is_a_retryable_503_and_the_retry_makes_one_order():
    from anxin.devtools.testing.personas import build_world

    world = build_world()
    client = Client(raise_request_exception=False)  # answer as the server would
    client.force_login(world.agent_a)
    body = json.dumps({"type": "repair", "site": "SA", "title": "厨房水管漏水", "customer": str(world.customer_a.public_id)})
    _drop_my_connection()
    lost = client.post("/api/workorders/", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1",
                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert lost.status_code == 503 and lost["Retry-After"] == "5"
    assert lost.json()["code"] == "unavailable" and "请" in lost.json()["message"]
    _reconnect_as_the_next_request_would()
    assert WorkOrder.objects.count() == 0  # nothing half-written
    retry = client.post("/api/workorders/", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/workorders/", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert retry.status_code == 201 and again.status_code == 200 and again.json()["id"] == retry.json()["id"]
    assert WorkOrder.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_page_that_loses_the_database_says_so_in_chinese_without_touching_it_again():
    from anxin.devtools.testing.personas import build_world

    world = build_world()
    client = Client(raise_request_exception=False)
    client.force_login(world.agent_a)
    _drop_my_connection()
    page = client.get("/orders/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    text = page.content.decode()
    assert "请稍后重试" in text or "请" in text
    assert "Traceback" not in text and "psycopg" not in text
    _reconnect_as_the_next_request_would()
    assert client.get("/orders/").status_code == 200

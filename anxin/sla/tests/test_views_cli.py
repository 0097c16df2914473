import subprocess
import sys
from datetime import datetime, timedelta

import time_machine

from anxin.sla import services
from anxin.sla.calendar import SHANGHAI
from anxin.sla.models import Metric, SlaPolicy
from anxin.workorders.tests.factories import make_order


def test_order_page_clocks_show_time_left_and_over(world, client_for):
    SlaPolicy.objects.create(name="响应", metric=Metric.FIRST_RESPONSE, target_minutes=30)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        order = make_order(world)
        services.sweep(lag=timedelta(0))
    client = client_for(world.agent_a)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert "剩余 20 分钟" in client.get(f"/sla/orders/{order.public_id}/clocks/").content.decode()
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        assert "超时 15 分钟" in client.get(f"/sla/orders/{order.public_id}/clocks/").content.decode()
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        from anxin.workorders import services as wo_services

        wo_services.workorder_transition(order=order, to="accepted", actor=world.agent_a)
        services.sweep(lag=timedelta(0))
        assert "逾期达成" in client.get(f"/sla/orders/{order.public_id}/clocks/").content.decode()
    assert client_for(world.agent_b).get(f"/sla/orders/{order.public_id}/clocks/").status_code == 404


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "anxin.cli", "sla-due", *args], capture_output=True, text=True)


def test_sla_due_command_prints_iso_shanghai_and_fails_clearly():
    ok = _cli("--start", "2026-09-30T16:00", "--minutes", "480", "--hours", "08:30-12:00,13:30-17:30")
    assert ok.returncode == 0 and ok.stdout.strip() == "2026-10-08T16:30+08:00"
    for args, words in ((("--start", "2026-12-31T16:00", "--minutes", "480", "--hours", "08:30-17:30"), "2027"),
                        (("--start", "yesterday", "--minutes", "5", "--hours", "08:30-17:30"), "ISO"),
                        (("--start", "2026-03-02T09:00", "--minutes", "5", "--hours", "17:30-08:30"), "end"),
                        (("--start", "2026-03-02T09:00", "--minutes", "0", "--hours", "08:30-17:30"), "positive")):
        bad = _cli(*args)
        assert bad.returncode != 0 and words in bad.stderr

import pytest

from anxin.devtools.demo import DEMO_UNREAD, load_demo


@pytest.mark.django_db
def test_the_demo_starts_as_a_normal_morning_not_a_backlog():
    from anxin.accounts.models import User
    from anxin.notifications.models import Channel, Notification
    from anxin.sla import services as sla_services

    counts = load_demo(customers=40, orders=120)
    assert counts["orders"] >= 120
    unread = Notification.objects.filter(channel=Channel.IN_APP, read_at__isnull=True)
    for user in User.objects.all():
        assert unread.filter(recipient=user).count() <= DEMO_UNREAD, user
    assert unread.exists()  # a handful, not none
    # the worker's first sweep does not bring the months of history back as new messages
    before = Notification.objects.count()
    sla_services.sweep()
    assert Notification.objects.count() - before <= 10
    # the past orders' steps happened in the hours after they came in, not on the day the demo was loaded: promises
    # are met within hours and staff performance shows believable first responses
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from anxin.sla.models import Clock, Metric
    from anxin.workorders.models import WorkOrder

    met = Clock.objects.filter(metric=Metric.FIRST_RESPONSE, met_at__isnull=False)
    assert met.exists() and not met.filter(met_at__gt=F("started_at") + timedelta(hours=4)).exists()
    assert not WorkOrder.objects.filter(resolved_at__lt=F("received_at")).exists()
    # every order an agent took came from a logged contact: staff performance never shows more orders than contacts
    from django.db.models import Count

    from anxin.intake.models import ContactLog

    taken = dict(WorkOrder.objects.filter(taken_by__isnull=False).values_list("taken_by").annotate(n=Count("id"))
                 .order_by())
    logged = dict(ContactLog.objects.filter(taker__isnull=False).values_list("taker").annotate(n=Count("id"))
                  .order_by())
    assert taken and all(logged.get(person, 0) >= n for person, n in taken.items()), (taken, logged)
    # the technicians' side of staff performance has history to show: jobs handed over when their order was
    # resolved, after an arrival, each counted by the report rollups as any write is
    from anxin.field.models import FieldJob, Visit
    from anxin.reports.rollup_services import rollup_differences

    done = FieldJob.objects.filter(completed_at__isnull=False)
    assert done.exists() and not done.filter(completed_at__lt=F("started_at")).exists()
    # (an order a dissatisfied revisit reopened has no resolution time any more)
    assert not done.filter(work_order__resolved_at__isnull=False).exclude(completed_at=F("work_order__resolved_at")
                                                                          ).exists()
    assert Visit.objects.filter(arrived_at__isnull=False).count() == done.count()
    assert rollup_differences() == []
    # the revisits due before today were called: scores for CSI, most by their due time, a few dissatisfied; the
    # order's resolution was in the past, so a revisit falls due in the past too
    from anxin.revisits.models import Revisit

    called = Revisit.objects.filter(status=Revisit.Status.DONE)
    assert called.exists() and not called.filter(done_at__lt=F("work_order__received_at")).exists()
    assert called.filter(done_at__lte=F("due_at")).count() > called.count() / 2
    assert not WorkOrder.objects.filter(resolved_at__gt=timezone.now() - timedelta(minutes=1),
                                        received_at__lt=timezone.now() - timedelta(days=2)).exists()

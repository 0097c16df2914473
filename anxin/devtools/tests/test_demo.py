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

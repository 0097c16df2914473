from anxin.notifications import services
from anxin.notifications.models import Preference


def test_unread_count_inbox_and_mark_read(world, client_for):
    services.notify(recipients=[world.agent_a], kind="x", subject="工单 GD1 即将超时", dedupe_key="i1")
    services.notify(recipients=[world.agent_b], kind="x", subject="B站的秘密", dedupe_key="i2")
    client = client_for(world.agent_a)
    page = client.get("/orders/").content.decode()
    assert 'id="unread-count">1<' in page
    inbox = client.get("/notifications/").content.decode()
    assert "工单 GD1 即将超时" in inbox and "B站的秘密" not in inbox
    client.post("/notifications/read/")
    assert 'id="unread-count"' not in client.get("/orders/").content.decode()
    assert client.get("/notifications/read/").status_code == 405


def test_preferences_are_validated_and_saved(world, client_for):
    client = client_for(world.agent_a)
    client.post("/notifications/preferences/", {"channels": ["sms"], "quiet_from": "22:00"})
    assert not Preference.objects.filter(user=world.agent_a).exists()
    client.post("/notifications/preferences/", {"channels": ["sms", "fax"], "quiet_from": "22:00", "quiet_to": "07:00"})
    assert not Preference.objects.filter(user=world.agent_a).exists()  # an unknown channel is a form error
    client.post("/notifications/preferences/", {"channels": ["sms"], "quiet_from": "22:00", "quiet_to": "07:00"})
    pref = Preference.objects.get(user=world.agent_a)
    assert pref.channels == "sms" and str(pref.quiet_to) == "07:00:00"


def test_unread_count_stops_at_99_plus_and_counts_only_the_users_unread(world, client_for):
    from anxin.notifications.models import Notification
    from anxin.notifications.selectors import unread_count

    services.notify(recipients=[world.agent_b], kind="x", subject="别人的", dedupe_key="other")
    for i in range(3):
        services.notify(recipients=[world.agent_a], kind="x", subject=f"提醒{i}", dedupe_key=f"u{i}")
    assert unread_count(user=world.agent_a) == 3 and unread_count(user=world.agent_b) == 1
    Notification.objects.filter(recipient=world.agent_a).update(read_at="2026-12-07T10:00:00+08:00")
    assert unread_count(user=world.agent_a) == 0
    for i in range(100):
        services.notify(recipients=[world.agent_a], kind="x", subject=f"提醒{i}", dedupe_key=f"many{i}")
    assert unread_count(user=world.agent_a) == 100  # 99 shown and one more: the header says 99+
    assert 'id="unread-count">99+<' in client_for(world.agent_a).get("/orders/").content.decode()

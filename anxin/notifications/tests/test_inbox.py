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

from typing import TYPE_CHECKING

from anxin.notifications.models import Channel, Notification, Preference

if TYPE_CHECKING:  # notifications sit below accounts: the user model is only a type here
    from anxin.accounts.models import User


def inbox_for(*, user: "User", limit: int = 100) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, channel=Channel.IN_APP)[:limit])


def unread_count(*, user: "User") -> int:
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True).count()


def preference_for(*, user: "User") -> Preference | None:
    return Preference.objects.filter(user=user).first()

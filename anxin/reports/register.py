"""H6 daily register (日记簿, S0 篇六): an agent's contacts of a day and what became of each.

Items to follow up (a contact neither done nor turned into an order, or a call-back promise still open) come
first, so the shift lead's morning review starts with them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from anxin.accounts import selectors as account_selectors
from anxin.accounts.models import User
from anxin.accounts.roles import Role
from anxin.accounts.scope import visible_unit_ids
from anxin.core.sqlplans import custom_plans
from anxin.intake.models import ContactLog
from anxin.reports.periods import Period
from anxin.sla.models import Commitment

OUTCOMES = {
    "follow_up": _("To follow up"),
    "callback": _("Call-back promised"),
    "on_the_spot": _("Resolved on the spot"),
    "order": _("Work order created"),
    "urge": _("Chased an open order"),
    "ended": _("Ended (abusive contact)"),
}


@dataclass
class RegisterRow:
    log: ContactLog
    outcome: str
    callback: Commitment | None

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES[self.outcome])

    @property
    def follow_up(self) -> bool:
        return self.outcome in ("follow_up", "callback")


def register_agents_for(user: User) -> list[User]:
    """Whose register the user may read: every desk colleague in scope for a lead, else only their own."""
    if user.has_perm("reports.view_staff_performance"):
        colleagues = account_selectors.staff_list_for(user=user)
        desk = account_selectors.members_of(users=colleagues, roles=[Role.AGENT, Role.COMPLAINT_OFFICER,
                                                                     Role.DISPATCHER])
        return [u for u in colleagues if u.pk in desk or u == user]
    return [user] if user.has_perm("intake.add_contactlog") else []


def _outcome(log: ContactLog, callback: Commitment | None) -> str:
    if log.ended_at:
        return "ended"
    if callback is not None:
        return "callback"
    if log.is_urge:
        return "urge"
    if log.work_order_id:
        return "order"
    return "on_the_spot" if log.done_at else "follow_up"


@custom_plans()  # a period of rows: planned for its own dates (core.sqlplans)
def daily_register(*, user: User, agent: User, period: Period) -> list[RegisterRow]:
    """The agent's contacts in the period at the sites the viewer may see; follow-ups first, then by time."""
    logs = list(ContactLog.objects.filter(taker=agent, site_id__in=visible_unit_ids(user),
                                          received_at__gte=period.start, received_at__lt=period.end)
                .select_related("customer", "work_order", "site").order_by("received_at", "id"))
    order_ids = {log.work_order_id for log in logs if log.work_order_id}
    callbacks: dict[int, Commitment] = {}
    for c in (Commitment.objects.filter(work_order_id__in=order_ids, kind=Commitment.Kind.CALLBACK,
                                        outcome=Commitment.Outcome.OPEN, made_by=agent).order_by("due_at")):
        callbacks.setdefault(c.work_order_id, c)
    rows = [RegisterRow(log, _outcome(log, callbacks.get(log.work_order_id)), callbacks.get(log.work_order_id))
            for log in logs]
    return sorted(rows, key=lambda r: (not r.follow_up, r.log.received_at, r.log.id))


def summary(rows: list[RegisterRow]) -> list[dict]:
    counts = {key: 0 for key in OUTCOMES}
    for row in rows:
        counts[row.outcome] += 1
    return [{"key": key, "label": str(label), "n": counts[key]} for key, label in OUTCOMES.items()]

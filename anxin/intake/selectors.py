from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone

from anxin.accounts.models import LanguageSkill, OrgUnit, User
from anxin.accounts.scope import scope_filter, visible_unit_ids
from anxin.accounts.selectors import site_list_for
from anxin.core.errors import NotFound
from anxin.core.languages import Language
from anxin.core.phone import try_normalize_phone
from anxin.customers import selectors as customer_selectors
from anxin.intake.models import CallRoute, ContactLog, CounterDesk, CounterTicket, IncomingCall
from anxin.sla import selectors as sla_selectors
from anxin.workorders import selectors as wo_selectors
from anxin.workorders import services as wo_services
from anxin.workorders.incident_selectors import incidents_covering


def contactlog_qs_for(user: User):
    return ContactLog.objects.filter(scope_filter(user)).select_related("customer", "taker", "work_order")


def contactlog_get_for(*, user: User, public_id: UUID | str) -> ContactLog:
    try:
        UUID(str(public_id))
    except ValueError as exc:
        raise NotFound() from exc
    log = contactlog_qs_for(user).filter(public_id=public_id).first()
    if log is None or not user.has_perm("intake.view_contactlog"):
        raise NotFound()
    return log


def contactlog_recent_for_customer(*, user: User, customer_id: int, limit: int = 10) -> list[ContactLog]:
    return list(contactlog_qs_for(user).filter(customer_id=customer_id).order_by("-received_at")[:limit])


def contactlog_recent_for_phone(*, user: User, phone: str, limit: int = 10) -> list[ContactLog]:
    return list(contactlog_qs_for(user).filter(phone=phone).order_by("-received_at")[:limit])


def contactlog_by_token(*, user: User, token: str) -> ContactLog | None:
    """The log a form with this one-time token already created (a double submit), if any."""
    return ContactLog.objects.select_related("work_order").filter(client_token=token, taker=user).first() if token else None


def promise_row(order) -> dict:
    """A7: within or past its promise — from the SLA clocks, or the interim rule before they exist."""
    state = sla_selectors.promise_state(order=order)
    if state is None:
        return {"order": order, "within_promise": wo_services.is_within_promise(order),
                "due": wo_services.promise_due_at(order)}
    return {"order": order, "within_promise": state[0], "due": state[1]}


def recent_route(*, phone: str | None) -> CallRoute | None:
    """A12: the routing decision for a call from this number in the last 15 minutes (the call being answered)."""
    if not phone:
        return None
    return (CallRoute.objects.filter(phone=phone, created_at__gte=timezone.now() - timedelta(minutes=15))
            .order_by("-created_at").first())


def caller_context(*, user: User, phone: str, customer_id: str) -> dict:
    """A2: what pops for a caller — matching archives, the customer (picked, or the only match), their contacts,
    open orders with their promises and the last contacts (of the customer, else of the number)."""
    e164 = try_normalize_phone(phone) if phone else None
    matches = customer_selectors.customer_find_by_phone(user=user, phone=e164) if e164 else []
    customer = None
    if customer_id:
        try:
            customer = customer_selectors.customer_get_for(user=user, public_id=customer_id)
        except NotFound:
            customer = None
    elif len(matches) == 1:
        customer = matches[0]
    open_orders = wo_selectors.open_orders_for_customer(user=user, customer_id=customer.id) if customer else []
    prefetch_related_objects(open_orders, "clocks")  # one query for every open order's promises
    return {
        "phone": phone, "e164": e164, "phone_invalid": bool(phone) and not e164, "matches": matches,
        "customer": customer,
        "contacts": customer_selectors.contacts_for_display(user, list(customer.contacts.all())) if customer else [],
        "open_orders": [promise_row(o) for o in open_orders],
        "route": recent_route(phone=e164),  # A12: how the switch routed this caller
        "incidents": incidents_covering(customer=customer),  # A11: the caller's area has a known outage
        "restored_incidents": incidents_covering(customer=customer,
                                                 restored_since=timezone.now() - timedelta(hours=24)),
        "recent": (contactlog_recent_for_customer(user=user, customer_id=customer.id) if customer
                   else contactlog_recent_for_phone(user=user, phone=e164) if e164 else []),
    }


# --- A4 walk-in counter ---------------------------------------------------------------------------------------

@dataclass
class CounterView:
    site: OrgUnit
    desk: CounterDesk | None  # this agent's open window
    current: CounterTicket | None  # the customer at this agent's window
    waiting: list[CounterTicket]
    desks: list[CounterDesk]  # every open window of the site, each with `.serving`
    served_today: int
    avg_wait_minutes: int | None
    expected_wait_minutes: int | None


def _today():
    from anxin.workorders.services import SHANGHAI

    return timezone.now().astimezone(SHANGHAI).date()


def counter_site_for(*, user: User, code: str = "") -> OrgUnit:
    """The site of the agent's open window, else the one picked (a code among the sites they see), else their own.
    A code outside their scope is ignored, never shown. NotFound when they see no site."""
    desk = my_counter_desk(user=user)
    if desk is not None:
        return desk.site
    sites = site_list_for(user=user)
    site = (next((s for s in sites if s.code == code), None) if code else None) or next(
        (s for s in sites if s.id == user.org_unit_id), None) or (sites[0] if sites else None)
    if site is None:
        raise NotFound()
    return site


def my_counter_desk(*, user: User) -> CounterDesk | None:
    return CounterDesk.objects.filter(agent=user, closed_at__isnull=True).select_related("site").first()


def counter_ticket_get_for(*, user: User, public_id: UUID | str) -> CounterTicket:
    try:
        UUID(str(public_id))
    except ValueError as exc:
        raise NotFound() from exc
    ticket = (CounterTicket.objects.filter(scope_filter(user), public_id=public_id)
              .select_related("site", "customer").first())
    if ticket is None or not user.has_perm("intake.add_contactlog"):
        raise NotFound()
    return ticket


def counter_view(*, user: User, site: OrgUnit) -> CounterView:
    """The counter screen: my window and customer, the queue (appointment holders first), every open window."""
    today = _today()
    tickets = list(CounterTicket.objects.filter(site=site, day=today).select_related("desk", "customer")
                   .order_by("-has_appointment", "seq"))
    waiting = [t for t in tickets if t.state == CounterTicket.State.WAITING]
    desks = list(CounterDesk.objects.filter(site=site, closed_at__isnull=True).select_related("agent"))
    serving = {t.desk_id: t for t in tickets if t.state == CounterTicket.State.CALLED}
    for desk in desks:
        desk.serving = serving.get(desk.id)
    desk = next((d for d in desks if d.agent_id == user.id), None)
    done = [t for t in tickets if t.state == CounterTicket.State.DONE and t.called_at]
    waits = [(t.called_at - t.created_at).total_seconds() / 60 for t in tickets if t.called_at]
    service = [(t.finished_at - t.called_at).total_seconds() / 60 for t in done if t.finished_at]
    per_customer = sum(service) / len(service) if service else 10  # no visit finished yet today: assume 10 min
    return CounterView(
        site=site, desk=desk, current=desk.serving if desk else None, waiting=waiting, desks=desks,
        served_today=len(done), avg_wait_minutes=round(sum(waits) / len(waits)) if waits else None,
        expected_wait_minutes=round(len(waiting) * per_customer / len(desks)) if desks else None)


@dataclass
class DisplayBoard:
    site: OrgUnit
    serving: list[tuple[str, str]]  # (number, window), the latest call first
    next_up: list[str]  # numbers asked to get ready: at most one per free window
    waiting_count: int


def counter_display(*, site: OrgUnit) -> DisplayBoard:
    """The hall screen: numbers and windows only — no names, no phones."""
    today = _today()
    desks = list(CounterDesk.objects.filter(site=site, closed_at__isnull=True))
    called = list(CounterTicket.objects.filter(site=site, day=today, state=CounterTicket.State.CALLED,
                                               desk__isnull=False).select_related("desk").order_by("-called_at"))
    busy = {t.desk_id for t in called}
    free = sum(1 for d in desks if d.id not in busy)
    waiting = CounterTicket.objects.filter(site=site, day=today, state=CounterTicket.State.WAITING)
    next_up = [t.number for t in waiting.order_by("-has_appointment", "seq")[:free]] if free else []
    return DisplayBoard(site=site, serving=[(t.number, t.desk.label) for t in called], next_up=next_up,
                        waiting_count=waiting.count())


# --- A12 languages ---------------------------------------------------------------------------------------------

def language_report(*, user: User, since) -> list[dict]:
    """Per language: the agents of the viewer's scope who have it, the share of contacts with its customers that
    an agent with the language served, and how the calls were routed and how long they waited for an agent."""
    units = visible_unit_ids(user)
    skills = (LanguageSkill.objects.filter(user__org_unit_id__in=units, user__is_active=True)
              .select_related("user").order_by("language", "-level", "user__username"))
    agents: dict[str, list] = {}
    for s in skills:
        agents.setdefault(s.language, []).append(s)
    contacts = (ContactLog.objects.filter(site_id__in=units, received_at__gte=since, customer__isnull=False)
                .annotate(in_language=Exists(LanguageSkill.objects.filter(
                    user_id=OuterRef("taker_id"), language=OuterRef("customer__preferred_language"))))
                .values("customer__preferred_language")
                .annotate(n=Count("id"), served=Count("id", filter=Q(in_language=True))))
    by_contacts = {row["customer__preferred_language"]: row for row in contacts}
    rang = IncomingCall.objects.filter(call_id=OuterRef("call_id")).order_by("created_at").values("created_at")[:1]
    routes = (CallRoute.objects.filter(Q(site_id__in=units) | Q(site__isnull=True), created_at__gte=since)
              .annotate(wait=ExpressionWrapper(Subquery(rang) - F("created_at"), output_field=DurationField()))
              .values("language", "decision").annotate(n=Count("id"), wait=Avg("wait")))
    by_route: dict[str, dict] = {}
    for row in routes:
        entry = by_route.setdefault(row["language"], {"decisions": {}, "waits": []})
        entry["decisions"][row["decision"]] = row["n"]
        if row["wait"] is not None:
            entry["waits"].append((row["wait"].total_seconds(), row["n"]))
    report = []
    for code, label in Language.choices:
        c = by_contacts.get(code, {"n": 0, "served": 0})
        r = by_route.get(code, {"decisions": {}, "waits": []})
        weight = sum(n for _w, n in r["waits"])
        report.append({
            "code": code, "label": label, "agents": agents.get(code, []), "contacts": c["n"],
            "served_share": round(100 * c["served"] / c["n"], 1) if c["n"] else None,
            "routes": {CallRoute.Decision(k).label: v for k, v in r["decisions"].items()},
            "avg_wait": round(sum(w * n for w, n in r["waits"]) / weight) if weight else None,
        })
    return report

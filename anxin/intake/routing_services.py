"""A12 language-skilled routing. The switch knows who is free; we know who the caller is and who speaks their
language. `call_route` answers the switch's question "whom do I offer this call to?": a caller who prefers a
language other than Chinese goes first to the free agents with that language (best level first) and, if none of
them takes it within LANGUAGE_ROUTING_WAIT_SECONDS, `call_route_fallback` sends it to everyone free and tells
the shift leads. Every decision is kept (CallRoute) for the lead and the language report."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import LanguageSkill, User
from anxin.accounts.selectors import leads_for
from anxin.core.errors import DomainError, ErrorCode, NotFound
from anxin.core.languages import Language
from anxin.core.phone import try_normalize_phone
from anxin.customers.models import Customer
from anxin.intake.models import CallRoute
from anxin.notifications import services as notifications

D = CallRoute.Decision


def call_route(*, call_id: str, phone: str, free_agents: list[str]) -> tuple[CallRoute, int]:
    """The offer for one call (the same answer for a repeated question) and the seconds to wait before falling
    back to everyone (0: offered to everyone now)."""
    if not call_id or len(call_id) > 64:
        raise DomainError(ErrorCode.INVALID, _("call_id is required."), {"field": "call_id"})
    if (known := CallRoute.objects.filter(call_id=call_id).first()) is not None:
        return known, _wait(known)
    e164 = try_normalize_phone(phone) or ""
    customer = (Customer.objects.filter(contacts__phone=e164).select_related("site").first() if e164 else None)
    language = customer.preferred_language if customer else Language.ZH
    free = list(User.objects.filter(username__in=free_agents[:200], is_active=True))
    order = {u.username: i for i, u in enumerate(free)}
    offered, decision = [u.username for u in free], D.GENERAL
    if language != Language.ZH:
        skilled = dict(LanguageSkill.objects.filter(language=language, user__is_active=True)
                       .values_list("user__username", "level"))
        if not skilled:
            decision = D.NO_SKILLED_AT_ALL
        elif free_skilled := sorted((u for u in offered if u in skilled), key=lambda u: (-skilled[u], order[u])):
            offered, decision = free_skilled, D.SKILLED
        else:
            decision = D.NO_SKILLED_FREE
    try:
        with transaction.atomic():
            route = CallRoute.objects.create(call_id=call_id, phone=e164, customer=customer,
                                             site=customer.site if customer else None, language=language,
                                             decision=decision, offered=offered)
    except IntegrityError:  # the same question twice at once: one answer
        route = CallRoute.objects.get(call_id=call_id)
    if decision in (D.NO_SKILLED_FREE, D.NO_SKILLED_AT_ALL):
        _tell_leads(route)
    return route, _wait(route)


def call_route_fallback(*, call_id: str, free_agents: list[str]) -> CallRoute:
    """Nobody with the language took the call within the wait: offer it to everyone free, tell the leads."""
    route = CallRoute.objects.filter(call_id=call_id).first()
    if route is None:
        raise NotFound()
    if route.decision != D.SKILLED:
        return route  # it was never held back
    with transaction.atomic():
        if CallRoute.objects.filter(pk=route.pk, decision=D.SKILLED).update(
                decision=D.FELL_BACK, fell_back_at=timezone.now(), updated_at=timezone.now(),
                offered=list(User.objects.filter(username__in=free_agents[:200], is_active=True)
                             .values_list("username", flat=True))):
            route.refresh_from_db()
            _tell_leads(route)
    return route


def _wait(route: CallRoute) -> int:
    return settings.LANGUAGE_ROUTING_WAIT_SECONDS if route.decision == D.SKILLED else 0


def _tell_leads(route: CallRoute) -> None:
    if route.site_id is None:
        return
    notifications.notify(
        recipients=leads_for(site_id=route.site_id), kind="language_fallback", urgent=True,
        url="/intake/languages/",
        subject=_("A caller who speaks %(language)s is in the general queue: %(why)s")
        % {"language": Language(route.language).label, "why": route.get_decision_display()},
        dedupe_key=f"language_fallback:{route.pk}:{route.decision}")

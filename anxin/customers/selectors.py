"""Readers of the customer archive. Every function takes the viewer and applies the scope."""

import re
import unicodedata
from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects

from anxin.accounts.models import User
from anxin.accounts.scope import can_see_unit, scoped
from anxin.core.compiled import A_UUID, AN_ID, CompiledRead
from anxin.core.errors import NotFound
from anxin.core.phone import mask_phone, national, try_normalize_phone
from anxin.customers.models import Asset, Contact, Customer

_DIGITS = re.compile(r"^[\d\s+\-()]+$")


def customer_qs_for(user: User) -> QuerySet[Customer]:
    """Customers of the viewer's sites; a role that sees only its own orders (technicians) sees only the customers
    of the orders it holds now — the same rule as search (issue 13: the whole archive was readable)."""
    qs = scoped(Customer.objects.all(), user).select_related("site")
    if not user.has_perm("workorders.view_team_orders"):
        qs = qs.filter(_has_an_order_of(user.id))
    return qs


def _has_an_order_of(owner_id) -> Exists:
    """The customer has an order this user owns (the order model through Customer's reverse relation: customers
    sit below workorders and never import it)."""
    return Exists(Customer.work_orders.field.model.objects.filter(customer=OuterRef("pk"), owner_id=owner_id))


def customer_get_for(*, user: User, public_id: UUID | str, with_archive: bool = True) -> Customer:
    """The customer if the viewer may see it; NotFound otherwise (same answer as unknown).

    with_archive prefetches contacts and assets (for pages that show them).
    """
    try:
        UUID(str(public_id))
    except ValueError as exc:
        raise NotFound() from exc
    # customer_qs_for's rule on the row read (tested alike): the site in scope, and for a role that sees only its
    # own orders, one of them for this customer
    if user.has_perm("workorders.view_team_orders"):
        customer = _customer_by_public_id.first(public_id)
    else:
        customer = _customer_of_owner.first(public_id, user.id)
    if customer is None or not can_see_unit(user, customer.site_id):
        raise NotFound()
    if with_archive:
        prefetch_related_objects([customer], "contacts", Prefetch("assets", queryset=Asset.objects.order_by("id")))
    return customer


def contacts_of(customer: Customer) -> list[Contact]:
    """The customer's numbers, primary first (the order page's, compiled once per process: see core.compiled)."""
    contacts = _contacts_of(customer.pk)
    for contact in contacts:
        contact.customer = customer
    return contacts


_contacts_of = CompiledRead(lambda customer_id: Contact.objects.filter(customer_id=customer_id), AN_ID)
# the order form's and the API's customer, compiled once per process (core.compiled)
_customer_by_public_id = CompiledRead(
    lambda public_id: Customer.objects.filter(public_id=public_id).select_related("site"), A_UUID)
_customer_of_owner = CompiledRead(
    lambda public_id, owner_id: Customer.objects.filter(_has_an_order_of(owner_id), public_id=public_id)
    .select_related("site"), A_UUID, AN_ID)


def asset_get_for(*, customer: Customer, public_id: UUID | str) -> Asset:
    """An asset of this (already scope-checked) customer; NotFound for anyone else's."""
    asset = customer.assets.filter(public_id=public_id).first()
    if asset is None:
        raise NotFound()
    return asset


def customer_search(*, user: User, query: str, limit: int = 20) -> list[Customer]:
    """Find by name, address, full phone or its last four digits (B1, issue 2 §4)."""
    if not (query or "").strip():
        return []
    return list(customer_search_qs(user=user, query=query)[:limit])


def customer_search_qs(*, user: User, query: str) -> QuerySet[Customer]:
    """The search as a queryset; an empty query means every customer in scope (for exports)."""
    text = unicodedata.normalize("NFKC", query or "").strip()
    qs = customer_qs_for(user).prefetch_related("contacts")
    if not text:
        return qs.order_by("name", "id")
    if _DIGITS.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) == 4:
            qs = qs.filter(contacts__last4=digits)
        elif not user.has_perm("customers.view_full_phone"):
            # a role shown masked numbers must not recover one digit by digit through search (issue 13)
            return qs.none()
        else:
            e164 = try_normalize_phone(text)
            if e164:
                qs = qs.filter(contacts__phone__startswith=e164.split(";")[0])
            else:
                qs = qs.filter(contacts__phone__contains=digits)
    else:
        for term in text.lower().split()[:5]:
            qs = qs.filter(search_text__contains=term[:50])
    return qs.distinct().order_by("name", "id")


def customer_find_by_phone(*, user: User, phone: str) -> list[Customer]:
    e164 = try_normalize_phone(phone)
    if not e164:
        return []
    return list(customer_qs_for(user).filter(contacts__phone=e164).prefetch_related("contacts").distinct()[:10])


def phone_visible(user: User, *, active_own_order: bool = False) -> bool:
    """J2: full numbers for roles that need them; a technician only on his own active order."""
    return user.has_perm("customers.view_full_phone") or active_own_order


def phone_for_display(user: User, e164: str, *, active_own_order: bool = False) -> str:
    if not e164:
        return ""
    return national(e164) if phone_visible(user, active_own_order=active_own_order) else mask_phone(e164)


def contacts_for_display(user: User, contacts: list[Contact], *, active_own_order: bool = False) -> list[dict]:
    return [
        {"name": c.name, "kind": c.get_kind_display(), "phone": phone_for_display(user, c.phone,
                                                                                  active_own_order=active_own_order),
         "is_primary": c.is_primary}
        for c in contacts
    ]

"""Writers of the customer archive: customers, contacts and assets."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.address import split_address
from anxin.core.errors import DomainError, NotFound, PermissionDeniedError, domain_error_from
from anxin.core.phone import last_four, normalize_phone, phone_kind
from anxin.core.signals import changed
from anxin.customers.errors import CustomerErrorCode
from anxin.customers.models import Asset, Contact, Customer

ADDRESS_FIELDS = ("province", "city", "district", "street", "number", "address_detail", "postcode")


def _refresh_search_text(customer: Customer) -> None:
    names = " ".join(c.name for c in customer.contacts.all() if c.name)
    customer.search_text = f"{customer.name} {customer.address} {names}".lower()
    Customer.objects.filter(pk=customer.pk).update(search_text=customer.search_text)
    changed("customer", customer.pk)


def _check_site(actor: User | None, site: OrgUnit) -> None:
    # SECURITY-CASES 26: nobody binds a record to a site outside their own scope.
    if actor is not None and not can_see_unit(actor, site.id):
        raise NotFound()


def _check_tier(actor: User) -> None:
    """Issue 13: a tier (VIP) changes complaint routing, so setting one is its own right."""
    if not actor.has_perm("customers.change_tier"):
        raise PermissionDeniedError(_("Only a manager may set a customer's tier."))


@transaction.atomic
def customer_create(
    *, actor: User | None, site: OrgUnit, name: str, kind: str = Customer.Kind.PERSON,
    tier: str = Customer.Tier.BASIC, preferred_language: str = "zh", address_text: str = "",
    contacts: list[dict[str, Any]] | None = None, address: dict[str, str] | None = None,
    notes: str = "", email: str = "", request=None,
) -> Customer:
    """Create a customer with contacts. A free-text address is split into its parts.

    Raises DomainError(invalid) for a bad field or phone (with extra.field).
    """
    _check_site(actor, site)
    if actor is not None and tier != Customer.Tier.BASIC:
        _check_tier(actor)
    parts = dict(address or {})
    if address_text and not any(parts.get(f) for f in ADDRESS_FIELDS[:-1]):
        split = split_address(address_text)
        parts.update(province=split.province, city=split.city, district=split.district, street=split.street,
                     number=split.number, address_detail=split.detail)
    customer = Customer(site=site, name=(name or "").strip(), kind=kind, tier=tier,
                        preferred_language=preferred_language, notes=notes, email=email,
                        **{k: (parts.get(k) or "").strip() for k in ADDRESS_FIELDS})
    try:
        customer.full_clean(exclude=["search_text"])
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    customer.save()
    for index, contact in enumerate(contacts or []):
        contact_add(customer=customer, actor=None, phone=contact.get("phone", ""), name=contact.get("name", ""),
                    kind=contact.get("kind") or "", is_primary=index == 0)
    _refresh_search_text(customer)
    audit_record(actor=actor, action="create", object_type="customers.customer", object_id=customer.public_id,
                 summary=customer.name, request=request)
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor: User, data: dict[str, Any], request=None) -> Customer:
    """Change the editable fields given in `data`; records old → new in the audit log.

    Raises PermissionDeniedError without `customers.change_customer`, DomainError(invalid).
    """
    if not actor.has_perm("customers.change_customer"):
        raise PermissionDeniedError()
    editable = {"name", "kind", "tier", "preferred_language", "preferred_channel", "notes", "email", "lat", "lng",
                *ADDRESS_FIELDS}
    if data.get("preferred_channel") == Customer.Channel.WECHAT and not customer.wechat_openid:
        # the OpenID comes only from the customer's own WeChat sign-in in the portal
        raise DomainError(CustomerErrorCode.INVALID, _("This customer has not linked WeChat in the portal yet."),
                          {"field": "preferred_channel"})
    changes = {}
    for key, value in data.items():
        if key not in editable:
            raise DomainError(CustomerErrorCode.INVALID, _("This field cannot be changed."), {"field": key})
        old = getattr(customer, key)
        if old != value:
            changes[key] = {"old": old if isinstance(old, str | None) else str(old),
                            "new": value if isinstance(value, str | None) else str(value)}
            setattr(customer, key, value)
    if "tier" in changes:
        _check_tier(actor)
    try:
        customer.full_clean(exclude=["search_text"])
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    customer.save()
    _refresh_search_text(customer)
    audit_record(actor=actor, action="update", object_type="customers.customer", object_id=customer.public_id,
                 summary=customer.name, request=request, data=changes)
    if "tier" in changes:
        audit_record(actor=actor, action="update", object_type="customers.customer", object_id=customer.public_id,
                     summary=f"tier {changes['tier']['old']} → {changes['tier']['new']}", request=request,
                     data={"tier": changes["tier"]})
    return customer


def contact_add(
    *, customer: Customer, actor: User | None, phone: str, name: str = "", kind: str = "", is_primary: bool = False,
) -> Contact:
    if actor is not None and not actor.has_perm("customers.change_customer"):
        raise PermissionDeniedError()
    e164 = normalize_phone(phone)
    if customer.contacts.filter(phone=e164).exists():
        raise DomainError(CustomerErrorCode.DUPLICATE_PHONE, _("This customer already has this phone number."),
                          {"field": "phone"})
    contact = Contact(customer=customer, phone=e164, last4=last_four(e164), name=(name or "").strip(),
                      kind=kind or phone_kind(e164), is_primary=is_primary)
    try:
        contact.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    contact.save()
    if actor is not None:
        _refresh_search_text(customer)
        audit_record(actor=actor, action="update", object_type="customers.customer", object_id=customer.public_id,
                     summary=f"+contact {contact.last4}")
    return contact


@transaction.atomic
def asset_create(*, customer: Customer, actor: User | None, name: str, **fields: Any) -> Asset:
    """B2: register a product the customer owns (from a sale, an import or at first service)."""
    allowed = {"maker", "brand", "model", "spec", "colour", "quantity", "serial_no", "purchased_on", "use",
               "warranty_ends_on", "location", "service_interval_days"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(CustomerErrorCode.INVALID, _("Unknown field."), {"field": sorted(unknown)[0]})
    asset = Asset(customer=customer, name=(name or "").strip(), **{k: v for k, v in fields.items() if v is not None})
    if isinstance(asset.purchased_on, date) and isinstance(asset.warranty_ends_on, date) \
            and asset.warranty_ends_on < asset.purchased_on:
        raise DomainError(CustomerErrorCode.INVALID, _("The warranty cannot end before the purchase date."),
                          {"field": "warranty_ends_on"})
    try:
        asset.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    asset.save()
    if actor is not None:
        audit_record(actor=actor, action="create", object_type="customers.asset", object_id=asset.public_id,
                     summary=str(asset))
    return asset

from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status

from anxin.accounts import selectors as account_selectors
from anxin.audit.services import audit_record
from anxin.core.errors import PermissionDeniedError
from anxin.customers import selectors, services
from anxin.customers.schemas import (
    AssetCreateIn,
    AssetOut,
    ContactIn,
    CustomerCreateIn,
    CustomerOut,
    CustomerUpdateIn,
)

router = Router(tags=["customers"])


def customer_out(user, customer) -> dict:
    return {
        "id": customer.public_id, "kind": customer.kind, "name": customer.name, "tier": customer.tier,
        "preferred_language": customer.preferred_language, "site": customer.site.code,
        "province": customer.province, "city": customer.city, "district": customer.district,
        "street": customer.street, "number": customer.number, "address_detail": customer.address_detail,
        "postcode": customer.postcode, "address": customer.address, "created_at": customer.created_at,
        "contacts": [{"name": c.name, "kind": c.kind, "phone": selectors.phone_for_display(user, c.phone),
                      "is_primary": c.is_primary} for c in customer.contacts.all()],
    }


def asset_out(asset) -> dict:
    return {"id": asset.public_id, **{f: getattr(asset, f) for f in AssetOut.model_fields if f != "id"}}


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDeniedError()


@router.get("/", response=list[CustomerOut])
def customer_search(request: HttpRequest, q: str = ""):
    _require(request.user, "customers.view_customer")
    return [customer_out(request.user, c) for c in selectors.customer_search(user=request.user, query=q[:100], limit=50)]


@router.post("/", response={201: CustomerOut})
def customer_create(request: HttpRequest, payload: CustomerCreateIn):
    _require(request.user, "customers.add_customer")
    site = account_selectors.orgunit_get_for(user=request.user, code=payload.site)
    customer = services.customer_create(
        actor=request.user, site=site, name=payload.name, kind=payload.kind, tier=payload.tier,
        preferred_language=payload.preferred_language, address_text=payload.address_text,
        address=payload.address.model_dump() if payload.address else None,
        contacts=[c.model_dump() for c in payload.contacts], notes=payload.notes, request=request,
    )
    return Status(201, customer_out(request.user, selectors.customer_get_for(user=request.user, public_id=customer.public_id)))


@router.get("/{customer_id}", response=CustomerOut)
def customer_get(request: HttpRequest, customer_id: UUID):
    _require(request.user, "customers.view_customer")
    customer = selectors.customer_get_for(user=request.user, public_id=customer_id)
    audit_record(actor=request.user, action="view", object_type="customers.customer", object_id=customer.public_id,
                 summary=customer.name, request=request)
    return customer_out(request.user, customer)


@router.patch("/{customer_id}", response=CustomerOut)
def customer_update(request: HttpRequest, customer_id: UUID, payload: CustomerUpdateIn):
    customer = selectors.customer_get_for(user=request.user, public_id=customer_id)
    services.customer_update(customer=customer, actor=request.user, data=payload.model_dump(exclude_unset=True),
                             request=request)
    return customer_out(request.user, selectors.customer_get_for(user=request.user, public_id=customer_id))


@router.post("/{customer_id}/contacts", response={201: CustomerOut})
def contact_add(request: HttpRequest, customer_id: UUID, payload: ContactIn):
    _require(request.user, "customers.change_customer")
    customer = selectors.customer_get_for(user=request.user, public_id=customer_id)
    services.contact_add(customer=customer, actor=request.user, phone=payload.phone, name=payload.name,
                         kind=payload.kind)
    return Status(201, customer_out(request.user, selectors.customer_get_for(user=request.user, public_id=customer_id)))


@router.get("/{customer_id}/assets", response=list[AssetOut])
def asset_list(request: HttpRequest, customer_id: UUID):
    _require(request.user, "customers.view_customer")
    customer = selectors.customer_get_for(user=request.user, public_id=customer_id)
    return [asset_out(a) for a in customer.assets.all()]


@router.post("/{customer_id}/assets", response={201: AssetOut})
def asset_create(request: HttpRequest, customer_id: UUID, payload: AssetCreateIn):
    _require(request.user, "customers.change_customer")
    customer = selectors.customer_get_for(user=request.user, public_id=customer_id)
    data = payload.model_dump()
    asset = services.asset_create(customer=customer, actor=request.user, name=data.pop("name"), **data)
    return Status(201, asset_out(asset))

from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema

from anxin.core.api import StrictSchema


class ContactIn(StrictSchema):
    phone: str = Field(..., max_length=40)
    name: str = Field("", max_length=50)
    kind: str = Field("", pattern="^(|mobile|home|office)$")


class AddressIn(StrictSchema):
    province: str = Field("", max_length=20)
    city: str = Field("", max_length=20)
    district: str = Field("", max_length=20)
    street: str = Field("", max_length=50)
    number: str = Field("", max_length=20)
    address_detail: str = Field("", max_length=100)
    postcode: str = Field("", max_length=6)


class CustomerCreateIn(StrictSchema):
    site: str = Field(..., description="org unit code of the owning site", max_length=20)
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field("person", pattern="^(person|organisation)$")
    tier: str = "basic"
    preferred_language: str = "zh"
    address_text: str = Field("", max_length=200, description="free text; split into parts when no parts given")
    address: AddressIn | None = None
    contacts: list[ContactIn] = Field(default_factory=list, max_length=10)
    notes: str = Field("", max_length=2000)


class CustomerUpdateIn(StrictSchema):
    """Only the fields sent are changed; unknown ones (site, search_text…) are refused with 422."""

    name: str | None = Field(None, min_length=1, max_length=100)
    kind: str | None = Field(None, pattern="^(person|organisation)$")
    tier: str | None = None
    preferred_language: str | None = None
    province: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=20)
    district: str | None = Field(None, max_length=20)
    street: str | None = Field(None, max_length=50)
    number: str | None = Field(None, max_length=20)
    address_detail: str | None = Field(None, max_length=100)
    postcode: str | None = Field(None, pattern=r"^(\d{6})?$")
    email: str | None = Field(None, max_length=254)
    notes: str | None = Field(None, max_length=2000)


class AssetCreateIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=60)
    maker: str = Field("", max_length=60)
    brand: str = Field("", max_length=60)
    model: str = Field("", max_length=60)
    spec: str = Field("", max_length=60)
    colour: str = Field("", max_length=30)
    quantity: int = Field(1, ge=1, le=100000)
    serial_no: str = Field("", max_length=60)
    purchased_on: date | None = None
    use: str = Field("private", pattern="^(private|public)$")
    warranty_ends_on: date | None = None
    location: str = Field("", max_length=100)


class ContactOut(Schema):
    name: str
    kind: str
    phone: str
    is_primary: bool


class AssetOut(Schema):
    id: UUID
    name: str
    brand: str
    model: str
    spec: str
    serial_no: str
    purchased_on: date | None
    warranty_ends_on: date | None
    location: str


class CustomerOut(Schema):
    id: UUID
    kind: str
    name: str
    tier: str
    preferred_language: str
    site: str
    province: str
    city: str
    district: str
    street: str
    number: str
    address_detail: str
    postcode: str
    address: str
    contacts: list[ContactOut]
    created_at: datetime

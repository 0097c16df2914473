from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from anxin.core.api import CleanSchema, StrictSchema


class ContactLogCreateIn(StrictSchema):
    site: str = Field(..., max_length=20)
    category: str = Field(..., pattern="^(general|business|install_repair|complaint)$")
    content: str = Field(..., min_length=1, max_length=5000)
    channel: str = "hotline"
    customer: UUID | None = None
    phone: str = Field("", max_length=40)
    caller_name: str = Field("", max_length=50)
    product_no: str = Field("", max_length=60)
    model: str = Field("", max_length=60)
    spec: str = Field("", max_length=60)
    fault_symptom: str = Field("", max_length=200)
    handling_opinion: str = Field("", max_length=500)
    result: str = Field("", max_length=500)
    requested_visit_at: datetime | None = None
    done: bool = False


class ContactLogOut(Schema):
    id: UUID
    site: str
    channel: str
    category: str
    customer: UUID | None
    phone: str
    caller_name: str
    received_at: datetime
    content: str
    fault_symptom: str
    work_order: str
    is_urge: bool


class CtiCallIn(CleanSchema):
    call_id: str = Field(..., max_length=64)
    caller: str = Field(..., max_length=40)
    agent: str = Field("", max_length=150, description="username of the agent the call rings at")


class CtiRouteIn(CleanSchema):
    """A12: the switch asks whom to offer a call to, naming the agents it knows are free."""

    call_id: str = Field(..., max_length=64)
    caller: str = Field("", max_length=40)
    free_agents: list[str] = Field(default_factory=list, max_length=200)


class CtiRouteOut(Schema):
    call_id: str
    offer: list[str]
    wait_seconds: int = Field(..., description="offer to `offer` for this long, then ask /cti/route/fallback")
    language: str
    decision: str

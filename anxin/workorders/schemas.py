from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema

from anxin.core.api import StrictSchema


class WorkOrderCreateIn(StrictSchema):
    type: str
    channel: str = "api"
    site: str = Field(..., max_length=20, description="org unit code")
    title: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=5000)
    customer: UUID | None = None
    asset: UUID | None = None
    category: str = Field("", max_length=30, description="category code")
    priority: int = Field(2, ge=1, le=4)
    is_emergency: bool = False
    caller_number: str = Field("", max_length=40)
    owner: str = Field("", max_length=150, description="username")
    visit_from: datetime | None = None
    visit_to: datetime | None = None


class WorkOrderTransitionIn(StrictSchema):
    to: str = Field(..., max_length=20)
    reason: str = Field("", max_length=500)
    version: int | None = Field(None, description="the version you saw; a stale one gets 409")


class WorkOrderAssignIn(StrictSchema):
    owner: str = Field("", max_length=150, description="username; empty to unassign")
    reason: str = Field("", max_length=500)
    version: int | None = None


class WorkOrderCommentIn(StrictSchema):
    body: str = Field(..., min_length=1, max_length=5000)
    is_public: bool = False


class WorkOrderOut(Schema):
    id: UUID
    number: str
    type: str
    family: str
    channel: str
    status: str
    status_label: str
    priority: int
    is_emergency: bool
    title: str
    description: str
    site: str
    customer: UUID | None
    customer_name: str
    asset: UUID | None
    category: str
    caller_number: str
    owner: str
    taken_by: str
    received_at: datetime
    visit_from: datetime | None
    visit_to: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    urge_count: int
    version: int
    allowed_transitions: list[str]


class WorkOrderListOut(Schema):
    count: int
    count_capped: bool = False
    page: int
    page_size: int
    results: list[WorkOrderOut]


class EventOut(Schema):
    type: int
    type_label: str
    actor: str
    from_status: str
    to_status: str
    reason: str
    body: str
    is_public: bool
    data: dict
    created_at: datetime


class AttachmentOut(Schema):
    id: UUID
    name: str
    content_type: str
    size: int


class QueueQuery(Schema):
    view: str = Field("all", pattern="^(mine|team|all)$")
    status: list[str] = Field(default_factory=list)
    open_only: bool = False
    type: str = ""
    channel: str = ""
    site: str = ""
    priority: int | None = Field(None, ge=1, le=4)
    owner: str = ""
    unassigned: bool = False
    received_from: date | None = None
    received_to: date | None = None
    q: str = Field("", max_length=50)
    sort: str = Field("newest", pattern="^(newest|oldest|priority|number|status|updated)$")
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)

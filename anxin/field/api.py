"""Field-service API (for a technician app or a dispatch integration): the technician's day, the daily
assignment register, the visit steps. The same services as the pages; a step's `token` makes a resend harmless."""

from datetime import date, datetime
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from anxin.core.api import StrictSchema
from anxin.core.errors import PermissionDeniedError
from anxin.core.steps import step_perform
from anxin.field import selectors, steps
from anxin.workorders import selectors as wo_selectors

router = Router(tags=["field"])


class JobOut(Schema):
    order: UUID
    number: str
    title: str
    status: str
    planned_start: datetime
    planned_end: datetime
    travel_minutes: int
    address: str


class RegisterRowOut(Schema):
    order: UUID
    number: str
    technician: str
    planned_start: datetime
    planned_end: datetime
    source: str
    warnings: list[str]
    override_reason: str
    dispatched_by: str
    created_at: datetime
    cancelled_at: datetime | None


class StepIn(StrictSchema):
    token: str = Field("", max_length=64, description="one per step and attempt; a resend with it is not repeated")


class NobodyHomeIn(StepIn):
    waited_minutes: int = Field(..., ge=0, le=600)
    note_left: str = Field("", max_length=300)


class StepOut(Schema):
    order: UUID
    status: str
    repeated: bool


@router.get("/my-jobs", response=list[JobOut])
def my_assignments(request: HttpRequest, day: date | None = None):
    """The caller's planned jobs for the day (default today), in order."""
    if not request.user.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    return [{"order": a.work_order.public_id, "number": a.work_order.number, "title": a.work_order.title,
             "status": a.work_order.status, "planned_start": a.planned_start, "planned_end": a.planned_end,
             "travel_minutes": a.travel_minutes,
             "address": a.work_order.customer.address if a.work_order.customer_id else ""}
            for a in selectors.my_assignments(user=request.user, day=day or timezone.localdate())]


@router.get("/register", response=list[RegisterRowOut])
def register(request: HttpRequest, day: date | None = None):
    """每日工作分派登记表 for a day, within the caller's scope (dispatchers and managers)."""
    if not request.user.has_perm("workorders.assign_workorder"):
        raise PermissionDeniedError()
    return [{"order": a.work_order.public_id, "number": a.work_order.number, "technician": a.technician.username,
             "planned_start": a.planned_start, "planned_end": a.planned_end, "source": a.source,
             "warnings": a.warnings, "override_reason": a.override_reason,
             "dispatched_by": a.dispatched_by.username if a.dispatched_by else "", "created_at": a.created_at,
             "cancelled_at": a.cancelled_at}
            for a in selectors.register_for(user=request.user, day=day or timezone.localdate())]


def _step(request, order_id: UUID, key: str, payload: StepIn) -> dict:
    """The same row of `steps.PHONE` as the phone page's button; a bad field answers 400 naming it."""
    order = wo_selectors.workorder_get_for(user=request.user, public_id=order_id)
    done = step_perform(steps.PHONE[key], record=order, actor=request.user, data=payload.dict())
    order.refresh_from_db()
    return {"order": order.public_id, "status": order.status, "repeated": done is None}


@router.post("/orders/{order_id}/travel", response=StepOut)
def travel(request: HttpRequest, order_id: UUID, payload: StepIn):
    return _step(request, order_id, "travel", payload)


@router.post("/orders/{order_id}/arrive", response=StepOut)
def arrive(request: HttpRequest, order_id: UUID, payload: StepIn):
    return _step(request, order_id, "arrive", payload)


@router.post("/orders/{order_id}/nobody-home", response=StepOut)
def nobody_home(request: HttpRequest, order_id: UUID, payload: NobodyHomeIn):
    return _step(request, order_id, "nobody_home", payload)

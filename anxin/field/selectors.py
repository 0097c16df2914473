"""Readers for the field service. Each takes the viewer and applies the org scope (accounts.scope)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import scope_filter, visible_unit_ids
from anxin.core.errors import NotFound
from anxin.core.sqlplans import AmongIds, InConstants
from anxin.field.models import (
    Appointment,
    Assignment,
    Delay,
    FieldJob,
    Inspection,
    JobType,
    MaterialRequisition,
    Part,
    PriceItem,
    Quote,
    Signature,
    StepToken,
    Stock,
    TechnicianProfile,
    Visit,
    Warehouse,
)
from anxin.workorders.models import WorkOrder
from anxin.workorders.selectors import workorder_qs_for
from anxin.workorders.states import DISPATCHABLE, FIELD_TYPES, Status


def technicians_for(*, user: User, site: OrgUnit | None = None) -> list[TechnicianProfile]:
    """Technicians the viewer may plan with: active, at a unit the viewer sees (or at `site`)."""
    units = [site.pk] if site else list(visible_unit_ids(user))
    return list(TechnicianProfile.objects.filter(is_active=True, user__is_active=True, user__org_unit_id__in=units)
                .select_related("user").prefetch_related("skills").order_by("trade", "user__username"))


def technician_get_for(*, user: User, username: str) -> User:
    profile = TechnicianProfile.objects.filter(user__username=username, is_active=True,
                                               user__org_unit_id__in=visible_unit_ids(user)).select_related("user").first()
    if profile is None:
        raise NotFound()
    return profile.user


def waiting_qs(*, user: User, site: OrgUnit) -> QuerySet[WorkOrder]:
    """Field orders at the site still waiting for a technician (no active assignment), most urgent first; read in
    that order from the index wo_site_dispatchable. A report of a mass outage waits with its incident: only the
    incident's field order is dispatched (A11)."""
    # the lists as constants, as the index's WHERE has them: SQLite matches a partial index only so
    return (workorder_qs_for(user).filter(InConstants("status", DISPATCHABLE), InConstants("type", FIELD_TYPES), site=site)
            .filter(Q(incident__isnull=True) | Q(incident__field_order_id=F("id")))
            .exclude(Exists(Assignment.objects.filter(work_order=OuterRef("pk"), cancelled_at__isnull=True)))
            .order_by("-is_emergency", "-priority", "received_at"))


def unassigned_for(*, user: User, site: OrgUnit, limit: int = 300) -> list[WorkOrder]:
    """The first `limit` waiting orders (waiting_qs), each with `job_type` (its field job's, or None)."""
    orders = list(waiting_qs(user=user, site=site).select_related("customer", "field_job__job_type", "category")
                  .prefetch_related(Prefetch("appointments", Appointment.objects.filter(is_current=True),
                                             to_attr="current_appointments"))[:limit])
    for order in orders:
        # an order without a field job raises on `order.field_job`: the template would catch it per row, slowly
        order.job_type = getattr(getattr(order, "field_job", None), "job_type", None)
    return orders


@dataclass(slots=True)
class WaitingRow:
    """One line of the board's unassigned list and of its hand-assign choice (read as values, not models: the board
    lists a hundred, twice)."""

    public_id: UUID
    number: str
    title: str
    is_emergency: bool
    job_type: str | None  # its field job's type, None: no field job yet
    customer: str  # name, "" without an archive record
    district: str
    window: tuple[datetime, datetime] | None  # the current appointment (at most one)


WAITING_COLUMNS = ("id", "public_id", "number", "title", "is_emergency", "field_job__job_type__name", "customer__name",
                   "customer__district")


def waiting_rows(*, user: User, site: OrgUnit, limit: int) -> list[WaitingRow]:
    """The board's first `limit` waiting orders (waiting_qs' order): two statements, whatever the limit."""
    rows = list(waiting_qs(user=user, site=site).values_list(*WAITING_COLUMNS)[:limit])
    windows = {order_id: (start, end) for order_id, start, end in Appointment.objects.filter(
        AmongIds("work_order_id", [r[0] for r in rows]), is_current=True).values_list(
        "work_order_id", "window_from", "window_to")}
    return [WaitingRow(public_id=public_id, number=number, title=title, is_emergency=urgent, job_type=job_type,
                       customer=name or "", district=district or "", window=windows.get(pk))
            for pk, public_id, number, title, urgent, job_type, name, district in rows]


@dataclass
class TechDay:
    """C3 time board row: planned minutes (from the register), actual minutes on site (arrival → hand-over, for
    jobs handed over) and the standard minutes of those same jobs (工时定额)."""

    profile: TechnicianProfile
    assignments: list = field(default_factory=list)
    minutes: int = 0
    travel: int = 0
    on_duty: bool = False
    actual: int = 0
    standard_done: int = 0

    @property
    def load_percent(self) -> int:
        return round(100 * self.minutes / self.profile.capacity_minutes) if self.profile.capacity_minutes else 0


def board_for(*, user: User, site: OrgUnit, day: date) -> list[TechDay]:
    """C2/C3 time board: per technician the day's planned jobs, minutes against capacity, travel."""
    from anxin.accounts.models import OnDuty

    profiles = technicians_for(user=user, site=site)
    rows = {p.user_id: TechDay(p) for p in profiles}
    for a in (Assignment.objects.filter(day=day, cancelled_at__isnull=True, technician_id__in=rows)
              .select_related("work_order__customer", "work_order__field_job__job_type").order_by("planned_start")):
        row = rows[a.technician_id]
        row.assignments.append(a)
        row.minutes += int((a.planned_end - a.planned_start).total_seconds() // 60)
        row.travel += a.travel_minutes
        job = getattr(a.work_order, "field_job", None)
        a.actual_minutes = None
        if job and job.started_at and job.completed_at:
            a.actual_minutes = int((job.completed_at - job.started_at).total_seconds() // 60)
            row.actual += a.actual_minutes
            row.standard_done += job.job_type.standard_minutes if job.job_type else 0
    for tech_id in OnDuty.objects.filter(day=day, technician_id__in=rows).values_list("technician_id", flat=True):
        rows[tech_id].on_duty = True
    return list(rows.values())


def register_for(*, user: User, day: date, site: OrgUnit | None = None) -> QuerySet[Assignment]:
    """每日工作分派登记表: every dispatch of the day (of one site, or all in scope), cancelled ones included."""
    qs = Assignment.objects.filter(day=day).filter(scope_filter(user, site_field="work_order__site"))
    if site is not None:
        qs = qs.filter(work_order__site=site)
    return qs.select_related("work_order", "technician", "dispatched_by").order_by("created_at")


def my_assignments(*, user: User, day: date) -> list[Assignment]:
    """The technician's day in planned order."""
    return list(Assignment.objects.filter(technician=user, day=day, cancelled_at__isnull=True)
                .exclude(work_order__status__in=[Status.CANCELLED])
                .select_related("work_order__customer", "work_order__field_job__job_type")
                .order_by("planned_start"))


def my_open_orders(*, user: User) -> list[WorkOrder]:
    """Orders owned by the technician still open (in progress, waiting), whatever their planned day."""
    return list(WorkOrder.objects.filter(owner=user, type__in=FIELD_TYPES,
                                         status__in=[Status.IN_PROGRESS, Status.WAITING_PARTS,
                                                     Status.WAITING_CUSTOMER])
                .select_related("customer").order_by("received_at")[:50])


@dataclass
class FieldOrderView:
    order: WorkOrder
    job: FieldJob | None
    appointment: Appointment | None
    appointments: list
    assignment: Assignment | None
    visits: list
    inspections: list
    quote: Quote | None
    quotes: list
    requisitions: list
    delays: list


def field_order_view(*, order: WorkOrder) -> FieldOrderView:
    """Everything field-related about one order (the order itself already passed the viewer's scope)."""
    appointments = list(Appointment.objects.filter(work_order=order).select_related("created_by"))
    quotes = list(Quote.objects.filter(work_order=order).prefetch_related("items__approved_by"))
    return FieldOrderView(
        order=order, job=FieldJob.objects.filter(work_order=order).select_related("job_type", "acceptance").first(),
        appointment=next((a for a in appointments if a.is_current), None), appointments=appointments,
        assignment=Assignment.objects.filter(work_order=order, cancelled_at__isnull=True)
        .select_related("technician").first(),
        visits=list(Visit.objects.filter(work_order=order)),
        inspections=list(Inspection.objects.filter(work_order=order).select_related("signature", "photo")),
        quote=next((q for q in quotes if q.status != Quote.Status.SUPERSEDED), None), quotes=quotes,
        requisitions=list(MaterialRequisition.objects.filter(work_order=order).select_related("warehouse")
                          .prefetch_related("lines__part")),
        delays=list(Delay.objects.filter(work_order=order)),
    )


def phone_step(view: FieldOrderView) -> str:
    """The one step a technician on site is at: the visit, the inspection, the quote, the acceptance, the payment.

    Warranty, materials and delays are asked for only when needed, so they never hold the job's step.
    """
    status = view.order.status
    if view.job and view.job.completed_at:
        return "payment" if not view.job.payment_method else "done"
    if status == Status.DISPATCHED:
        return "visit"
    if status not in (Status.IN_PROGRESS, Status.WAITING_PARTS, Status.WAITING_CUSTOMER):
        return "none"
    if not view.inspections:
        return "inspection"
    if view.quote is None or not view.quote.is_frozen:
        return "quote"
    return "accept"


def signature_get_for(*, user: User, order: WorkOrder, public_id) -> Signature:
    sig = Signature.objects.filter(work_order=order, public_id=public_id).first()
    if sig is None:
        raise NotFound()
    return sig


def job_types() -> QuerySet[JobType]:
    return JobType.objects.filter(is_active=True)


def default_job_types() -> dict[int, JobType]:
    """category id → the job type an order of that category gets until the desk sets one."""
    return {jt.category_id: jt for jt in JobType.objects.filter(is_active=True, category__isnull=False)}


def price_list() -> list[PriceItem]:
    return list(PriceItem.objects.filter(is_active=True).order_by("kind", "code"))


def price_item_get(pk) -> PriceItem:
    item = PriceItem.objects.filter(pk=pk, is_active=True).first()
    if item is None:
        raise NotFound()
    return item


def parts_with_stock(*, warehouse: Warehouse) -> list[tuple[Part, int, int]]:
    stock = {s.part_id: s for s in Stock.objects.filter(warehouse=warehouse)}
    return [(p, stock[p.pk].quantity if p.pk in stock else 0, stock[p.pk].safe_quantity if p.pk in stock else 0)
            for p in Part.objects.all()]


def part_get(number: str) -> Part:
    part = Part.objects.filter(number=number).first()
    if part is None:
        raise NotFound()
    return part


def warehouse_for_order(*, order: WorkOrder) -> Warehouse | None:
    ancestors = order.site.ancestor_ids
    return (Warehouse.objects.filter(site_id=order.site_id).first()
            or Warehouse.objects.filter(site_id__in=ancestors).order_by("-site__path").first())


def requisitions_to_issue(*, user: User) -> list[MaterialRequisition]:
    return list(MaterialRequisition.objects.filter(status=MaterialRequisition.Status.REQUESTED,
                                           warehouse__site_id__in=visible_unit_ids(user))
                .select_related("work_order", "warehouse", "requested_by").prefetch_related("lines__part")
                .order_by("created_at"))


def material_requisition_get_for(*, user: User, public_id) -> MaterialRequisition:
    req = MaterialRequisition.objects.filter(public_id=public_id, warehouse__site_id__in=visible_unit_ids(user)) \
        .select_related("warehouse", "work_order").first()
    if req is None:
        raise NotFound()
    return req


def stock_for(*, user: User) -> list[Stock]:
    return list(Stock.objects.filter(warehouse__site_id__in=visible_unit_ids(user))
                .select_related("warehouse", "part").order_by("warehouse__code", "part__number"))


def approvals_for(*, user: User) -> dict:
    """What waits for a supervisor: quotes with off-list items, warranty assessments."""
    scope = scope_filter(user, site_field="work_order__site")
    return {
        "quotes": list(Quote.objects.filter(scope, status=Quote.Status.NEEDS_APPROVAL).select_related("work_order")),
        "warranty": list(FieldJob.objects.filter(scope, warranty=FieldJob.Warranty.ASSESSMENT)
                         .select_related("work_order")),
    }


def order_for_rework(*, user: User, number: str) -> WorkOrder:
    order = workorder_qs_for(user).filter(number=number).first()
    if order is None:
        raise NotFound()
    return order


def sites_with_technicians(*, user: User) -> list[OrgUnit]:
    ids = TechnicianProfile.objects.filter(is_active=True, user__org_unit_id__in=visible_unit_ids(user)) \
        .values_list("user__org_unit_id", flat=True)
    return list(OrgUnit.objects.filter(pk__in=ids).order_by("path"))


def step_token_used(*, order: WorkOrder, token: str) -> bool:
    """Has this phone step's one-time token already been saved for the order?"""
    return bool(token) and StepToken.objects.filter(work_order=order, token=token[:64]).exists()

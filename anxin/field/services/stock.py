"""C8 materials (领料单): requisitions from the parts catalogue, issued by the warehouse. Stock never goes
below zero: each line is one conditional UPDATE (`quantity >= n`), so of two racing issues for the last
part exactly one succeeds, and the database's CHECK constraint backs that up."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.field.models import MaterialRequisition, MaterialRequisitionLine, Part, Stock, Warehouse
from anxin.field.services.errors import invalid
from anxin.field.services.guards import once, require_field, require_own
from anxin.notifications import services as notifications
from anxin.workorders import services as wo
from anxin.workorders.models import WorkOrder, WorkOrderEvent

E = WorkOrderEvent.Type


def material_requisition_create(*, order: WorkOrder, actor: User, warehouse: Warehouse, lines: list[tuple[Part, int]],
                       customer_supplied: list[tuple[str, int, str]] = (), token: str = "") -> MaterialRequisition | None:
    """Parts from the catalogue (with the stock status at request time) plus parts the customer supplies,
    each noted as inspected."""
    require_field(order)
    require_own(order, actor)
    if not lines and not customer_supplied:
        raise invalid(_("Add at least one part."), "lines")
    for _part, quantity in lines:
        if not isinstance(quantity, int) or quantity < 1 or quantity > 9999:
            raise invalid(_("Quantities are whole numbers from 1."), "quantity")
    for description, quantity, note in customer_supplied:
        if not description.strip() or not isinstance(quantity, int) or quantity < 1:
            raise invalid(_("Describe each part the customer supplies, with a quantity from 1."), "customer_supplied")
        if not note.strip():
            raise invalid(_("Note how the customer's part was inspected."), "inspection_note")
    with transaction.atomic():
        if not once(order, token):
            return None
        on_hand = dict(Stock.objects.filter(warehouse=warehouse, part__in=[p for p, _q in lines])
                       .values_list("part_id", "quantity"))
        req = MaterialRequisition.objects.create(work_order=order, warehouse=warehouse, requested_by=actor,
                                         status=MaterialRequisition.Status.REQUESTED if lines else MaterialRequisition.Status.ISSUED)
        MaterialRequisitionLine.objects.bulk_create(
            [MaterialRequisitionLine(requisition=req, part=p, description=p.name, quantity=q,
                             in_stock_when_requested=on_hand.get(p.pk, 0) >= q) for p, q in lines]
            + [MaterialRequisitionLine(requisition=req, description=d.strip()[:100], quantity=q, customer_supplied=True,
                               inspection_note=n.strip()[:200]) for d, q, n in customer_supplied])
        wo.workorder_record_step(
            order=order, type=E.MATERIALS_REQUESTED, actor=actor, reason=warehouse.name,
            data={"requisition": str(req.public_id),
                  "lines": [{"part": p.number, "quantity": q, "in_stock": on_hand.get(p.pk, 0) >= q} for p, q in lines],
                  "customer_supplied": [d for d, _q, _n in customer_supplied]})
        if lines:
            keepers = list(User.objects.filter(is_active=True, groups__name="warehouse",
                                               org_unit_id=warehouse.site_id))
            notifications.notify(recipients=keepers, kind="requisition", url="/field/warehouse/",
                                 subject=_("Materials for %(number)s") % {"number": order.number},
                                 dedupe_key=f"requisition:{req.pk}")
    return req


def material_requisition_issue(*, requisition: MaterialRequisition, actor: User) -> MaterialRequisition:
    """Issue every line or none: a line without enough stock stops the whole issue with a clear message."""
    if not actor.has_perm("field.issue_materials") or not can_see_unit(actor, requisition.warehouse.site_id):
        raise PermissionDeniedError()
    with transaction.atomic():
        claimed = MaterialRequisition.objects.filter(pk=requisition.pk, status=MaterialRequisition.Status.REQUESTED).update(
            status=MaterialRequisition.Status.ISSUED, issued_by=actor, issued_at=timezone.now())
        if not claimed:
            raise DomainError(ErrorCode.CONFLICT, _("This requisition has already been issued or cancelled."),
                              status=409)
        low = []
        for line in requisition.lines.filter(customer_supplied=False).select_related("part"):
            taken = Stock.objects.filter(warehouse_id=requisition.warehouse_id, part=line.part,
                                         quantity__gte=line.quantity).update(quantity=F("quantity") - line.quantity)
            if not taken:
                have = Stock.objects.filter(warehouse_id=requisition.warehouse_id, part=line.part) \
                    .values_list("quantity", flat=True).first() or 0
                raise DomainError(ErrorCode.CONFLICT,
                                  _("Not enough %(part)s in stock: %(have)d on hand, %(need)d needed.")
                                  % {"part": line.part, "have": have, "need": line.quantity},
                                  {"part": line.part.number, "on_hand": have}, status=409)
            stock = Stock.objects.get(warehouse_id=requisition.warehouse_id, part=line.part)
            if stock.quantity < stock.safe_quantity:
                low.append(f"{line.part} ({stock.quantity}/{stock.safe_quantity})")
        order = requisition.work_order
        wo.workorder_record_step(order=order, type=E.MATERIALS_ISSUED, actor=actor,
                                 reason=requisition.warehouse.name,
                                 data={"requisition": str(requisition.public_id)})
        if low:
            notifications.notify(recipients=[actor], kind="stock_low", url="/field/warehouse/",
                                 subject=_("Below safe stock: %(parts)s") % {"parts": ", ".join(low)},
                                 dedupe_key=f"stock_low:{requisition.pk}")
        audit_record(actor=actor, action="update", object_type="field.requisition",
                     object_id=requisition.public_id, summary=f"{order.number} issued")
    requisition.refresh_from_db()
    return requisition


def warehouse_create(*, code: str, name: str, site) -> Warehouse:
    return Warehouse.objects.create(code=code, name=name, site=site)


def stock_receive(*, warehouse: Warehouse, part: Part, quantity: int, actor: User | None = None,
                  safe_quantity: int | None = None) -> Stock:
    if not isinstance(quantity, int) or quantity < 0:
        raise invalid(_("Quantities are whole numbers from 0."), "quantity")
    with transaction.atomic():
        stock, _created = Stock.objects.select_for_update().get_or_create(warehouse=warehouse, part=part)
        Stock.objects.filter(pk=stock.pk).update(quantity=F("quantity") + quantity)
        if safe_quantity is not None:
            Stock.objects.filter(pk=stock.pk).update(safe_quantity=safe_quantity)
        stock.refresh_from_db()
    return stock

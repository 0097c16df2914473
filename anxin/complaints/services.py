"""Complaint intake and routing (D1–D3). The only writer of Complaint."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.audit.services import audit_record
from anxin.complaints.models import AuthorisationLimit, Case, Complaint, CorrectiveAction, Proposal
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError, domain_error_from
from anxin.core.signals import changed
from anxin.notifications import services as notifications
from anxin.workorders import services as wo_services
from anxin.workorders.models import Priority, WorkOrder, WorkOrderEvent
from anxin.workorders.states import Family, Status

FIELDS = ("what_happened", "customer_wants", "category", "severity", "is_group", "media_threat", "about_order",
          "about_staff")


def complaint_register(*, order: WorkOrder, actor: User, data: dict) -> Complaint:
    """D1: record (or update) what the complaint is about. Group complaints and media/regulator threats are
    severe, and a severe complaint becomes urgent priority. D3: may raise a batch warning.
    """
    if order.family != Family.COMPLAINT:
        raise DomainError(ErrorCode.INVALID, _("This order is not a complaint."), {"field": "order"})
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise DomainError(ErrorCode.INVALID, _("Unknown field."), {"field": sorted(unknown)[0]})
    complaint = Complaint.objects.filter(work_order=order).first() or Complaint(work_order=order)
    is_new = complaint.pk is None
    for key, value in data.items():
        setattr(complaint, key, value)
    if complaint.is_group or complaint.media_threat:
        complaint.severity = Complaint.Severity.SEVERE  # D1: never below severe
    try:
        complaint.full_clean(exclude=["work_order", "expected_resolution_on"])
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    with transaction.atomic():
        complaint.save()
        if complaint.severity == Complaint.Severity.SEVERE and order.priority < Priority.URGENT:
            wo_services.workorder_update(order=order, actor=actor, data={"priority": Priority.URGENT})
        elif complaint.is_vip and order.priority < Priority.HIGH:
            # D3 green channel: a VIP's complaint is at least high priority
            wo_services.workorder_update(order=order, actor=actor, data={"priority": Priority.HIGH})
        audit_record(actor=actor, action="create" if is_new else "update", object_type="complaints.complaint",
                     object_id=order.public_id, summary=f"{order.number} {complaint.category} {complaint.severity}")
        if is_new:
            _batch_warning(complaint)
    return complaint


def _batch_warning(complaint: Complaint) -> None:
    """D3: N complaints of one category at one site within the window → the service managers hear once."""
    order = complaint.work_order
    since = timezone.now() - timedelta(hours=settings.COMPLAINT_BATCH_HOURS)
    similar = Complaint.objects.filter(category=complaint.category, work_order__site_id=order.site_id,
                                       created_at__gte=since).count()
    if similar < settings.COMPLAINT_BATCH_COUNT:
        return
    managers = list(User.objects.filter(is_active=True, groups__name="service_manager",
                                        org_unit_id__in=order.site.ancestor_ids))
    bucket = timezone.localdate().strftime("%Y%m%d")  # at most one warning a day per site and category
    notifications.notify(
        recipients=managers, kind="complaint_batch", urgent=True, url=f"/orders/{order.public_id}/",
        subject=_("%(n)d complaints about “%(category)s” at %(site)s in %(hours)d hours")
        % {"n": similar, "category": complaint.get_category_display(), "site": order.site.name,
           "hours": settings.COMPLAINT_BATCH_HOURS},
        dedupe_key=f"complaint_batch:{order.site_id}:{complaint.category}:{bucket}")


def complaint_route(*, complaint: Complaint, actor: User, owner: User, expected_resolution_on: date) -> Complaint:
    """D2: give the complaint an owner and tell the customer the expected resolution date (a recorded reply)."""
    if expected_resolution_on < timezone.localdate():
        raise DomainError(ErrorCode.INVALID, _("The expected resolution date cannot be in the past."),
                          {"field": "expected_resolution_on"})
    order = complaint.work_order
    if complaint.is_vip and not owner.groups.filter(name__in=settings.COMPLAINT_SENIOR_ROLES).exists():
        raise DomainError(ErrorCode.INVALID, _("A VIP customer's complaint goes to a senior owner (head of department "
                                               "or service manager)."), {"field": "owner"})
    with transaction.atomic():
        wo_services.workorder_assign(order=order, owner=owner, actor=actor)
        complaint.expected_resolution_on = expected_resolution_on
        complaint.save(update_fields=["expected_resolution_on", "updated_at"])
        wo_services.workorder_add_note(
            order=order, actor=actor, is_public=True,
            body=_("We have received your complaint and %(owner)s is handling it. We expect to resolve it by "
                   "%(date)s and will keep you informed.") % {"owner": owner, "date": expected_resolution_on})
    return complaint


def handling_form_return(*, complaint: Complaint, actor: User, cause: str, note: str = "") -> Complaint:
    """D3: the responsible department's handling form (投诉处理单) is back, naming the root cause it found; due
    within 24 h of resolution."""
    order = complaint.work_order
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    if cause not in Complaint.Cause.values:
        raise DomainError(ErrorCode.INVALID, _("Name the root cause the department found."), {"field": "cause"})
    if order.status not in (Status.RESOLVED, Status.CLOSED):
        raise DomainError(ErrorCode.CONFLICT, _("The handling form comes back after the complaint is resolved."),
                          status=409)
    if complaint.handling_form_returned_at and complaint.handling_form_returned_at >= (order.resolved_at or
                                                                                       order.closed_at):
        raise DomainError(ErrorCode.CONFLICT, _("The handling form is already back."), status=409)
    with transaction.atomic():
        complaint.handling_form_returned_at = timezone.now()
        complaint.handling_form_note = (note or "").strip()[:300]
        complaint.cause = cause
        complaint.save(update_fields=["handling_form_returned_at", "handling_form_note", "cause", "updated_at"])
        wo_services.workorder_record_step(
            order=order, type=WorkOrderEvent.Type.HANDLING_FORM_RETURNED, actor=actor,
            body=" · ".join(filter(None, [str(complaint.get_cause_display()), complaint.handling_form_note])))
        audit_record(actor=actor, action="update", object_type="complaints.complaint", object_id=order.public_id,
                     summary=f"{order.number} handling form returned")
    return complaint


def limits_table() -> dict[str, dict[str, Decimal]]:
    """role → remedy → limit: the admin's table, or the settings' defaults while it is empty."""
    rows = list(AuthorisationLimit.objects.values_list("role", "kind", "amount"))
    if not rows:
        return {role: {k: Decimal(str(v)) for k, v in kinds.items()} for role, kinds in settings.COMPLAINT_LIMITS.items()}
    table: dict[str, dict] = {}
    for role, kind, amount in rows:
        table.setdefault(role, {})[kind] = amount
    return table


def _limit(user: User, kind: str, table: dict | None = None):
    """The most this user may grant for `kind` (None: may not propose it); the best of their roles."""
    table = table if table is not None else limits_table()
    limits = [table.get(g.name, {}).get(kind) for g in user.groups.all()]
    limits = [v for v in limits if v is not None]
    if user.is_superuser:
        limits.append(max((r.get(kind, 0) for r in table.values()), default=0))
    return max(limits) if limits else None


def proposal_make(*, complaint: Complaint, actor: User, kind: str, amount, measures: str) -> Proposal:
    """D4: propose a remedy for this round. Within the proposer's limit it is approved at once; above it, it
    waits for someone whose limit covers it (they are notified); above every role's limit it is refused.
    """
    from decimal import InvalidOperation

    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(ErrorCode.INVALID, _("Enter an amount in yuan."), {"field": "amount"}) from exc
    if amount < 0:
        raise DomainError(ErrorCode.INVALID, _("The amount cannot be negative."), {"field": "amount"})
    table = limits_table()
    ceiling = max((r[kind] for r in table.values() if kind in r), default=None)
    if ceiling is None or amount > ceiling:
        raise DomainError(ErrorCode.INVALID, _("No role may approve this much; split the remedy or escalate outside "
                                               "the system."), {"field": "amount"})
    own = _limit(actor, kind, table)
    if own is None:
        raise PermissionDeniedError(_("Your role may not propose this remedy."))
    open_round = complaint.proposals.filter(answer=Proposal.Answer.PENDING,
                                            approval__in=[Proposal.Approval.PENDING, Proposal.Approval.APPROVED])
    if open_round.exists():
        raise DomainError(ErrorCode.CONFLICT, _("This round already has a proposal waiting."), status=409)
    last = complaint.proposals.order_by("-round").first()
    proposal = Proposal(complaint=complaint, round=(last.round + 1) if last else 1, kind=kind, amount=amount,
                        measures=(measures or "").strip(), proposed_by=actor,
                        approval=Proposal.Approval.APPROVED if amount <= own else Proposal.Approval.PENDING,
                        decided_by=actor if amount <= own else None)
    try:
        proposal.full_clean(exclude=["complaint"])
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    order = complaint.work_order
    with transaction.atomic():
        proposal.save()
        if proposal.approval == Proposal.Approval.PENDING:
            approvers = [u for u in User.objects.filter(is_active=True).prefetch_related("groups")
                         if (_limit(u, kind, table) or -1) >= amount and u.org_unit_id in order.site.ancestor_ids]
            notifications.notify(recipients=approvers, kind="complaint_approval", url=f"/complaints/{order.public_id}/",
                                 subject=_("Approve %(kind)s of %(amount)s yuan for %(number)s")
                                 % {"kind": proposal.get_kind_display(), "amount": amount, "number": order.number},
                                 dedupe_key=f"proposal:{proposal.pk}")
        audit_record(actor=actor, action="create", object_type="complaints.proposal", object_id=proposal.pk,
                     summary=f"{order.number} round {proposal.round} {kind} {amount}")
    return proposal


def proposal_decide(*, proposal: Proposal, actor: User, approve: bool) -> Proposal:
    """D4: approve or reject a proposal that was above its proposer's limit; the approver's limit must cover it."""
    if proposal.approval != Proposal.Approval.PENDING:
        raise DomainError(ErrorCode.CONFLICT, _("This proposal was already decided."), status=409)
    limit = _limit(actor, proposal.kind)
    if limit is None or limit < proposal.amount:
        raise PermissionDeniedError(_("This amount is above your approval limit."))
    with transaction.atomic():
        if not Proposal.objects.filter(pk=proposal.pk, approval=Proposal.Approval.PENDING).update(
                approval=Proposal.Approval.APPROVED if approve else Proposal.Approval.REJECTED, decided_by=actor):
            raise DomainError(ErrorCode.CONFLICT, _("This proposal was already decided."), status=409)
        proposal.refresh_from_db()
        audit_record(actor=actor, action="update", object_type="complaints.proposal", object_id=proposal.pk,
                     summary=proposal.approval)
    return proposal


def proposal_answer(*, proposal: Proposal, actor: User, accepted: bool, method: str, confirmed_by: str) -> Proposal:
    """D5: the customer's answer, with how and who. Accepted → the complaint is resolved; not satisfied →
    back to investigating for a new round (this round stays on record)."""
    if proposal.approval != Proposal.Approval.APPROVED:
        raise DomainError(ErrorCode.INVALID, _("Only an approved proposal can be put to the customer."),
                          {"field": "proposal"})
    if proposal.answer != Proposal.Answer.PENDING:
        raise DomainError(ErrorCode.CONFLICT, _("The customer has already answered this proposal."), status=409)
    if method not in Proposal.Method.values or not (confirmed_by or "").strip():
        raise DomainError(ErrorCode.INVALID, _("Record how the customer answered and who gave the answer."),
                          {"field": "answer_method"})
    # the caller's copy of the order may be stale; the transitions below must start from the stored status
    order = WorkOrder.objects.get(pk=proposal.complaint.work_order_id)
    with transaction.atomic():
        proposal.answer = Proposal.Answer.ACCEPTED if accepted else Proposal.Answer.DECLINED
        proposal.answer_method, proposal.answer_by = method, confirmed_by.strip()[:50]
        proposal.answered_at = timezone.now()
        proposal.save(update_fields=["answer", "answer_method", "answer_by", "answered_at", "updated_at"])
        note = _("Round %(round)d: %(measures)s — %(answer)s (%(how)s, %(who)s)") % {
            "round": proposal.round, "measures": proposal.measures, "answer": proposal.get_answer_display(),
            "how": proposal.get_answer_method_display(), "who": proposal.answer_by}
        if order.status == Status.INVESTIGATING:
            order = wo_services.workorder_transition(order=order, to=Status.PROPOSED, actor=actor, reason=note)
        if accepted:
            wo_services.workorder_transition(order=order, to=Status.RESOLVED, actor=actor, reason=note,
                                             customer_confirmed=True)
        else:
            wo_services.workorder_transition(order=order, to=Status.INVESTIGATING, actor=actor, reason=note)
        audit_record(actor=actor, action="update", object_type="complaints.proposal", object_id=proposal.pk,
                     summary=proposal.answer)
    return proposal


def action_add(*, complaint: Complaint, actor: User, kind: str, description: str, owner: User, due_on: date
               ) -> CorrectiveAction:
    """D6: a corrective or preventive action with an owner and a due date."""
    if complaint.work_order.status != Status.CLOSED:
        raise DomainError(ErrorCode.INVALID, _("Actions are recorded after the complaint is closed."),
                          {"field": "complaint"})
    action = CorrectiveAction(complaint=complaint, kind=kind, description=(description or "").strip(), owner=owner,
                              due_on=due_on)
    try:
        action.full_clean(exclude=["complaint"])
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    with transaction.atomic():
        action.save()
        audit_record(actor=actor, action="create", object_type="complaints.correctiveaction", object_id=action.pk,
                     summary=action.description[:100])
    return action


def anonymise(text: str, complaint: Complaint) -> str:
    """Remove the customer's name, phone numbers and address from a text (the officer reviews the result)."""
    import re

    customer = complaint.work_order.customer
    out = text or ""
    if customer is not None:
        for value in {customer.name, customer.address, customer.street + customer.number, customer.address_detail}:
            if value and len(value) >= 2:
                out = out.replace(value, "【客户】" if value == customer.name else "【地址】")
    out = re.sub(r"(?<!\d)(?:\+?86)?1\d{10}(?!\d)", "【电话】", out)
    return re.sub(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)", "【电话】", out)


def case_publish(*, complaint: Complaint, actor: User, title: str, lesson: str) -> Case:
    """D6: publish a closed complaint to the case library, anonymised."""
    if complaint.work_order.status != Status.CLOSED:
        raise DomainError(ErrorCode.INVALID, _("Only a closed complaint can become a case."), {"field": "complaint"})
    case = Case(complaint=complaint, title=anonymise(title, complaint).strip(), lesson=anonymise(lesson, complaint),
                story=anonymise(complaint.what_happened, complaint), published_by=actor)
    try:
        case.full_clean(exclude=["complaint"])
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    if Case.objects.filter(complaint=complaint).exists():
        raise DomainError(ErrorCode.CONFLICT, _("This complaint is already in the case library."), status=409)
    with transaction.atomic():
        case.save()
        audit_record(actor=actor, action="create", object_type="complaints.case", object_id=case.pk, summary=case.title)
        changed("case", case.pk)
    return case


def limit_save(*, obj: AuthorisationLimit, actor: User, request=None) -> AuthorisationLimit:
    """D4: an admin edit of an authorisation limit, validated and audited. The first saved row replaces the
    settings' defaults, so the admin starts from a copy of them (`limits_seed`)."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    with transaction.atomic():
        if not AuthorisationLimit.objects.exists():
            limits_seed()
        action = "update" if obj.pk else "create"
        obj.save()
        audit_record(actor=actor, action=action, object_type="complaints.authorisationlimit", object_id=obj.pk,
                     summary=str(obj), request=request)
    return obj


def limits_seed() -> int:
    """Copy the settings' default limits into the table (idempotent)."""
    rows = [AuthorisationLimit(role=role, kind=kind, amount=Decimal(str(amount)))
            for role, kinds in settings.COMPLAINT_LIMITS.items() for kind, amount in kinds.items()]
    AuthorisationLimit.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)

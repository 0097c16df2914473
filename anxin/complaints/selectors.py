from anxin.complaints.models import Complaint, Proposal
from anxin.core.errors import NotFound
from anxin.workorders.models import WorkOrder


def complaint_for(*, order: WorkOrder) -> Complaint | None:
    """The complaint details of an order the caller already fetched through a scoped selector."""
    return Complaint.objects.filter(work_order=order).first()


def proposal_for(*, complaint: Complaint, pk) -> Proposal:
    found = complaint.proposals.filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound()
    return found

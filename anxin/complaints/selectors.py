from anxin.complaints.models import Complaint
from anxin.workorders.models import WorkOrder


def complaint_for(*, order: WorkOrder) -> Complaint | None:
    """The complaint details of an order the caller already fetched through a scoped selector."""
    return Complaint.objects.filter(work_order=order).first()

from anxin.complaints.models import Case, Complaint, Proposal
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


def case_for(*, complaint: Complaint) -> Case | None:
    return Case.objects.filter(complaint=complaint).first()


def cases_in_order(*, ids: list[int]) -> list[Case]:
    """The cases with these ids, in the given (relevance) order."""
    found = Case.objects.in_bulk(ids)
    return [found[i] for i in ids if i in found]


def case_search(*, query: str, limit: int = 100) -> list[Case]:
    """Cases are anonymised and shared across sites on purpose: lessons travel."""
    from django.db.models import Q

    qs = Case.objects.all()
    for term in query.split()[:5]:
        qs = qs.filter(Q(title__contains=term) | Q(story__contains=term) | Q(lesson__contains=term))
    return list(qs[:limit])

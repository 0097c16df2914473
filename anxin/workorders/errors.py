from enum import StrEnum


class WorkOrderErrorCode(StrEnum):
    INVALID = "invalid"
    ILLEGAL_TRANSITION = "illegal_transition"
    STALE = "stale"
    CUSTOMER_REQUIRED = "customer_required"
    ATTACHMENT_TYPE = "attachment_type"
    ATTACHMENT_SIZE = "attachment_size"
    STORAGE_FULL = "storage_full"
    OWNER_INVALID = "owner_invalid"

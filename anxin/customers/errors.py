from enum import StrEnum


class CustomerErrorCode(StrEnum):
    INVALID = "invalid"
    DUPLICATE_PHONE = "duplicate_phone"
    IMPORT_INVALID = "import_invalid"
    NOT_FOUND = "not_found"

"""Field error codes and the invalid-input error."""


from anxin.core.errors import DomainError, ErrorCode


class FieldErrorCode:
    INVALID = ErrorCode.INVALID
    CONFLICT = ErrorCode.CONFLICT
    RULES = "rules_conflict"  # ends with "conflict" → 409


def invalid(message, field: str = "") -> DomainError:
    return DomainError(ErrorCode.INVALID, message, {"field": field} if field else {})


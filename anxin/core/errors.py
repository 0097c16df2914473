"""One error type for every layer: services raise it, the UI and the API translate it.

NotFound and PermissionDeniedError are also Django's Http404 / PermissionDenied, so HTML views
answer 404 / 403 without a try block.
"""

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    INVALID = "invalid"
    CONFLICT = "conflict"
    THROTTLED = "throttled"


# HTTP status per code family; apps may add codes whose values end with one of these words.
_STATUS = {"not_found": 404, "permission_denied": 403, "conflict": 409}


class DomainError(Exception):
    """A rule said no. `code` is what tests match on; `message` is shown to the user (localised)."""

    def __init__(self, code: StrEnum, message: Any, extra: dict[str, Any] | None = None, status: int | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.extra = extra or {}
        self.status = status or _STATUS.get(str(code), 400)

    def __str__(self) -> str:
        return str(self.message)


def domain_error_from(exc: ValidationError, code: StrEnum = ErrorCode.INVALID) -> DomainError:
    """A model's full_clean() failure as a DomainError naming the first bad field."""
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    field, messages = next(iter(fields.items()))
    return DomainError(code, messages[0], {"field": field, "errors": fields})


class NotFound(DomainError, Http404):
    """The object does not exist *or* the viewer may not see it: the two must look the same."""

    def __init__(self, message: Any = None):
        from django.utils.translation import gettext_lazy as _

        super().__init__(ErrorCode.NOT_FOUND, message or _("Not found."), status=404)


class PermissionDeniedError(DomainError, PermissionDenied):
    def __init__(self, message: Any = None):
        from django.utils.translation import gettext_lazy as _

        super().__init__(ErrorCode.PERMISSION_DENIED, message or _("You do not have permission to do this."), status=403)


class RateLimited(DomainError):
    """Too many attempts from one address or for one account: 429 with Retry-After (issue 13)."""

    def __init__(self, retry_after: int, message: Any = None):
        from django.utils.translation import gettext

        super().__init__(ErrorCode.THROTTLED, message or gettext(
            "Too many attempts. Please try again in %(minutes)d minutes.") % {"minutes": max(1, -(-retry_after // 60))},
            {"retry_after": retry_after}, status=429)
        self.retry_after = retry_after

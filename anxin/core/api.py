"""The API's shared parts: authentication, one JSON error shape, strict input schemas."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ConfigDict, field_validator

from anxin.core.errors import DomainError, RateLimited


class CleanSchema(Schema):
    """Input schemas drop control characters from every text they carry (issue 13: a NUL is refused by PostgreSQL,
    a \x02 broke the Excel exports)."""

    @field_validator("*", mode="after")
    @classmethod
    def _without_controls(cls, value):
        from anxin.core.text import without_controls

        return without_controls(value)


class StrictSchema(CleanSchema):
    """Input schemas reject unknown fields with 422 instead of ignoring them (SECURITY-CASES 28)."""

    model_config = ConfigDict(extra="forbid")


def error_body(code: str, message: str, extra: dict | None = None) -> dict:
    return {"code": code, "message": message, "extra": extra or {}}


def install_handlers(api) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        response = api.create_response(request, error_body(str(exc.code), str(exc.message), exc.extra),
                                       status=exc.status)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        errors = [{"loc": [str(p) for p in e.get("loc", [])], "type": e.get("type", ""), "msg": e.get("msg", "")}
                  for e in exc.errors]
        field = errors[0]["loc"][-1] if errors and errors[0]["loc"] else ""
        return api.create_response(
            request, error_body("invalid", _("The request is not valid: check the field “%(field)s”.") % {"field": field},
                                {"errors": errors}), status=422)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(request, error_body("unauthenticated", _("Log in or send an API token.")), status=401)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)

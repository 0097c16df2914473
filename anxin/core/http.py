"""Request helpers every layer may use."""

from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    # X-Forwarded-For is ignored on purpose (SECURITY-CASES 37): set it only behind a known proxy.
    return request.META.get("REMOTE_ADDR") if request is not None else None

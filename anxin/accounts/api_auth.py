"""How the API knows who calls: a bearer token (an address with too many bad tokens is answered 429), or the
session of a signed-in user."""

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from anxin.accounts import services
from anxin.core.http import client_ip


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        # issue 13: 300 bad tokens in 3 s were all answered; now an address with too many gets 429
        ip = client_ip(request)
        services.address_throttle_check(scope="api_token_ip", ip=ip, limit=settings.API_BAD_TOKENS_PER_ADDRESS)
        user = services.api_token_authenticate(token, method=request.method, path=request.path)
        if user is None:
            services.address_failure_record(scope="api_token_ip", ip=ip)
        else:
            request.user = user
        return user


AUTH = [TokenAuth(), django_auth]

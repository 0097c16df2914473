"""Issue 13: a signed-in user of a role that must use a second factor reaches nothing but the set-up and code pages
until this session is verified — pages redirect there, the API (session) answers 403. API tokens are not sessions
and keep working."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

OPEN_PREFIXES = ("/accounts/totp/", "/accounts/logout/", "/static/", "/i18n/", "/healthz")


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path.startswith(OPEN_PREFIXES)
                and not user.is_verified()):
            from anxin.accounts.totp_services import totp_device, totp_required

            if totp_required(user):
                if request.path.startswith("/api/"):
                    return JsonResponse({"code": "permission_denied", "extra": {}, "message": gettext(
                        "Sign in with the code from your authenticator app first.")}, status=403)
                name = "accounts:totp-verify" if totp_device(user, confirmed=True) else "accounts:totp-setup"
                return redirect(f"{reverse(name)}?next={request.get_full_path()}")
        return self.get_response(request)

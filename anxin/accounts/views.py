from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anxin.accounts import selectors, services
from anxin.core.errors import DomainError, RateLimited
from anxin.core.http import client_ip


class LoginView(auth_views.LoginView):
    # Django checks `next` with url_has_allowed_host_and_scheme (SECURITY-CASES 38).
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # django-axes locks an account per address; this also stops one address trying many accounts
        try:
            services.address_throttle_check(scope="login_ip", ip=client_ip(request),
                                            limit=settings.LOGIN_FAILURES_PER_ADDRESS,
                                            window=timedelta(hours=settings.AXES_COOLOFF_TIME))
        except RateLimited as exc:
            response = render(request, "accounts/locked.html", status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return super().post(request, *args, **kwargs)


def _reset_throttled(request):
    """Every reset request counts against its address, by mail or by SMS: 429 over PASSWORD_RESETS_PER_ADDRESS."""
    try:
        services.address_throttle_check(scope="reset_ip", ip=client_ip(request),
                                        limit=settings.PASSWORD_RESETS_PER_ADDRESS, window=timedelta(hours=1))
    except RateLimited as exc:
        response = render(request, "accounts/locked.html", status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    services.address_failure_record(scope="reset_ip", ip=client_ip(request))
    return None


class PasswordResetView(auth_views.PasswordResetView):
    """SECURITY-CASES 34: the same answer for known and unknown addresses; throttled per address (429) and per
    account (silently: no second mail, the same page); the link is single-use and expires
    (PASSWORD_RESET_TIMEOUT); all the user's sessions end when the password changes."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def post(self, request, *args, **kwargs):
        return _reset_throttled(request) or super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not services.password_reset_allowed(email=email):
            return redirect(self.success_url)  # the same page as a sent mail: nothing tells the limit was hit
        services.password_reset_send(form=form, request=self.request, email_template=self.email_template_name,
                                     subject_template=self.subject_template_name)
        return redirect(self.success_url)


@require_POST
def password_reset_sms(request):
    """The reset link by SMS to the mobile on the staff account: the same answer for any number (SECURITY-CASES 34),
    throttled per address (429) and per number (silently)."""
    if (refused := _reset_throttled(request)) is not None:
        return refused
    services.password_reset_sms(phone=(request.POST.get("phone") or "")[:40])
    return redirect("accounts:password-reset-done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_done(user=form.user, request=self.request)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("workorders:queue")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


@login_required
def token_list(request):
    tokens = selectors.api_token_list_for(user=request.user)
    return render(request, "accounts/tokens.html", {"tokens": tokens, "new_key": request.session.pop("new_key", None)})


@require_POST
@login_required
def token_create(request):
    name = (request.POST.get("name") or "").strip()[:60] or _("API token")
    days = (request.POST.get("days") or "").strip()
    try:
        _token, key = services.api_token_create(user=request.user, name=name, scope=request.POST.get("scope", "write"),
                                                days=int(days) if days.isdigit() else None)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:tokens")
    request.session["new_key"] = key  # shown once on the next page, then dropped
    return redirect("accounts:tokens")


@require_POST
@login_required
def token_revoke(request, prefix: str):
    services.api_token_revoke(token=selectors.api_token_get_for(user=request.user, prefix=prefix))
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")


# --- issue 13: the second factor -------------------------------------------------------------------------------

def _qr_svg(text: str) -> str:
    """The otpauth:// link as an inline SVG QR code (reportlab draws it; no image file, no outside service)."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(text)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(200, 200, transform=[200 / (x1 - x0), 0, 0, 200 / (y1 - y0), 0, 0])
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    return svg[svg.index("<svg"):]


def _next(request) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or "/orders/"
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else "/orders/"


@login_required
def totp_setup(request):
    """Scan the code with an authenticator app, type the 6 digits it shows: the second factor is on."""
    from anxin.accounts import totp_services

    device = totp_services.totp_setup_start(user=request.user)
    error = ""
    if request.method == "POST":
        try:
            totp_services.totp_setup_confirm(request=request, user=request.user, token=request.POST.get("token", ""))
            messages.success(request, _("The second factor is on: from now on you sign in with a code from the app."))
            request.session[RECOVERY_SESSION_KEY] = totp_services.recovery_codes_issue(request=request,
                                                                                       user=request.user)
            return redirect(f"{reverse('accounts:totp-recovery')}?next={quote(_next(request))}")
        except DomainError as exc:
            error = str(exc)
    return render(request, "accounts/totp_setup.html", {
        "qr": _qr_svg(device.config_url), "secret": totp_services.totp_key_text(device),
        "error": error, "next": _next(request),
        "required": totp_services.totp_required(request.user)})


RECOVERY_SESSION_KEY = "anxin_recovery_codes"


@login_required
def totp_recovery(request):
    """The recovery codes, shown once right after they are made; a new set on request (the old set stops working)."""
    from anxin.accounts import totp_services

    if request.method == "POST":
        try:
            request.session[RECOVERY_SESSION_KEY] = totp_services.recovery_codes_issue(request=request,
                                                                                       user=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("accounts:totp-recovery")
    codes = request.session.pop(RECOVERY_SESSION_KEY, None)  # once: a reload no longer shows them
    return render(request, "accounts/totp_recovery.html", {
        "codes": codes, "left": totp_services.recovery_codes_left(request.user),
        "has_device": totp_services.totp_device(request.user, confirmed=True) is not None, "next": _next(request)})


@login_required
def totp_verify(request):
    """The second step of signing in: the code the authenticator app shows now."""
    from anxin.accounts import totp_services

    error = ""
    if request.method == "POST":
        try:
            totp_services.totp_verify(request=request, user=request.user, token=request.POST.get("token", ""))
            return redirect(_next(request))
        except DomainError as exc:
            error = str(exc)
    return render(request, "accounts/totp_verify.html", {"error": error, "next": _next(request)})

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
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


class PasswordResetView(auth_views.PasswordResetView):
    """SECURITY-CASES 34: the same answer for known and unknown addresses; throttled per address (429) and per
    account (silently: no second mail, the same page); the link is single-use and expires
    (PASSWORD_RESET_TIMEOUT); all the user's sessions end when the password changes."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def post(self, request, *args, **kwargs):
        try:
            services.address_throttle_check(scope="reset_ip", ip=client_ip(request),
                                            limit=settings.PASSWORD_RESETS_PER_ADDRESS, window=timedelta(hours=1))
        except RateLimited as exc:
            response = render(request, "accounts/locked.html", status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        services.address_failure_record(scope="reset_ip", ip=client_ip(request))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not services.password_reset_allowed(email=email):
            return redirect(self.success_url)  # the same page as a sent mail: nothing tells the limit was hit
        services.password_reset_send(form=form, request=self.request, email_template=self.email_template_name,
                                     subject_template=self.subject_template_name)
        return redirect(self.success_url)


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

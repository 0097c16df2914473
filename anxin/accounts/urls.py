from django.contrib.auth import views as auth_views
from django.urls import path

from anxin.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sms/", views.password_reset_sms, name="password-reset-sms"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password-reset-done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"), name="password-reset-complete"),
    path("totp/setup/", views.totp_setup, name="totp-setup"),
    path("totp/verify/", views.totp_verify, name="totp-verify"),
    path("totp/recovery/", views.totp_recovery, name="totp-recovery"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/new/", views.token_create, name="token-create"),
    path("tokens/<str:prefix>/revoke/", views.token_revoke, name="token-revoke"),
]

from django.apps import AppConfig
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_roles(sender, **kwargs):
    from anxin.accounts.services import roles_ensure

    roles_ensure(strict=False)


def _login_failed(sender, credentials=None, request=None, **kwargs):
    """Count a wrong password per address (password spraying: one password tried on many accounts)."""
    from anxin.accounts.services import address_failure_record
    from anxin.core.http import client_ip

    if request is not None:
        address_failure_record(scope="login_ip", ip=client_ip(request))


class AccountsConfig(AppConfig):
    name = "anxin.accounts"
    verbose_name = _("Accounts and organisation")
    label = "accounts"

    def ready(self) -> None:
        # Groups need the permissions that migrate creates; refresh them after every migrate.
        post_migrate.connect(_ensure_roles, dispatch_uid="anxin.accounts.roles")
        user_login_failed.connect(_login_failed, dispatch_uid="anxin.accounts.login_failed")

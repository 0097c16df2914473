from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_roles(sender, **kwargs):
    from anxin.accounts.services import roles_ensure

    roles_ensure(strict=False)


class AccountsConfig(AppConfig):
    name = "anxin.accounts"
    verbose_name = _("Accounts and organisation")
    label = "accounts"

    def ready(self) -> None:
        # Groups need the permissions that migrate creates; refresh them after every migrate.
        post_migrate.connect(_ensure_roles, dispatch_uid="anxin.accounts.roles")

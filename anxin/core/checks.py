import os

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_settings(app_configs, **kwargs):
    problems = []
    db = settings.DATABASES["default"]["ENGINE"]
    if "sqlite" not in db and "postgresql" not in db:
        problems.append(Error("Anxin supports SQLite and PostgreSQL only.", id="anxin.E001"))
    if not settings.DEBUG and settings.SECRET_KEY.startswith("django-insecure"):
        problems.append(Error("ANXIN_SECRET_KEY is an insecure development key.", id="anxin.E002"))
    if any(0 < len(s.strip()) < 16 for s in settings.CTI_WEBHOOK_SECRET.split(",")):
        problems.append(Warning("ANXIN_CTI_SECRET is shorter than 16 characters.", id="anxin.W001"))
    return problems


@register(deploy=True)
def check_production(app_configs, **kwargs):
    """`anxin check-deploy` (issue 13): what a real installation must decide, beyond Django's own list."""
    from urllib.parse import urlparse

    problems = []
    if settings.DEBUG:
        problems.append(Error("ANXIN_DEBUG is on: error pages would show code and settings.", id="anxin.E010"))
    if "ANXIN_SECRET_KEY" not in os.environ and "ANXIN_SECRET_KEY_FILE" not in os.environ:
        problems.append(Warning("The secret key is the one made beside the embedded database (var/secret_key): set "
                                "ANXIN_SECRET_KEY or ANXIN_SECRET_KEY_FILE and keep it out of backups of var/.",
                                id="anxin.W010"))
    host = urlparse(settings.SITE_URL).hostname or ""
    if host in ("127.0.0.1", "localhost"):
        problems.append(Warning("ANXIN_SITE_URL points at this machine: links in SMS, mail and the printed QR code "
                                "will not open for customers.", id="anxin.W011"))
    elif host not in settings.ALLOWED_HOSTS:
        problems.append(Error(f"ANXIN_ALLOWED_HOSTS does not include {host}, the host of ANXIN_SITE_URL.",
                              id="anxin.E011"))
    if "console" in settings.EMAIL_BACKEND and "ANXIN_EMAIL_BACKEND" not in os.environ:
        problems.append(Warning("Email goes to the console: set ANXIN_EMAIL_BACKEND (and the SMTP settings), or set "
                                "it to the console backend on purpose.", id="anxin.W012"))
    if not settings.SMS_URL:
        problems.append(Warning("ANXIN_SMS_URL is not set: SMS (portal sign-in codes, milestones) are only written "
                                "to the notifications log.", id="anxin.W013"))
    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        problems.append(Warning("The embedded SQLite database serves one site well; for several sites or many "
                                "agents set DATABASE_URL to PostgreSQL.", id="anxin.W014"))
    return problems

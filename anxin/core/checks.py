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
    if settings.CTI_WEBHOOK_SECRET and len(settings.CTI_WEBHOOK_SECRET) < 16:
        problems.append(Warning("ANXIN_CTI_SECRET is shorter than 16 characters.", id="anxin.W001"))
    return problems

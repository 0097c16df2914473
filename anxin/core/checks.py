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


@register("database", deploy=True)
def check_mail_intake(app_configs, databases=None, **kwargs):
    """SECURITY-CASES 20: the intake address must be nobody's own address, or our answers would loop."""
    if not settings.MAIL_IMAP_HOST:
        return []
    problems = []
    if not settings.MAIL_ADDRESS:
        problems.append(Warning("ANXIN_MAIL_IMAP_HOST is set but ANXIN_MAIL_ADDRESS is not: answers go out from "
                                "ANXIN_FROM_EMAIL and replies may not come back to the mailbox.", id="anxin.W002"))
        return problems
    from anxin.accounts.models import User

    if User.objects.filter(email__iexact=settings.MAIL_ADDRESS).exists():
        problems.append(Warning("ANXIN_MAIL_ADDRESS is a staff member's own address: mail from that person would "
                                "be ignored as our own, and notifications to them would come back as mail.",
                                id="anxin.W003"))
    return problems

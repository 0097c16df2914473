"""System checks of the mail intake settings (registered in apps.py)."""

from django.conf import settings
from django.core.checks import Warning, register

from anxin.accounts.models import User


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
    if User.objects.filter(email__iexact=settings.MAIL_ADDRESS).exists():
        problems.append(Warning("ANXIN_MAIL_ADDRESS is a staff member's own address: mail from that person would "
                                "be ignored as our own, and notifications to them would come back as mail.",
                                id="anxin.W003"))
    return problems

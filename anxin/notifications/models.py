from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.core.models import TimeStampedModel


class Channel(models.TextChoices):
    IN_APP = "inapp", _("In the app")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    WEBHOOK = "webhook", _("Webhook")


class Notification(TimeStampedModel):
    """I1/I2: one message to one recipient on one channel — also the outbox the worker delivers from.

    `dedupe_key` makes creation exactly-once: the sweep that decides to notify writes the row in the same
    transaction as the fact it notifies about, and a repeat of that decision finds the row already there.
    Delivery claims a row with a conditional UPDATE (pending → sending); `request` keeps what was sent.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="notifications", verbose_name=_("recipient"))
    # a customer (not a user) is reached at an address: an E.164 phone for SMS
    to_address = models.CharField(_("send to"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), max_length=2000, blank=True)
    url = models.CharField(max_length=200, blank=True)
    dedupe_key = models.CharField(max_length=150)
    is_urgent = models.BooleanField(_("urgent"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    request = models.JSONField(_("request sent"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # the recipient is part of dedupe_key (…@u12 / …@p+86…), so NULL recipients cannot slip past it
        constraints = [models.UniqueConstraint(fields=["channel", "dedupe_key"], name="notification_once")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notification_due"),
                   models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
                   # a customer's address: how many automatic answers one sender got lately (mail loop breaker)
                   models.Index(fields=["to_address", "created_at"], name="notification_to")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")


class Preference(TimeStampedModel):
    """Per-user channels and quiet hours (emergencies ignore quiet hours). In-app is always on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    channels = models.CharField(_("channels"), max_length=60, default="email",
                                help_text=_("Besides in-app: any of email, sms, wechat, comma-separated"))
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_to = models.TimeField(_("quiet to"), null=True, blank=True)
    wechat_openid = models.CharField(_("WeChat OpenID"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")


class WebhookEndpoint(TimeStampedModel):
    """I2: a system that wants events as signed JSON (X-Anxin-Signature: sha256=HMAC(secret, body))."""

    name = models.CharField(_("name"), max_length=60)
    url = models.URLField(_("URL"))
    secret = models.CharField(_("secret"), max_length=100)
    kinds = models.CharField(_("event kinds"), max_length=200, blank=True, help_text=_("Empty: all kinds"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

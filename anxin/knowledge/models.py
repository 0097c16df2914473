"""G1–G2: the knowledge base — FAQ for customers, internal articles and the agents' scripts (话术).

An article's working text is edited as drafts; readers always see `live`, the version a reviewer published, so a
published FAQ stays up while its next version is written and reviewed.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.core.models import PublicIdMixin, TimeStampedModel


class KnowledgeCategory(TimeStampedModel):
    """A node of the category tree (e.g. 水电维修 → 漏水)."""

    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="kb_category_unique_name")]

    def __str__(self) -> str:
        return f"{self.parent} › {self.name}" if self.parent_id else self.name


class Audience(models.TextChoices):
    FAQ = "faq", _("Public FAQ")
    INTERNAL = "internal", _("Internal")
    SCRIPT = "script", _("Script")


class Situation(models.TextChoices):
    """When a script is said (the phrasebook's situations, S3 篇5)."""

    GREETING = "greeting", _("Greeting")
    CLARIFY = "clarify", _("Clarifying the request")
    IDENTITY = "identity", _("Confirming who is calling")
    APOLOGY = "apology", _("Apology and reassurance")
    REPEAT_WITHIN = "repeat_within", _("Repeat complaint, within the promise")
    REPEAT_OVERDUE = "repeat_overdue", _("Repeat complaint, past the promise")
    REFUSAL = "refusal", _("A request we cannot meet")
    EMERGENCY = "emergency", _("Emergency")
    ABUSE = "abuse", _("Abusive caller")
    FAULT = "fault", _("Fault reported")
    URGE = "urge", _("Customer urges a repair")
    REVISIT = "revisit", _("Revisit call")
    CLOSING = "closing", _("Closing")


class Article(PublicIdMixin, TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEWED = "reviewed", _("Reviewed")
        PUBLISHED = "published", pgettext_lazy("article", "Published")
        RETIRED = "retired", _("Retired")

    category = models.ForeignKey(KnowledgeCategory, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="articles", verbose_name=_("category"))
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.INTERNAL)
    situation = models.CharField(_("situation"), max_length=20, choices=Situation.choices, blank=True,
                                 help_text=_("For scripts: when the agent says it."))
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=20000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    edit_seq = models.PositiveIntegerField(default=0)  # bumped on every save: a stale form is refused
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("author"))
    live = models.ForeignKey("ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    used_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("edit_article", "Can write knowledge articles"),
                       ("publish_article", "Can review, publish and retire knowledge articles")]
        indexes = [models.Index(fields=["audience", "status"], name="kb_article_audience")]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """One version of an article: written by its author, reviewed and published by a reviewer."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=20000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="kb_version_once")]


class ArticleAttachment(PublicIdMixin, TimeStampedModel):
    """A photo or PDF on an article (checked by content like an order's attachments)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=80, unique=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]


class ArticleVote(models.Model):
    """'Was this helpful?' — one answer per reader (a signed-in user or a browser session)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=64)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "voter"], name="kb_vote_once")]

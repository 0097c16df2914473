"""G4: one search index over work orders, customers, knowledge articles and cases.

A row holds what is shown (title, text for the snippet, url) and what is matched (segmented tokens, exact keys),
with the scope columns the search filters on. The full-text part is a SQLite FTS5 table or, on PostgreSQL, a
tsvector column with a GIN index (both created by migration 0001, see `index.py`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ORDER = "order", _("Work order")
    CUSTOMER = "customer", _("Customer")
    ARTICLE = "article", _("Article")
    CASE = "case", _("Case")


class SearchEntry(models.Model):
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    site_id = models.PositiveIntegerField(null=True)  # scope: the org unit; empty for shared knowledge and cases
    owner_id = models.PositiveIntegerField(null=True)  # an order's owner (technicians see only their own)
    audience = models.CharField(max_length=10, blank=True)  # articles: faq / internal / script
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)  # the snippet's source: never a phone number
    url = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_once")]


class SearchTerm(models.Model):
    """A word of the desk's domain the segmenter must keep whole (水管, 跳闸, 门禁 …)."""

    word = models.CharField(_("word"), max_length=30, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return self.word


class Classifier(models.Model):
    """A8: the trained suggestion model (naive Bayes per field, see classify.py); only the newest is kept."""

    created_at = models.DateTimeField(auto_now_add=True)
    docs = models.PositiveIntegerField()
    data = models.JSONField(default=dict)
    accuracy = models.JSONField(default=dict)

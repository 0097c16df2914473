import uuid

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PublicIdMixin(models.Model):
    """A UUID for URLs and payloads; the integer primary key never leaves the server."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class Attempt(models.Model):
    """One counted attempt (a code request, a wrong code, a tracking lookup, a bad password) for a throttle
    (`core/throttle_services.py`). Moved from portal in core.0001: the staff side counts here too.

    Kept in the database rather than a per-process cache so that every web worker sees the same count.
    """

    scope = models.CharField(max_length=30)
    key = models.CharField(max_length=80)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "created_at"], name="core_attempt_key")]

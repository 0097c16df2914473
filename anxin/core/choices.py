"""Choices of a model field read with one plain SELECT.

Django's `ModelChoiceIterator` reads a select's choices through `QuerySet.iterator()`, which on PostgreSQL is a
server-side cursor: `DECLARE … WITH HOLD`, `FETCH`, `CLOSE` — three round trips (about 3 ms) for a list of a dozen
categories or sites, on every page with such a select. Our choice lists are short (categories, sites, technicians
of a site), so they are read as a list. Exports that stream millions of rows keep `iterator()` where they call it.
"""

import time

from django.db.models.signals import post_delete, post_save
from django.forms.models import ModelChoiceField, ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():  # a fresh clone, as Django's iterator() is: no results cached on the field
            yield self.choice(obj)


def install() -> None:
    """Every ModelChoiceField (and ModelMultipleChoiceField, and those a ModelForm makes) lists its choices so."""
    ModelChoiceField.iterator = ListedChoiceIterator


# Short lists a public page shows on every visit (the portal's categories and service centres) are kept in the
# process for a minute: reading them is two queries and their ORM compiling on each view of the form, about a
# fifth of its CPU. A save or delete of a listed model clears this process's copy at once; the other workers see
# it within CHOICES_SECONDS. Only what is *shown* comes from here — a submitted choice is still checked against
# the database by the field's queryset, so a category switched off a moment ago cannot be filed.
CHOICES_SECONDS = 60
_remembered: dict[str, tuple[float, list]] = {}
_watched: set[type] = set()


def remembered(key: str, read, *, models: tuple[type, ...]) -> list:
    """`read()`'s list, read again when older than CHOICES_SECONDS or when one of `models` changed here."""
    now = time.monotonic()
    hit = _remembered.get(key)
    if hit is not None and now - hit[0] < CHOICES_SECONDS:
        return hit[1]
    for model in models:
        if model not in _watched:
            post_save.connect(_forget, sender=model, dispatch_uid=f"choices-{model._meta.label}-save")
            post_delete.connect(_forget, sender=model, dispatch_uid=f"choices-{model._meta.label}-delete")
            _watched.add(model)
    value = list(read())
    _remembered[key] = (now, value)
    return value


def forget_all() -> None:
    _remembered.clear()


def _forget(**kwargs) -> None:
    forget_all()

"""Choices of a model field read with one plain SELECT.

Django's `ModelChoiceIterator` reads a select's choices through `QuerySet.iterator()`, which on PostgreSQL is a
server-side cursor: `DECLARE … WITH HOLD`, `FETCH`, `CLOSE` — three round trips (about 3 ms) for a list of a dozen
categories or sites, on every page with such a select. Our choice lists are short (categories, sites, technicians
of a site), so they are read as a list. Exports that stream millions of rows keep `iterator()` where they call it.
"""

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

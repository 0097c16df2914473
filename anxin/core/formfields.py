"""Choice fields that a form copies cheaply (issue 14).

Every form instance deep-copies its class's fields, and a ChoiceField deep-copies its choices label by label: the
queue's filter form spent 0.84 ms of each page there. Our choices are lists of (value, label) tuples that nobody
changes in place (a form that needs others assigns a new list), so a shallow copy of the list is enough.
"""

import copy

from django import forms


def _copy(self, memo):
    result = forms.Field.__deepcopy__(self, memo)  # the widget, error messages and validators, as Django does
    result._choices = copy.copy(self._choices)
    return result


class ChoiceField(forms.ChoiceField):
    __deepcopy__ = _copy


class TypedChoiceField(forms.TypedChoiceField):
    __deepcopy__ = _copy

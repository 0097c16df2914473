"""Words of Django's admin that its own zh-Hans catalogue (Django 5.2) does not translate.

Marked here so `make messages` keeps them in our catalogue, which is read before Django's.
"""

from django.utils.translation import gettext_noop

ADMIN_STRINGS = [
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
]

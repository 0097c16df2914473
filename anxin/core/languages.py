"""The languages a customer may prefer and an agent may speak (A12), one list for both sides."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ZH = "zh", _("Chinese")
    EN = "en", _("English")
    BO = "bo", _("Tibetan")
    UG = "ug", _("Uyghur")
    YUE = "yue", _("Cantonese")

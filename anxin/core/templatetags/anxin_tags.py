from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration_minutes(value) -> str:
    """6559 → "4 天 13 小时"; 125 → "2 小时 5 分钟"; 35 → "35 分钟" (the two largest units)."""
    try:
        minutes = int(round(float(value)))
    except (TypeError, ValueError):
        return ""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [(days, _("%(n)d d")), (hours, _("%(n)d h")), (mins, _("%(n)d min"))]
    shown = [label % {"n": n} for n, label in parts if n][:2]
    return " ".join(shown) or _("%(n)d min") % {"n": 0}


@register.simple_tag
def new_token() -> str:
    """A fresh one-time token per form, so a step saved from one form never swallows another form's step."""
    import uuid

    return uuid.uuid4().hex

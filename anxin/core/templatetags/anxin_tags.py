from django import template
from django.contrib.auth.context_processors import PermWrapper
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
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


_NAVS: dict[tuple, str] = {}


@register.simple_tag(takes_context=True)
def staff_nav(context) -> str:
    """The staff header's links (components/nav.html), rendered once per process for each set of permissions and
    language: the template asks for 30 permissions and 25 URLs, a fifth of a page's render on every staff page.
    The key is everything the template reads, so a role granted or revoked shows on the next page as before."""
    user = context["user"]
    key = (user.is_active, user.is_superuser, user.is_staff, frozenset(user.get_all_permissions()), get_language(),
           get_script_prefix())
    html = _NAVS.get(key)
    if html is None:
        html = render_to_string("components/nav.html", {"perms": PermWrapper(user), "user": user})
        if len(_NAVS) > 200:  # a handful of roles in practice; never grow without bound
            _NAVS.clear()
        _NAVS[key] = html
    return mark_safe(html)  # our own template, rendered with autoescape

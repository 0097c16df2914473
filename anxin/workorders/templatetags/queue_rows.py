"""The queue's rows rendered in Python: 50 rows through the template engine cost about 20 ms of a page's ~26 ms
of CPU (issue 14, profiled). The output is the same HTML the row template produced (test_queue_rows.py)."""

import uuid
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

register = template.Library()
_PLACEHOLDER = str(uuid.UUID(int=0))


def esc(value) -> str:
    """Django's `escape` without its lazy-string wrapper (a tenth of the rows' time): no row value is marked safe."""
    return escape(str(value))


@register.simple_tag
def queue_rows(orders, can_assign: bool) -> str:
    """`orders`: workorders.selectors.QueueRow"""
    detail = reverse("workorders:detail", args=[_PLACEHOLDER])  # one reverse per page, not per row
    emergency, chased = esc(gettext("Emergency")), esc(gettext("Chased"))
    out = []
    for o in orders:
        pid = str(o.public_id)
        number = esc(o.number)
        check = (f'<td><input type="checkbox" name="orders" value="{pid}" aria-label="{number}"></td>'
                 if can_assign else "")
        flag = f'<span class="badge urgent">{emergency}</span> ' if o.is_emergency else ""
        urged = f' <span class="badge p3">{chased} ×{o.urge_count}</span>' if o.urge_count else ""
        # strftime, not the |date filter's formatter: the same digits for this fixed format, a fifth of the time
        received = timezone.localtime(o.received_at).strftime("%Y-%m-%d %H:%M") if o.received_at else ""
        out.append(
            f'  <tr>\n    {check}\n'
            f'    <td><a href="{detail.replace(_PLACEHOLDER, pid)}">{number}</a></td>\n'
            f"    <td>{flag}{esc(o.title)}{urged}</td>\n"
            f"    <td>{esc(o.type_label)}</td>\n"
            f'    <td><span class="badge s-{esc(o.status)}">{esc(o.status_label)}</span></td>\n'
            f'    <td><span class="badge p{esc(o.priority)}">{esc(o.priority_label)}</span></td>\n'
            f'    <td class="opt">{"—" if o.customer is None else esc(o.customer)}</td><td class="opt">{esc(o.site)}</td>\n'
            f'    <td class="opt">{"—" if o.owner is None else esc(o.owner)}</td><td class="opt">{received}</td>\n'
            f"  </tr>\n")
    return mark_safe("".join(out))  # every value above is escaped


_FILTERS: dict[tuple, str] = {}


@register.simple_tag
def queue_filter_fields(form) -> str:
    """The queue's filter fields, a label, a widget and its errors each (the page field is not shown).

    Their HTML follows from the values sent, the choices (the sites and staff in the user's scope) and the language
    — nothing else — and agents open the queue with a handful of filter sets: rendering the 14 widgets and their
    ~80 options was 2.3 ms of each view. So it is rendered once per process for each such key."""
    key = (get_language(), tuple((name, tuple(form.data.getlist(name))) for name in form.fields) if form.is_bound else None,
           tuple(tuple(form.fields[name].choices) for name in ("site", "owner", "taken_by")))
    html = _FILTERS.get(key)
    if html is None:
        html = "".join(format_html('<div><label for="{}">{}</label>{}{}</div>', field.id_for_label, field.label, field,
                                   field.errors)
                       for field in form if field.name != "page")
        if len(_FILTERS) > 500:
            _FILTERS.clear()
        _FILTERS[key] = html
    return mark_safe(html)  # built by format_html

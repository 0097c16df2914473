"""The dispatch board's unassigned list and hand-assign choice written in Python: a hundred waiting orders through
the template engine, twice, were about half of the board's time (issue 14, profiled). The output is the HTML
field/board.html wrote before (test_board_rows.py)."""

from html import escape
from uuid import UUID

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext

register = template.Library()
_ZERO = str(UUID(int=0))


@register.simple_tag
def board_waiting_rows(rows) -> str:
    # the messages outside the f-strings: makemessages (xgettext) does not read calls inside them
    if not rows:
        nothing = escape(gettext("Nothing waiting."))
        return mark_safe(f'<tr><td colspan="5" class="muted">{nothing}</td></tr>')
    panel = reverse("field:panel", args=[_ZERO])
    emergency = escape(gettext("Emergency"))
    urgent = f' <span class="badge urgent">{emergency}</span>'
    out = []
    for o in rows:
        window = "—"
        if o.window:
            start, end = localtime(o.window[0]), localtime(o.window[1])
            window = f"{start:%m-%d %H:%M}–{end:%H:%M}"
        out.append(f'<tr><td><a href="{panel.replace(_ZERO, str(o.public_id))}">{escape(o.number)}</a>'
                   f'{urgent if o.is_emergency else ""}</td><td>{escape(o.title)}</td>\n'
                   f'  <td class="opt">{escape(o.job_type or "—")}</td>\n'
                   f'  <td>{window}</td>\n'
                   f'  <td>{escape(o.customer)} {escape(o.district)}</td></tr>\n')
    return mark_safe("".join(out))  # every value above is escaped


@register.simple_tag
def board_waiting_options(rows, selected="") -> str:
    return mark_safe("".join(
        f'<option value="{o.public_id}" {"selected" if selected == str(o.public_id) else ""}>'
        f'{escape(o.number)} {escape(Truncator(o.title).chars(14))}</option>' for o in rows))

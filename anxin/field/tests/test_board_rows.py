"""The board's waiting list written in Python gives the HTML field/board.html's loops wrote (and reads as little)."""

import pytest
from django.template import Context, Template
from django.utils import translation

from anxin.devtools.testing.field import build_field, repair_order, tomorrow_at
from anxin.devtools.testing.personas import fresh
from anxin.field import selectors
from anxin.field.services import appointments, jobs
from anxin.field.templatetags.board_rows import board_waiting_options, board_waiting_rows

ROWS_TEMPLATE = Template("""{% load i18n %}{% for o in unassigned %}<tr><td><a href="{% url 'field:panel' o.public_id %}">{{ o.number }}</a>{% if o.is_emergency %} <span class="badge urgent">{% translate "Emergency" %}</span>{% endif %}</td><td>{{ o.title }}</td>
  <td class="opt">{{ o.job_type|default:"—" }}</td>
  <td>{% for ap in o.current_appointments %}{{ ap.window_from|date:"m-d H:i" }}–{{ ap.window_to|time:"H:i" }}{% empty %}—{% endfor %}</td>
  <td>{{ o.customer.name|default:"" }} {{ o.customer.district|default:"" }}</td></tr>
{% empty %}<tr><td colspan="5" class="muted">{% translate "Nothing waiting." %}</td></tr>{% endfor %}""")  # noqa: E501 — field/board.html as it was
OPTIONS_TEMPLATE = Template("""{% for o in unassigned %}<option value="{{ o.public_id }}" {% if form_order == o.public_id|stringformat:"s" %}selected{% endif %}>{{ o.number }} {{ o.title|truncatechars:14 }}</option>{% endfor %}""")  # noqa: E501


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_waiting_list_in_python_matches_the_template(world, language):
    fw = build_field(world)
    empty = {"unassigned": [], "form_order": ""}
    with translation.override(language):
        assert board_waiting_rows([]) == ROWS_TEMPLATE.render(Context(empty))
        # both sides read the catalogue: a message makemessages missed would pass the comparison in English
        assert ("没有待派的工单。" if language == "zh-hans" else "Nothing waiting.") in board_waiting_rows([])
    plain = repair_order(world, title='水管 <script>"漏水"</script> & 楼下天花板一直在滴水，请尽快')
    urgent = repair_order(world, title="燃气泄漏", emergency=True)
    appointments.appointment_set(order=urgent, actor=fresh(world.agent_a), window_from=tomorrow_at(9),
                                 window_to=tomorrow_at(11, 30), agreed_with="王芳")
    jobs.job_details_set(order=plain, actor=fresh(world.dispatcher_a), job_type=fw.leak)
    models = selectors.unassigned_for(user=world.dispatcher_a, site=world.site_a)
    rows = selectors.waiting_rows(user=world.dispatcher_a, site=world.site_a, limit=100)
    assert [r.public_id for r in rows] == [o.public_id for o in models] and len(rows) == 2
    for selected in ("", str(plain.public_id)):
        with translation.override(language):
            context = Context({"unassigned": models, "form_order": selected})
            assert board_waiting_rows(rows) == ROWS_TEMPLATE.render(context)
            assert board_waiting_options(rows, selected) == OPTIONS_TEMPLATE.render(context)
    assert "&lt;script&gt;" in board_waiting_rows(rows) and "<script>" not in board_waiting_rows(rows)

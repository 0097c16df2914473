"""The queue's rows rendered in Python give the same HTML as the row template they replaced."""

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from anxin.workorders import views
from anxin.workorders.models import WorkOrder
from anxin.workorders.selectors import QueueFilters, queue_page_rows, workorder_list_for_queue
from anxin.workorders.templatetags.queue_rows import queue_rows
from anxin.workorders.tests.factories import make_order

ROW_TEMPLATE = Template("""{% load i18n %}{% for o in orders %}
  <tr>
    {% if can_assign %}<td><input type="checkbox" name="orders" value="{{ o.public_id }}" aria-label="{{ o.number }}"></td>{% endif %}
    <td><a href="{% url 'workorders:detail' o.public_id %}">{{ o.number }}</a></td>
    <td>{% if o.is_emergency %}<span class="badge urgent">{% translate "Emergency" %}</span> {% endif %}{{ o.title }}{% if o.urge_count %} <span class="badge p3">{% translate "Chased" %} ×{{ o.urge_count }}</span>{% endif %}</td>
    <td>{{ o.type_label }}</td>
    <td><span class="badge s-{{ o.status }}">{{ o.status_label }}</span></td>
    <td><span class="badge p{{ o.priority }}">{{ o.priority_label }}</span></td>
    <td class="opt">{{ o.customer|default:"—" }}</td><td class="opt">{{ o.site }}</td>
    <td class="opt">{{ o.owner|default:"—" }}</td><td class="opt">{{ o.received_at|date:"Y-m-d H:i" }}</td>
  </tr>
  {% endfor %}""")  # noqa: E501 — the template as it was, kept to compare against


def _tight(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("can_assign", [True, False])
def test_rows_in_python_match_the_row_template(world, language, can_assign):
    make_order(world, title='<script>alert("x")</script> & 漏水')
    urged = make_order(world, title="紧急：燃气味", is_emergency=True, priority=3)
    WorkOrder.objects.filter(pk=urged.pk).update(urge_count=2, owner=world.agent_a)  # lint: allow-write (fixture)
    walk_away = make_order(world, title="无客户")
    WorkOrder.objects.filter(pk=walk_away.pk).update(customer=None)  # lint: allow-write (fixture: no archive record)
    with translation.override(language):
        queue = workorder_list_for_queue(user=world.agent_a, filters=QueueFilters())
        rows = views._label(queue_page_rows(queue, 0, 50))
        assert len(rows) == 3
        orders = views._label(list(queue))  # the template read whole orders
        expected = ROW_TEMPLATE.render(Context({"orders": orders, "can_assign": can_assign}))
        assert _tight(queue_rows(rows, can_assign)) == _tight(expected)
    # every branch was rendered: escaping, emergency, chased, no customer ("—"), an owner and none
    assert "&lt;script&gt;" in expected and "urgent" in expected and "×2" in expected
    assert '<td class="opt">—</td>' in expected and str(world.agent_a) in expected


FILTER_TEMPLATE = Template("""{% for field in form %}{% if field.name != "page" %}<div><label for="{{ field.id_for_label }}">{{ field.label }}</label>{{ field }}{{ field.errors }}</div>{% endif %}{% endfor %}""")  # noqa: E501


@pytest.mark.parametrize("data", [None, {"type": "repair", "status": "new", "owner": "-", "q": '<b>"漏水"</b>'},
                                  {"status": "nonsense", "received_from": "2026-13-01", "page": "0"}])
def test_the_filter_fields_are_what_the_template_wrote_and_follow_values_scope_and_language(world, data):
    from django.http import QueryDict

    from anxin.accounts import selectors as accounts
    from anxin.workorders.forms import QueueFilterForm
    from anxin.workorders.templatetags.queue_rows import queue_filter_fields

    def form_for(user, values):
        query = None if values is None else QueryDict(mutable=True)
        for name, value in (values or {}).items():
            query[name] = value
        return QueueFilterForm(query, sites=accounts.site_list_for(user=user), staff=accounts.staff_list_for(user=user))

    for language in ("zh-hans", "en"):
        with translation.override(language):
            for user in (world.manager, world.agent_a, world.agent_b):
                for _twice in range(2):  # the second comes from the process's copy
                    form = form_for(user, data)
                    assert queue_filter_fields(form) == FILTER_TEMPLATE.render(Context({"form": form}))
    with translation.override("zh-hans"):
        a, b = queue_filter_fields(form_for(world.agent_a, data)), queue_filter_fields(form_for(world.agent_b, data))
        assert a != b and world.agent_a.username in a and world.agent_a.username not in b  # each scope its own
        renamed = world.agent_a
        renamed.display_name = "新名字"
        renamed.save()
        assert "新名字" in queue_filter_fields(form_for(world.agent_a, data))

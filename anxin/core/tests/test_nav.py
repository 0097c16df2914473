"""The staff header's links, rendered once per set of permissions: the same as the template renders for each role,
and a role granted or revoked shows on the next page."""

from django.contrib.auth.context_processors import PermWrapper
from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.utils import translation

from anxin.accounts.models import User


def _nav(page: str) -> str:
    return page[page.index("<nav>"):page.index("</nav>") + len("</nav>")]


def test_each_role_sees_what_the_template_renders_for_it(client, world):
    for user in (world.manager, world.agent_a, world.dispatcher_a, world.tech_a, world.warehouse_a):
        client.force_login(user)
        shown = _nav(client.get("/orders/").content.decode())
        fresh = User.objects.get(pk=user.pk)
        with translation.override("zh-hans"):
            expected = render_to_string("components/nav.html", {"perms": PermWrapper(fresh), "user": fresh})
        assert shown == expected.strip(), user.username
    client.force_login(world.tech_a)
    assert 'href="/reports/' not in client.get("/orders/").content.decode()


def test_a_granted_or_revoked_permission_shows_on_the_next_page(client, world):
    client.force_login(world.agent_a)
    assert 'id="reports-link"' not in client.get("/orders/").content.decode()
    dashboard = Permission.objects.get(codename="view_dashboard", content_type__app_label="reports")
    world.agent_a.user_permissions.add(dashboard)
    assert 'id="reports-link"' in client.get("/orders/").content.decode()
    world.agent_a.user_permissions.remove(dashboard)
    assert 'id="reports-link"' not in client.get("/orders/").content.decode()
    # another language is another rendering, not the cached Chinese one
    client.cookies["django_language"] = "en"
    assert ">Work orders</a>" in client.get("/orders/").content.decode()

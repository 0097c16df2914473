"""Shared test personas (healthchecks-style): two sites, every role that matters, a customer per site."""

from dataclasses import dataclass

from anxin.accounts import services as account_services
from anxin.accounts.models import OrgUnit, User
from anxin.accounts.roles import Role
from anxin.customers import services as customer_services
from anxin.customers.models import Customer
from anxin.workorders.models import Category
from anxin.workorders.services import category_create

PASSWORD = "test-pass-123!"


@dataclass
class World:
    hq: OrgUnit
    site_a: OrgUnit
    site_b: OrgUnit
    manager: User
    agent_a: User
    dispatcher_a: User
    tech_a: User
    tech_a2: User
    warehouse_a: User
    agent_b: User
    customer_a: Customer
    customer_b: Customer
    category: Category


def build_world() -> World:
    account_services.roles_ensure()
    hq = account_services.orgunit_create(name="总部", code="HQ", kind="hq")
    branch = account_services.orgunit_create(name="分公司", code="BR", kind="branch", parent=hq)
    site_a = account_services.orgunit_create(name="A站", code="SA", kind="site", parent=branch)
    site_b = account_services.orgunit_create(name="B站", code="SB", kind="site", parent=branch)

    def user(name, role, unit):
        return account_services.user_create(username=name, password=PASSWORD, role=role, org_unit=unit,
                                            display_name=name)

    world = World(
        hq=hq, site_a=site_a, site_b=site_b,
        manager=user("manager", Role.SERVICE_MANAGER, hq),
        agent_a=user("agent_a", Role.AGENT, site_a),
        dispatcher_a=user("dispatcher_a", Role.DISPATCHER, site_a),
        tech_a=user("tech_a", Role.TECHNICIAN, site_a),
        tech_a2=user("tech_a2", Role.TECHNICIAN, site_a),
        warehouse_a=user("warehouse_a", Role.WAREHOUSE, site_a),
        agent_b=user("agent_b", Role.AGENT, site_b),
        customer_a=None, customer_b=None,
        category=category_create(code="water.leak", name="漏水"),
    )
    world.customer_a = customer_services.customer_create(
        actor=None, site=site_a, name="王芳", address_text="上海市浦东新区张杨路100号3栋201室",
        contacts=[{"phone": "13800138000"}])
    customer_services.asset_create(customer=world.customer_a, actor=None, name="热水器", brand="美的", model="F6021")
    world.customer_b = customer_services.customer_create(
        actor=None, site=site_b, name="李强", address_text="上海市徐汇区漕宝路5号", contacts=[{"phone": "13900139000"}])
    return world


def fresh(user: User) -> User:
    """The same user re-read, with empty permission and scope caches (as on a new request)."""
    return User.objects.get(pk=user.pk)

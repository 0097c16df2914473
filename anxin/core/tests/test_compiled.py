"""CompiledRead: a read compiled once per process gives what the queryset gives, for every argument."""

import uuid

import pytest

from anxin.core.compiled import CompiledRead
from anxin.customers.models import Customer

PK, PUBLIC_ID, NAME = -424242, uuid.UUID(int=424242), "\x00name"


@pytest.fixture
def two(world):
    return world.customer_a, world.customer_b


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_each_call_reads_its_own_arguments_and_makes_the_querysets_instances(two):
    by_pk = CompiledRead(lambda pk: Customer.objects.filter(pk=pk), PK)
    for customer in two:  # the second call runs the SQL compiled by the first with new parameters
        [found] = by_pk(customer.pk)
        assert _fields(found) == _fields(Customer.objects.get(pk=customer.pk))
    assert by_pk(0) == [] and by_pk.first(0) is None


def test_a_uuid_may_come_as_a_uuid_or_as_text_and_several_arguments_keep_their_places(two):
    a, b = two
    read = CompiledRead(lambda public_id, name: Customer.objects.filter(public_id=public_id, name=name), PUBLIC_ID, NAME)
    assert read.first(a.public_id, a.name) == a
    assert read.first(str(b.public_id), b.name) == b
    assert read.first(a.public_id, b.name) is None


def test_only_and_prefetch_carry_over(two):
    a, _b = two
    read = CompiledRead(lambda pk: Customer.objects.filter(pk=pk).only("id", "name").prefetch_related("contacts"), PK)
    found = read.first(a.pk)
    assert found.get_deferred_fields() and "name" not in found.get_deferred_fields()
    assert [c.phone for c in found.contacts.all()] == [c.phone for c in a.contacts.all()]


def test_reads_whose_shape_depends_on_the_arguments_are_refused_at_the_first_call(two):
    a, _b = two
    with pytest.raises(ValueError, match="none of the parameters"):
        CompiledRead(lambda pks: Customer.objects.filter(pk__in=pks), (PK, PK - 1))(a.pk)
    with pytest.raises(ValueError, match="marker equals one of its constants"):
        CompiledRead(lambda pk: Customer.objects.filter(pk=pk).exclude(pk=PK), PK)(a.pk)
    with pytest.raises(ValueError, match="shape depends"):  # an argument whose value picks a filter
        CompiledRead(lambda pk: Customer.objects.filter(pk=pk) if pk % 2 == 0 else Customer.objects.filter(pk=pk,
                                                                                                         name=""),
                     PK)(a.pk)
    with pytest.raises(ValueError, match="plain model reads"):
        CompiledRead(lambda pk: Customer.objects.filter(pk=pk).values_list("name"), PK)(a.pk)


def test_select_related_annotations_and_an_argument_used_twice(two, world):
    from django.db.models import F
    from django.utils import timezone

    from anxin.accounts.models import User

    a, b = two
    read = CompiledRead(lambda pk: Customer.objects.filter(pk=pk, site__isnull=False).select_related("site")
                        .annotate(twice=F("id") + pk), PK)
    for customer in (a, b):
        found = read.first(customer.pk)
        assert "site" in found._state.fields_cache and found.site == customer.site
        assert found.site.name == customer.site.name and found.twice == 2 * customer.pk
    # nullable joins, a datetime argument (SQLite keeps it as text), the same argument in two places
    since = CompiledRead(lambda moment, pk: User.objects.filter(date_joined__lt=moment, pk=pk).exclude(
        date_joined__gt=moment).select_related("org_unit"), timezone.now(), PK)
    user = since.first(timezone.now(), world.agent_a.pk)
    assert user == world.agent_a and user.org_unit == world.agent_a.org_unit
    assert since.first(world.agent_a.date_joined - timezone.timedelta(days=1), world.agent_a.pk) is None


def test_the_order_page_read_keeps_the_scope_of_the_queue(world):
    """workorder_get_for checks the scope on the row it read: the same orders as scope_filter lets through."""
    from anxin.core.errors import NotFound
    from anxin.workorders.models import WorkOrder
    from anxin.workorders.selectors import workorder_get_for, workorder_qs_for
    from anxin.workorders.services import workorder_create

    for customer, taker in ((world.customer_a, world.agent_a), (world.customer_b, world.agent_b)):
        workorder_create(actor=taker, customer=customer, site=customer.site, type="repair", channel="hotline",
                         title="漏水")
    own = workorder_create(actor=world.agent_a, customer=world.customer_a, site=world.site_a, type="repair",
                           channel="hotline", title="漏水", owner=world.tech_a)
    assert own.owner == world.tech_a
    for user in (world.manager, world.agent_a, world.agent_b, world.dispatcher_a, world.tech_a, world.tech_a2):
        allowed = set(workorder_qs_for(user).values_list("pk", flat=True))
        for order in WorkOrder.objects.all():
            try:
                seen = workorder_get_for(user=user, public_id=order.public_id).pk == order.pk
            except NotFound:
                seen = False
            assert seen == (order.pk in allowed), (user.username, order.number)
    assert own.pk in set(workorder_qs_for(world.tech_a).values_list("pk", flat=True))


def test_the_customer_read_keeps_the_archive_scope(world):
    """customer_get_for checks the scope on the row it read: the same customers as customer_qs_for lets through."""
    from anxin.core.errors import NotFound
    from anxin.customers.selectors import customer_get_for, customer_qs_for
    from anxin.workorders.services import workorder_create

    workorder_create(actor=world.agent_a, customer=world.customer_a, site=world.site_a, type="repair",
                     channel="hotline", title="漏水", owner=world.tech_a)
    for user in (world.manager, world.agent_a, world.agent_b, world.dispatcher_a, world.tech_a, world.tech_a2):
        allowed = set(customer_qs_for(user).values_list("pk", flat=True))
        for customer in Customer.objects.all():
            try:
                found = customer_get_for(user=user, public_id=customer.public_id)
                seen = found.pk == customer.pk and [c.phone for c in found.contacts.all()] == [
                    c.phone for c in customer.contacts.all()]
            except NotFound:
                seen = False
            assert seen == (customer.pk in allowed), (user.username, customer.name)
    assert world.customer_a.pk in set(customer_qs_for(world.tech_a).values_list("pk", flat=True))
    assert world.customer_b.pk not in set(customer_qs_for(world.tech_a).values_list("pk", flat=True))

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
    with pytest.raises(ValueError, match="parameters of the SQL"):
        CompiledRead(lambda pks: Customer.objects.filter(pk__in=pks), [PK, PK - 1])(a.pk)
    with pytest.raises(ValueError, match="parameters of the SQL"):  # a marker equal to a constant: ambiguous
        CompiledRead(lambda pk: Customer.objects.filter(pk=pk).exclude(pk=PK), PK)(a.pk)
    with pytest.raises(ValueError, match="select_related"):
        CompiledRead(lambda pk: Customer.objects.filter(pk=pk).select_related("site"), PK)(a.pk)

"""InConstants writes code constants into the SQL (for partial indexes) and refuses anything that is not one."""

import pytest

from anxin.core.sqlplans import InConstants
from anxin.workorders.models import WorkOrder
from anxin.workorders.tests.factories import make_order


def test_the_filter_selects_like_in_and_writes_its_values_into_the_sql(world):
    repair, complaint = make_order(world), make_order(world, type="complaint")
    qs = WorkOrder.objects.filter(InConstants("type", ["repair", "installation"]))
    assert list(qs.values_list("pk", flat=True)) == [repair.pk] and complaint.pk
    sql, params = qs.query.sql_with_params()
    assert "IN ('repair', 'installation')" in sql and "repair" not in params


@pytest.mark.parametrize("values", [[], ["repair'); DROP TABLE x; --"], ["Repair"], ["a b"]])
def test_anything_but_constants_is_refused(values):
    with pytest.raises(ValueError):
        InConstants("type", values)

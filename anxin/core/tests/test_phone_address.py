import pytest

from anxin.core.address import split_address
from anxin.core.errors import DomainError
from anxin.core.phone import mask_phone, national, normalize_phone


@pytest.mark.parametrize("raw", ["13800138000", "１３８００１３８０００", "+86 138-0013-8000", "8613800138000",
                                 "138 0013 8000", "0086 13800138000", "(+86)13800138000"])
def test_every_written_form_of_a_mobile_becomes_one_e164(raw):
    assert normalize_phone(raw) == "+8613800138000"


def test_landline_with_extension_keeps_the_extension():
    # given a Shanghai landline with an extension
    e164 = normalize_phone("021-58881234 ext. 808")
    # then it is stored canonically and masked without leaking digits
    assert e164 == "+862158881234;ext=808"
    assert mask_phone(e164) == "021****1234"
    assert national(e164).startswith("02158881234")


@pytest.mark.parametrize("raw", ["", "abc", "123", "1380013800", "+86 99999999999999", "1" * 60, "<script>"])
def test_garbage_is_rejected_with_a_clear_error(raw):
    with pytest.raises(DomainError) as exc:
        normalize_phone(raw)
    assert exc.value.code == "invalid"


@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "１３８００１３８０００"])
def test_masking_works_for_every_stored_form(raw):
    assert mask_phone(normalize_phone(raw)) == "138****8000"


def test_split_address_into_parts():
    a = split_address("上海市浦东新区张杨路100号3栋201室")
    assert (a.province, a.city, a.district, a.street, a.number, a.detail) == (
        "上海市", "上海市", "浦东新区", "张杨路", "100号", "3栋201室")
    b = split_address("广东省深圳市南山区科技园路8号")
    assert (b.province, b.city, b.district, b.street, b.number) == ("广东省", "深圳市", "南山区", "科技园路", "8号")


def test_split_address_keeps_what_it_cannot_parse():
    assert split_address("阳光花园3栋").detail == "阳光花园3栋"


def test_durations_read_in_days_hours_minutes():
    from django.utils import translation

    from anxin.core.templatetags.anxin_tags import duration_minutes

    with translation.override("zh-hans"):
        assert duration_minutes(6559) == "4 天 13 小时"
        assert duration_minutes(125) == "2 小时 5 分钟"
        assert duration_minutes(35) == "35 分钟"
        assert duration_minutes(0) == "0 分钟"
        assert duration_minutes("x") == ""

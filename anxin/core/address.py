"""Split a free-text Chinese address into province / city / district / street / number.

Best effort: what cannot be recognised stays in `detail`, nothing is thrown away.
"""

import re
from dataclasses import dataclass

MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")

_PROVINCE = re.compile(r"^(.{2,8}?(?:省|自治区|特别行政区))")
_CITY = re.compile(r"^(.{1,10}?(?:自治州|地区|盟|市))")
_DISTRICT = re.compile(r"^(.{1,10}?(?:新区|区|县|旗|市))")
_STREET = re.compile(r"^(.{1,20}?(?:大道|路|街|道|巷|胡同|弄|镇|乡))")
_NUMBER = re.compile(r"^(\d+[\d\-]*号)")


@dataclass
class Address:
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    number: str = ""
    detail: str = ""


def split_address(text: str) -> Address:
    rest = re.sub(r"\s+", "", text or "")
    out = Address()
    for city in MUNICIPALITIES:
        if rest.startswith(city):
            out.province = out.city = city
            rest = rest[len(city) :]
            break
    else:
        if m := _PROVINCE.match(rest):
            out.province, rest = m.group(1), rest[m.end() :]
        if m := _CITY.match(rest):
            out.city, rest = m.group(1), rest[m.end() :]
    if m := _DISTRICT.match(rest):
        out.district, rest = m.group(1), rest[m.end() :]
    if m := _STREET.match(rest):
        out.street, rest = m.group(1), rest[m.end() :]
    if m := _NUMBER.match(rest):
        out.number, rest = m.group(1), rest[m.end() :]
    out.detail = rest
    return out

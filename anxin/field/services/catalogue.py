"""A starter catalogue (job types with standard hours, price list, parts) for new installations and the
demo; service managers then keep it in the admin (Django admin → 现场服务)."""

from decimal import Decimal

from django.db import transaction

from anxin.field.models import JobType, Part, PriceItem, Trade
from anxin.workorders.models import Category

JOB_TYPES = [  # code, name, trade, level, standard minutes, category code
    ("leak.fix", "漏水维修", Trade.PLUMBING, 1, 60, "water.leak"),
    ("drain.clear", "下水疏通", Trade.PLUMBING, 1, 45, "water.block"),
    ("pipe.replace", "水管更换", Trade.PLUMBING, 2, 120, ""),
    ("heater.install", "热水器安装", Trade.PLUMBING, 2, 90, ""),
    ("socket.fix", "插座/开关维修", Trade.ELECTRICAL, 1, 45, ""),
    ("power.trip", "跳闸/停电检修", Trade.ELECTRICAL, 2, 60, "power.outage"),
    ("circuit.fault", "线路故障排查", Trade.ELECTRICAL, 3, 120, ""),
    ("ac.service", "空调保养清洗", Trade.HVAC, 1, 60, ""),
    ("ac.repair", "空调维修", Trade.HVAC, 2, 90, "appliance"),
    ("glass.replace", "门窗玻璃更换", Trade.GLAZING, 2, 120, ""),
    ("door.fix", "门锁/门窗维修", Trade.GLAZING, 1, 45, "door"),
]
PARTS = [  # number, name, unit
    ("P-VALVE-15", "角阀 DN15", "个"),
    ("P-PIPE-20", "PPR 水管 20mm", "米"),
    ("P-TAPE", "生料带", "卷"),
    ("P-SOCKET", "五孔插座", "个"),
    ("P-BREAKER-16", "空气开关 16A", "个"),
    ("P-FILTER-AC", "空调滤网", "片"),
    ("P-GLASS-5", "钢化玻璃 5mm", "平方米"),
]
PRICES = [  # code, name, kind, unit, price, part number
    ("L-VISIT", "上门检测费", "labour", "次", "30.00", ""),
    ("L-HOUR", "维修工时费", "labour", "小时", "80.00", ""),
    ("L-INSTALL", "安装工时费", "labour", "小时", "100.00", ""),
    ("T-CITY", "市区交通费", "transport", "次", "20.00", ""),
    ("T-SUBURB", "郊区交通费", "transport", "次", "50.00", ""),
    ("M-VALVE-15", "角阀 DN15", "part", "个", "35.00", "P-VALVE-15"),
    ("M-PIPE-20", "PPR 水管 20mm", "part", "米", "12.00", "P-PIPE-20"),
    ("M-TAPE", "生料带", "part", "卷", "3.00", "P-TAPE"),
    ("M-SOCKET", "五孔插座", "part", "个", "25.00", "P-SOCKET"),
    ("M-BREAKER-16", "空气开关 16A", "part", "个", "45.00", "P-BREAKER-16"),
    ("M-FILTER-AC", "空调滤网", "part", "片", "40.00", "P-FILTER-AC"),
    ("M-GLASS-5", "钢化玻璃 5mm", "part", "平方米", "180.00", "P-GLASS-5"),
]


@transaction.atomic
def catalogue_seed() -> None:
    """Idempotent: existing codes are left as the managers edited them."""
    categories = {c.code: c for c in Category.objects.all()}
    for code, name, trade, level, minutes, category in JOB_TYPES:
        JobType.objects.get_or_create(code=code, defaults={"name": name, "trade": trade, "min_level": level,
                                                           "standard_minutes": minutes,
                                                           "category": categories.get(category)})
    parts = {}
    for number, name, unit in PARTS:
        parts[number], _created = Part.objects.get_or_create(number=number, defaults={"name": name, "unit": unit})
    for code, name, kind, unit, price, part in PRICES:
        PriceItem.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "unit": unit,
                                                             "unit_price": Decimal(price), "part": parts.get(part)})


def reference_save(*, obj, actor, request=None):
    """An admin save of a catalogue row, profile or roster entry: validated and audited."""
    from anxin.audit.services import audited_save

    return audited_save(obj=obj, actor=actor, request=request)

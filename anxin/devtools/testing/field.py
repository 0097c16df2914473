"""Field-service fixtures on top of the personas: catalogue, warehouse with stock, technician profiles,
customers with map positions (Shanghai Pudong)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from anxin.customers.models import Customer
from anxin.devtools.testing.personas import World
from anxin.field.models import JobType, Part, Warehouse
from anxin.field.services import assignments, stock
from anxin.field.services.catalogue import catalogue_seed
from anxin.workorders import services as wo
from anxin.workorders.models import WorkOrder


@dataclass
class FieldWorld:
    leak: JobType
    circuit: JobType
    warehouse: Warehouse
    valve: Part


def build_field(world: World) -> FieldWorld:
    catalogue_seed()
    warehouse = Warehouse.objects.create(code="WA", name="A站仓库", site=world.site_a)
    valve = Part.objects.get(number="P-VALVE-15")
    stock.stock_receive(warehouse=warehouse, part=valve, quantity=3, safe_quantity=2)
    assignments.technician_profile_set(user=world.tech_a, trade="plumbing", skills={"plumbing": 2, "electrical": 1},
                                       base=(31.2304, 121.4737))
    assignments.technician_profile_set(user=world.tech_a2, trade="electrical", skills={"electrical": 3},
                                       base=(31.2400, 121.5000))
    Customer.objects.filter(pk=world.customer_a.pk).update(lat=31.2250, lng=121.5440)
    world.customer_a.refresh_from_db()
    return FieldWorld(leak=JobType.objects.get(code="leak.fix"), circuit=JobType.objects.get(code="circuit.fault"),
                      warehouse=warehouse, valve=valve)


def repair_order(world: World, *, title: str = "厨房水管漏水", customer=None, emergency: bool = False) -> WorkOrder:
    return wo.workorder_create(actor=world.agent_a, type="repair", channel="hotline", site=world.site_a,
                               title=title, customer=customer or world.customer_a, category=world.category,
                               is_emergency=emergency)


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))

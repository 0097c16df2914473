"""Demo data that looks real: a property-management company, HQ + two sites, ~200 customers, ~500 orders.

Built through the services so every order has its timeline. Deterministic (seeded random).
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from anxin.accounts import services as account_services
from anxin.accounts.models import OrgUnit, User
from anxin.accounts.roles import Role
from anxin.customers import services as customer_services
from anxin.customers.models import Customer
from anxin.intake import services as intake_services
from anxin.workorders import services as wo_services
from anxin.workorders.models import Channel, Priority, WorkOrder
from anxin.workorders.states import TRANSITIONS, Family, Status, Type, family_of

DEMO_PASSWORD = "anxin-demo-2026"
DEMO_UNREAD = 5  # unread messages each demo user starts with: a normal morning

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "文", "晓东", "玉兰", "国平"]
ORGS = ["绿城物业服务中心", "金桥幼儿园", "东方社区卫生站", "华润超市张杨店", "蓝天口腔诊所", "新华书店浦东分店",
        "锦江之星酒店", "联华便利店", "阳光培训学校", "宏达贸易有限公司"]
SITES = [
    {"code": "PD01", "name": "浦东·阳光花园服务中心", "district": "浦东新区", "street": "张杨路", "postcode": "200120"},
    {"code": "XH02", "name": "徐汇·梅陇苑服务中心", "district": "徐汇区", "street": "漕宝路", "postcode": "200235"},
]
STAFF = [
    ("manager", "周经理", Role.SERVICE_MANAGER, None),
    ("admin", "系统管理员", Role.ADMINISTRATOR, None),
    ("complaints", "孙投诉", Role.COMPLAINT_OFFICER, None),
    ("qa", "钱质检", Role.QA_INSPECTOR, None),
    ("editor1", "吴编辑", Role.KNOWLEDGE_EDITOR, None),
    ("agent1", "李客服", Role.AGENT, 0),
    ("agent2", "王客服", Role.AGENT, 0),
    ("dispatcher1", "赵调度", Role.DISPATCHER, 0),
    ("tech1", "陈师傅", Role.TECHNICIAN, 0),
    ("tech2", "刘师傅", Role.TECHNICIAN, 0),
    ("warehouse1", "吴仓管", Role.WAREHOUSE, 0),
    ("head1", "郑主管", Role.DEPT_HEAD, 0),
    ("agent3", "张客服", Role.AGENT, 1),
    ("dispatcher2", "黄调度", Role.DISPATCHER, 1),
    ("tech3", "杨师傅", Role.TECHNICIAN, 1),
    ("tech4", "马师傅", Role.TECHNICIAN, 1),
]
CATEGORIES = [
    ("water", "给排水", None, Family.FIELD), ("water.leak", "漏水", "water", Family.FIELD),
    ("water.block", "下水堵塞", "water", Family.FIELD), ("power", "供电", None, Family.FIELD),
    ("power.outage", "停电/跳闸", "power", Family.FIELD), ("lift", "电梯", None, Family.FIELD),
    ("door", "门窗门禁", None, Family.FIELD), ("appliance", "家电安装", None, Family.FIELD),
    ("service", "服务态度", None, Family.COMPLAINT), ("timeliness", "维修时效", None, Family.COMPLAINT),
    ("fee", "物业费咨询", None, Family.CONSULTATION), ("env", "环境绿化", None, Family.FEEDBACK),
]
FAULTS = [("厨房水管漏水", "water.leak", "水管"), ("卫生间下水道堵塞", "water.block", "下水管"),
          ("家里突然停电跳闸", "power.outage", "配电箱"), ("电梯异响", "lift", "电梯"),
          ("单元门禁无法刷卡", "door", "门禁"), ("空调不制冷需要维修", "appliance", "空调"),
          ("热水器安装", "appliance", "热水器"), ("窗户关不严漏风", "door", "窗户")]
BRANDS = [("格力", "空调", "KFR-35GW"), ("美的", "热水器", "F6021"), ("海尔", "冰箱", "BCD-470"),
          ("西门子", "洗衣机", "WM12P2"), ("方太", "油烟机", "CXW-258"), ("老板", "燃气灶", "JZT-7G")]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "136", "150", "186", "177", "159"]) + f"{rng.randrange(10**8):08d}"


@transaction.atomic
def _load_counter(site: OrgUnit, users: dict[str, User], customers: list[Customer]) -> None:
    """A4: today's walk-in queue at the first site — agent2 at 2号窗口 serving one, four waiting."""
    from anxin.intake import counter_services as counter

    desk_agent = users["agent2"]
    counter.desk_open(actor=desk_agent, site=site, label="2号窗口")
    local = [c for c in customers if c.site_id == site.id]
    for i, (purpose, booked) in enumerate([("缴物业费", False), ("预约办理门禁卡", True), ("咨询装修申请", False),
                                           ("报修：卫生间漏水", False), ("领取快递柜密码", False)]):
        phone = local[i].contacts.all()[0].phone if i < len(local) else ""
        counter.ticket_take(actor=users["agent1"], site=site, phone=phone, purpose=purpose, has_appointment=booked)
    counter.ticket_call_next(actor=desk_agent)


def load_demo(*, customers: int = 200, orders: int = 500, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    account_services.roles_ensure()
    hq = account_services.orgunit_create(name="安心物业总部", code="HQ", kind=OrgUnit.Kind.HQ)
    branch = account_services.orgunit_create(name="上海分公司", code="SH", kind=OrgUnit.Kind.BRANCH, parent=hq)
    sites = [account_services.orgunit_create(name=s["name"], code=s["code"], kind=OrgUnit.Kind.SITE, parent=branch)
             for s in SITES]
    users: dict[str, User] = {}
    for username, display, role, site_index in STAFF:
        unit = hq if site_index is None else sites[site_index]
        users[username] = account_services.user_create(username=username, password=DEMO_PASSWORD, role=role,
                                                       org_unit=unit, display_name=display,
                                                       is_superuser=username == "admin")
    cats = {}
    for code, name, parent, family in CATEGORIES:
        cats[code] = wo_services.category_create(code=code, name=name, parent=cats.get(parent), family=family)

    manager = users["manager"]
    all_customers: list[Customer] = []
    for i in range(customers):
        site_index = i % 2
        site, info = sites[site_index], SITES[site_index]
        is_org = rng.random() < 0.12
        building, room = rng.randint(1, 32), rng.choice([101, 201, 302, 502, 801, 1203, 1601])
        contacts = [{"phone": _mobile(rng), "name": "" if not is_org else _name(rng), "kind": "mobile"}]
        if rng.random() < 0.3:
            contacts.append({"phone": f"021{rng.randint(5, 6)}{rng.randrange(10**7):07d}", "kind": "home"})
        customer = customer_services.customer_create(
            actor=None, site=site, name=rng.choice(ORGS) if is_org else _name(rng),
            kind=Customer.Kind.ORGANISATION if is_org else Customer.Kind.PERSON,
            tier=rng.choice(["4A", "3A", "2A"]) if is_org else rng.choice(["diamond", "gold", "silver", "basic", "basic"]),
            address_text=f"上海市{info['district']}{info['street']}{rng.randint(1, 999)}号{building}栋{room}室",
            address={"postcode": info["postcode"]}, contacts=contacts,
            preferred_language="bo" if rng.random() < 0.02 else "zh",
        )
        for _k in range(rng.choice([0, 1, 1, 2])):
            brand, product, model = rng.choice(BRANDS)
            bought = timezone.localdate() - timedelta(days=rng.randint(30, 1500))
            customer_services.asset_create(customer=customer, actor=None, name=product, brand=brand, model=model,
                                           maker=f"{brand}电器", serial_no=f"SN{rng.randrange(10**10):010d}",
                                           purchased_on=bought, warranty_ends_on=bought + timedelta(days=365 * 3),
                                           location=rng.choice(["厨房", "客厅", "卫生间", "主卧"]),
                                           service_interval_days=rng.choice([None, None, 180, 365]))
        all_customers.append(customer)

    types = [Type.REPAIR] * 10 + [Type.INSTALLATION] * 2 + [Type.MAINTENANCE] * 2 + [Type.COMPLAINT] * 2 + \
        [Type.CONSULTATION] * 3 + [Type.SUGGESTION, Type.PRAISE, Type.OPINION, Type.SERVICE_REQUEST]
    now = timezone.now()
    site_staff = {s.id: [u for u in users.values() if u.org_unit_id == s.id] for s in sites}
    for _i in range(orders):
        customer = rng.choice(all_customers)
        order_type = rng.choice(types)
        family = family_of(order_type)
        fault, cat_code, _part = rng.choice(FAULTS)
        if family == Family.COMPLAINT:
            fault, cat_code = rng.choice([("维修人员态度差", "service"), ("报修三天无人上门", "timeliness")])
        elif family == Family.CONSULTATION:
            fault, cat_code = rng.choice([("咨询物业费缴纳方式", "fee"), ("咨询停水通知", "fee")])
        elif family == Family.FEEDBACK:
            fault, cat_code = rng.choice([("建议增加绿化", "env"), ("表扬保洁阿姨", "env"), ("小区垃圾清运不及时", "env")])
        received = now - timedelta(days=rng.uniform(0, 90), minutes=rng.randint(0, 600))
        staff = site_staff[customer.site_id]
        agent = next(u for u in staff if u.username.startswith("agent"))
        emergency = family == Family.FIELD and rng.random() < 0.04
        assets = list(customer.assets.all())
        channel = rng.choice([Channel.HOTLINE] * 6 + [Channel.WALK_IN, Channel.WEB, Channel.WECHAT, Channel.EMAIL])
        log = intake_services.contactlog_create(
            actor=agent, site=customer.site, category="complaint" if family == Family.COMPLAINT else
            "install_repair" if family == Family.FIELD else "general", content=fault, customer=customer,
            phone=customer.contacts.all()[0].phone, channel=channel, received_at=received, fault_symptom=fault,
        )
        order = intake_services.contactlog_create_order(
            log=log, actor=agent, type=order_type, title=fault, category=cats[cat_code],
            priority=rng.choice([Priority.NORMAL] * 5 + [Priority.HIGH, Priority.LOW]), is_emergency=emergency,
            asset=rng.choice(assets) if assets and family == Family.FIELD else None,
        )
        if family == Family.COMPLAINT:
            _complaint_details(order, cat_code, rng, manager)
        _walk(order, rng, staff, manager, received)
        _backdate(order, received, rng)
    _load_promises()
    _load_field(sites, users, all_customers, rng)
    _load_field_history(random.Random(seed + 1))  # its own random: the rest of the demo stays as it was
    _load_revisit_history(random.Random(seed + 2), users)
    _load_panels(sites, users, all_customers, rng)
    from anxin.knowledge.demo import load_knowledge

    load_knowledge(editor=users["editor1"], reviewer=users["qa"])
    from anxin.search.classify_services import train

    train()  # A8: suggestions from the demo's history on the first start
    _load_counter(sites[0], users, all_customers)
    _settle_history()
    return {"customers": len(all_customers), "orders": WorkOrder.objects.count(), "users": len(users)}


SITE_CENTRES = [(31.2290, 121.5260), (31.1560, 121.4050)]  # 张杨路, 漕宝路 (WGS-84)
TECH_PROFILES = {  # username: main trade, skills, shift
    "tech1": ("plumbing", {"plumbing": 3, "electrical": 1}, "08:30", "17:30"),
    "tech2": ("electrical", {"electrical": 3, "hvac": 2, "plumbing": 1}, "08:30", "17:30"),
    "tech3": ("plumbing", {"plumbing": 2, "glazing": 2}, "09:00", "18:00"),
    "tech4": ("hvac", {"hvac": 3, "electrical": 2, "glazing": 1}, "09:00", "18:00"),
}


def _hotline_repair(agent: User, customer: Customer, title: str, category) -> WorkOrder:
    """A repair taken on the hotline as an agent takes it: the call logged, then its order — so an agent's contacts in
    staff performance are never fewer than the orders they took."""
    log = intake_services.contactlog_create(actor=agent, site=customer.site, category="install_repair", content=title,
                                            customer=customer, phone=customer.contacts.all()[0].phone,
                                            fault_symptom=title)
    return intake_services.contactlog_create_order(log=log, actor=agent, type=Type.REPAIR, title=title,
                                                   category=category)


def _load_field(sites: list[OrgUnit], users: dict[str, User], customers: list[Customer], rng: random.Random) -> None:
    """Issue 3: catalogue, a warehouse per site with stock, technician profiles and tonight's duty, map positions,
    and tomorrow's booked but unassigned repairs so "propose plan" on the board has work to do."""
    from anxin.accounts.models import OnDuty
    from anxin.field.models import JobType, Part
    from anxin.field.services import appointments, assignments, stock
    from anxin.field.services.catalogue import catalogue_seed

    catalogue_seed()
    for index, site in enumerate(sites):
        warehouse = stock.warehouse_create(code=f"W{site.code}", name=f"{site.name}仓库", site=site)
        for part in Part.objects.all():
            stock.stock_receive(warehouse=warehouse, part=part, quantity=rng.randint(3, 30), safe_quantity=5)
        lat0, lng0 = SITE_CENTRES[index]
        for customer in customers:
            if customer.site_id == site.id:
                customer_services.customer_update(
                    customer=customer, actor=users["admin"],
                    data={"lat": Decimal(f"{lat0 + rng.uniform(-0.03, 0.03):.6f}"),
                          "lng": Decimal(f"{lng0 + rng.uniform(-0.03, 0.03):.6f}")})
    for username, (trade, skills, start, end) in TECH_PROFILES.items():
        user = users[username]
        lat0, lng0 = SITE_CENTRES[[s.id for s in sites].index(user.org_unit_id)]
        assignments.technician_profile_set(user=user, trade=trade, skills=skills, shift_start=start, shift_end=end,
                                           base=(lat0, lng0))
    account_services.on_duty_set(technician=users["tech1"], day=timezone.localdate(), kind=OnDuty.Kind.NIGHT)
    types = list(JobType.objects.exclude(category=None).select_related("category"))
    tomorrow = timezone.localdate() + timedelta(days=1)
    for site in sites:
        agent = next(u for u in users.values() if u.org_unit_id == site.id and u.username.startswith("agent"))
        pool = [c for c in customers if c.site_id == site.id]
        for k in range(12):
            job_type = types[k % len(types)]
            customer = Customer.objects.get(pk=rng.choice(pool).pk)
            order = _hotline_repair(agent, customer, f"{job_type.category.name}:{job_type.name}", job_type.category)
            hour = rng.choice([9, 10, 13, 14, 15])
            start = timezone.make_aware(datetime.combine(tomorrow, time(hour, 0)))
            appointments.appointment_set(order=order, actor=agent, window_from=start,
                                         window_to=start + timedelta(hours=2), agreed_with=customer.name)
    # today's jobs on tech1's phone
    leak = JobType.objects.get(code="leak.fix")
    for k, hour in enumerate((10, 14)):
        customer = Customer.objects.get(pk=[c for c in customers if c.site_id == sites[0].id][k].pk)
        order = _hotline_repair(users["agent1"], customer, "厨房水管漏水", leak.category)
        assignments.assignment_create(order=order, technician=users["tech1"], actor=users["dispatcher1"],
                                      start=timezone.make_aware(datetime.combine(timezone.localdate(), time(hour, 0))),
                                      override_reason="演示数据")


def _load_field_history(rng: random.Random) -> None:
    """The demo's done repairs, installations and maintenance as their technician did them: an agreed window, an
    arrival (a few after the window), a field job of the category's job type handed over when the order was resolved,
    and now and then a later order of the same customer that reworks it — so 员工绩效's technician table (on-time
    arrival, standard against actual hours, rework) has something to show on the first start. Written as history:
    the field services act at the time they are called."""
    from anxin.field.models import Appointment, FieldJob, JobType, Visit

    by_category = {t.category_id: t for t in JobType.objects.exclude(category=None).order_by("code")}
    fallback = list(JobType.objects.order_by("code"))
    field_types = [t for t in Type if family_of(t) == Family.FIELD]
    done = list(WorkOrder.objects.filter(type__in=field_types, status__in=[Status.RESOLVED, Status.CLOSED],
                                         owner__username__startswith="tech", resolved_at__isnull=False,
                                         field_job__isnull=True).select_related("customer").order_by("received_at"))
    windows, visits, jobs = [], [], []
    for order in done:
        worked = timedelta(minutes=rng.randint(30, 150))
        arrived = max(order.resolved_at - worked - timedelta(minutes=rng.randint(5, 20)),
                      order.received_at + (order.resolved_at - order.received_at) / 3)
        window_to = arrived + timedelta(minutes=rng.choice([-40, 10, 30, 45, 60, 90]))  # now and then late
        windows.append(Appointment(work_order=order, window_from=window_to - timedelta(hours=2), window_to=window_to,
                                   agreed_with=order.customer.name if order.customer else "客户"))
        visits.append(Visit(work_order=order, technician_id=order.owner_id, arrived_at=arrived,
                            travel_started_at=arrived - timedelta(minutes=rng.randint(10, 40))))
        jobs.append(FieldJob(work_order=order, job_type=by_category.get(order.category_id) or rng.choice(fallback),
                             started_at=min(arrived + timedelta(minutes=5), order.resolved_at),
                             completed_at=order.resolved_at))
    # where the customer called again later, that field order came back to redo the earlier job (返修)
    done_ids = {order.id for order in done}
    next_of = {}
    for order in (WorkOrder.objects.filter(type__in=field_types, customer__isnull=False)
                  .exclude(status=Status.CANCELLED).order_by("received_at")):
        next_of.setdefault(order.customer_id, []).append(order)
    planned = {job.work_order_id: job for job in jobs}
    booked = dict(FieldJob.objects.values_list("work_order_id", "id"))  # tomorrow's repairs already have a job
    reworks = {}
    for earlier in jobs:
        later = next((o for o in next_of.get(earlier.work_order.customer_id, ())
                      if o.received_at > earlier.completed_at), None)
        if later is None:
            continue
        if later.id in planned:
            planned[later.id].rework_of = earlier.work_order
        elif later.id in booked:
            reworks.setdefault(booked[later.id], earlier.work_order)
        elif later.id not in done_ids:
            planned[later.id] = FieldJob(work_order=later, job_type=earlier.job_type, rework_of=earlier.work_order)
    Appointment.objects.bulk_create(windows)  # lint: allow-write (demo history, see the docstring)
    Visit.objects.bulk_create(visits)  # lint: allow-write (demo history)
    FieldJob.objects.bulk_create(list(planned.values()))  # lint: allow-write (demo history)
    for job_id, order in reworks.items():
        FieldJob.objects.filter(pk=job_id).update(rework_of=order)  # lint: allow-write (demo history)


def _load_panels(sites: list[OrgUnit], users: dict[str, User], customers: list[Customer], rng: random.Random) -> None:
    """F5: one fixed-customer panel per site, surveyed over the last three quarters (slowly improving)."""
    from anxin.revisits import panel_services
    from anxin.revisits.models import PanelSurvey

    manager = users["manager"]
    today = timezone.localdate()
    quarters = [today - timedelta(days=183), today - timedelta(days=92), today]
    for site in sites:
        panel = panel_services.panel_create(name=f"{site.name} · 固定客户群", site=site, actor=manager)
        for customer in [c for c in customers if c.site_id == site.id][:10]:
            panel_services.panel_add(panel=panel, customer=customer, actor=manager)
        for step, day in enumerate(quarters):
            panel_services.panels_schedule(today=day, panels=[panel])
            for survey in PanelSurvey.objects.filter(member__panel=panel, quarter=panel_services.quarter_of(day)):
                if step == len(quarters) - 1 and rng.random() < 0.5:
                    continue  # this quarter's calls are half done
                scores = {a: max(1, min(5, round(rng.gauss(3.2 + 0.4 * step, 0.8))))
                          for a in ("timeliness", "attitude", "quality", "price", "overall")}
                panel_services.panel_survey_record(survey=survey, actor=manager, reached=True, scores=scores)


def _complaint_details(order: WorkOrder, cat_code: str, rng: random.Random, manager: User) -> None:
    """What a demo complaint is about (D1), so the complaint reports (H3) have something to count."""
    from anxin.complaints.services import complaint_register

    complaint_register(order=order, actor=manager, data={
        "what_happened": order.title, "customer_wants": rng.choice(["道歉", "尽快上门", "退还上门费", "更换维修人员"]),
        "category": "attitude" if cat_code == "service" else rng.choice(["timeliness", "timeliness", "quality"]),
        "severity": rng.choice(["normal"] * 6 + ["serious"] * 2 + ["severe"]), "is_group": rng.random() < 0.05})


def _walk(order: WorkOrder, rng: random.Random, staff: list[User], manager: User, received) -> None:
    """Move an order a random number of steps along its table, older orders further."""
    age_days = (timezone.now() - received).days
    steps = rng.randint(0, 2) if age_days < 3 else rng.randint(2, 8)
    techs = [u for u in staff if u.username.startswith("tech")]
    dispatcher = next((u for u in staff if u.username.startswith("dispatcher")), manager)
    for _step in range(steps):
        targets = sorted(TRANSITIONS[order.family][Status(order.status)] - {Status.CANCELLED}, key=str)
        if not targets:
            break
        to = rng.choice(targets)
        if order.status in (Status.RESOLVED, Status.CLOSED) and to not in (Status.CLOSED,) and rng.random() < 0.8:
            to = Status.CLOSED if Status.CLOSED in targets else to
        if to == Status.DISPATCHED and techs:
            order = wo_services.workorder_assign(order=order, owner=rng.choice(techs), actor=dispatcher)
        # demo complaints are resolved as if the customer had confirmed (D5)
        order = wo_services.workorder_transition(order=order, to=to, actor=manager, customer_confirmed=True)
        if order.status == Status.CLOSED:
            break
    if order.family == Family.COMPLAINT and order.status in (Status.RESOLVED, Status.CLOSED):
        from anxin.complaints.models import Complaint
        from anxin.complaints.services import handling_form_return

        complaint = Complaint.objects.filter(work_order=order).first()
        if complaint is not None:  # the department's form, naming a cause (its own random: the demo stays the same)
            cause = random.Random(order.pk).choice(["workmanship", "staff", "scheduling", "process", "product"])
            handling_form_return(complaint=complaint, actor=manager, cause=cause, note="责任部门已签字")


def _load_revisit_history(rng: random.Random, users: dict[str, User]) -> None:
    """The revisits due before today, called as the site's agent would have: most reached and scored around their
    due time (a few late, a few dissatisfied — which reopens a resolved order and opens a complaint about a closed
    one, F3), some never called — so 回访 coverage,
    CSI and the technicians' satisfaction have figures on the first start. Those due from today on stay in the
    revisit queue."""
    from anxin.revisits.models import Revisit
    from anxin.revisits.services import revisit_record

    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    callers = {}
    for user in users.values():
        if user.username.startswith("agent"):
            callers.setdefault(user.org_unit_id, user)
    due = Revisit.objects.filter(status=Revisit.Status.PENDING, due_at__lt=today).select_related("work_order")
    for revisit in due.order_by("due_at", "id"):
        if rng.random() < 0.15:
            continue  # nobody called in time: coverage is not 100 %
        order = revisit.work_order
        overall = rng.choice([5] * 6 + [4] * 4 + [3] * 2 + [2])
        scores = {a: max(1, min(5, overall + rng.choice([0, 0, 0, -1, 1]))) for a in ("timeliness", "attitude",
                                                                                      "quality")}
        done = revisit_record(revisit=revisit, actor=callers.get(order.site_id, users["manager"]), reached=True,
                              scores={**scores, "overall": overall},
                              comments=rng.choice(["", "", "师傅很准时", "希望下次早点来", "处理得很好，谢谢"]))
        finished = order.closed_at or order.resolved_at or revisit.due_at
        called = revisit.due_at - timedelta(hours=rng.randint(-20, 40))  # mostly before it fell due
        Revisit.objects.filter(pk=done.pk).update(  # lint: allow-write (demo fixture, as the call happened)
            done_at=min(max(called, finished + timedelta(hours=1)), now - timedelta(minutes=1)))


def _backdate(order: WorkOrder, received, rng: random.Random) -> None:
    """The steps `_walk` took now happened in the hours after the order came in: its timeline, and the resolution
    and closing times read from it (the promises are replayed from the timeline — without this the demo's past
    orders were all answered today, and staff performance showed first responses of 18 days)."""
    from anxin.workorders.models import WorkOrderEvent

    events = list(WorkOrderEvent.objects.filter(work_order=order).order_by("id"))
    latest = timezone.now() - timedelta(minutes=1)
    at, times, answered = received, {}, False
    for event in events:
        if event.to_status and event.to_status != Status.NEW:  # a step: the first within the hour, then hours
            at += timedelta(minutes=rng.randint(30, 600) if answered else rng.randint(3, 45))
            answered = True
        elif event is not events[0]:
            at += timedelta(minutes=rng.randint(0, 5))  # a note, a promise, a message: beside the step
        event.created_at = min(at, latest)
        if event.to_status:
            times[event.to_status] = event.created_at
    WorkOrderEvent.objects.bulk_update(events, ["created_at"])
    order.refresh_from_db(fields=["resolved_at", "closed_at"])  # as `_walk` left it (its steps made new objects)
    done = {"resolved_at": times.get(Status.RESOLVED) if order.resolved_at else None,
            "closed_at": times.get(Status.CLOSED) if order.closed_at else None}
    WorkOrder.objects.filter(pk=order.pk).update(  # lint: allow-write (demo fixture, as the timeline says)
        **{k: v for k, v in done.items() if v}, updated_at=events[-1].created_at if events else received)


def _load_promises() -> None:
    """The desk's service promises (五个安心), then clocks for every demo order."""
    from anxin.sla import services as sla_services
    from anxin.sla.models import ClockKind, Metric, SlaPolicy

    for name, metric, target, extra in [
        ("首次响应 · 报修 30 分钟", Metric.FIRST_RESPONSE, 30, {"type": "repair"}),
        ("首次响应 · 默认 60 分钟", Metric.FIRST_RESPONSE, 60, {}),
        ("首次响应 · 钻石客户 15 分钟", Metric.FIRST_RESPONSE, 15, {"tier": "diamond"}),
        ("上门到达 · 报修 4 个工作小时", Metric.ARRIVAL, 240, {"type": "repair"}),
        ("上门到达 · 紧急 2 小时（7×24）", Metric.ARRIVAL, 120, {"priority": 4, "clock": ClockKind.ALWAYS}),
        ("解决 · 默认 3 个工作日", Metric.RESOLUTION, 3 * 450, {}),
        ("投诉反馈 · 24 小时（7×24）", Metric.COMPLAINT_FEEDBACK, 1440, {"clock": ClockKind.ALWAYS}),
        ("投诉反馈 · 钻石客户绿色通道 4 小时（7×24）", Metric.COMPLAINT_FEEDBACK, 240,
         {"clock": ClockKind.ALWAYS, "tier": "diamond"}),
        ("投诉反馈 · 5A 单位绿色通道 4 小时（7×24）", Metric.COMPLAINT_FEEDBACK, 240, {"clock": ClockKind.ALWAYS, "tier": "5A"}),
        ("投诉进展通报 · 每 1 个工作日", Metric.PROGRESS_UPDATE, 450, {}),
        ("投诉处理单回收 · 解决后 24 小时（7×24）", Metric.HANDLING_FORM, 1440, {"clock": ClockKind.ALWAYS}),
    ]:
        sla_services.reference_save(obj=SlaPolicy(name=name, metric=metric, target_minutes=target, **extra),
                                    actor=None)
    sla_services.sync_new_events(limit=1_000_000, lag=timedelta(0))
    from anxin.revisits.services import revisits_schedule

    revisits_schedule(since_days=100, limit=10_000)


def _settle_history() -> None:
    """Make the first start look like a normal morning, not months of backlog.

    The promises of the demo's past months are breached and escalated up their ladders now (hourly sweeps over the
    last hours), so the worker does not flood the desk with them once it starts; then every user keeps only the
    newest few messages unread.
    """
    from anxin.notifications.services import inbox_settle
    from anxin.sla import services as sla_services

    now = timezone.now()
    for hours_ago in (4, 3, 2, 1, 0):
        sla_services.sweep(now=now - timedelta(hours=hours_ago), limit=1_000_000, lag=timedelta(0))
    inbox_settle(keep_unread=DEMO_UNREAD)


def demo_logins() -> list[tuple[str, str]]:
    return [(u, f"{d} ({r.label})") for u, d, r, _s in STAFF]

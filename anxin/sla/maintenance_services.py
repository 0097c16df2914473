"""I1: maintenance reminders (保养提醒) from each asset's service interval.

The next service date is the last finished maintenance order on the asset (else the purchase date) plus
the interval. REMIND_DAYS ahead, the site's desk (dispatchers) is told to book a visit and the customer
gets an SMS — once per asset and due date, whatever the sweep does in between.
"""

from datetime import date, timedelta

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.customers.models import Asset
from anxin.notifications import services as notifications
from anxin.workorders.states import Status, Type

REMIND_DAYS = 7


def next_service_on(asset: Asset, last_done: date | None) -> date | None:
    start = last_done or asset.purchased_on
    if not asset.service_interval_days or start is None:
        return None
    return start + timedelta(days=asset.service_interval_days)


def maintenance_reminders_sweep(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    done = Q(work_orders__type=Type.MAINTENANCE, work_orders__status__in=[Status.RESOLVED, Status.CLOSED])
    assets = (Asset.objects.filter(service_interval_days__isnull=False)
              .select_related("customer", "customer__site").prefetch_related("customer__contacts")
              .annotate(last_done=Max("work_orders__resolved_at", filter=done)))
    sent = 0
    desks: dict[int, list[User]] = {}
    for asset in assets.iterator(chunk_size=500):
        last = timezone.localtime(asset.last_done).date() if asset.last_done else None
        due = next_service_on(asset, last)
        if due is None or not (today <= due <= today + timedelta(days=REMIND_DAYS)):
            continue
        site_id = asset.customer.site_id
        if site_id not in desks:
            desks[site_id] = list(User.objects.filter(is_active=True, org_unit_id=site_id,
                                                      groups__name="dispatcher"))
        key = f"maintenance:{asset.pk}:{due.isoformat()}"
        subject = _("Maintenance due %(date)s: %(customer)s, %(asset)s") % {
            "date": due.isoformat(), "customer": asset.customer.name, "asset": str(asset)}
        made = notifications.notify(recipients=desks[site_id], kind="maintenance_due", subject=subject,
                                    url=f"/customers/{asset.customer.public_id}/", dedupe_key=key)
        mobile = next((c.phone for c in asset.customer.contacts.all() if c.kind == "mobile"), "")
        notifications.notify_phone(phone=mobile, kind="maintenance_due", dedupe_key=key,
                                   text=_("[Anxin] Your %(asset)s is due for maintenance around %(date)s; "
                                          "reply or call us to book a visit.") % {"asset": str(asset),
                                                                                 "date": due.isoformat()})
        sent += bool(made)
    return sent

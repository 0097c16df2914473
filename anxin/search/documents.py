"""What each kind of record puts into the index: its title, the snippet's text, its words and its exact keys.

Exact keys are prefixed so they can never collide with an ordinary word: zzo + order number, zzp + national
phone number, zzl + its last four digits, zzn + a customer's name, zzk + the entry's kind. Phone numbers are keys only — never in the text
a snippet is cut from, so a snippet cannot show an unmasked number.
"""

import re

from django.db.models import Prefetch
from django.urls import reverse

from anxin.search import text as zh
from anxin.search.models import Kind

BODY_WORDS = 400


def kind_key(kind: str) -> str:
    """Every entry carries its kind as a word, so "articles and cases only" is an index intersection, not a scan."""
    return f"zzk{kind}"


def order_key(number: str) -> str:
    return "zzo" + re.sub(r"[^0-9a-z]", "", number.lower())


def phone_keys(e164: str) -> list[str]:
    national = re.sub(r"\D", "", e164.split(";")[0])
    if national.startswith("86") and len(national) > 11:
        national = national[2:]
    return [f"zzp{national}", f"zzl{national[-4:]}"] if len(national) >= 4 else []


def name_key(name: str) -> str:
    return "zzn" + "".join(zh.WORD.findall(zh.normalise(name)))


def _entry(kind, obj_id, *, site_id, owner_id=None, audience="", title, text, keys, url) -> dict:
    text = " ".join((text or "").split())
    return {"kind": kind, "object_id": obj_id, "site_id": site_id, "owner_id": owner_id, "audience": audience,
            "title": title[:200], "text": text[:2000], "head": zh.tokens(title, limit=60),
            "body": zh.tokens(text, limit=BODY_WORDS), "keys": list(dict.fromkeys([kind_key(kind), *keys])), "url": url}


def orders(ids):
    from anxin.customers.models import Contact
    from anxin.workorders.models import WorkOrder

    qs = (WorkOrder.objects.filter(id__in=ids).select_related("customer", "category", "asset")
          .prefetch_related(Prefetch("customer__contacts", queryset=Contact.objects.only("id", "customer_id", "phone"))))
    for order in qs:
        customer = order.customer
        keys = [order_key(order.number)]
        if customer is not None:
            keys.append(name_key(customer.name))
            for contact in customer.contacts.all():
                keys += phone_keys(contact.phone)
        text = " ".join(filter(None, [order.description, order.category.name if order.category_id else "",
                                      str(order.asset) if order.asset_id else "",
                                      customer.name if customer else "", customer.address if customer else ""]))
        yield _entry(Kind.ORDER, order.id, site_id=order.site_id, owner_id=order.owner_id,
                     title=f"{order.number} {order.title}", text=text, keys=keys,
                     url=reverse("workorders:detail", args=[order.public_id]))


def customers(ids):
    from anxin.customers.models import Customer

    for customer in Customer.objects.filter(id__in=ids).prefetch_related("contacts", "assets"):
        keys = [name_key(customer.name)]
        for contact in customer.contacts.all():
            keys += phone_keys(contact.phone)
        assets = " ".join(str(a) for a in customer.assets.all())
        yield _entry(Kind.CUSTOMER, customer.id, site_id=customer.site_id, title=customer.name,
                     text=f"{customer.address} {assets} {customer.notes}", keys=keys,
                     url=reverse("customers:archive", args=[customer.public_id]))


def articles(ids):
    """Only the published version is searchable; a draft or a retired article leaves the index."""
    import nh3

    from anxin.knowledge.models import Article

    for article in Article.objects.filter(id__in=ids, live__isnull=False).select_related("live", "category"):
        plain = nh3.clean(article.live.body, tags=set())
        category = article.category.name if article.category_id else ""
        yield _entry(Kind.ARTICLE, article.id, site_id=None, audience=article.audience, title=article.live.title,
                     text=f"{plain} {category}", keys=[],
                     url=reverse("knowledge:detail", args=[article.public_id]))


def cases(ids):
    from anxin.complaints.models import Case

    for case in Case.objects.filter(id__in=ids):
        yield _entry(Kind.CASE, case.id, site_id=None, title=case.title, text=f"{case.story} {case.lesson}", keys=[],
                     url=reverse("complaints:cases") + f"#case-{case.pk}")


BUILDERS = {Kind.ORDER: orders, Kind.CUSTOMER: customers, Kind.ARTICLE: articles, Kind.CASE: cases}
MODELS = {Kind.ORDER: "workorders.WorkOrder", Kind.CUSTOMER: "customers.Customer", Kind.ARTICLE: "knowledge.Article",
          Kind.CASE: "complaints.Case"}

"""G4: one search over work orders, customers, articles and cases, within what the viewer may open.

The query is read the way the desk types it: a phone number or its last four digits, an order number or a
customer's name are exact keys and rank first; a phone or last-four query returns exact matches only (never an
order whose phones end otherwise). Everything else is segmented like the index and ranked by relevance; when no
record has every word, records with some of them follow.
"""

import html
import re
from dataclasses import dataclass

from anxin.accounts.models import User
from anxin.accounts.scope import visible_unit_ids
from anxin.core import text as zh
from anxin.core.phone import try_normalize_phone
from anxin.core.sqlplans import AmongIds, custom_plans
from anxin.search import documents, index
from anxin.search.index import Scope
from anxin.search.models import Kind, SearchEntry
from anxin.search.services import terms_load

MAX_QUERY = 200  # characters read of a query; the rest is ignored
MAX_WORDS = 12
ORDER_NUMBER = re.compile(r"^gd\d{8}-?\d{1,6}$")
PUBLIC = Scope(article_audiences=frozenset({"faq"}))


@dataclass
class Hit:
    kind: str
    title: str
    snippet: str  # HTML: escaped text with <mark> around the matched words
    url: str
    exact: bool
    score: float
    object_id: int
    audience: str = ""
    title_html: str = ""  # the title, escaped, with the matched words in <mark>

    @property
    def kind_label(self) -> str:
        if self.kind == Kind.ARTICLE and self.audience:
            from anxin.knowledge.models import Audience

            return Audience(self.audience).label  # 公开常见问题 / 内部知识 / 话术
        return Kind(self.kind).label


def scope_for(user: User) -> Scope:
    """The one scope function of search: which kinds, sites, owner and audiences this user may find."""
    if not user.is_authenticated or not user.is_active:
        return PUBLIC
    sites = frozenset(visible_unit_ids(user))
    team = user.has_perm("workorders.view_team_orders")
    staff = user.has_perm("workorders.view_workorder")
    return Scope(
        order_sites=sites if staff else None,
        order_owner=None if team else user.id,
        # a technician's customers are the ones on his own jobs: he finds them through his orders
        customer_sites=sites if team and user.has_perm("customers.view_customer") else None,
        article_audiences=frozenset({"faq", "internal", "script"}) if staff else frozenset({"faq"}),
        cases=staff,
    )


def parse(query: str, *, full_phones: bool) -> tuple[list[str], list[str], bool]:
    """(words, exact keys, exact only?) of a query."""
    text = zh.normalise((query or "")[:MAX_QUERY]).strip()
    if not text:
        return [], [], False
    compact = re.sub(r"[\s\-()（）]", "", text)
    if compact.isdigit() or (compact.startswith("+") and compact[1:].isdigit()):
        digits = compact.lstrip("+")
        if len(digits) == 4:
            return [], [f"zzl{digits}"], True
        if len(digits) >= 7 and full_phones:
            e164 = try_normalize_phone(compact)
            return [], documents.phone_keys(e164)[:1] if e164 else [f"zzp{digits}"], True
        if len(digits) >= 7:
            return [], [], True  # without the right to see full numbers, a number is no search key (an oracle)
    keys = []
    if ORDER_NUMBER.match(compact):
        keys.append(documents.order_key(compact))
    name = documents.name_key(text)
    if 2 <= len(name) - 3 <= 20:
        keys.append(name)
    return zh.tokens(text, limit=MAX_WORDS, query=True), keys, False


def highlight(text: str, words: list[str], *, width: int = 120) -> str:
    """The part of the text around the first matched word, escaped, with every matched word in <mark>."""
    source = zh.normalise(text)
    display = text if len(text) == len(source) else source  # same length: positions carry over to the original
    hits = sorted({(m.start(), m.end()) for w in words if w for m in re.finditer(re.escape(w), source)})
    start = max(0, hits[0][0] - width // 3) if hits else 0
    end = min(len(display), start + width)
    out, pos = [], start
    for a, b in hits:
        if a < pos or a >= end:
            continue
        out += [html.escape(display[pos:a]), "<mark>", html.escape(display[a:min(b, end)]), "</mark>"]
        pos = min(b, end)
    out.append(html.escape(display[pos:end]))
    return ("…" if start else "") + "".join(out) + ("…" if end < len(display) else "")


def search(*, user: User | None, query: str, kinds: tuple[str, ...] = (), limit: int = 20,
           scope: Scope | None = None) -> list[Hit]:
    """The best `limit` results for the query, exact keys first, then by relevance."""
    terms_load()
    scope = scope or (scope_for(user) if user is not None else PUBLIC)
    full_phones = bool(user and user.is_authenticated and user.has_perm("customers.view_full_phone"))
    words, keys, exact_only = parse(query, full_phones=full_phones)
    limit = max(1, min(limit, 100))
    ranked: dict[int, tuple[bool, float]] = {}
    with custom_plans():  # see index.match
        for pk, score in index.match(words=keys, scope=scope, any_word=True, kinds=kinds, limit=limit,
                                         rare=True):
            ranked[pk] = (True, score)
        if not exact_only and words:
            for any_word in (False, True):
                if len(ranked) >= limit or (any_word and len(words) < 2):
                    break
                for pk, score in index.match(words=words, scope=scope, any_word=any_word, kinds=kinds, limit=limit):
                    ranked.setdefault(pk, (False, score - (1000 if any_word else 0)))
    if not ranked:
        return []
    # only the entries that can make the page are read (their text is most of a row): every exact match, and the
    # best of the others that fit beside them
    exact_ids = [pk for pk, (exact, _s) in ranked.items() if exact]
    others = sorted((pk for pk in ranked if not ranked[pk][0]), key=lambda pk: -ranked[pk][1])
    entries = SearchEntry.objects.only("id", "kind", "object_id", "title", "text", "url", "audience").in_bulk(
        exact_ids + others[:max(0, limit - len(exact_ids))])

    def rank(pk):
        exact, score = ranked[pk]
        # among exact matches of a name or phone, the customer it names comes before that customer's orders
        owner_first = exact and entries[pk].kind != Kind.CUSTOMER
        return (not exact, owner_first, -score)

    order = sorted((pk for pk in ranked if pk in entries), key=rank)[:limit]  # ties: in the order found (newest)
    return [Hit(kind=e.kind, title=e.title, snippet=highlight(e.text, words), url=e.url, exact=ranked[e.pk][0],
                score=ranked[e.pk][1], object_id=e.object_id, audience=e.audience,
                title_html=highlight(e.title, words, width=200))
            for e in (entries[pk] for pk in order)]


def matching_ids(*, user: User, query: str, kind: str, limit: int = 1000) -> list[int]:
    """Ids of the records of one kind that match, exact keys first, then those with every word (the queue's filter)."""
    terms_load()
    scope = scope_for(user)
    words, keys, exact_only = parse(query, full_phones=user.has_perm("customers.view_full_phone"))
    with custom_plans():  # see index.match
        pks = [pk for pk, _s in index.match(words=keys, scope=scope, any_word=True, kinds=(kind,), limit=limit,
                                              rare=True)]
        if not exact_only and words:
            pks += [pk for pk, _s in index.match(words=words, scope=scope, kinds=(kind,), limit=limit)]
    pks = list(dict.fromkeys(pks))[:limit]
    found = dict(SearchEntry.objects.filter(AmongIds("id", pks)).values_list("id", "object_id"))
    return [found[pk] for pk in pks if pk in found]


QUEUE_MATCHES = 200  # a text filter in the queue keeps the best 200 matches, shown in the queue's own order


def order_ids_matching(*, user: User, query: str | None) -> tuple[int, ...] | None:
    """The queue's (and the API's) text filter through the index; None without a query."""
    if not (query or "").strip():
        return None
    return tuple(matching_ids(user=user, query=query, kind=Kind.ORDER, limit=QUEUE_MATCHES))

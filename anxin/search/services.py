"""Keeping the index equal to the records: on every write (through `core.signals.changed`) and by `anxin reindex`."""

import time

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.services import audit_record
from anxin.core import text as zh
from anxin.core.bulk import dumps, recordset
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.search import documents, index
from anxin.search.models import Kind, SearchEntry, SearchTerm

_terms = {"loaded_at": 0.0}
TERMS_TTL = 60  # seconds: another process's new term is used within a minute


def terms_load(force: bool = False) -> None:
    """Give the segmenter the admin's search terms (once a minute per process at most)."""
    if force or time.monotonic() - _terms["loaded_at"] > TERMS_TTL:
        zh.add_terms(SearchTerm.objects.values_list("word", flat=True))
        _terms["loaded_at"] = time.monotonic()


# the words themselves live only in the full-text half (FTS5 / the tsvector): the entry holds what is shown
COLUMNS = "kind, object_id, site_id, owner_id, audience, title, text, url, updated_at"
UPDATE = ("site_id = excluded.site_id, owner_id = excluded.owner_id, audience = excluded.audience, "
          "title = excluded.title, text = excluded.text, url = excluded.url, updated_at = excluded.updated_at")
UPSERT = (f"INSERT INTO search_searchentry ({COLUMNS}) VALUES ({', '.join(['%s'] * 9)}) "
          f"ON CONFLICT (kind, object_id) DO UPDATE SET {UPDATE} RETURNING id")
# PostgreSQL: every record of the call in one statement, the tsvector with it (one row version, one GIN insert per
# entry), the rows sent as one JSON value (`core.bulk`). One upsert per record cost ~400 µs of client time each, and
# text arrays ~16 µs an element to adapt — most of a history import's time (issue 10).
UPSERT_PG = (f"INSERT INTO search_searchentry ({COLUMNS}, vector) SELECT {COLUMNS}, vector::tsvector FROM "
             + recordset({"kind": "text", "object_id": "bigint", "site_id": "bigint", "owner_id": "bigint",
                          "audience": "text", "title": "text", "text": "text", "url": "text",
                          "updated_at": "timestamptz", "vector": "text"})
             + f" ON CONFLICT (kind, object_id) DO UPDATE SET {UPDATE}, vector = excluded.vector")


def index_records(kind: str, ids) -> int:
    """(Re)index these records of one kind; records that no longer qualify (deleted, unpublished) leave the index.

    Plain SQL — on PostgreSQL one statement for all of them, on SQLite one upsert per record (its FTS5 row needs the
    entry's id): this runs inside every create and update, so it must stay small next to it.
    """
    ids = list(dict.fromkeys(ids))
    if not ids:
        return 0
    terms_load()
    built = {d["object_id"]: d for d in documents.BUILDERS[kind](ids)}
    if len(built) < len(ids):
        gone = list(SearchEntry.objects.filter(kind=kind, object_id__in=[i for i in ids if i not in built])
                    .values_list("id", flat=True))
        if gone:
            index.remove(gone)
            SearchEntry.objects.filter(id__in=gone).delete()
    now = timezone.now()
    if connection.vendor != "sqlite":
        rows = [{"kind": kind, "object_id": object_id, "site_id": doc["site_id"], "owner_id": doc["owner_id"],
                 "audience": doc["audience"], "title": doc["title"], "text": doc["text"], "url": doc["url"],
                 "updated_at": now, "vector": index.vector(doc["head"], doc["body"], doc["keys"])}
                for object_id, doc in built.items()]
        if rows:
            with connection.cursor() as cursor:
                cursor.execute(UPSERT_PG, [dumps(rows)])
        return len(rows)
    rows = []
    with connection.cursor() as cursor:
        for object_id, doc in built.items():
            cursor.execute(UPSERT, [kind, object_id, doc["site_id"], doc["owner_id"], doc["audience"], doc["title"],
                                    doc["text"], doc["url"], now])
            rows.append((cursor.fetchone()[0], kind, doc["site_id"], doc["owner_id"], doc["audience"], doc["head"],
                         doc["body"], doc["keys"]))
    index.put(rows)  # the FTS5 table beside the entries
    return len(rows)


def on_record_changed(sender, ids, **kwargs) -> None:
    """A service wrote records (inside its transaction): index them now, and a customer's orders with them."""
    kind = str(sender)
    if kind not in documents.BUILDERS:
        return
    index_records(kind, ids)
    if kind == Kind.CUSTOMER:
        from anxin.workorders.models import WorkOrder

        # an order's entry carries its customer's name and phones
        orders = WorkOrder.objects.filter(customer_id__in=ids).order_by("-id").values_list("id", flat=True)[:5000]
        index_records(Kind.ORDER, list(orders))


def reindex(*, kinds=None, batch: int = 2000, progress=None) -> dict[str, int]:
    """Rebuild the index from the records, kind by kind in batches (one transaction per batch)."""
    counts = {}
    terms_load(force=True)
    with transaction.atomic():
        index.prune()
    for kind in kinds or list(documents.BUILDERS):
        model = apps.get_model(documents.MODELS[kind])
        all_ids = list(model.objects.order_by("id").values_list("id", flat=True))
        with transaction.atomic():
            stale = list(SearchEntry.objects.filter(kind=kind).exclude(object_id__in=model.objects.values("id"))
                         .values_list("id", flat=True))
            index.remove(stale)
            SearchEntry.objects.filter(id__in=stale).delete()
        done = 0
        for start in range(0, len(all_ids), batch):
            with transaction.atomic():
                done += index_records(kind, all_ids[start:start + batch])
            if progress:
                progress(kind, min(start + batch, len(all_ids)), len(all_ids))
        counts[kind] = done
    with transaction.atomic():
        index.optimize()
    return counts


def term_add(*, actor, word: str, request=None) -> SearchTerm:
    """The admin teaches search a domain word; records indexed before keep their old words until `anxin reindex`."""
    if not actor.has_perm("search.add_searchterm"):
        raise PermissionDeniedError()
    word = zh.normalise(word).strip()
    if not word or len(word) > 30 or not zh.WORD.fullmatch(word):
        raise DomainError(ErrorCode.INVALID, _("One word: letters or digits only, at most 30 characters."), {"field": "word"})
    term, _created = SearchTerm.objects.get_or_create(word=word)
    audit_record(actor=actor, action="create", object_type="search.searchterm", object_id=term.pk, summary=word,
                 request=request)
    zh.add_terms([word])
    return term


def term_remove(*, actor, term: SearchTerm, request=None) -> None:
    """Forget a term (takes effect for the segmenter at the next process start and `anxin reindex`)."""
    if not actor.has_perm("search.delete_searchterm"):
        raise PermissionDeniedError()
    audit_record(actor=actor, action="delete", object_type="search.searchterm", object_id=term.pk, summary=term.word,
                 request=request)
    term.delete()

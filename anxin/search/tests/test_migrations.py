"""search.0003 moves the words out of the entry table: a filled index still finds what it found before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from anxin.search import index

BEFORE, AFTER = [("search", "0002_classifier")], [("search", "0003_words_only_in_fulltext")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.mark.django_db(transaction=True)
def test_an_entry_indexed_before_0003_is_found_after_it():
    _migrate(BEFORE)
    try:
        index.clear()  # a flush between transactional tests empties the tables, not the FTS5 one
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_searchentry (kind, object_id, site_id, owner_id, audience, title, text, "
                           "head_tokens, tokens, keys, url, updated_at) VALUES ('case', 1, NULL, NULL, '', '厨房漏水', "
                           "'厨房水管漏水', '厨房 漏水', '厨房 水管 漏水', 'zzkcase', '/c/', CURRENT_TIMESTAMP) RETURNING id")
            pk = cursor.fetchone()[0]
            if connection.vendor == "sqlite":
                cursor.execute("INSERT INTO search_fts (rowid, head, body, keys, kind, site, owner, audience) "
                               "VALUES (%s, '厨房 漏水', '厨房 水管 漏水', 'zzkcase', 'case', NULL, NULL, '')", [pk])
            else:
                cursor.execute("UPDATE search_searchentry SET vector = %s::tsvector WHERE id = %s",
                               [index.vector(["厨房", "漏水"], ["厨房", "水管", "漏水"], ["zzkcase"]), pk])
        _migrate(AFTER)
        found = index.match(words=["水管", "漏水"], scope=index.Scope(cases=True))
        assert [p for p, _score in found] == [pk]
        assert "水管" in index.stored([pk])[pk]
    finally:
        _migrate(AFTER)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_searchentry")
            index.clear()

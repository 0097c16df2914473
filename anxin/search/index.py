"""The full-text half of the index, one implementation per database behind the same three calls.

SQLite: an FTS5 table `search_fts` whose rowid is the entry's id, ranked by BM25 (the title's words weigh
more). PostgreSQL: a `vector` tsvector column on `search_searchentry` with a GIN index, ranked by ts_rank; the
vector is written as a literal of our own tokens (never re-parsed by a text-search configuration), so both
databases match exactly the same words.
"""

from dataclasses import dataclass

from django.db import connection

# FTS5 ranks by bm25(head, body, keys): a word in the title counts 4×, an exact key 10×
# detail=column: no word positions (every query is single words, each stored once per column), about 15% less to
# write on every create and a smaller index
SQLITE_TABLE = ("CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5("
                "head, body, keys, kind UNINDEXED, site UNINDEXED, owner UNINDEXED, audience UNINDEXED, "
                "tokenize = 'unicode61 remove_diacritics 0', detail = column)")
SQLITE_CREATE = [SQLITE_TABLE.format(name="search_fts")]
SQLITE_DROP = ["DROP TABLE IF EXISTS search_fts"]
PG_CREATE = [
    "ALTER TABLE search_searchentry ADD COLUMN IF NOT EXISTS vector tsvector",
    "CREATE INDEX IF NOT EXISTS search_vector_gin ON search_searchentry USING gin (vector)",
]
PG_DROP = ["DROP INDEX IF EXISTS search_vector_gin", "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS vector"]
MAX_POSITION = 16383  # PostgreSQL's limit for a lexeme position


@dataclass(frozen=True)
class Scope:
    """What a viewer may find, per kind: sites (None = any), an owner (technicians), audiences (articles)."""

    order_sites: frozenset[int] | None = None  # None: no orders at all
    order_owner: int | None = None
    customer_sites: frozenset[int] | None = None
    article_audiences: frozenset[str] = frozenset()
    cases: bool = False

    def sql(self) -> tuple[str, list]:
        parts, params = [], []
        if self.order_sites:
            clause = f"(kind = 'order' AND site IN ({','.join('%s' for _ in self.order_sites)})"
            params += sorted(self.order_sites)
            if self.order_owner is not None:
                clause += " AND owner = %s"
                params.append(self.order_owner)
            parts.append(clause + ")")
        if self.customer_sites:
            parts.append(f"(kind = 'customer' AND site IN ({','.join('%s' for _ in self.customer_sites)}))")
            params += sorted(self.customer_sites)
        if self.article_audiences:
            parts.append(f"(kind = 'article' AND audience IN ({','.join('%s' for _ in self.article_audiences)}))")
            params += sorted(self.article_audiences)
        if self.cases:
            parts.append("(kind = 'case')")
        return ("(" + " OR ".join(parts) + ")" if parts else "(1 = 0)"), params


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def create(schema_editor) -> None:
    statements = SQLITE_CREATE if schema_editor.connection.vendor == "sqlite" else PG_CREATE
    for sql in statements:
        schema_editor.execute(sql)


def drop(schema_editor) -> None:
    statements = SQLITE_DROP if schema_editor.connection.vendor == "sqlite" else PG_DROP
    for sql in statements:
        schema_editor.execute(sql)


MAX_WORD = 64  # characters; longer tokens (URLs, base64, keyboard mashing) are not indexed


def _searchable(words: list[str]) -> list[str]:
    return [w for w in words if len(w) <= MAX_WORD]


def vector(head: list[str], body: list[str], keys: list[str]) -> str:
    """A tsvector literal: 'word':positions with weight A for the title and the keys, D for the body."""
    positions: dict[str, list[str]] = {}
    for offset, (words, weight) in enumerate(((keys, "A"), (head, "A"), (body, ""))):
        words = _searchable(words)
        start = 1 + offset * 2000
        for i, word in enumerate(words[:1990]):
            positions.setdefault(word, []).append(f"{min(start + i, MAX_POSITION)}{weight}")
    return " ".join("'" + w.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(p)
                    for w, p in positions.items())


def put(rows: list[tuple[int, str, int | None, int | None, str, list[str], list[str], list[str]]]) -> None:
    """(entry id, kind, site, owner, audience, head tokens, body tokens, keys) for entries already saved."""
    if not rows:
        return
    # a 20,000-character URL is one "word": nobody searches for it, and PostgreSQL refuses a tsvector word over
    # 2,046 bytes — which would fail the write of the order or mail that holds it
    rows = [(pk, kind, site, owner, audience, _searchable(head), _searchable(body), _searchable(keys))
            for pk, kind, site, owner, audience, head, body, keys in rows]
    with connection.cursor() as cursor:
        if _sqlite():
            # an entry indexed before: its old words out first (FTS5 rows are replaced by rowid)
            cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(r[0],) for r in rows])
            cursor.executemany(
                "INSERT INTO search_fts (rowid, head, body, keys, kind, site, owner, audience) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [(pk, " ".join(head), " ".join(body), " ".join(keys), kind, site, owner, audience)
                 for pk, kind, site, owner, audience, head, body, keys in rows])
        else:
            cursor.executemany("UPDATE search_searchentry SET vector = %s::tsvector WHERE id = %s",
                               [(vector(head, body, keys), pk) for pk, _k, _s, _o, _a, head, body, keys in rows])


def stored(ids: list[int]) -> dict[int, str]:
    """What the full-text half holds for these entries (for tests and checks: index equals a rebuild)."""
    with connection.cursor() as cursor:
        marks = ",".join("%s" for _ in ids) or "NULL"
        if _sqlite():
            cursor.execute(f"SELECT rowid, head || '|' || body || '|' || keys FROM search_fts WHERE rowid IN ({marks})",
                           list(ids))
        else:
            cursor.execute(f"SELECT id, vector::text FROM search_searchentry WHERE id IN ({marks})", list(ids))
        return dict(cursor.fetchall())


def remove(ids: list[int]) -> None:
    if ids and _sqlite():
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(i,) for i in ids])


def prune() -> int:
    """SQLite: drop full-text rows whose entry is gone (a delete that bypassed `remove`); they would take places in
    every search's window of newest matches. PostgreSQL keeps the words in the entry's own row: nothing to do."""
    if not _sqlite():
        return 0
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_fts WHERE rowid NOT IN (SELECT id FROM search_searchentry)")
        return cursor.rowcount


def optimize() -> None:
    """SQLite: merge the full-text index into one b-tree after a rebuild. A reindex replaces every row (a delete and an
    insert each), which leaves FTS5 many segments and deleted-row markers: the fixed queries' matches took 4.5 ms
    against 3.1 after this at 100k orders (0.2 s of work). Ordinary writes are kept merged by FTS5's automerge."""
    if _sqlite():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")


def clear() -> None:
    if _sqlite():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


WINDOW = 500  # a query ranks at most the newest 500 entries that match it: bounded work on a million orders


FIRST_SPAN = 2_000  # ids: the newest entries read first on PostgreSQL
LAST_SPAN = 64_000  # ids: a span wider than this is not walked; every match is read through the GIN index instead


def _pg_newest(cursor, *, query: str, where: str, params: list, spans: bool) -> list[tuple[int, float]]:
    """The newest WINDOW matches of a tsquery, ranked, read from the newest ids backwards.

    Two ways to find them, and PostgreSQL's guess of a word's frequency (off by 6× for two common words) picks the
    wrong one either way: the GIN index yields every match (93,000 at 1 M orders for 天花板 滴水: 30–40 ms before a
    row is read), while walking the newest ids tests every row (an order number matching nothing walked all million
    rows: 550 ms). So the choice is made here: the newest FIRST_SPAN ids are walked (the GIN index kept out: `IS
    TRUE`); if they hold fewer than WINDOW matches, a span sized from the density seen; once a span would pass
    LAST_SPAN, or the first two (2,000 and 16,000 ids) held none, the word is rare enough to read all its matches
    through the GIN index (`ORDER BY id + 0` keeps the walk out). Each step gives the same newest WINDOW — the
    result never depends on the route. Without `spans` (exact keys, rare by nature) the GIN index is read at once."""
    walk = ("SELECT id, ts_rank(vector, q) FROM (SELECT id, vector FROM search_searchentry "
            f"WHERE (vector @@ CAST(%s AS tsquery)) IS TRUE AND id > %s AND {where} ORDER BY id DESC LIMIT %s) AS "
            "newest, CAST(%s AS tsquery) AS q")
    every = ("SELECT id, ts_rank(vector, q) FROM (SELECT id, vector FROM search_searchentry "
             f"WHERE vector @@ CAST(%s AS tsquery) AND {where} ORDER BY id + 0 DESC LIMIT %s) AS newest, "
             "CAST(%s AS tsquery) AS q")
    span, newest = FIRST_SPAN, 0
    if spans:
        cursor.execute("SELECT max(id) FROM search_searchentry")
        newest = cursor.fetchone()[0] or 0
    while spans and span <= LAST_SPAN:
        cursor.execute(walk, [query, newest - span, *params, WINDOW, query])
        rows = cursor.fetchall()
        if len(rows) >= WINDOW or span >= newest:
            return rows
        if not rows:
            if span > FIRST_SPAN:
                break  # none in the newest 16,000 either: a rare word, read through the index
            # the newest few may be unlike the rest (an hour of one outage's calls): look once more, wider, before
            # reading every match of a common word through the index (跳闸 at 1 M: 50,000 matches, 140 ms)
            span = FIRST_SPAN * 8
            continue
        # the span that should hold WINDOW matches at the density seen, with a margin
        span = min(max(int(span * WINDOW / len(rows) * 1.2), span * 2), newest * 2)
    cursor.execute(every, [query, *params, WINDOW, query])
    return cursor.fetchall()


def match(*, words: list[str], scope: Scope, any_word: bool = False, kinds: tuple[str, ...] = (), limit: int = 20,
          rare: bool = False) -> list[tuple[int, float]]:
    """(entry id, score) best first, for entries with all (or, with any_word, any) of the words, within scope.

    The newest WINDOW matching entries are ranked (BM25 / ts_rank) and the best `limit` returned: a word found in
    half the desk's orders costs the same as a rare one, and among thousands of matches the recent ones are what an
    agent looks for. Rare words (fewer matches than the window) are ranked over every match; say `rare` when the
    words are known to be rare (exact keys), and PostgreSQL reads their matches in one step.
    On PostgreSQL, call it inside `core.sqlplans.custom_plans()`: a prepared statement's generic plan cannot see how
    rare the words are and walks the whole index newest first instead of the GIN index (16 searches/s, not 60).
    """
    if not words:
        return []
    where, params = scope.sql()
    if kinds:
        where += f" AND kind IN ({','.join('%s' for _ in kinds)})"
        params += list(kinds)
    # the kinds as words of the query too: a few hundred articles are found without walking a million orders. Not
    # for orders: their word is in nearly every entry, and intersecting with it cost the queue's text filter 23 of
    # its 27 ms at 1 M on SQLite (the kind column's filter below keeps the same rows)
    kind_words = [f"zzk{k}" for k in kinds] if "order" not in kinds else []
    with connection.cursor() as cursor:
        if _sqlite():
            expression = "(" + (" OR " if any_word else " ").join(_quoted(w) for w in words) + ")"
            if kind_words:
                expression += " AND (" + " OR ".join(_quoted(w) for w in kind_words) + ")"
            cursor.execute(
                f"SELECT rowid, bm25(search_fts, 4.0, 1.0, 10.0) FROM search_fts "
                f"WHERE search_fts MATCH %s AND {where} ORDER BY rowid DESC LIMIT %s", [expression, *params, WINDOW])
            rows = [(pk, -score) for pk, score in cursor.fetchall()]
        else:
            def lexeme(w):
                return "'" + w.replace("\\", "\\\\").replace("'", "''") + "'"

            query = "(" + (" | " if any_word else " & ").join(lexeme(w) for w in words) + ")"
            if kind_words:
                query += " & (" + " | ".join(lexeme(w) for w in kind_words) + ")"
            where = where.replace("site IN", "site_id IN").replace("owner =", "owner_id =")
            # articles and cases are a few hundred entries among a million orders: their own kind word finds them
            spans = not rare and (not kinds or "order" in kinds)
            rows = _pg_newest(cursor, query=query, where=where, params=params, spans=spans)
    rows.sort(key=lambda r: (-r[1], -r[0]))
    return rows[:limit]

"""Time of the index matches of `anxin bench-search`'s fixed queries, measured in process (issue 9).

What `search()` asks the index for one query — the exact keys, then every word, then any word when too few — without
the page around it: for A/B decisions about how the matches are read (the route of `search.index._pg_newest`, a
window, an index). Run against a database `anxin bench-search` loaded and kept (DATABASE_URL pointing at it):

    DATABASE_URL=postgres://…/<search bench database> .venv/bin/python bench/search_matches.py 20

Prints, per query, the mean wall time of its matches over N runs (after 3 to warm up), and the mean over the set.
A benchmark's own API creates fill the newest ids with one title: delete them before measuring a route that reads
the newest entries first.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")

import django  # noqa: E402

django.setup()

from anxin.accounts.models import User  # noqa: E402
from anxin.core.sqlplans import custom_plans  # noqa: E402
from anxin.search import index  # noqa: E402
from anxin.search.bench import NEEDLES  # noqa: E402
from anxin.search.selectors import parse, scope_for  # noqa: E402
from anxin.workorders.models import WorkOrder  # noqa: E402

QUERIES = ["漏水", "厨房 漏水", "漏水 厨房", "空調 不製冷", "跳闸", "门禁 刷卡", "5678", "热水器 异响 楼下", "天花板 滴水",
           "13912345678", "欧阳明远"]


def _matches(query: str, scope) -> None:
    words, keys, exact_only = parse(query, full_phones=True)
    with custom_plans():
        index.match(words=keys, scope=scope, any_word=True, limit=20, rare=True)
        if words and not exact_only:
            found = index.match(words=words, scope=scope, limit=20)
            if len(found) < 20 and len(words) > 1:
                index.match(words=words, scope=scope, any_word=True, limit=20)


def main(runs: int) -> None:
    scope = scope_for(User.objects.get(username="agent1"))
    number = WorkOrder.objects.filter(title=NEEDLES[0][0]).values_list("number", flat=True).first()
    queries = [*QUERIES, *([number] if number else [])]
    total = 0.0
    for query in queries:
        for _ in range(3):
            _matches(query, scope)
        start = time.perf_counter()
        for _ in range(runs):
            _matches(query, scope)
        ms = (time.perf_counter() - start) / runs * 1000
        total += ms
        print(f"{query:18} {ms:7.2f} ms")
    print(f"mean over {len(queries)} queries: {total / len(queries):.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)

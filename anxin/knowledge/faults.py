"""G5: the most common faults per category and per asset model over a period, to turn into FAQ entries.

A cause is read from the words of the orders (title, description) and the technicians' diagnoses, segmented like
the search index; words that name the category itself or say nothing (维修, 上门 …) are left out.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from anxin.accounts.models import User
from anxin.core import text as zh
from anxin.workorders.selectors import workorder_qs_for
from anxin.workorders.states import Status

GENERIC = frozenset("维修 上门 报修 安装 问题 师傅 麻烦 快点 需要 处理 一直 现在 今天 昨天 家里 客户 情况 没有 可以 一下 "
                    "已经 发现 检查 更换 正常 故障".split())
MAX_ORDERS = 5_000  # the newest orders of the period that are read (segmenting them takes about 0.5 s)


@dataclass
class FaultGroup:
    label: str
    orders: int = 0
    causes: list[tuple[str, int]] = field(default_factory=list)
    category_id: int | None = None


def fault_statistics(*, user: User, since: datetime, until: datetime, top: int = 5) -> dict[str, list[FaultGroup]]:
    """{"categories": [...], "models": [...]}: resolved and closed orders received in the period, in scope."""
    rows = list(workorder_qs_for(user)
                .filter(received_at__gte=since, received_at__lt=until, status__in=[Status.RESOLVED, Status.CLOSED])
                .order_by("-received_at")
                .values("id", "title", "description", "category_id", "category__name", "asset__brand",
                        "asset__model", "field_job__diagnosis")[:MAX_ORDERS])
    by_category: dict[str, FaultGroup] = {}
    by_model: dict[str, FaultGroup] = {}
    counts: dict[tuple[str, str], Counter] = {}
    for row in rows:
        name = row["category__name"] or ""
        own = set(zh.tokens(name)) | GENERIC
        said = f"{row['title']} {row['description']} {row['field_job__diagnosis'] or ''}"
        words = set(zh.tokens(said, limit=60, query=True))  # whole words: 热水器, not 热水 + 水器
        words = {w for w in words if w not in own and not w.startswith("zz") and not w.isdigit() and len(w) > 1}
        keys = [("categories", name or "—")]
        if row["asset__model"]:
            keys.append(("models", f"{row['asset__brand']} {row['asset__model']}".strip()))
        for group, label in keys:
            target = by_category if group == "categories" else by_model
            entry = target.setdefault(label, FaultGroup(label=label, category_id=row["category_id"]))
            entry.orders += 1
            counts.setdefault((group, label), Counter()).update(words)
    for (group, label), counter in counts.items():
        target = by_category if group == "categories" else by_model
        target[label].causes = counter.most_common(top)
    order = lambda groups: sorted(groups.values(), key=lambda g: -g.orders)  # noqa: E731
    return {"categories": order(by_category), "models": order(by_model)}

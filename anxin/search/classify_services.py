"""A8: suggest the type, category, priority and "emergency?" of a new request from its words.

A multinomial naive Bayes per field over the index's own segmented words, trained on the desk's resolved and closed
orders (a task retrains it daily; `anxin train-classifier` on demand). Pure Python, no model download: it works
offline, and with too little history it suggests nothing rather than guess. Each suggestion carries its confidence
(the model's posterior probability); below MIN_CONFIDENCE it is not shown, and a field whose held-out accuracy
does not beat always answering its most common value is not suggested at all.
"""

import hashlib
import math
from collections import Counter, defaultdict

from django.db import transaction
from django.utils import timezone

from anxin.core import text as zh

FIELDS = ("type", "category", "priority", "is_emergency")
MIN_DOCS = 50  # fewer resolved orders than this: no model
MIN_CONFIDENCE = 0.5
MAX_DOCS = 50_000
HOLD_OUT = 5  # one in five orders (by a hash of its id) is kept out of training to measure accuracy
_cache: dict = {}


def _held_out(order_id: int) -> bool:
    return hashlib.sha256(str(order_id).encode()).digest()[0] % HOLD_OUT == 0


def _fit(samples: list[tuple[list[str], str]]) -> dict:
    priors, words, totals = Counter(), defaultdict(Counter), Counter()
    for tokens, label in samples:
        priors[label] += 1
        words[label].update(tokens)
        totals[label] += len(tokens)
    vocabulary = {w for counts in words.values() for w, n in counts.items()}
    return {"priors": dict(priors), "words": {k: dict(v) for k, v in words.items()}, "totals": dict(totals),
            "vocabulary": len(vocabulary), "known": sorted(vocabulary)}


def _predict(model: dict, tokens: list[str]) -> tuple[str, float] | None:
    known = set(model["known"])
    tokens = [t for t in tokens if t in known]
    if not tokens or not model["priors"]:
        return None
    docs, size = sum(model["priors"].values()), model["vocabulary"]
    scores = {}
    for label, count in model["priors"].items():
        counts, total = model["words"].get(label, {}), model["totals"].get(label, 0)
        scores[label] = math.log(count / docs) + sum(math.log((counts.get(t, 0) + 1) / (total + size)) for t in tokens)
    best = max(scores, key=scores.get)
    top = scores[best]
    confidence = 1 / sum(math.exp(s - top) for s in scores.values())
    return best, confidence


def _samples(rows, field: str) -> list[tuple[list[str], str]]:
    out = []
    for row in rows:
        value = row[field]
        if value is None or value == "":
            continue
        out.append((row["tokens"], str(value)))
    return out


def train() -> dict:
    """Train on the resolved and closed orders; returns the stored model's summary (docs, accuracy per field)."""
    from anxin.search.models import Classifier
    from anxin.workorders.models import WorkOrder
    from anxin.workorders.states import Status

    rows = []
    qs = (WorkOrder.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED]).order_by("-id")
          .values("id", "title", "description", "type", "category_id", "priority", "is_emergency")[:MAX_DOCS])
    for row in qs:
        row["tokens"] = zh.tokens(f"{row['title']} {row['description']}", limit=200)
        row["category"] = row.pop("category_id")
        row["is_emergency"] = "1" if row["is_emergency"] else "0"
        rows.append(row)
    train_rows = [r for r in rows if not _held_out(r["id"])]
    test_rows = [r for r in rows if _held_out(r["id"])]
    models, accuracy = {}, {}
    for field in FIELDS:
        samples = _samples(train_rows, field)
        if len(samples) < MIN_DOCS:
            continue
        models[field] = _fit(samples)
        tests = _samples(test_rows, field)
        hits = sum(1 for tokens, label in tests if (p := _predict(models[field], tokens)) and p[0] == label)
        majority = Counter(label for _t, label in samples).most_common(1)[0][0]
        score = hits / len(tests) if tests else None
        baseline = sum(1 for _t, lb in tests if lb == majority) / len(tests) if tests else None
        # a field the words do not predict better than "always the most common value" is not suggested at all
        used = score is not None and score > baseline
        accuracy[field] = {"accuracy": round(score, 3) if score is not None else None, "held_out": len(tests),
                           "majority_baseline": round(baseline, 3) if baseline is not None else None, "used": used}
        if not used:
            del models[field]
    with transaction.atomic():
        stored = Classifier.objects.create(docs=len(train_rows), data=models, accuracy=accuracy)
        Classifier.objects.exclude(pk=stored.pk).delete()  # only the newest model is kept
    _cache.clear()
    return {"docs": len(train_rows), "held_out": len(test_rows), "accuracy": accuracy}


def _model():
    from anxin.search.models import Classifier

    latest = Classifier.objects.order_by("-id").values_list("id", flat=True).first()
    if latest is None:
        return None
    if _cache.get("id") != latest:
        _cache.update(id=latest, model=Classifier.objects.get(pk=latest))
    return _cache["model"]


def suggest(text: str) -> dict[str, tuple[str, float]]:
    """{field: (value, confidence)} for the fields the model is sure enough about; {} without a model."""
    model = _model()
    if model is None or not (text or "").strip():
        return {}
    tokens = zh.tokens(text[:500], limit=100)
    out = {}
    for field, fitted in model.data.items():
        guess = _predict(fitted, tokens)
        if guess and guess[1] >= MIN_CONFIDENCE:
            out[field] = guess
    return out


def suggestions_for_form(text: str) -> tuple[list[dict], str]:
    """The call screen's rows (field, value, what the form's control takes, label, confidence %) and the JSON of
    what was suggested, which the form sends back with the order so the choice can be recorded."""
    import json

    from django.utils.translation import gettext as _

    from anxin.workorders.models import Priority
    from anxin.workorders.selectors import categories_by_id
    from anxin.workorders.states import Type

    found = suggest(text)
    categories = categories_by_id(ids=[int(found["category"][0])] if "category" in found else [])
    labels = {"type": dict(Type.choices), "priority": {str(k): v for k, v in Priority.choices},
              "is_emergency": {"1": _("Emergency"), "0": _("Not an emergency")}}
    rows = []
    for field, (value, confidence) in found.items():
        if field == "category":
            category = categories.get(int(value))
            if category is None:
                continue  # retired since the model was trained
            label, apply = category.name, category.code  # the form's select is keyed by code
        else:
            label, apply = labels[field].get(value, value), value
        rows.append({"field": field, "value": value, "apply": apply, "label": label,
                     "confidence": round(confidence * 100)})
    payload = json.dumps({r["field"]: {"value": r["value"], "confidence": r["confidence"] / 100} for r in rows})
    return rows, payload


def stale(hours: int = 24) -> bool:
    from anxin.search.models import Classifier

    latest = Classifier.objects.order_by("-id").first()
    return latest is None or (timezone.now() - latest.created_at).total_seconds() > hours * 3600


def suggestion_record(*, order, actor, suggested: dict) -> dict | None:
    """Keep, on the order's timeline, what was suggested and what the agent chose, field by field."""
    from django.utils.translation import gettext as _

    from anxin.workorders import services as wo

    chosen = {"type": order.type, "category": str(order.category_id or ""), "priority": str(order.priority),
              "is_emergency": "1" if order.is_emergency else "0"}
    data = {}
    for field in FIELDS:
        item = suggested.get(field) if isinstance(suggested, dict) else None
        if not isinstance(item, dict) or not isinstance(item.get("value"), str | int):
            continue
        value = str(item["value"])[:50]
        try:
            confidence = max(0.0, min(1.0, float(item.get("confidence", 0))))
        except (TypeError, ValueError):
            confidence = 0.0
        data[field] = {"suggested": value, "confidence": round(confidence, 3), "chosen": chosen[field],
                       "accepted": value == chosen[field]}
    if not data:
        return None
    accepted = sum(1 for d in data.values() if d["accepted"])
    wo.workorder_record_classification(order=order, actor=actor, data=data,
                                       summary=_("%(accepted)d of %(total)d suggestions taken")
                                       % {"accepted": accepted, "total": len(data)})
    return data

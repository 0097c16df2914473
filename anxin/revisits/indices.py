"""Survey indices (F6). Formulas and worked examples: docs/indices.md. Pure functions, no database.

CSI (customer satisfaction index), 0–100:   CSI = mean(score) / 5 × 100
    over every overall score (revisits reached + customers' own ratings) in the group.

Service competitiveness index (S3 篇1, 服务竞争力指数), 0–100:
    index = Σ_g (share_g × population_g) / Σ_g population_g × 100
    where g are the surveyed groups — our own customers (retention: share who would choose us again) and
    the customers of each competitor (market: share who would switch to us); share_g = yes_g / asked_g.
"""

from dataclasses import dataclass

# A revisit scored at or below this counts as a complaint on the call in staff performance (H2). Fixed, unlike
# settings.REVISIT_DISSATISFIED_AT (which reopens orders): the reports' rollup triggers count with this number.
DISSATISFIED = 2


def csi(scores: list[int]) -> float | None:
    """0–100, one decimal; None without scores."""
    if not scores:
        return None
    if any(not 1 <= s <= 5 for s in scores):
        raise ValueError("scores are 1..5")
    return csi_of(sum(scores), len(scores))


def csi_of(total: int, count: int) -> float | None:
    """CSI from the sum and number of scores (as the reports' rollups keep them)."""
    return round(total / count / 5 * 100, 1) if count else None


@dataclass(frozen=True)
class SurveyGroup:
    name: str
    asked: int  # respondents in the group
    would_choose_us: int  # of them, how many would choose us
    population: int  # customers the group stands for (e.g. households served by that provider)


def competitiveness_index(groups: list[SurveyGroup]) -> float:
    """Population-weighted share of "would choose us", 0–100 (one decimal). ValueError on impossible counts."""
    if not groups:
        raise ValueError("at least one group")
    total = 0.0
    weight = 0
    for g in groups:
        if g.asked <= 0 or g.population < 0 or not 0 <= g.would_choose_us <= g.asked:
            raise ValueError(f"group {g.name!r}: need asked > 0, 0 ≤ would_choose_us ≤ asked, population ≥ 0")
        total += g.would_choose_us / g.asked * g.population
        weight += g.population
    if weight == 0:
        raise ValueError("the groups' populations add up to 0")
    return round(total / weight * 100, 1)

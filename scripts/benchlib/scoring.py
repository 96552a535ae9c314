"""The contest's yardstick.

Per instance: score = reference cost / our cost (1.0 for matching the reference, above 1.0 for
beating it); an infeasible, empty or missing answer scores 0. The contest's points are the sum
of the per-instance scores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# reference.csv column -> results.csv score column
SCORE_COLUMNS = {
    "contest_best": "score_vs_contest_best",
    "best_known": "score_vs_best_known",
    "first_place_solver_here_2cores": "score_vs_first_place_here",
}


def score(reference: int | None, ours: int | None, feasible: bool = True) -> float | None:
    """reference / ours; 0.0 when our answer is missing or infeasible; None without a reference."""
    if reference is None:
        return None
    if ours is None or not feasible:
        return 0.0
    if ours <= 0:  # costs are non-negative; a zero cost beats any positive reference
        return 1.0 if reference <= ours else math.inf
    return reference / ours  # int / int: correctly rounded even beyond 2**53


def total(scores: Iterable[float | None]) -> float:
    """The contest's points: the sum of the per-instance scores (instances without a reference
    do not count)."""
    return sum(s for s in scores if s is not None)


def excess_pct(cost: int, reference: int) -> float:
    """How far `cost` is above `reference`, in percent (negative when below)."""
    return (cost - reference) * 100.0 / reference if reference else math.inf

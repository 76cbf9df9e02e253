"""The attacker of disclosure control: what a reader can solve for from published figures.

A reader of a published count family (one table group, the districts of one indicator and
quarter in the charts of all reports, the numerators of an export) knows every shown cell,
every published total and a lower bound of each withheld cell (1 where zeros are shown, as
in every table of the monitor: a withheld cell is never 0; 0 where a cell may be withheld for
another reason, e.g. a rate on a small denominator). For each withheld cell the smallest and
the largest value it can take under these facts are solved by linear programming (scipy's
HiGHS; with sum equations and lower bounds the optimum is an integer). A withheld cell is
disclosed when fewer than ``threshold`` values remain possible or all of them are below the
threshold (`disclosed`).

The attacker test (tests/test_disclosure_attack.py) and the publication scanner
(`monitoring.report.publish.scan`) use these functions. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Interval = tuple[float, float]


@dataclass(frozen=True)
class Equation:
    """A published total: the sum of the cells at `cells` (positions in the family) is `total`."""

    cells: tuple[int, ...]
    total: float


def feasible_interval(hidden: int, rest: float, cell: int, lower: float = 1.0) -> Interval:
    """(min, max) of withheld cell `cell` among `hidden` withheld cells whose sum is `rest`
    (total minus the shown cells), each ≥ `lower`."""
    intervals = solve([None] * hidden, [Equation(tuple(range(hidden)), rest)], lower=lower)
    if intervals is None:
        raise ValueError("the published facts contradict each other")
    return intervals[cell]


def solve(cells: Sequence[float | None], equations: Sequence[Equation], *,
          lower: float = 1.0) -> dict[int, Interval] | None:
    """The feasible interval of every withheld cell (None in `cells`) given the shown cells,
    the published `equations` and the lower bound; ``inf`` where nothing bounds a cell from
    above. None when the facts contradict each other (then they are no margins of these cells:
    e.g. a state value that is not the sum of the districts)."""
    hidden = [i for i, v in enumerate(cells) if v is None]
    if not hidden:
        return {}
    from scipy.optimize import linprog

    position = {cell: k for k, cell in enumerate(hidden)}
    rows, rhs = [], []
    for eq in equations:
        row = np.zeros(len(hidden))
        shown = 0.0
        for i in eq.cells:
            value = cells[i]
            if value is None:
                row[position[i]] += 1.0
            else:
                shown += float(value)
        if row.any():
            rows.append(row)
            rhs.append(eq.total - shown)
        elif abs(eq.total - shown) > 1e-6:
            return None
    bounds = [(lower, None)] * len(hidden)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    out: dict[int, Interval] = {}
    for k, cell in enumerate(hidden):
        objective = np.zeros(len(hidden))
        objective[k] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status == 2:  # infeasible
            return None
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        lowest, highest = low.fun, high.fun
        if lowest is None or (high.status != 3 and highest is None):
            return None  # no solution: the facts contradict each other
        upper = math.inf if highest is None else -float(highest)  # None: unbounded
        out[cell] = (float(lowest), upper)
    return out


def possible_values(interval: Interval) -> float:
    """How many integers lie in `interval` (``inf`` when unbounded)."""
    low, high = interval
    if math.isinf(high):
        return math.inf
    return math.floor(high + 1e-9) - math.ceil(low - 1e-9) + 1


def disclosed(interval: Interval, threshold: int) -> bool:
    """Whether a withheld cell with this feasible interval is disclosed: fewer than
    `threshold` possible values, or every possible value below the threshold."""
    return possible_values(interval) < threshold or interval[1] < threshold


def group_findings(cells: Sequence[float | None], total: float | None, threshold: int, *,
                   lower: float = 1.0) -> dict[int, Interval] | None:
    """The withheld cells of one group with a published `total` (None: withheld) that a
    reader can narrow below the threshold, with their intervals; None when the total does not
    fit the cells (not a margin of them)."""
    if total is None or not any(v is None for v in cells):
        return {}
    intervals = solve(cells, [Equation(tuple(range(len(cells))), float(total))], lower=lower)
    if intervals is None:
        return None
    return {i: iv for i, iv in intervals.items() if disclosed(iv, threshold)}

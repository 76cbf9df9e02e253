"""Indicator computation as SQL text (pure functions; `store.query` runs the result).

Why SQL: a national panel (11,000 municipalities × 48 quarters × 40 indicators) is recomputed
in one pass inside DuckDB instead of in pandas (see ``benchmarks/bench_panel.py``). The
functions only build text from table names and parameters, so the SQL can be checked without a
database and its numbers are tested once against DuckDB.

Rules (the same as in `monitoring.indicators`):

* value = numerator / denominator × scale; an indicator without denominator series is a count
  (value = numerator);
* flags: the numerator's flag, the denominator's flag as ``Nenner <flag>``, ``Nenner fehlt``
  when no denominator value exists, ``Division durch null`` when it is 0 — in the last two
  cases and when the denominator is secret the value is NULL (never guessed);
* aggregation to larger areas sums numerators and denominators and recomputes the rate; a sum
  with a missing part is missing (flag ``unvollständig``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def _in_list(values: Sequence[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def indicator_values_sql(*, series: str = "series_value", indicators: str = "indicator",
                         indicator_ids: Sequence[str] | None = None,
                         area_codes: Sequence[str] | None = None) -> str:
    """SQL for (indicator_id, area_code, period, value, numerator, denominator, flags).

    Reads named series values from `series` (series_id, area_code, period, value, flag) and
    the catalogue from `indicators` (indicator_id, numerator_series, denominator_series,
    scale). Optional filters restrict indicators and areas.

    The denominator side is restricted to denominator series up front: it is then the small
    side of the hash join (a few series instead of all), so DuckDB builds its hash table on it
    and streams the numerators through. Without that, the planner builds on the numerator side
    (all indicator rows) — three times slower in ``benchmarks/bench_panel.py``.
    """
    s, d = _ident(series), _ident(indicators)
    where = ["coalesce(d.numerator_series, '') <> ''"]
    if indicator_ids is not None:
        where.append(f"d.indicator_id IN ({_in_list(indicator_ids)})")
    if area_codes is not None:
        where.append(f"n.area_code IN ({_in_list(area_codes)})")
    return f"""
SELECT d.indicator_id, n.area_code, n.period,
       CASE WHEN coalesce(d.denominator_series, '') = '' THEN n.value
            WHEN m.value IS NULL OR m.value = 0 THEN NULL
            ELSE n.value / m.value * d.scale END AS value,
       n.value AS numerator,
       CASE WHEN coalesce(d.denominator_series, '') = '' THEN NULL ELSE m.value END AS denominator,
       nullif(concat_ws(',', n.flag,
              CASE WHEN m.flag IS NOT NULL THEN 'Nenner ' || m.flag END,
              CASE WHEN coalesce(d.denominator_series, '') <> '' AND m.series_id IS NULL
                   THEN 'Nenner fehlt'
                   WHEN m.value = 0 THEN 'Division durch null' END), '') AS flags
FROM {d} d
JOIN {s} n ON n.series_id = d.numerator_series
LEFT JOIN (SELECT * FROM {s} WHERE series_id IN (SELECT denominator_series FROM {d})) m
     ON m.series_id = d.denominator_series AND m.area_code = n.area_code AND m.period = n.period
WHERE {' AND '.join(where)}"""


def aggregate_sql(values: str, *, code_length: int, indicators: str = "indicator") -> str:
    """SQL aggregating indicator values of `values` to areas of `code_length` digits.

    Numerators and denominators are summed over the areas that share the first `code_length`
    digits, and the rate is recomputed (never averaged).
    """
    v, d = _ident(values), _ident(indicators)
    length = int(code_length)
    return f"""
SELECT a.indicator_id, a.area_code, a.period,
       CASE WHEN a.missing > 0 THEN NULL
            WHEN coalesce(d.denominator_series, '') = '' THEN a.numerator
            WHEN a.denominator = 0 THEN NULL
            ELSE a.numerator / a.denominator * d.scale END AS value,
       CASE WHEN a.missing > 0 THEN NULL ELSE a.numerator END AS numerator,
       CASE WHEN a.missing > 0 THEN NULL ELSE a.denominator END AS denominator,
       CASE WHEN a.missing > 0 THEN 'unvollständig' END AS flags
FROM (
    SELECT indicator_id, left(area_code, {length}) AS area_code, period,
           sum(numerator) AS numerator, sum(denominator) AS denominator,
           count(*) FILTER (WHERE numerator IS NULL
                             OR (denominator IS NULL AND value IS NULL)) AS missing
    FROM {v}
    GROUP BY ALL
) a JOIN {d} d USING (indicator_id)"""


PANEL_ORDER = ("indicator_id", "area_code", "period")


def materialise_sql(table: str, select: str) -> str:
    """SQL storing the rows of `select` as `table`, laid out for both panel queries.

    Rows are written ordered by (indicator, area, period). DuckDB keeps min/max per row group
    (zone maps), so a map (one indicator, one period) reads only that indicator's few row
    groups, and an area's series (one area, all indicators) reads one short run per indicator
    — no index to build and no second copy. A layout by area alone made maps scan everything.
    """
    return (f"CREATE OR REPLACE TABLE {_ident(table)} AS {select} "
            f"ORDER BY {', '.join(PANEL_ORDER)}")


def area_series_sql(values: str, area_code: str) -> str:
    """SQL for every indicator's full time series of one area from a table of values."""
    return (f"SELECT indicator_id, period, value, numerator, denominator, flags "
            f"FROM {_ident(values)} WHERE area_code = '{_safe_code(area_code)}' "
            "ORDER BY indicator_id, period")


def map_sql(values: str, indicator_id: str, period: str) -> str:
    """SQL for one indicator in one period over all areas (a map layer)."""
    return (f"SELECT area_code, value, flags FROM {_ident(values)} "
            f"WHERE indicator_id = '{_safe_code(indicator_id)}' "
            f"AND period = '{_safe_code(period)}' ORDER BY area_code")


def _safe_code(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", str(text)):
        raise ValueError(f"not a plain code: {text!r}")
    return str(text)

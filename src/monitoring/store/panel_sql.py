"""Indicator computation as SQL text (pure functions; `store.query` runs the result).

Why SQL: a national panel (11,000 municipalities × 48 quarters × 40 indicators) is computed
in one pass inside DuckDB instead of in pandas (see ``benchmarks/bench_panel.py``). The
functions only build text from table names and parameters, so the SQL can be checked without a
database and its numbers are tested once against DuckDB.

Indicator values from series are computed when they are read (`observations_sql`), never
stored: an import of corrected series or a changed catalogue entry is visible at once, there
is no recomputation step to forget, and an import does not rewrite millions of rows (writing
21 M text-keyed rows cost five times the computation itself). Filters on indicator, area and
period reach the table scans, so one area's series or one map reads only a few row groups.

Rules (the same as in `monitoring.core.indicators`):

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

from monitoring.core.indicators import COUNT_UNITS

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def _in_list(values: Sequence[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _member(column: str, values: Sequence[str]) -> str:
    """`column IN (...)` with literals (an empty list matches nothing).

    Literals rather than a bound list: DuckDB pushes a constant IN filter into the table scan,
    where min/max per row group skip most of the table.
    """
    values = list(values)
    return f"{column} IN ({_in_list(values)})" if values else "FALSE"


VALUE_COLUMNS = ("indicator_id", "area_code", "period", "value", "numerator", "denominator",
                 "flags")
PROVENANCE_COLUMNS = ("source", "source_table", "download_date", "file_hash")
OBSERVATION_COLUMNS = VALUE_COLUMNS + PROVENANCE_COLUMNS


def indicator_values_sql(*, series: str = "series_value", indicators: str = "indicator",
                         indicator_ids: Sequence[str] | None = None,
                         area_codes: Sequence[str] | None = None,
                         periods: Sequence[str] | None = None) -> str:
    """SQL for (indicator_id, area_code, period, value, numerator, denominator, flags, source,
    source_table, download_date, file_hash) — the observation columns.

    Reads named series values from `series` (series_id, area_code, period, value, flag and
    provenance) and the catalogue from `indicators` (indicator_id, numerator_series,
    denominator_series, scale). Provenance is the numerator's. Optional filters restrict
    indicators, areas and periods.

    The denominator side is restricted to denominator series up front: it is then the small
    side of the hash join (a few series instead of all), so DuckDB builds its hash table on it
    and streams the numerators through. Without that, the planner builds on the numerator side
    (all indicator rows) — three times slower in ``benchmarks/bench_panel.py``.
    """
    s, d = _ident(series), _ident(indicators)
    where = ["coalesce(d.numerator_series, '') <> ''"]
    # The same filters on the denominator side: the join keys make them equivalent, and the
    # planner does not carry them across the outer join by itself.
    denominators = [f"series_id IN (SELECT denominator_series FROM {d} d WHERE "
                    + ("TRUE" if indicator_ids is None else _member("d.indicator_id",
                                                                    indicator_ids)) + ")"]
    if indicator_ids is not None:
        where.append(_member("d.indicator_id", indicator_ids))
    if area_codes is not None:
        where.append(_member("n.area_code", area_codes))
        denominators.append(_member("area_code", area_codes))
    if periods is not None:
        where.append(_member("n.period", periods))
        denominators.append(_member("period", periods))
    return f"""
SELECT d.indicator_id, n.area_code, n.period,
       CASE WHEN coalesce(d.denominator_series, '') = '' THEN n.value
            WHEN m.value IS NULL OR m.value = 0 THEN NULL
            ELSE n.value / m.value * d.scale END AS value,
       n.value AS numerator,
       CASE WHEN coalesce(d.denominator_series, '') = '' THEN NULL ELSE m.value END AS denominator,
       CASE WHEN n.flag IS NULL AND m.flag IS NULL AND m.value <> 0 THEN NULL  -- the usual
            ELSE nullif(concat_ws(',', n.flag,                               -- case, cheaply
              CASE WHEN m.flag IS NOT NULL THEN 'Nenner ' || m.flag END,
              CASE WHEN coalesce(d.denominator_series, '') <> '' AND m.series_id IS NULL
                   THEN 'Nenner fehlt'
                   WHEN m.value = 0 THEN 'Division durch null' END), '') END AS flags,
       n.source, n.source_table, n.download_date, n.file_hash
FROM {d} d
JOIN {s} n ON n.series_id = d.numerator_series
LEFT JOIN (SELECT * FROM {s} WHERE {' AND '.join(denominators)}) m
     ON m.series_id = d.denominator_series AND m.area_code = n.area_code AND m.period = n.period
WHERE {' AND '.join(where)}"""


def observations_sql(*, indicator_ids: Sequence[str] | None = None,
                     area_codes: Sequence[str] | None = None,
                     periods: Sequence[str] | None = None, provenance: bool = True) -> str:
    """SQL for all observations: values computed from series plus values entered directly.

    Where series produce a value for an (indicator, area, period), it takes precedence over a
    directly entered one (the series are the newer, checked source). Filters as in
    `indicator_values_sql`. Without `provenance` only `VALUE_COLUMNS` are returned; a reader
    that has no use for them does not copy four text columns per value.
    """
    computed = indicator_values_sql(indicator_ids=indicator_ids, area_codes=area_codes,
                                    periods=periods)
    where = ["TRUE"]
    for column, values in (("indicator_id", indicator_ids), ("area_code", area_codes),
                           ("period", periods)):
        if values is not None:
            where.append(_member(column, values))
    cols = ", ".join(OBSERVATION_COLUMNS if provenance else VALUE_COLUMNS)
    # Entered values are few: which of them series cover is found by joining them to the
    # series (hash table on the few), not by comparing them with every computed value.
    return f"""
WITH entered AS (SELECT {cols} FROM observation WHERE {' AND '.join(where)}),
covered AS (
    SELECT e.indicator_id, e.area_code, e.period FROM entered e
    JOIN indicator d ON d.indicator_id = e.indicator_id
    JOIN series_value n ON n.series_id = d.numerator_series AND n.area_code = e.area_code
                       AND n.period = e.period)
SELECT {cols} FROM ({computed})
UNION ALL
SELECT {cols} FROM entered
WHERE NOT EXISTS (SELECT 1 FROM covered c WHERE c.indicator_id = entered.indicator_id
                  AND c.area_code = entered.area_code AND c.period = entered.period)"""


def aggregate_sql(values: str, *, code_length: int, indicators: str = "indicator") -> str:
    """SQL aggregating indicator values of `values` to areas of `code_length` digits.

    Numerators and denominators are summed over the areas that share the first `code_length`
    digits, and the rate is recomputed (never averaged). `values` is a table name or a
    parenthesised query with the `VALUE_COLUMNS` (e.g. ``"(" + observations_sql() + ")"``:
    then every value is computed and aggregated in one pass, nothing is held).
    """
    v = values if values.startswith("(") and values.endswith(")") else _ident(values)
    d = _ident(indicators)
    length = int(code_length)
    units = _in_list(sorted(COUNT_UNITS))
    # Without a denominator only a count (`indicators.count_indicators`) may be added up; a
    # ratio or score delivered as a finished value may not.
    plain = "coalesce(d.denominator_series, '') = ''"
    summable = f"(lower(trim(d.unit)) IN ({units}) AND d.scale = 1)"
    return f"""
SELECT a.indicator_id, a.area_code, a.period,
       CASE WHEN a.missing > 0 THEN NULL
            WHEN {plain} THEN CASE WHEN {summable} THEN a.numerator END
            WHEN a.denominator = 0 THEN NULL
            ELSE a.numerator / a.denominator * d.scale END AS value,
       CASE WHEN a.missing > 0 OR ({plain} AND NOT {summable}) THEN NULL
            ELSE a.numerator END AS numerator,
       CASE WHEN a.missing > 0 THEN NULL ELSE a.denominator END AS denominator,
       CASE WHEN a.missing > 0 THEN 'unvollständig'
            WHEN {plain} AND NOT {summable} THEN 'nicht summierbar' END AS flags
FROM (
    SELECT indicator_id, left(area_code, {length}) AS area_code, period,
           sum(numerator) AS numerator, sum(denominator) AS denominator,
           sum(CASE WHEN numerator IS NULL OR (denominator IS NULL AND value IS NULL)
                    THEN 1 ELSE 0 END) AS missing
    FROM {v}
    GROUP BY ALL
) a JOIN {d} d USING (indicator_id)"""

"""Indicator time series: harmonised on today's areas, with state values and targets (pure).

Observations carry numerator and denominator where the indicator is a rate. Whenever areas are
combined (an old area attributed to today's, districts summed to the state) the rate is
recomputed from summed numerators and denominators, never averaged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from monitoring import fmt
from monitoring.core import stand
from monitoring.core.areas import PARTIAL, harmonise, harmonise_sum, split_partial
from monitoring.errors import PeriodError
from monitoring.periods import Quarter

PANEL_COLUMNS = ["indicator_id", "area_code", "period", "value", "numerator", "denominator",
                 "flags"]

STATUS_LABELS = {"green": "im Plan", "amber": "gefährdet", "red": "nicht im Plan",
                 "none": "ohne Bewertung"}


def _rate(numerator: pd.Series, denominator: pd.Series, scale: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        value = numerator / denominator.where(denominator != 0) * scale
    return value


def harmonised_panel(observations: pd.DataFrame, indicators: pd.DataFrame,
                     changes: pd.DataFrame) -> pd.DataFrame:
    """Observations re-keyed to today's areas (see `monitoring.core.areas`).

    Rates with numerator and denominator are summed and recomputed; counts
    (`count_indicators`: a numerator series, no denominator series, a counting unit) are
    summed; other values are kept where no areas were combined and set to NaN with flag
    ``nicht harmonisierbar`` where they would have to be combined.
    """
    scale = indicators.set_index("indicator_id")["scale"]
    counts = observations["indicator_id"].isin(count_indicators(indicators))
    has_parts = observations["numerator"].notna() & observations["denominator"].notna() \
        & ~counts
    keys = ["indicator_id", "area_code", "period"]
    partial = changes["kind"] == PARTIAL if "kind" in changes else pd.Series(False, changes.index)
    whole = changes[~partial]
    with_parts = split_partial(observations[has_parts], changes, flag_col="flags",
                               values=["numerator", "denominator"])
    parts = harmonise_sum(with_parts, whole, keys=keys, values=["numerator", "denominator"])
    parts["value"] = _rate(parts["numerator"], parts["denominator"],
                           parts["indicator_id"].map(scale))
    parts["flags"] = _joined_flags(with_parts, whole, keys)

    count_rows = observations[counts].copy()
    count_rows["numerator"] = count_rows["numerator"].where(count_rows["numerator"].notna(),
                                                            count_rows["value"])
    with_counts = split_partial(count_rows, changes, flag_col="flags", values=["numerator"])
    summed = harmonise_sum(with_counts, whole, keys=keys, values=["numerator"])
    summed["value"] = summed["numerator"]
    summed["denominator"] = np.nan
    summed["flags"] = _joined_flags(with_counts, whole, keys)

    no_share = changes.assign(share=float("nan"))
    plain = split_partial(observations[~has_parts & ~counts], no_share, values=["value"],
                          flag_col="flags")
    plain = harmonise(plain, whole)
    combined = plain.duplicated(keys, keep=False)
    plain.loc[combined, "value"] = np.nan
    plain.loc[combined, "flags"] = "nicht harmonisierbar"
    plain = plain.drop_duplicates(keys)
    frames = [f[PANEL_COLUMNS] for f in (parts, summed, plain) if not f.empty]
    panel = pd.concat(frames, ignore_index=True) if frames else plain[PANEL_COLUMNS]
    return panel[PANEL_COLUMNS].sort_values(keys, ignore_index=True)


COUNT_UNITS = fmt.COUNT_UNITS
"""Units (compared case-insensitively) of values that may be added up across areas."""


def count_indicators(indicators: pd.DataFrame) -> set[str]:
    """Ids of count indicators: values that may be added up across areas.

    A count has a numerator series and no denominator series in the catalogue, and – where the
    catalogue gives them – a counting unit (`COUNT_UNITS`: „Anzahl“, „Personen“) and scale 1.
    A value without denominator in another unit (%, ‰, „je 1.000“, an index …) is a ratio or
    score computed elsewhere: adding it up would be wrong, so it is not a count. Combining areas
    sums counts; the state value of a count is the sum over the districts. Without the series
    columns (a bare definitions frame) no indicator is taken for a count.
    """
    series = _named_series(indicators)
    if series is None:
        return set()
    num, den = series
    counting = num & ~den
    if "unit" in indicators.columns:
        unit = indicators["unit"].fillna("").astype(str).str.strip().str.casefold()
        counting &= unit.isin(COUNT_UNITS)
    if "scale" in indicators.columns:
        counting &= pd.to_numeric(indicators["scale"], errors="coerce") == 1
    return set(indicators.loc[counting, "indicator_id"])


def rate_indicators(indicators: pd.DataFrame) -> set[str]:
    """Ids of rates: a numerator and a denominator series in the catalogue."""
    series = _named_series(indicators)
    return set() if series is None else set(indicators.loc[series[0] & series[1],
                                                            "indicator_id"])


def _named_series(indicators: pd.DataFrame) -> tuple[pd.Series, pd.Series] | None:
    """(names a numerator series, names a denominator series) per catalogue row, or None
    for a bare definitions frame without the series columns."""
    if not {"numerator_series", "denominator_series"} <= set(indicators.columns):
        return None
    num, den = (indicators[c].fillna("").astype(str).str.strip() != ""
                for c in ("numerator_series", "denominator_series"))
    return num, den


def _joined_flags(observations: pd.DataFrame, changes: pd.DataFrame,
                  keys: Sequence[str]) -> pd.Series:
    """The flags of the rows that `harmonise` combines, one string per group of `keys`.

    Each row's ``flags`` is a comma-separated list; a group gets its distinct non-empty flags,
    sorted and joined with ``,`` (None when it has none). The groups are in the order of
    ``groupby(keys, sort=True)`` – the order of `harmonise_sum`'s result, to which the flags
    are assigned by position.

    Vectorised (split, explode, drop duplicates, sort, one join per flagged group): a pandas
    function per group cost ≈ 80 % of `views.indicator_panel` although most groups carry no
    flag at all (``benchmarks/bench_panel_demo.py``).
    """
    recoded = harmonise(observations, changes)
    grouped = recoded.groupby(list(keys), sort=True)
    joined: list[str | None] = [None] * grouped.ngroups
    group = grouped.ngroup()  # row → position of its group; NaN where a key is missing
    has = recoded["flags"].notna().to_numpy() & group.notna().to_numpy()
    if has.any():
        tokens = pd.DataFrame({
            "group": group.to_numpy()[has].astype(np.int64),
            "flag": recoded["flags"].to_numpy()[has],
        })
        tokens["flag"] = [str(v).split(",") for v in tokens["flag"]]
        tokens = tokens.explode("flag")
        tokens = tokens[tokens["flag"] != ""].drop_duplicates()
        tokens = tokens.sort_values(["group", "flag"], kind="stable")
        ids = tokens["group"].to_numpy()
        words = tokens["flag"].tolist()
        starts = np.flatnonzero(np.diff(ids, prepend=-1)).tolist()  # first token per group
        ends = [*starts[1:], len(ids)] if starts else []
        for start, end in zip(starts, ends, strict=True):
            joined[int(ids[start])] = ",".join(words[start:end])
    # Built from a list, as `agg` builds its result: str dtype when a group has a flag,
    # object (all None) otherwise.
    return pd.Series(joined, name="flags")


def with_state(panel: pd.DataFrame, indicators: pd.DataFrame, districts: Sequence[str], *,
               state_code: str) -> pd.DataFrame:
    """Add the state value (`state_code`) of each indicator and quarter, from the districts.

    * Rates: numerators and denominators summed over the districts, the rate recomputed
      (never averaged).
    * Counts (`count_indicators`, e.g. A28): the districts' counts summed.
    * Other indicators – values without parts (differences of rates, indices) and values
      without denominator in a unit that is not a count (%, ‰, „je 1.000“) – get no computed
      state value: neither a sum nor a mean of them is the state's value.

    A state value is computed only when every district has its parts (rates: numerator and
    denominator; counts: the count); otherwise it is missing with flag ``unvollständig``. A
    state row already in `panel` (a value published for the Land, e.g. an indicator
    available only for the Land) is replaced by a complete computed value and kept otherwise.
    Without the catalogue's series columns every indicator is taken for a rate.
    """
    keys = ["indicator_id", "period"]
    scale = indicators.set_index("indicator_id")["scale"]
    counts = count_indicators(indicators)
    computed = set(panel["indicator_id"]) if _named_series(indicators) is None \
        else rate_indicators(indicators) | counts
    part = panel[panel["area_code"].isin(list(districts))
                 & panel["indicator_id"].isin(list(computed))]
    is_count = part["indicator_id"].isin(list(counts))
    reported = part["numerator"].notna() & (is_count | part["denominator"].notna())
    agg = part.assign(reported=reported, is_count=is_count).groupby(
        keys, as_index=False, sort=True).agg(
        numerator=("numerator", "sum"), denominator=("denominator", "sum"),
        reported=("reported", "sum"), is_count=("is_count", "first"))
    complete = (agg["reported"] == len(set(districts))).to_numpy()
    agg.loc[~complete, ["numerator", "denominator"]] = np.nan
    agg.loc[agg["is_count"], "denominator"] = np.nan
    agg["value"] = _rate(agg["numerator"], agg["denominator"], agg["indicator_id"].map(scale))
    agg.loc[agg["is_count"], "value"] = agg["numerator"]
    agg["area_code"] = state_code
    agg["flags"] = np.where(complete, None, "unvollständig")  # type: ignore[call-overload]  # None: no flag

    observed = panel[panel["area_code"] == state_code]
    observed_keys = pd.MultiIndex.from_frame(observed[keys])
    replaced = observed_keys.isin(pd.MultiIndex.from_frame(agg.loc[complete, keys]))
    superseded = ~complete & pd.MultiIndex.from_frame(agg[keys]).isin(observed_keys)
    state = pd.concat([f for f in (observed[~replaced], agg.loc[~superseded, PANEL_COLUMNS])
                       if not f.empty] or [agg[PANEL_COLUMNS]], ignore_index=True)
    state = state.sort_values(keys, kind="stable", ignore_index=True)
    own = panel[panel["area_code"] != state_code]
    return pd.concat([own, state], ignore_index=True)


def series(panel: pd.DataFrame, indicator_id: str, area_code: str, *,
           state_code: str) -> pd.DataFrame:
    """One indicator for one area with the state value beside it (columns period, value,
    numerator, denominator, state_value; one row per quarter of the area, in order).

    A report draws one chart per indicator from the same panel: the rows are picked with
    plain array comparisons, which costs a fraction of boolean-indexing the panel twice."""
    ids = panel["indicator_id"].to_numpy(dtype=object)
    areas = panel["area_code"].to_numpy(dtype=object)
    hit = ids == indicator_id
    own = np.flatnonzero(hit & (areas == area_code))
    state = np.flatnonzero(hit & (areas == state_code))
    periods = panel["period"].to_numpy(dtype=object)
    own = own[np.argsort(periods[own], kind="stable")]
    values = panel["value"].to_numpy(dtype=float)
    state_by_period = dict(zip(periods[state], values[state], strict=True))
    if len(state_by_period) < len(state):
        raise ValueError(f"cannot reindex on an axis with duplicate labels ({indicator_id}, "
                         f"{state_code})")
    return pd.DataFrame({
        "period": panel["period"].array.take(own),
        "value": values[own],
        "numerator": panel["numerator"].to_numpy(dtype=float)[own],
        "denominator": panel["denominator"].to_numpy(dtype=float)[own],
        "state_value": np.array([state_by_period.get(p, np.nan) for p in periods[own]],
                                dtype=float),
    })


def period_range(panel: pd.DataFrame, indicator_id: str, area_code: str, start: str, end: str,
                 *, state_code: str) -> pd.DataFrame:
    """One indicator for one area over the quarters `start` … `end`, with changes.

    Columns: period, value, numerator, denominator, state_value, vs_previous (change against
    the quarter before), vs_year_ago (against the same quarter a year earlier). Every quarter
    of the range gets a row (NaN where nothing was observed), and the changes look outside the
    range where needed, so the first rows have a change whenever the earlier quarter exists.
    Changes are differences in the indicator's unit (percentage points for rates).
    """
    first, last = Quarter.parse(start), Quarter.parse(end)
    if last < first:
        raise PeriodError(f"Der Zeitraum {start} bis {end} endet vor seinem Beginn. Geben Sie "
                          "das frühere Quartal zuerst an.")
    full = series(panel, indicator_id, area_code, state_code=state_code).set_index("period")
    periods = [str(first + i) for i in range(_quarters_between(first, last) + 1)]
    value = full["value"]

    def shifted(by: int) -> list[float]:
        return [float(value.get(str(Quarter.parse(p) - by), np.nan)) for p in periods]

    out = full.reindex(periods)
    out["vs_previous"] = out["value"].to_numpy(float) - np.array(shifted(1))
    out["vs_year_ago"] = out["value"].to_numpy(float) - np.array(shifted(4))
    out.index.name = "period"
    return out.reset_index()


def _quarters_between(first: Quarter, last: Quarter) -> int:
    return (last.year * 4 + last.quarter) - (first.year * 4 + first.quarter)


def expected_on_path(target: pd.Series, period: str) -> float:
    """The value expected at `period` on the straight line from baseline to target."""
    start = Quarter.parse(target["baseline_period"])
    end = Quarter.parse(target["target_period"])
    now = Quarter.parse(period)
    span = (end.year * 4 + end.quarter) - (start.year * 4 + start.quarter)
    done = (now.year * 4 + now.quarter) - (start.year * 4 + start.quarter)
    share = 1.0 if span <= 0 else min(max(done / span, 0.0), 1.0)
    return float(target["baseline_value"] + share * (target["target_value"]
                                                     - target["baseline_value"]))


def status(actual: float, target: pd.Series, period: str, *, tolerance: float = 0.1,
           at_risk: float = 0.3) -> str:
    """Traffic light for one target at `period`.

    The gap between actual and expected value (on the straight path from baseline to target)
    is measured as a share of the whole planned change. Green when the actual value is on or
    ahead of the path, or behind by at most `tolerance`; amber when behind by at most
    `at_risk`; red otherwise. ``none`` when the actual value is missing.
    """
    if actual is None or np.isnan(actual):
        return "none"
    planned = target["target_value"] - target["baseline_value"]
    if planned == 0:
        return "green"
    expected = expected_on_path(target, period)
    behind = (expected - actual) / planned  # > 0 means behind the path, in either direction
    if behind <= tolerance:
        return "green"
    if behind <= at_risk:
        return "amber"
    return "red"


def changes(series_frame: pd.DataFrame, period: str) -> dict[str, float]:
    """Value at `period`, change against the previous quarter and the same quarter a year ago."""
    values = series_frame.set_index("period")["value"]
    now = Quarter.parse(period)

    def at(q: Quarter) -> float:
        return float(values.get(str(q), np.nan))

    current = at(now)
    return {"value": current, "vs_previous": current - at(now - 1),
            "vs_year_ago": current - at(now - 4)}


def latest_observed(panel: pd.DataFrame, area_code: str, period: str) -> dict[str, str]:
    """Per indicator, the latest quarter at or before `period` with a value of `area_code`.

    Computed from the unprotected panel and handed to `overview` and
    `concept.traffic_lights` for both the unprotected and the protected panel, so that a
    withheld latest value stays withheld (".") instead of letting an older value step in.
    """
    rows = panel[(panel["area_code"] == area_code) & panel["value"].notna()
                 & (panel["period"].astype(str) <= str(period))]
    return {str(k): str(v) for k, v in rows.groupby("indicator_id")["period"].max().items()}


def overview(panel: pd.DataFrame, definitions: pd.DataFrame, targets: pd.DataFrame, *,
             area_code: str, period: str, state_code: str,
             max_quarters: int = stand.max_age_quarters(stand.DEFAULT_MAX_AGE_YEARS),
             latest: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per indicator: the value serving `period`, changes, state value, target, status.

    The value is the latest one at or before `period` (`latest`: quarter per indicator,
    default `latest_observed` of `panel`) when it is at most `max_quarters` old
    (`monitoring.core.stand`); ``value_period`` is its quarter, ``stand`` its Stichtag
    („31.12.2024“, or „kein Wert seit 31.12.2022“ for a value too old to carry) and
    ``carried`` says that it is older than `period`. The changes compare the value with the
    quarter before and the same quarter a year before *its own* quarter; the state value,
    numerator and denominator are those of that quarter, and the traffic light compares the
    value with the target path at that quarter. Without a value to show, the state value of
    `period` itself is given.
    """
    latest = latest_observed(panel, area_code, period) if latest is None else latest
    # the two areas read below, once: each `series` then filters a few rows, not the panel
    panel = panel[panel["area_code"].isin([area_code, state_code])]
    rows = []
    own_targets = targets[targets["area_code"] == area_code].set_index("indicator_id")
    for definition in definitions.itertuples(index=False):
        s = series(panel, definition.indicator_id, area_code, state_code=state_code)
        if s.empty:
            continue
        found = latest.get(definition.indicator_id)
        shown = stand.indicator_stand([] if found is None else [found], period,
                                      max_quarters=max_quarters)
        at = shown.value_period or str(period)
        change = changes(s, at) if shown.value_period else {
            "value": np.nan, "vs_previous": np.nan, "vs_year_ago": np.nan}
        at_period = s[s["period"] == at]
        state_value = float(at_period["state_value"].iloc[0]) if not at_period.empty else np.nan
        numerator = float(at_period["numerator"].iloc[0]) if not at_period.empty else np.nan
        denominator = float(at_period["denominator"].iloc[0]) if not at_period.empty else np.nan
        target = own_targets.loc[definition.indicator_id] \
            if definition.indicator_id in own_targets.index else None
        light = status(change["value"], target, at) if target is not None else "none"
        rows.append({
            "indicator_id": definition.indicator_id, "name": definition.name_de,
            "unit": definition.unit, "direction": definition.direction,
            "value": change["value"], "numerator": numerator, "denominator": denominator,
            "vs_previous": change["vs_previous"], "vs_year_ago": change["vs_year_ago"],
            "state_value": state_value,
            "target_value": np.nan if target is None else float(target["target_value"]),
            "target_period": None if target is None else str(target["target_period"]),
            "status": light, "status_label": STATUS_LABELS[light],
            "value_period": shown.value_period, "stand": shown.label_de(),
            "carried": shown.carried,
        })
    return pd.DataFrame(rows)

"""Which figures a quarter's report uses, and which quarters can be reported (pure).

Official figures come when they come: population and target groups mostly once a year on a
Stichtag (31.12., stored as its quarter ``2024-Q4``), the county's own figures quarterly or
yearly. Rules:

* A value of a series for an area serves its own quarter and every later quarter until the
  next value of that series and area ("carried forward"). Whoever reads it gets the quarter it
  is from (``value_period``) and its reference date (the end of that quarter, „Stand
  31.12.2024“). A value is not carried into quarters in which its area no longer existed
  (a merged-away Gemeinde's last figure does not count twice beside its successor's newer one;
  its own-quarter values still count for today's area through `areas.harmonise`).
* A quarter is reportable when any series figure exists for it or an earlier quarter, up to a
  limit the caller sets (`reportable_periods`); a quarter without a figure of its own is
  reportable but not fresh (`latest_period` is earlier than it).
* An indicator value serves the report quarter in the same way (`IndicatorStand`): the latest
  value at or before the quarter, shown with its Stand, but only up to a maximum age
  (``[stand] hoechstalter_jahre`` in ``monitoring.toml``, default 2 years = 8 quarters). An
  older value is not carried: the quarter shows „–“ and „kein Wert seit 31.12.2022“. Changes
  of a carried value compare the values of their own Stichtage (the latest one with the one a
  year before), never the carried copy with itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from monitoring import fmt
from monitoring.periods import Quarter, quarter_range

DEFAULT_MAX_AGE_YEARS = 2.0
"""How long an indicator value is carried forward at most (``[stand] hoechstalter_jahre``)."""


def reference_date(period: str) -> date:
    """The Stichtag of a value stored under `period`: the last day of that quarter."""
    return Quarter.parse(period).end


def carry_forward(values: pd.DataFrame, periods: Sequence[str], *, keys: Sequence[str],
                  last_day: Mapping[str, date] | None = None) -> pd.DataFrame:
    """For every period of `periods`, the latest value of each `keys` group at or before it.

    `values` has the columns `keys`, ``area_code`` (when `last_day` is given), ``period``
    (``YYYY-Qn``) and any others (value, flag, source …), which are kept. Returns those rows with
    ``period`` = the requested period, ``value_period`` = the quarter the value is from and
    ``reference_date`` = that quarter's last day. `last_day` maps area codes to the last day on
    which the area existed: a value is not carried into a quarter that starts after that day.
    Groups without a value at or before a period have no row for it.
    """
    extra = ["value_period", "reference_date"]
    if values.empty or not periods:
        return pd.DataFrame(columns=[*values.columns, *extra])
    frame = values.copy()
    frame["period"] = frame["period"].astype(str)
    parts = []
    for period in sorted(set(map(str, periods))):
        upto = frame[frame["period"] <= period]
        if upto.empty:
            continue
        latest = upto.sort_values("period").drop_duplicates(list(keys), keep="last").copy()
        latest["value_period"] = latest["period"]
        latest["period"] = period
        if last_day:
            start = Quarter.parse(period).start
            gone = [last_day.get(str(c)) for c in latest["area_code"]]
            ended = pd.Series([d is not None and d < start for d in gone], index=latest.index)
            latest = latest[~((latest["value_period"] != period) & ended)]
        parts.append(latest)
    if not parts:
        return pd.DataFrame(columns=[*values.columns, *extra])
    out = pd.concat(parts, ignore_index=True)
    out["reference_date"] = [reference_date(p) for p in out["value_period"]]
    return out


def latest_period(data_periods: Iterable[str], period: str) -> str | None:
    """The latest quarter of `data_periods` at or before `period` (None: no figure yet)."""
    earlier = [str(p) for p in data_periods if str(p) <= str(period)]
    return max(earlier) if earlier else None


def reportable_periods(data_periods: Iterable[str], until: Quarter) -> list[str]:
    """Quarters a report can be made for, oldest first: from the first quarter with figures to
    `until` (or the last quarter with figures, if that is later); empty without figures."""
    known = sorted({str(p) for p in data_periods})
    if not known:
        return []
    last = max(Quarter.parse(known[-1]), until)
    return [str(q) for q in quarter_range(Quarter.parse(known[0]), last)]


def quarters_between(earlier: str, later: str) -> int:
    """How many quarters `later` lies after `earlier` (negative when before)."""
    a, b = Quarter.parse(str(earlier)), Quarter.parse(str(later))
    return (b.year * 4 + b.quarter) - (a.year * 4 + a.quarter)


def max_age_quarters(years: float) -> int:
    """The maximum age of a carried value in whole quarters (1.5 years → 6 quarters)."""
    return max(int(years * 4 + 1e-9), 0)


@dataclass(frozen=True)
class IndicatorStand:
    """Which value of one indicator and area serves the report quarter `period`.

    `latest` is the latest quarter at or before `period` with a value (None: none yet);
    `value_period` the quarter whose value is shown – `latest` when it is at most
    `max_quarters` older than `period`, else None (too old, not carried).
    """

    period: str
    latest: str | None
    max_quarters: int

    @property
    def value_period(self) -> str | None:
        if self.latest is None or quarters_between(self.latest, self.period) > self.max_quarters:
            return None
        return self.latest

    @property
    def carried(self) -> bool:
        """The value shown is from an earlier quarter than the report quarter."""
        return self.value_period is not None and self.value_period != self.period

    @property
    def too_old(self) -> bool:
        return self.latest is not None and self.value_period is None

    def label_de(self) -> str | None:
        """„31.12.2024“ (the Stichtag of the value shown), „kein Wert seit 31.12.2022“ (only
        a value older than the maximum age) or None (no value at all up to the quarter)."""
        if self.value_period is not None:
            return fmt.day(reference_date(self.value_period))
        if self.latest is not None:
            return f"kein Wert seit {fmt.day(reference_date(self.latest))}"
        return None


def indicator_stand(observed: Iterable[str], period: str, *,
                    max_quarters: int) -> IndicatorStand:
    """The `IndicatorStand` of one indicator and area from the quarters with a value."""
    return IndicatorStand(str(period), latest_period(observed, period), max_quarters)


def carry_note_de(max_quarters: int) -> str:
    """The note under tables that show carried values."""
    years, rest = divmod(max_quarters, 4)
    age = (f"{years} Jahr" if years == 1 else f"{years} Jahre") if not rest \
        else (f"{max_quarters} Quartal" if max_quarters == 1 else f"{max_quarters} Quartale")
    return ("Stand: Stichtag des gezeigten Werts. Amtliche Zahlen erscheinen meist jährlich; "
            "der letzte Wert gilt bis zum nächsten, höchstens " + age + " lang (danach „kein "
            "Wert seit …“). Veränderungen vergleichen die Werte ihrer eigenen Stichtage "
            "(den letzten mit dem ein Jahr davor).")

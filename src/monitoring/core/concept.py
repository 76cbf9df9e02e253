"""The integration concept: goals, measures and indicator targets, with traffic lights (pure).

Traffic-light rule (documented here, configurable through `Thresholds`): for a target with
baseline value b at baseline quarter t0 and target value z at quarter t1, the expected value at
quarter t is e(t) = b + (z − b) · clamp((t − t0) / (t1 − t0), 0, 1) — the straight path. The
gap g = (e(t) − actual) / (z − b) is how far the actual value lags behind the path, as a share
of the whole planned change (negative = ahead; the sign of z − b makes this work for
"lower is better" too). Green ("im Plan") when g ≤ tolerance, amber ("gefährdet") when
g ≤ at_risk, red ("nicht im Plan") otherwise; grey ("ohne Bewertung") when no actual value
exists for the quarter. Defaults: tolerance 0.10, at_risk 0.30.

Measures have a status from `MEASURE_STATUS`; measure progress is the share of measures that
are done or running on schedule (indicator B12).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitoring.core import indicators, stand
from monitoring.errors import PeriodError
from monitoring.periods import Quarter

MEASURE_STATUS = {"geplant": "geplant", "laufend": "läuft im Plan", "verzoegert": "verzögert",
                  "abgeschlossen": "abgeschlossen", "abgebrochen": "abgebrochen"}
ON_TRACK_MEASURES = ("laufend", "abgeschlossen")


@dataclass(frozen=True)
class Thresholds:
    """Gap limits of the traffic light as shares of the planned change (see module docstring)."""

    tolerance: float = 0.10
    at_risk: float = 0.30

    def note_de(self) -> str:
        return (f"Ampel: Abstand des aktuellen Werts zum geradlinigen Pfad vom Ausgangs- zum "
                f"Zielwert, gemessen an der geplanten Veränderung – grün bis "
                f"{self.tolerance:.0%} zurück, gelb bis {self.at_risk:.0%}, sonst rot; grau ohne "
                "aktuellen Wert.").replace(" %", " %")


def traffic_lights(panel: pd.DataFrame, targets: pd.DataFrame, definitions: pd.DataFrame,
                   goals: pd.DataFrame, *, area_code: str, period: str,
                   thresholds: Thresholds = Thresholds(),
                   max_quarters: int = stand.max_age_quarters(stand.DEFAULT_MAX_AGE_YEARS),
                   latest: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per target of `area_code`: goal, indicator, baseline, path, actual value, light.

    The actual value is the one serving `period` (`indicators.overview`: the latest value at
    most `max_quarters` old, ``value_period`` / ``stand`` / ``carried`` say which). A carried
    value is compared with the path at its own quarter (``expected``): the light says whether
    the area was on the path when the figure was taken, not whether an old figure has kept up
    with a path that moved on.
    """
    own = targets[targets["area_code"] == area_code]
    names = definitions.set_index("indicator_id")
    goal_rows = goals.set_index("goal_id") if not goals.empty else pd.DataFrame()
    latest = indicators.latest_observed(panel, area_code, period) if latest is None else latest
    mine = panel[panel["area_code"] == area_code].set_index(["indicator_id", "period"])
    rows = []
    for t in own.itertuples(index=False):
        target = pd.Series(t._asdict())
        found = latest.get(t.indicator_id)
        shown = stand.indicator_stand([] if found is None else [found], period,
                                      max_quarters=max_quarters)
        at = shown.value_period or str(period)
        key = (t.indicator_id, at)
        observed = mine.loc[key] if key in mine.index else None
        value = float(observed["value"]) if observed is not None and shown.value_period \
            else np.nan
        light = indicators.status(value, target, at, tolerance=thresholds.tolerance,
                                  at_risk=thresholds.at_risk)
        goal_id = getattr(t, "goal_id", None)
        goal = goal_rows.loc[goal_id] if isinstance(goal_id, str) and goal_id in goal_rows.index \
            else None
        rows.append({
            "goal_id": goal_id, "goal": None if goal is None else goal["title"],
            "field": None if goal is None else goal["field"],
            "indicator_id": t.indicator_id,
            "indicator": names.loc[t.indicator_id, "name_de"] if t.indicator_id in names.index
            else t.indicator_id,
            "unit": names.loc[t.indicator_id, "unit"] if t.indicator_id in names.index else "",
            "baseline_period": t.baseline_period, "baseline_value": t.baseline_value,
            "expected": indicators.expected_on_path(target, at), "value": value,
            "target_period": t.target_period, "target_value": t.target_value,
            "status": light, "status_label": indicators.STATUS_LABELS[light],
            "numerator": np.nan if observed is None else float(observed["numerator"]),
            "denominator": np.nan if observed is None else float(observed["denominator"]),
            "value_period": shown.value_period, "stand": shown.label_de(),
            "carried": shown.carried,
        })
    columns = ["goal_id", "goal", "field", "indicator_id", "indicator", "unit", "baseline_period",
               "baseline_value", "expected", "value", "target_period", "target_value", "status",
               "status_label", "numerator", "denominator", "value_period", "stand", "carried"]
    return pd.DataFrame(rows, columns=columns).sort_values(["field", "indicator_id"],
                                                            ignore_index=True)


def measure_progress(measures: pd.DataFrame, goals: pd.DataFrame, *,
                     area_code: str) -> dict[str, float]:
    """Counts of the area's measures by status and the share done or on track (B12)."""
    own_goals = set(goals.loc[goals["area_code"] == area_code, "goal_id"])
    own = measures[measures["goal_id"].isin(own_goals)]
    counts = {code: float((own["status"] == code).sum()) for code in MEASURE_STATUS}
    total = float(len(own))
    on_track = float(own["status"].isin(ON_TRACK_MEASURES).sum())
    counts.update({"total": total, "on_track": on_track,
                   "share_on_track": on_track / total * 100 if total else np.nan,
                   "budget": float(own["budget"].sum(min_count=1)) if total else np.nan})
    return counts


def summary_de(lights: pd.DataFrame, progress: dict[str, float]) -> list[str]:
    """Short German sentences stating counts only — no causes, no judgement beyond the rule."""
    out = []
    rated = lights[lights["status"] != "none"]
    n_targets = len(lights)
    if n_targets == 0:
        out.append("Für dieses Gebiet sind keine Zielwerte hinterlegt.")
    else:
        green = int((rated["status"] == "green").sum())
        amber = int((rated["status"] == "amber").sum())
        red = int((rated["status"] == "red").sum())
        out.append(f"{green} von {n_targets} {_plural(n_targets, 'Ziel', 'Zielen')} im Plan, "
                   f"{amber} gefährdet, {red} nicht im Plan.")
        missing = n_targets - len(rated)
        if missing:
            out.append(f"{missing} {_plural(missing, 'Ziel ist', 'Ziele sind')} mangels "
                       "aktueller Werte ohne Bewertung.")
        if red:
            names = ", ".join(lights.loc[lights["status"] == "red", "indicator"].astype(str))
            out.append(f"Nicht im Plan: {names}.")
    total = int(progress.get("total", 0) or 0)
    if total:
        out.append(f"{int(progress['on_track'])} von {total} "
                   f"{_plural(total, 'Maßnahme ist', 'Maßnahmen sind')} abgeschlossen oder "
                   f"laufen im Plan; {int(progress['verzoegert'])} verzögert, "
                   f"{int(progress['geplant'])} noch nicht begonnen.")
    else:
        out.append("Für dieses Gebiet sind keine Maßnahmen hinterlegt.")
    return out


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def validate(goals: pd.DataFrame, measures: pd.DataFrame, targets: pd.DataFrame, *,
             known_indicators: set[str], known_fields: set[str], known_goals: set[str],
             file: str) -> list[dict[str, object]]:
    """Problems (file, sheet/row, column, value, expected) in a concept's three tables."""
    problems: list[dict[str, object]] = []

    def add(sheet: str, row: int, column: str, value: object, expected: str) -> None:
        problems.append({"datei": f"{file} [{sheet}]", "zeile": row, "spalte": column,
                         "wert": value, "erwartet": expected})

    for sheet, frame, key in (("Ziele", goals, {"goal_id": "ziel"}),
                              ("Massnahmen", measures, {"measure_id": "massnahme"}),
                              ("Zielwerte", targets,
                               {"indicator_id": "indikator", "area_code": "gebiet"})):
        first_row: dict[str, int] = {}
        for i, values in enumerate(frame[list(key)].itertuples(index=False), start=2):
            k = " / ".join(map(str, values))
            if k in first_row:
                add(sheet, i, ", ".join(key.values()), k,
                    f"jede Kennung nur einmal (schon in Zeile {first_row[k]})")
            first_row.setdefault(k, i)
    goal_ids = known_goals | set(goals["goal_id"].astype(str))
    for i, g in enumerate(goals.itertuples(index=False), start=2):
        if g.field not in known_fields:
            add("Ziele", i, "handlungsfeld", g.field, "ein Handlungsfeld: "
                + ", ".join(sorted(known_fields)))
    for i, m in enumerate(measures.itertuples(index=False), start=2):
        if str(m.goal_id) not in goal_ids:
            add("Massnahmen", i, "ziel", m.goal_id, "die Kennung eines Ziels (Blatt Ziele)")
        if m.status not in MEASURE_STATUS:
            add("Massnahmen", i, "status", m.status, "einer von " + ", ".join(MEASURE_STATUS))
        if pd.notna(m.start_date) and pd.notna(m.end_date) and m.end_date < m.start_date:
            add("Massnahmen", i, "ende", m.end_date, "ein Enddatum nach dem Beginn")
        if pd.notna(m.budget) and float(m.budget) < 0:
            add("Massnahmen", i, "budget", m.budget, "ein Betrag ≥ 0")
    for i, t in enumerate(targets.itertuples(index=False), start=2):
        if t.indicator_id not in known_indicators:
            add("Zielwerte", i, "indikator", t.indicator_id,
                "eine Indikator-Kennung aus dem Katalog (z. B. A19)")
        if isinstance(t.goal_id, str) and t.goal_id and t.goal_id not in goal_ids:
            add("Zielwerte", i, "ziel", t.goal_id, "die Kennung eines Ziels (Blatt Ziele)")
        for column, value in (("ausgangsquartal", t.baseline_period),
                              ("zielquartal", t.target_period)):
            try:
                Quarter.parse(str(value))
            except PeriodError:
                add("Zielwerte", i, column, value, "ein Quartal JJJJ-Qn, z. B. 2023-Q4")
        for column, value in (("ausgangswert", t.baseline_value), ("zielwert", t.target_value)):
            if pd.isna(value):
                add("Zielwerte", i, column, value, "eine Zahl")
    return problems

"""Short German text alternatives for figures: what a screen reader says instead of a picture.

One place for the words, so the printable PDF (Typst ``alt``), the PowerPoint deck (``descr``
of the picture), the revealjs deck (``fig-alt``) and Quarto's Typst PDF of a report say the
same thing about the same figure (issue 15). A text alternative states the figure's message
in one or two sentences – the extremes, where the report area stands, the direction of a
series – not its look; the numbers are the ones the figure draws (already disclosure-
controlled: these functions only read published values). Pure: frames in, text out.

`figure_alt` is the entry point for plotly figures (the interactive figures of the HTML
reports and their static PNG twins): a figure that sets its own text alternative in
``layout.meta.alt`` (`with_alt`) is described by that text; any other by its title and the
last value of each line.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from monitoring import fmt
from monitoring.periods import Quarter

__all__ = ["ALT_KEY", "figure_alt", "index_alt", "indicator_alt", "map_alt", "with_alt"]

ALT_KEY = "alt"  # in a plotly figure's ``layout.meta``: its text alternative


def _quarter(period: object) -> str:
    try:
        return Quarter.parse(str(period)).label_short()
    except ValueError:
        return str(period)


def _value(value: float, unit: str | None, decimals: int) -> str:
    text = fmt.number(value, decimals)
    return f"{text}\u00a0{unit}" if unit else text


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def map_alt(values: pd.DataFrame, *, value: str, label: str, where: str,
            highlight: str | None = None, decimals: int = 1) -> str:
    """The message of a map of `value` by area: highest and lowest area, the outlined
    `highlight` area with its rank, and how many areas are grey (no or withheld value).

    `values` has one row per area drawn with ``area_code``, ``name`` and `value` (NaN: no
    value or withheld); `where` completes „… nach Kreisen“, e.g. „in Thüringen“.
    """
    known = values[values[value].notna()].sort_values(value, ascending=False, kind="stable")
    parts = [f"Karte: {label} nach Gebieten {where}"]
    if known.empty:
        parts.append("für kein Gebiet liegt ein Wert vor")
    else:
        top, low = known.iloc[0], known.iloc[-1]
        parts.append(f"am höchsten in {top['name']} ({fmt.number(top[value], decimals)}), "
                     f"am niedrigsten in {low['name']} ({fmt.number(low[value], decimals)})")
    text = "; ".join(parts) + "."
    if highlight is not None:
        own = values[values["area_code"] == highlight]
        if not own.empty:
            name = own.iloc[0]["name"]
            if pd.isna(own.iloc[0][value]):
                text += f" {name} (umrandet): kein Wert veröffentlicht."
            else:
                rank = int((known["area_code"] == highlight).to_numpy().argmax()) + 1
                text += (f" {name} (umrandet): {fmt.number(own.iloc[0][value], decimals)}, "
                         f"Rang {rank} von {len(known)}.")
    grey = len(values) - len(known)
    if grey:
        text += (f" {'Ein Gebiet' if grey == 1 else f'{grey} Gebiete'} ohne Wert (grau).")
    return text


def indicator_alt(series: pd.DataFrame, *, title: str, unit: str, area_name: str,
                  state_name: str, target: Mapping[str, Any] | None = None,
                  decimals: int | None = None) -> str:
    """The message of an indicator's line chart: the area's first and last value, the
    Land's last value and the target, as the chart draws them.

    `series` has ``period``, ``value`` and ``state_value`` (`indicators.series`); `target`
    is the area's target row (``target_value``, ``target_period``) or None.
    """
    decimals = fmt.decimals_for(unit) if decimals is None else decimals
    rows = series[series["value"].notna()]
    text = f"Liniendiagramm {title}"
    if rows.empty:
        text += f": für {area_name} liegt kein Wert vor."
    else:
        first, last = rows.iloc[0], rows.iloc[-1]
        if len(rows) == 1:
            text += (f": {area_name} {_value(last['value'], unit, decimals)} "
                     f"({_quarter(last['period'])}).")
        else:
            change = float(last["value"]) - float(first["value"])
            verb = ("gestiegen" if change > 0 else "gesunken" if change < 0
                    else "unverändert geblieben")
            text += (f": {area_name} von {_value(first['value'], unit, decimals)} "
                     f"({_quarter(first['period'])}) auf {_value(last['value'], unit, decimals)} "
                     f"({_quarter(last['period'])}) {verb}.")
    states = series[series["state_value"].notna()]
    if not states.empty:
        text += (f" {state_name}: {_value(states.iloc[-1]['state_value'], unit, decimals)} "
                 f"({_quarter(states.iloc[-1]['period'])}).")
    if target is not None and not pd.isna(target.get("target_value")):
        text += (f" Zielwert {_value(float(target['target_value']), unit, decimals)} "
                 f"({_quarter(target.get('target_period', ''))}).")
    return text


def index_alt(table: pd.DataFrame, *, area_name: str) -> str:
    """The message of the Status-Dynamik-Index scatter: how many areas are assessed, where
    the report area lies (its two index values and its group) and how many are flagged.

    `table` is ``views.composite_index(...)["table"]``.
    """
    shown = table[table["assessed"].fillna(False).astype(bool)]
    own = shown[shown["own"].astype(bool)]
    flagged = int(shown["attention"].fillna(False).astype(bool).sum())
    text = (f"Streudiagramm: {len(shown)} bewertete Gebiete nach Statusindex (waagerecht) und "
            "Dynamikindex (senkrecht); höhere Werte bedeuten mehr Aufmerksamkeitsbedarf.")
    if own.empty:
        text += f" {area_name} wird nicht bewertet und hat keinen Punkt."
    else:
        row = own.iloc[0]
        text += (f" {area_name}: Statusindex {fmt.signed(float(row['status_index']), 1)}, "
                 f"Dynamikindex {fmt.signed(float(row['dynamic_index']), 1)}, Gruppe "
                 f"{row['group']} ({row['status_class']}/{row['dynamic_class']}).")
    if flagged:
        text += (f" {flagged} {'Gebiet' if flagged == 1 else 'Gebiete'} mit besonderem "
                 "Aufmerksamkeitsbedarf.")
    return text


def with_alt(figure: Any, text: str) -> Any:
    """`figure` (a plotly ``Figure`` or its dict) with `text` as its text alternative
    (``layout.meta.alt``, read by `figure_alt`); returns the same object."""
    if isinstance(figure, dict):
        layout = figure.setdefault("layout", {})
        meta = layout.get("meta")
        layout["meta"] = {**(meta if isinstance(meta, dict) else {}), ALT_KEY: text}
        return figure
    meta = figure.layout.meta
    figure.update_layout(meta={**(meta if isinstance(meta, dict) else {}), ALT_KEY: text})
    return figure


def _title(layout: Mapping[str, Any]) -> str:
    title = layout.get("title")
    text = title.get("text") if isinstance(title, Mapping) else title
    return " ".join(str(text or "").replace("<br>", " ").split())


def _plain(values: Any) -> list[Any]:
    """A trace's values as a list: plotly writes numeric arrays as typed arrays
    (``{"dtype": "f8", "bdata": "<base64>"}``) in its JSON."""
    if isinstance(values, Mapping) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]),
                             dtype=values.get("dtype", "f8")).tolist()
    return list(values or [])


def _last(values: Sequence[Any] | None, at: Sequence[Any] | None) -> tuple[Any, Any]:
    """The last number of `values` that is a value (not None, not NaN) and where it lies
    (the matching entry of `at`, None without one)."""
    values, at = _plain(values), _plain(at)
    for i in range(len(values) - 1, -1, -1):
        value = values[i]
        if isinstance(value, int | float) and not (isinstance(value, float)
                                                    and math.isnan(value)):
            return value, (at[i] if i < len(at) else None)
    return None, None


def _at(value: Any) -> str:
    """Where a last value lies on the x axis: a time axis position (`figures.quarter_x`,
    2025.75) as „Q4 2025“, anything else as it is."""
    if isinstance(value, int | float) and 1900 <= value < 2200 and (value * 4) % 1 == 0:
        return f"Q{round((value % 1) * 4) + 1} {int(value)}"
    return str(value)


def _label(text: Any) -> str:
    """An area's name from a plotly hover text (``<b>Erfurt</b><br>…``) or the label itself."""
    text = str(text)
    bold = re.search(r"<b>(.*?)</b>", text)
    text = bold.group(1) if bold else text.split("<br>")[0]
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _extremes(pairs: dict[str, float]) -> str:
    """„am höchsten in A (3,9), am niedrigsten in B (0,8)“ over (label → value)."""
    if not pairs:
        return ""
    decimals = 0 if all(float(v).is_integer() for v in pairs.values()) else 1
    top = max(pairs, key=lambda k: pairs[k])
    low = min(pairs, key=lambda k: pairs[k])
    return (f"am höchsten {top} ({fmt.number(pairs[top], decimals)}), am niedrigsten {low} "
            f"({fmt.number(pairs[low], decimals)})")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value))


MAP_TYPES = {"choropleth", "choroplethmap", "choroplethmapbox", "scattergeo", "scattermap",
             "scattermapbox"}
NO_VALUE_TRACE = "ohne Wert"  # `figures`: the grey trace of withheld areas (dummy z)


def figure_alt(figure: Mapping[str, Any]) -> str:
    """The text alternative of a plotly figure (as a dict, e.g. ``fig.to_dict()`` or the
    ``application/vnd.plotly.v1+json`` output of a notebook).

    The figure's own text (``layout.meta.alt``, `with_alt`) where it has one; otherwise
    the kind of figure and its title, and what it shows: for a map or bars the highest and
    the lowest area, for lines the last value of each named line – never empty, so a
    figure is never silent in a tagged PDF.
    """
    layout = figure.get("layout") or {}
    meta = layout.get("meta")
    if isinstance(meta, Mapping) and str(meta.get(ALT_KEY) or "").strip():
        return _sentence(str(meta[ALT_KEY]))
    traces = list(figure.get("data") or [])
    kinds = {str(t.get("type") or "scatter") for t in traces}
    kind = ("Karte" if kinds & MAP_TYPES
            else "Balkendiagramm" if kinds == {"bar"}
            else "Liniendiagramm" if kinds == {"scatter"} and all(
                "lines" in str(t.get("mode", "")) for t in traces) else "Diagramm")
    title = _title(layout)
    text = f"{kind}: {title}" if title else kind
    if kind == "Karte":
        values: dict[str, float] = {}
        grey: set[str] = set()
        for trace in traces:
            places = _plain(trace.get("locations"))
            labels = _plain(trace.get("text")) or places
            if NO_VALUE_TRACE in str(trace.get("name", "")):
                grey |= {str(p) for p in places}
                continue
            for label, value in zip(labels, _plain(trace.get("z")), strict=False):
                if _number(value):
                    values[_label(label)] = float(value)
        extremes = _extremes(values)
        text += (f"; {extremes}" if extremes else "") + (
            f"; {len(grey)} {'Gebiet' if len(grey) == 1 else 'Gebiete'} ohne Wert" if grey
            else "")
        return _sentence(text)
    if kind == "Balkendiagramm":
        bars: dict[str, float] = {}
        for trace in traces:
            horizontal = trace.get("orientation") == "h"
            labels, numbers = ((trace.get("y"), trace.get("x")) if horizontal
                               else (trace.get("x"), trace.get("y")))
            for label, value in zip(_plain(labels), _plain(numbers), strict=False):
                if _number(value):
                    bars[_label(label)] = float(value)
        extremes = _extremes(bars) if len(bars) > 1 else ""
        return _sentence(text + (f"; {extremes}" if extremes else ""))
    lasts = []
    for trace in traces[:4]:
        if trace.get("type", "scatter") != "scatter" or not trace.get("name"):
            continue
        value, at = _last(trace.get("y"), trace.get("x"))
        if value is not None:
            lasts.append(f"{trace['name']} {fmt.number(value, 1 if value % 1 else 0)}"
                         + (f" ({_at(at)})" if at is not None else ""))
    if lasts:
        text += "; zuletzt: " + ", ".join(lasts)
    return _sentence(text)

"""HTML tables for reports with German number formats and the official suppression sign."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pandas as pd

from monitoring import fmt
from monitoring.core.privacy import Publishable, require
from monitoring.present.markup import Markup, escape

Formatter = Callable[[Any], str]


LIGHTS = {"green": ("#2e7d32", "im Plan"), "amber": ("#f39c12", "gefährdet"),
          "red": ("#c0392b", "nicht im Plan"), "none": ("#9e9e9e", "ohne Bewertung")}
# Nothing by colour alone (issue 15): each light also has a symbol of its own shape (no
# emoji: they need an emoji font) and its words. The symbol is drawn in `SYMBOL_COLOURS`,
# darker shades of `LIGHTS` with a contrast of at least 4.5:1 on white (WCAG 2.1, 1.4.11
# asks 3:1 of a graphic; text-level contrast keeps the symbol clear on a projector too).
SYMBOLS = {"green": "●", "amber": "▲", "red": "■", "none": "○"}
SYMBOL_COLOURS = {"green": "#2e7d32", "amber": "#a35200", "red": "#c0392b", "none": "#6b6b6b"}


def light_text(value: Any) -> str:
    """A traffic light as plain text, symbol and words: „▲ gefährdet“."""
    status = str(value) if str(value) in LIGHTS else "none"
    return f"{SYMBOLS[status]} {LIGHTS[status][1]}"


def traffic_light(value: Any) -> str:
    """A traffic light as text + symbol + colour (`light_text`, the symbol coloured): its
    meaning never depends on seeing the colour. The symbol is hidden from screen readers
    (the words say it)."""
    status = str(value) if str(value) in LIGHTS else "none"
    return Markup(f'<span class="mon-light mon-light-{status}" '
                  f'style="color:{SYMBOL_COLOURS[status]}" aria-hidden="true">'
                  f"{SYMBOLS[status]}</span> {escape(LIGHTS[status][1])}")


def signed(value: Any) -> str:
    return fmt.signed(value, 1)


def index_value(value: Any) -> str:
    """A z-score or index value with sign and two decimals: ``+1,29`` / ``−0,86``."""
    return fmt.signed(value, 2)


def integer(value: Any) -> str:
    return fmt.number(value, 0)


def one_decimal(value: Any) -> str:
    return fmt.number(value, 1)


class ByUnit:
    """A formatter that reads the row's unit: counts as integers, other units as `decimals`.

    `html_table` and `report.table_formats.build` call it with the whole row (``per_row``).
    """

    per_row = True

    def __init__(self, decimals: int = 1, *, sign: bool = False, unit_column: str = "unit"):
        self.decimals, self.sign, self.unit_column = decimals, sign, unit_column

    def __call__(self, value: Any, row: Any = None) -> str:
        unit = None if row is None else row.get(self.unit_column)
        decimals = fmt.decimals_for(unit, self.decimals)
        return fmt.signed(value, decimals) if self.sign else fmt.number(value, decimals)


indicator_value = ByUnit(1)
"""An indicator value: integer for counts (``605``), one decimal otherwise (``12,3``)."""
indicator_change = ByUnit(1, sign=True)
"""A change of an indicator value with sign: ``+4`` for counts, ``+1,2`` otherwise."""


def cell_text(formatter: Formatter, row: Any, column: str) -> str:
    """`formatter` applied to ``row[column]`` (with the row for per-row formatters)."""
    if getattr(formatter, "per_row", False):
        return formatter(row[column], row)  # type: ignore[call-arg]  # per-row formatters take the row
    return formatter(row[column])


_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def text(value: Any) -> str:
    """A text cell as a German reader expects it: a date as ``12.02.2023`` (never
    ``2023-02-12 00:00:00``), a quarter as ``Q4 2025``, anything else as it is; „–“ when
    missing."""
    if value is None or (pd.api.types.is_scalar(value) and not isinstance(value, str)
                         and bool(pd.isna(value))):
        return fmt.MISSING
    if isinstance(value, datetime):  # also pandas Timestamps
        return fmt.day(value.date()) if value.time() == time(0) else fmt.timestamp(value)
    if isinstance(value, date):
        return fmt.day(value)
    shown = str(value)
    return _quarter_label(shown) or shown


def header(label: str) -> str:
    """A column header: a quarter (``2025-Q4``) reads ``Q4 2025`` like the charts' axes."""
    return _quarter_label(label) or label


def _quarter_label(label: str) -> str | None:
    """``2025-Q4`` as ``Q4 2025`` kept on one line (`fmt.quarter_short`), None for any other
    text."""
    match = _QUARTER.match(label)
    return (fmt.quarter_short(int(match.group(1)), int(match.group(2)), in_table=True)
            if match else None)


def _numeric(formatter: Formatter) -> bool:
    """Whether a column holds numbers (right-aligned): every formatter but text and lights."""
    return formatter not in (text, traffic_light)


def html_table(data: Publishable | pd.DataFrame, columns: dict[str, tuple[str, Formatter]], *,
               caption: str | None = None, note: str | None = None,
               persons: bool = True, css_class: str = "mon-table",
               row_header: bool | None = None) -> Markup:
    """Render selected columns as an HTML table (`Markup`: every cell, header, caption and
    note escaped).

    `columns` maps a column to (German header, formatter). With ``persons=True`` (the
    default) the data must be `Publishable`; withheld cells show the official sign ".".
    Column headers carry ``scope="col"``; the first column is the row header
    (``<th scope="row">``) when `row_header` is true, or – by default (None) – when it is a
    text column (a name, a field, a quarter), so a screen reader names the row of each
    cell. Every table should have a `caption` (it names the table for screen readers).
    """
    hidden: Publishable | None
    if persons:
        publishable = require(data, "Die Tabelle")
        frame, hidden = publishable.frame, publishable
    else:
        frame = data.frame if isinstance(data, Publishable) else data
        hidden = data if isinstance(data, Publishable) else None
    counts = set(data.counts) if isinstance(data, Publishable) else set()
    # headers aligned like their cells (numbers right, text left); data-persons: report.scan
    head = "".join(f'<th scope="col" class="{"num" if _numeric(f) else "txt"}"'
                   f'{" data-persons" if col in counts else ""}>{escape(header(h))}</th>'
                   for col, (h, f) in columns.items())
    formatters = [f for _, f in columns.values()]
    if row_header is None:
        row_header = bool(formatters) and formatters[0] is text
    body = []
    for i, row in frame.iterrows():
        cells = []
        for j, (col, (_, formatter)) in enumerate(columns.items()):
            withheld = (hidden is not None and col in hidden.columns
                        and bool(hidden.is_suppressed(col).get(i, False)))
            value = fmt.SUPPRESSED if withheld else cell_text(formatter, row, col)
            shown = value if isinstance(value, Markup) else escape(value)
            align = "num" if _numeric(formatter) else "txt"
            cells.append(f'<th scope="row" class="{align}">{shown}</th>' if j == 0 and row_header
                         else f'<td class="{align}">{shown}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    foot = f'<p class="mon-note">{escape(note)}</p>' if note else ""
    return Markup(f'<table class="{css_class}">{cap}<thead><tr>{head}</tr></thead>'
                  f'<tbody>{"".join(body)}</tbody></table>{foot}')

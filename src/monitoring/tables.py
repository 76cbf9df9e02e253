"""HTML tables for reports with German number formats and the official suppression sign."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pandas as pd

from monitoring import fmt
from monitoring.privacy import Publishable, require

Formatter = Callable[[Any], str]


class Markup(str):
    """Text a formatter returns that is already safe HTML (not escaped again)."""


LIGHTS = {"green": ("#2e7d32", "im Plan"), "amber": ("#f39c12", "gefährdet"),
          "red": ("#c0392b", "nicht im Plan"), "none": ("#9e9e9e", "ohne Bewertung")}


def traffic_light(value: Any) -> str:
    colour, label = LIGHTS.get(str(value), LIGHTS["none"])
    return Markup(f'<span class="mon-light" style="background:{colour}" aria-hidden="true">'
                  f"</span> {html.escape(label)}")


def signed(value: Any) -> str:
    return fmt.signed(value, 1)


def index_value(value: Any) -> str:
    """A z-score or index value with sign and two decimals: ``+1,29`` / ``−0,86``."""
    return fmt.signed(value, 2)


def integer(value: Any) -> str:
    return fmt.number(value, 0)


def one_decimal(value: Any) -> str:
    return fmt.number(value, 1)


def text(value: Any) -> str:
    return fmt.MISSING if value is None or (isinstance(value, float) and pd.isna(value)) \
        else str(value)


def html_table(data: Publishable | pd.DataFrame, columns: dict[str, tuple[str, Formatter]], *,
               caption: str | None = None, note: str | None = None,
               persons: bool = True, css_class: str = "mon-table") -> str:
    """Render selected columns as an HTML table.

    `columns` maps a column to (German header, formatter). With ``persons=True`` (the
    default) the data must be `Publishable`; withheld cells show the official sign ".".
    """
    if persons:
        publishable = require(data, "Die Tabelle")
        frame, hidden = publishable.frame, publishable
    else:
        frame = data.frame if isinstance(data, Publishable) else data
        hidden = data if isinstance(data, Publishable) else None
    counts = set(data.counts) if isinstance(data, Publishable) else set()
    head = "".join(f'<th{" data-persons" if col in counts else ""}>{html.escape(h)}</th>'
                   for col, (h, _) in columns.items())  # data-persons: for report.scan
    body = []
    for i, row in frame.iterrows():
        cells = []
        for col, (_, formatter) in columns.items():
            withheld = (hidden is not None and col in hidden.columns
                        and bool(hidden.is_suppressed(col).get(i, False)))
            value = fmt.SUPPRESSED if withheld else formatter(row[col])
            numeric = formatter not in (text, traffic_light)
            shown = value if isinstance(value, Markup) else html.escape(value)
            cells.append(f'<td class="{"num" if numeric else "txt"}">{shown}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    foot = f'<p class="mon-note">{html.escape(note)}</p>' if note else ""
    return (f'<table class="{css_class}">{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{foot}')

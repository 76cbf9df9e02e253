"""Text alternatives for figures: a German sentence that states each figure's message, and
the figure's data as an accessible table (issue 15).

Every figure of `monitoring.present.figures` carries a `FigureText`, computed from the same
rounded, disclosure-controlled numbers the figure draws (so it never says more than the
figure): `attach` stores it in the figure's ``layout.meta``; the report renderer takes it out
again (`detach`) and wraps the interactive plot in a ``<figure>`` whose ``<figcaption>`` is
the text alternative, followed by the data table in a collapsed ``<details>`` (`figure_html`).
The print twin (`static_figure.png`) carries the same text. Withheld values read
„gesperrt“, never a number.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from monitoring.present.markup import Markup, escape

# where the text travels inside a figure (plotly's free-form layout.meta)
META_KEY = "monitoring_text"
WITHHELD = "gesperrt"
NO_VALUE = "kein Wert"
DATA_SUMMARY = "Daten zur Abbildung"


@dataclass(frozen=True)
class FigureText:
    """A figure's text alternative and its data table.

    `alt` states the message in German sentences; `header`/`rows` are the figure's data as
    shown (already formatted; withheld cells „gesperrt“), the first column names the row
    (a row header); `persons` are the indices of person-count columns (marked for the
    disclosure scan, `report.publish.scan`); `numeric` says which columns hold numbers
    (right-aligned); `note` explains signs used in the table."""

    alt: str
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    persons: frozenset[int] = field(default_factory=frozenset)
    numeric: tuple[bool, ...] = ()
    note: str = ""

    def to_meta(self) -> dict[str, Any]:
        return {"alt": self.alt, "caption": self.caption, "header": list(self.header),
                "rows": [list(r) for r in self.rows], "persons": sorted(self.persons),
                "numeric": list(self.numeric), "note": self.note}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> FigureText:
        return cls(str(meta["alt"]), str(meta.get("caption", "")),
                   tuple(str(h) for h in meta.get("header", ())),
                   tuple(tuple(str(c) for c in r) for r in meta.get("rows", ())),
                   frozenset(int(i) for i in meta.get("persons", ())),
                   tuple(bool(n) for n in meta.get("numeric", ())), str(meta.get("note", "")))


def attach(fig: Any, text: FigureText) -> None:
    """Store `text` in the plotly figure `fig` (``layout.meta``), for the renderer."""
    meta = fig.layout.meta
    merged = dict(meta) if isinstance(meta, dict) else {}
    merged[META_KEY] = text.to_meta()
    fig.update_layout(meta=merged)


def text_of(figure: Any) -> FigureText | None:
    """The `FigureText` of a figure (plotly figure or its dict), None when it has none."""
    layout = figure.get("layout", {}) if isinstance(figure, dict) else \
        figure.to_plotly_json().get("layout", {})
    meta = layout.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get(META_KEY), dict):
        return FigureText.from_meta(meta[META_KEY])
    return None


def detach(figure: dict[str, Any]) -> tuple[FigureText | None, dict[str, Any]]:
    """The `FigureText` of a figure dict and the dict without it (what is published: the
    text goes out once, as HTML, not a second time inside the plot's JSON)."""
    text = text_of(figure)
    if text is None:
        return None, figure
    layout = dict(figure.get("layout", {}))
    meta = {k: v for k, v in dict(layout.pop("meta")).items() if k != META_KEY}
    if meta:
        layout["meta"] = meta
    return text, {**figure, "layout": layout}


def table_html(text: FigureText) -> Markup:
    """The figure's data as an HTML table: caption, column headers with ``scope="col"``,
    the first cell of each row a row header (``scope="row"``); every text escaped."""
    numeric = list(text.numeric) + [False] * (len(text.header) - len(text.numeric))

    def align(j: int) -> str:
        return "num" if numeric[j] else "txt"

    head = "".join(f'<th scope="col" class="{align(j)}"'
                   f'{" data-persons" if j in text.persons else ""}>{escape(h)}</th>'
                   for j, h in enumerate(text.header))
    # numbers are the default alignment of a data cell (right, report.css): only text cells
    # carry a class, which keeps a table of a few hundred rows small
    body = "".join(
        "<tr>" + "".join(
            (f'<th scope="row" class="{align(j)}">{escape(c)}</th>' if j == 0 else
             "<td>" + escape(c) + "</td>" if numeric[j] else
             f'<td class="txt">{escape(c)}</td>') for j, c in enumerate(row)) + "</tr>"
        for row in text.rows)
    note = f'<p class="mon-note">{escape(text.note)}</p>' if text.note else ""
    return Markup(f'<table class="mon-data"><caption>{escape(text.caption)}</caption>'
                  f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}")


def figure_html(fragment: str, text: FigureText | None, *, ident: str | None = None) -> str:
    """The plotly HTML `fragment` as an accessible figure: ``<figure>`` named by its text
    alternative (``<figcaption>``; the plot's container points to it with
    ``aria-describedby``), the interactive plot unchanged (nothing in it is needed to
    understand the figure: no ``role="img"``, which would hide its controls), and the table
    collapsed in ``<details><summary>Daten zur Abbildung</summary>``. Without a text the
    fragment is returned as it is."""
    if text is None:
        return fragment
    if ident is None:  # the plot's own id (random per run, like plotly's) plus "-text"
        plot = re.search(r'<div id="([^"]+)" class="plotly-graph-div"', fragment)
        ident = f"{plot.group(1) if plot else uuid.uuid4()}-text"
    return (f'<figure class="mon-figure">'
            f'<figcaption id="{ident}" class="mon-alt">{escape(text.alt)}</figcaption>'
            f'<div class="mon-figure-plot" aria-describedby="{ident}">{fragment}</div>'
            f'<details class="mon-figure-data"><summary>{DATA_SUMMARY}</summary>'
            f"{table_html(text)}</details></figure>")


def count_de(n: int, one: str, many: str) -> str:
    """„1 Gebiet“ / „12 Gebiete“ (German digits with thousands dots)."""
    from monitoring import fmt

    return f"{fmt.number(n, 0)} {one if n == 1 else many}"


def listing(items: Sequence[str]) -> str:
    """„A“, „A und B“, „A, B und C“."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]

"""Tables as they are published, in every format, from disclosure-controlled data.

A `PublishedTable` is made only from a `privacy.Publishable`: display strings (German numbers,
the official sign "." for withheld cells), the headers of its person-count columns and, per
group, a total row whose value comes from `Publishable.totals` (withheld as "." when the
group's small cells could not be protected). The same object is written as CSV, Excel,
Markdown (for the PDF), a PowerPoint table and HTML, and its description goes into the
publication register, which the disclosure scanner (`report.scan`) reads next to the artefacts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from monitoring import fmt
from monitoring.core.privacy import Publishable, require
from monitoring.io.spreadsheet import csv_text, literal, xlsx_value
from monitoring.present.markup import escape, markdown

TOTAL_LABEL = "Summe"
Formatter = Callable[[Any], str]


@dataclass(frozen=True)
class PublishedTable:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    person_columns: tuple[str, ...]   # headers of the person-count columns
    source: str = ""

    def register(self) -> dict[str, object]:
        """What the scanner needs to know about this table (machine-readable)."""
        return {"caption": self.caption, "person_columns": list(self.person_columns),
                "columns": len(self.header),
                "total_label": TOTAL_LABEL}


def build(data: Publishable, columns: dict[str, tuple[str, Formatter]], *, caption: str,
          source: str = "", totals: bool = True) -> PublishedTable:
    """Display rows of `data` (first column = row label) with a total row per group."""
    pub = require(data, "Die Tabelle")
    frame = pub.frame
    cols = list(columns)
    group_col = pub.groups[0] if pub.groups else None
    rows: list[tuple[str, ...]] = []

    def cell(i: object, col: str, row: Any) -> str:
        if col in pub.columns and bool(pub.is_suppressed(col).get(i, False)):
            return fmt.SUPPRESSED
        formatter = columns[col][1]
        if getattr(formatter, "per_row", False):  # e.g. tables.indicator_value (by unit)
            return formatter(row[col], row)  # type: ignore[call-arg]  # per-row formatters take the row
        return formatter(row[col])

    keys = frame[group_col] if group_col else pd.Series(0, index=frame.index)
    for key in pd.unique(keys):
        part = frame[keys == key]
        rows.extend(tuple(cell(i, c, row) for c in cols) for i, row in part.iterrows())
        if totals and any(c in pub.counts for c in cols):
            label = f"{TOTAL_LABEL} {key}" if group_col else TOTAL_LABEL
            total = [label] + [""] * (len(cols) - 1)
            for j, c in enumerate(cols):
                if c in pub.counts and j > 0:
                    value = pub.totals.get(c, {}).get(key, float("nan"))
                    total[j] = fmt.SUPPRESSED if pd.isna(value) else fmt.number(value)
            rows.append(tuple(total))
    person = tuple(columns[c][0] for c in cols if c in pub.counts)
    return PublishedTable(caption, tuple(columns[c][0] for c in cols), tuple(rows), person,
                          source)


def to_csv(table: PublishedTable) -> bytes:
    """Semicolon CSV in UTF-8 with BOM (opens correctly in German Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_text(table.caption)])
    writer.writerow([csv_text(h) for h in table.header])
    writer.writerows([csv_text(c) for c in row] for row in table.rows)
    if table.source:
        writer.writerow([f"Quelle: {table.source}"])
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(tables: list[PublishedTable], path: Path) -> None:
    """One sheet per table; cells keep the published text (German format, ".")."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.worksheets[0])
    for n, table in enumerate(tables, start=1):
        sheet = book.create_sheet(f"Tabelle {n}")
        sheet.append([xlsx_value(table.caption)])
        sheet["A1"].font = Font(bold=True)
        sheet.append([xlsx_value(h) for h in table.header])
        for row in table.rows:
            sheet.append([xlsx_value(c) for c in row])
        if table.source:
            sheet.append([xlsx_value(f"Quelle: {table.source}")])
        sheet.column_dimensions["A"].width = 34
        literal(sheet)  # a name beginning with "=" stays text
    book.save(path)


def md_escape(text: str) -> str:
    """`text` for a pandoc table cell or caption, taken literally (`markup.markdown`)."""
    return markdown(text)


def to_markdown(table: PublishedTable, *, widths: Sequence[int] | None = None) -> str:
    """A pandoc pipe table with its caption and source line.

    `widths`: relative column widths (one per column, e.g. percentages); pandoc reads them
    from the number of dashes in the separator line. Without them a table wider than a line
    gets equal columns, and a long first column (indicator names) wraps.
    """
    if widths is not None and len(widths) != len(table.header):
        raise ValueError(f"{len(widths)} widths for {len(table.header)} columns")
    dashes = widths or [3] * len(table.header)
    head = "| " + " | ".join(md_escape(h) for h in table.header) + " |"
    align = "|" + "|".join(":" + "-" * max(3, w) if j == 0 else "-" * max(3, w) + ":"
                           for j, w in enumerate(dashes)) + "|"
    body = "\n".join("| " + " | ".join(md_escape(c) for c in row) + " |" for row in table.rows)
    source = f"\n\n*Quelle: {md_escape(table.source)}*" if table.source else ""
    return f"{head}\n{align}\n{body}\n\n: {md_escape(table.caption)}{source}\n"


def to_html(table: PublishedTable) -> str:
    """An HTML table; person-count headers carry ``data-persons`` for the scanner; column
    headers ``scope="col"``, the first cell of each row (the area) ``scope="row"``."""
    head = "".join(
        f'<th scope="col"{" data-persons" if h in table.person_columns else ""}>'
        f"{escape(h)}</th>" for h in table.header)
    body = "".join("<tr>" + "".join(
        f'<th scope="row" class="txt">{escape(c)}</th>' if j == 0 else
        f'<td class="num">{escape(c)}</td>'
        for j, c in enumerate(row)) + "</tr>" for row in table.rows)
    source = (f'<p class="mon-source">Quelle: {escape(table.source)}</p>'
              if table.source else "")
    return (f'<table class="mon-table"><caption>{escape(table.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{source}")

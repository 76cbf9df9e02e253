"""Disclosure scanner: reads published artefacts back and looks for unprotected person counts.

It does not trust the code that wrote the files; it parses what a reader would see:

* tables (HTML ``<table>``, CSV, Excel sheets, PowerPoint tables, table rows in the PDF text):
  every cell in a person-count column must be 0, ≥ threshold or the sign "."; where a group has
  a total row ("Summe …") next to withheld cells, total minus the shown cells must not pin the
  withheld cells down to values below the threshold (differencing); a change column ("zum
  Vorquartal", "zum Vorjahr…", "Veränderung") must not show a number next to a withheld value
  (the value column is the one left of the first change column): value = earlier value +
  change would reveal it;
* text (HTML text and embedded figure data such as plotly hover texts, PDF and slide text):
  ``<person label>: <number>`` must not show a number between 1 and threshold − 1.

How it knows which numbers are person counts: HTML headers of person-count columns carry
``data-persons`` (written by `tables.html_table` and `table_formats.to_html`); for the other formats
the publication register (`table_formats.PublishedTable.register`, stored in
``veroeffentlichung.json``) lists the headers of person-count columns; and the labels that
figures use for person counts are listed in `PERSON_LABELS`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from monitoring.report.publish.table_formats import TOTAL_LABEL

PERSON_LABELS = ("Ausländische Staatsangehörige", "Schutzsuchende", "Teilnehmende", "Personen")
_COUNT = re.compile(r"^\d{1,3}(?:\.\d{3})*$|^\d+$")
SUFFIXES = (".html", ".csv", ".xlsx", ".pptx", ".pdf")


@dataclass(frozen=True)
class Finding:
    file: str
    where: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file} ({self.where}): {self.value} – {self.reason}"


Table = tuple[list[str], list[list[str]], set[int]]  # header, rows, person-count column indices


def _count(text: str) -> int | None:
    text = text.strip()
    return int(text.replace(".", "")) if _COUNT.match(text) else None


def check_table(header: Sequence[str], rows: Sequence[Sequence[str]], persons: Iterable[int],
                threshold: int) -> list[tuple[str, str, str]]:
    """(where, value, reason) for every small count and every total that reveals one."""
    found: list[tuple[str, str, str]] = []
    persons = [j for j in persons if j < len(header)]
    group: list[Sequence[str]] = []
    for r, row in enumerate(rows):
        is_total = bool(row) and row[0].strip().startswith(TOTAL_LABEL)
        for j in persons:
            if j >= len(row):
                continue
            value = _count(row[j])
            if value is not None and 0 < value < threshold:
                found.append((f"Zeile {r + 1}, Spalte „{header[j]}“", row[j],
                              "Fallzahl unter der Geheimhaltungsschwelle"))
            if is_total and value is not None:
                cells = [g[j] for g in group if j < len(g)]
                hidden = sum(c.strip() == "." for c in cells)
                shown = sum(v for c in cells if (v := _count(c)) is not None)
                rest = value - shown
                # each withheld cell holds ≥ 1 person (zeros are shown), so each lies in
                # 1 … rest − hidden + 1: that range must hold ≥ threshold values
                # (`privacy.protected`); one withheld cell alone is rest itself
                if hidden and (hidden == 1 or rest - hidden + 1 < threshold):
                    found.append((f"Summenzeile {r + 1}, Spalte „{header[j]}“", row[j],
                                  f"Summe minus gezeigte Werte = {rest}: verrät "
                                  f"{'den geschwärzten Wert' if hidden == 1 else 'kleine Werte'}"))
        group = [] if is_total else [*group, row]
    found.extend(_changes_of_withheld(header, rows))
    return found


CHANGE_HEADERS = ("zum vor", "veränderung")


def _changes_of_withheld(header: Sequence[str], rows: Sequence[Sequence[str]],
                         ) -> list[tuple[str, str, str]]:
    """A change shown next to a withheld value (".") lets a reader recompute the value."""
    changes = [j for j, h in enumerate(header) if h.strip().casefold().startswith(CHANGE_HEADERS)]
    if not changes or changes[0] == 0:
        return []
    value_col = changes[0] - 1
    found = []
    for r, row in enumerate(rows):
        if value_col >= len(row) or row[value_col].strip() != ".":
            continue
        for j in changes:
            cell = row[j].strip() if j < len(row) else ""
            if re.search(r"\d", cell):
                found.append((f"Zeile {r + 1}, Spalte „{header[j]}“", cell,
                              f"Veränderung zu einem geschwärzten Wert („{header[value_col]}“): "
                              "verrät ihn zusammen mit dem früheren Wert"))
    return found


def check_text(text: str, threshold: int, labels: Iterable[str] = PERSON_LABELS,
               ) -> list[tuple[str, str, str]]:
    """``Label: n`` with 0 < n < threshold, also in JSON-escaped figure data."""
    found = []
    for label in set(labels):
        for form in {label, json.dumps(label)[1:-1]}:
            pattern = (re.escape(form)
                       + r"(?:\s*\([^)]*\))?\s*:\s*(\d{1,3}(?:\.\d{3})*|\d+)(?![\d,])")
            for match in re.finditer(pattern, text):
                value = _count(match.group(1))
                if value is not None and 0 < value < threshold:
                    found.append((f"Text „{label}“", match.group(1),
                                  "Fallzahl unter der Geheimhaltungsschwelle"))
    return found


class _HTMLTables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._persons = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(([], [], set()))
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._persons = tag == "th" and any(name == "data-persons" for name, _ in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = "".join(self._cell).strip()
            header, _rows, persons = self.tables[-1]
            if tag == "th":
                if self._persons:
                    persons.add(len(header))
                header.append(text)
            else:
                self._row.append(text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[-1][1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _persons(header: Sequence[str], labels: set[str]) -> set[int]:
    return {j for j, h in enumerate(header) if h.strip() in labels}


def _tables_and_text(path: Path, labels: set[str], widths: set[int]) -> tuple[list[Table], str]:
    suffix = path.suffix.lower()
    if suffix == ".html":
        parser = _HTMLTables()
        raw = path.read_text(encoding="utf-8", errors="replace")
        parser.feed(raw)
        tables = [(h, r, p | _persons(h, labels)) for h, r, p in parser.tables]
        return tables, raw  # raw includes figure data inside <script>
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
        return _from_rows(rows, labels), ""
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        tables = []
        for sheet in book.worksheets:
            rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(
                values_only=True)]
            tables.extend(_from_rows(rows, labels))
        return tables, ""
    if suffix == ".pptx":
        from pptx import Presentation

        tables, texts = [], []
        for slide in Presentation(str(path)).slides:
            for shape in slide.shapes:
                if shape.has_table:
                    grid = [[c.text for c in row.cells] for row in shape.table.rows]
                    if grid:
                        tables.append((grid[0], grid[1:], _persons(grid[0], labels)))
                elif shape.has_text_frame:
                    texts.append(shape.text_frame.text)
        return tables, "\n".join(texts)
    if suffix == ".pdf":
        from pypdf import PdfReader

        text = "\n".join(page.extract_text(extraction_mode="layout")
                         for page in PdfReader(path).pages)
        return _pdf_tables(text, labels, widths), text
    return [], ""


def _from_rows(rows: list[list[str]], labels: set[str]) -> list[Table]:
    """Caption row, header row, body (as written by `table_formats`); header found by its labels."""
    for i, row in enumerate(rows):
        persons = _persons(row, labels)
        if persons:
            return [(row, [r for r in rows[i + 1:] if r and not r[0].startswith("Quelle:")],
                     persons)]
    return []


def _pdf_tables(text: str, labels: set[str], widths: set[int]) -> list[Table]:
    """Table rows in the PDF's layout text: cells apart by two or more spaces.

    A header line is recognised by a person label among its cells; following lines with the
    same number of cells are its rows. Wrapped headers are matched by their column count
    against the widths of registered tables.
    """
    tables: list[Table] = []
    current: Table | None = None
    for line in text.splitlines():
        cells = [c for c in re.split(r"\s{2,}", line.strip()) if c]
        persons = _persons(cells, labels)
        if persons:
            current = (cells, [], persons)
            tables.append(current)
        elif current is not None and len(cells) == len(current[0]):
            current[1].append(cells)
        elif current is not None and cells and len(cells) not in widths:
            current = None
    return tables


def scan_file(path: Path, *, threshold: int, register: Sequence[dict[str, object]] = (),
              ) -> list[Finding]:
    """All findings in one artefact."""
    labels = set(PERSON_LABELS)
    widths: set[int] = set()
    for entry in register:
        labels |= set(entry.get("person_columns", []))  # type: ignore[call-overload]  # a list of str
        if "columns" in entry:
            widths.add(int(entry["columns"]))  # type: ignore[call-overload]  # an int
    tables, text = _tables_and_text(path, labels, widths)
    found = [Finding(path.name, w, v, r) for header, rows, persons in tables
             for w, v, r in check_table(header, rows, persons, threshold)]
    found += [Finding(path.name, w, v, r) for w, v, r in check_text(text, threshold, labels)]
    return found

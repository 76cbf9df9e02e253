"""Disclosure scanner: reads published artefacts back and looks for unprotected person counts.

It does not trust the code that wrote the files; it parses what a reader would see:

* tables (HTML ``<table>``, CSV, Excel sheets, PowerPoint tables, table rows in the PDF text):
  every cell in a person-count column must be 0, ≥ threshold or the sign "."; where a group has
  a total row ("Summe …") next to withheld cells, the feasible interval of every withheld cell
  given the total, the shown cells and zeros (each withheld cell ≥ 1) is solved by linear
  programming (`core.disclosure_check`, the attacker of the attacker test) and must keep
  ≥ threshold values (differencing); a change column ("zum
  Vorquartal", "zum Vorjahr…", "Veränderung") must not show a number next to a withheld value
  (the value column is the one left of the first change column): value = earlier value +
  change would reveal it;
* text (HTML text and embedded figure data such as plotly hover texts, PDF and slide text):
  ``<person label>: <number>`` must not show a number between 1 and threshold − 1;
* chart data (plotly figures in HTML): no number in a data array with more decimals than
  published values are shown with (`check_precision`); the comparison bar charts of a count
  indicator in all reports of a publication form one family – districts shown, withheld („.“),
  zero, and the state value as their sum – solved like a table group (`scan_families`);
* the indicator export (``monitoring export indikatoren``, CSV): no numerator or denominator
  beside a withheld value, and no withheld district numerator/denominator pinned by the
  state's (`check_export`).

A finding names file, table or chart and cell; `publish.quarter` then publishes nothing.

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
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from monitoring import fmt
from monitoring.core import disclosure_check
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


# header, rows, person-count column indices, caption
Table = tuple[list[str], list[list[str]], set[int], str]


def _count(text: str) -> int | None:
    text = text.strip()
    return int(text.replace(".", "")) if _COUNT.match(text) else None


def check_table(header: Sequence[str], rows: Sequence[Sequence[str]], persons: Iterable[int],
                threshold: int, caption: str = "") -> list[tuple[str, str, str]]:
    """(where, value, reason) for every small count and every withheld cell that the group's
    total row and the shown cells pin down (`disclosure_check`, linear programming)."""
    found: list[tuple[str, str, str]] = []
    persons = [j for j in persons if j < len(header)]
    table = f"Tabelle „{caption}“, " if caption else ""
    group: list[Sequence[str]] = []
    for r, row in enumerate(rows):
        is_total = bool(row) and row[0].strip().startswith(TOTAL_LABEL)
        for j in persons:
            if j >= len(row):
                continue
            value = _count(row[j])
            if value is not None and 0 < value < threshold:
                found.append((f"{table}Zeile {r + 1}, Spalte „{header[j]}“", row[j],
                              "Fallzahl unter der Geheimhaltungsschwelle"))
            if is_total and value is not None:
                found += _pinned(group, j, value, header[j], table, threshold)
        group = [] if is_total else [*group, row]
    found.extend(_changes_of_withheld(header, rows))
    return found


def _pinned(group: Sequence[Sequence[str]], j: int, total: int, column: str, table: str,
            threshold: int) -> list[tuple[str, str, str]]:
    """Withheld cells (".") of column `j` in `group` that its total row pins down: the reader
    knows the total, the shown cells and that a withheld cell holds ≥ 1 person (zeros are
    shown); cells shown as "–" (no figure) are not part of the total."""
    members = [g for g in group if j < len(g) and (g[j].strip() == "." or
                                                    _count(g[j]) is not None)]
    cells = [None if g[j].strip() == "." else float(_count(g[j]) or 0) for g in members]
    narrow = disclosure_check.group_findings(cells, float(total), threshold)
    if narrow is None:  # the total does not fit: a reader learns something, the file is wrong
        return [(f"{table}Summe, Spalte „{column}“", fmt.number(total),
                 "Summe passt nicht zu den gezeigten und geschwärzten Werten (jeder "
                 "geschwärzte Wert ist mindestens 1): Tabelle fehlerhaft")]
    return [(f"{table}Zeile „{members[i][0]}“, Spalte „{column}“", ".",
             f"Summe minus gezeigte Werte verrät den geschwärzten Wert (Summe "
             f"{fmt.number(total)}): nur zwischen {_interval(iv)} möglich")
            for i, iv in sorted(narrow.items())]


def _interval(interval: tuple[float, float]) -> str:
    low, high = interval
    return f"{fmt.number(math.ceil(low - 1e-9))} und {fmt.number(math.floor(high + 1e-9))}"


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
        self._row_header = False
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(([], [], set(), ""))
        elif tag == "caption" and self.tables:
            self._caption = []
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._persons = tag == "th" and any(name == "data-persons" for name, _ in attrs)
            # a row header (``<th scope="row">``) is a cell of its row, not a column header
            self._row_header = tag == "th" and ("scope", "row") in attrs

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            header, rows, persons, _ = self.tables[-1]
            self.tables[-1] = (header, rows, persons, "".join(self._caption).strip())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = "".join(self._cell).strip()
            header, _rows, persons, _caption = self.tables[-1]
            if tag == "th" and not self._row_header:
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
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _persons(header: Sequence[str], labels: set[str]) -> set[int]:
    return {j for j, h in enumerate(header) if h.strip() in labels}


def _pdf_alt_texts(reader: Any) -> list[str]:
    """The text alternatives (``/Alt``) in a tagged PDF's structure tree: published text a
    screen reader reads, though no text extraction shows it."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    root = reader.trailer["/Root"].get("/StructTreeRoot")
    stack: list[Any] = [] if root is None else [root]
    found = []
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            node = node.get_object()
        if isinstance(node, ArrayObject):
            stack.extend(node)
        elif isinstance(node, DictionaryObject):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:  # children only: never /P (parent) or /Pg (page)
                stack.append(node["/K"])
    return found


def _tables_and_text(path: Path, labels: set[str], widths: set[int]) -> tuple[list[Table], str]:
    suffix = path.suffix.lower()
    if suffix == ".html":
        parser = _HTMLTables()
        raw = path.read_text(encoding="utf-8", errors="replace")
        parser.feed(raw)
        tables = [(h, r, p | _persons(h, labels), c) for h, r, p, c in parser.tables]
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
                        tables.append((grid[0], grid[1:], _persons(grid[0], labels), ""))
                elif shape.has_text_frame:
                    texts.append(shape.text_frame.text)
                # a picture's text alternative is published too (read aloud)
                texts.extend(shape._element.xpath("./*[1]/p:cNvPr/@descr"))
        return tables, "\n".join(texts)
    if suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(path)
        text = "\n".join(page.extract_text(extraction_mode="layout") for page in reader.pages)
        return _pdf_tables(text, labels, widths), "\n".join([text, *_pdf_alt_texts(reader)])
    return [], ""


def _from_rows(rows: list[list[str]], labels: set[str]) -> list[Table]:
    """Caption row, header row, body (as written by `table_formats`); header found by its labels."""
    for i, row in enumerate(rows):
        persons = _persons(row, labels)
        if persons:
            caption = rows[i - 1][0] if i and rows[i - 1] else ""
            return [(row, [r for r in rows[i + 1:] if r and not r[0].startswith("Quelle:")],
                     persons, caption)]
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
            current = (cells, [], persons, "")
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
    found = [Finding(path.name, w, v, r) for header, rows, persons, caption in tables
             for w, v, r in check_table(header, rows, persons, threshold, caption)]
    found += [Finding(path.name, w, v, r) for w, v, r in check_text(text, threshold, labels)]
    suffix = path.suffix.lower()
    if suffix == ".html":
        charts = plotly_figures(text)
        found += [Finding(path.name, w, v, r) for figure in charts
                  for w, v, r in check_precision(figure)]
        # hover labels built in the browser from a template and per-point data (maps): the
        # label and the number stand apart in the file, so they are checked as shown
        shown = "\n".join(line for figure in charts
                          for trace in figure["data"] if isinstance(trace, dict)  # type: ignore[attr-defined]  # a list
                          for line in hover_texts(trace))
        found += [Finding(path.name, w, v, r) for w, v, r in check_text(shown, threshold, labels)]
    elif suffix == ".csv":
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
        if rows and set(EXPORT_HEADERS) <= set(rows[0]):
            found += [Finding(path.name, w, v, r)
                      for w, v, r in check_export(rows[0], rows[1:], threshold)]
    return found


# -- chart data: figures embedded in HTML (plotly) ------------------------------------------------
_NEW_PLOT = re.compile(r"Plotly\.newPlot\(\s*")
DECIMALS_SHOWN = 2  # the most decimals a published chart value is shown with (index values)


def plotly_figures(raw: str) -> list[dict[str, object]]:
    """The figures (``data``, ``layout``) of every ``Plotly.newPlot("id", data, layout, …)``
    call in an HTML file, as a reader's browser gets them."""
    decoder = json.JSONDecoder()
    figures: list[dict[str, object]] = []
    for match in _NEW_PLOT.finditer(raw):
        try:
            parts: list[object] = []
            at = match.end()
            for _ in range(3):
                value, at = decoder.raw_decode(raw, at)
                parts.append(value)
                at = re.compile(r"\s*,?\s*").match(raw, at).end()  # type: ignore[union-attr]  # always matches
        except ValueError:
            continue
        if isinstance(parts[1], list) and isinstance(parts[2], dict):
            figures.append({"data": parts[1], "layout": parts[2]})
    return figures


_PLACEHOLDER = re.compile(r"%\{([A-Za-z_]+)((?:\[\d+\])*)(?::[^}]*)?\}")


_POINT_ARRAYS = ("locations", "customdata", "x", "y", "z", "lat", "lon", "labels", "values",
                 "text", "hovertext")


def hover_texts(trace: dict[str, object]) -> list[str]:
    """The hover label of every point of a trace with a ``hovertemplate`` as the browser
    shows it: each ``%{name}``, ``%{name[i]}`` or ``%{name:format}`` replaced by the point's
    entry of that trace array (``customdata``, ``z``, ``text``, …; numbers unformatted), the
    ``<extra>`` box as text.
    A trace without a template gives no texts (its ``text`` is in the file as shown)."""
    template = trace.get("hovertemplate")
    if not template:
        return []
    arrays = {k: v for k, v in trace.items() if isinstance(v, list)}
    # the number of points: the first per-point array the trace has (not e.g. colorscale)
    points = next((len(arrays[k]) for k in _POINT_ARRAYS if k in arrays), 0)

    def point(k: int, form: str) -> str:
        def value(match: re.Match[str]) -> str:
            item: object = arrays.get(match.group(1))
            if isinstance(item, list):
                item = item[k] if k < len(item) else None
            for index in re.findall(r"\[(\d+)\]", match.group(2)):
                item = item[int(index)] if isinstance(item, list) and int(index) < len(item) \
                    else None
            return "" if item is None else str(item)
        return _PLACEHOLDER.sub(value, form)

    forms = template if isinstance(template, list) else [template] * points
    # the <extra> part is shown in the label's side box: kept as text, without its tags
    return [re.sub(r"</?extra>", " ", point(k, str(form))).rstrip()
            for k, form in enumerate(forms[:points])]


def chart_title(layout: dict[str, object]) -> str:
    title = layout.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    return re.sub(r"<[^>]+>", " ", str(title or "")).strip()


def check_precision(figure: dict[str, object], decimals: int = DECIMALS_SHOWN,
                    ) -> list[tuple[str, str, str]]:
    """Numbers in a chart's data arrays with more decimals than any published value is shown
    with: continued fractions recover numerator and denominator from a full-precision rate."""
    found = []
    layout = figure["layout"] if isinstance(figure["layout"], dict) else {}
    for trace in figure["data"]:  # type: ignore[attr-defined]  # a list of trace dicts
        if not isinstance(trace, dict):
            continue
        for key in ("x", "y", "z"):
            values = trace.get(key)
            if not isinstance(values, list):
                continue
            # an axis with a tick format „,.1f“ shows its values with one decimal; labelled
            # points (mode „markers+text“, the index chart) show their own text (two decimals)
            axis = layout.get(f"{key}axis") or {}
            ticks = re.search(r"\.(\d)f$", str(axis.get("tickformat", ""))
                              if isinstance(axis, dict) else "")
            places = (min(decimals, int(ticks.group(1)))
                      if ticks and trace.get("mode") != "markers+text" else decimals)
            long = [v for v in values if isinstance(v, float) and round(v, places) != v]
            if long:
                found.append((f"Diagramm „{chart_title(figure['layout'])}“ "  # type: ignore[arg-type]  # a dict
                              f"({trace.get('name') or trace.get('type', '')}, {key})",
                              repr(long[0]),
                              f"Diagrammdaten mit voller Genauigkeit (mehr als {places} "
                              "Nachkommastellen): verraten Zähler und Nenner"))
    return found


@dataclass
class CountFamily:
    """One count indicator in the comparison charts of a publication: the districts' values
    (None = withheld, „.“) and the state value (None = withheld) – the state is their sum."""

    title: str
    cells: dict[str, float | None] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    state: float | None = None
    state_file: str = ""


def count_families(figures: Iterable[dict[str, object]], file: str,
                   families: dict[str, CountFamily]) -> None:
    """Add the comparison bar charts (`figures.peer_chart`) of count indicators (axis unit
    „Anzahl“/„Personen“) among `figures` of `file` to `families` (by chart title)."""
    for figure in figures:
        layout = figure["layout"]
        if not isinstance(layout, dict):
            continue
        axis = layout.get("xaxis") or {}
        unit = (axis.get("title") or {}) if isinstance(axis, dict) else {}
        unit_text = unit.get("text", "") if isinstance(unit, dict) else str(unit)
        if fmt.decimals_for(unit_text, default=1) != 0:
            continue
        bars = [t for t in figure["data"]  # type: ignore[attr-defined]  # a list of traces
                if isinstance(t, dict) and t.get("type") == "bar" and t.get("orientation") == "h"]
        if not bars:
            continue
        title = chart_title(layout)
        family = families.setdefault(title, CountFamily(title))
        for trace in bars:
            for value, label in zip(trace.get("x") or [], trace.get("y") or [], strict=False):
                name = str(label)
                if value is None and name.endswith(f" {fmt.SUPPRESSED}"):
                    name = name[:-len(fmt.SUPPRESSED) - 1]
                elif not isinstance(value, int | float):
                    continue  # no figure („–“): not part of the state's sum
                family.cells.setdefault(name, None if value is None else float(value))
                family.files.setdefault(name, file)
        lines = [s for s in layout.get("shapes") or [] if isinstance(s, dict)
                 and s.get("type") == "line" and s.get("x0") is not None
                 and s.get("x0") == s.get("x1")]
        if lines and family.state is None:
            family.state, family.state_file = float(lines[0]["x0"]), file


def check_families(families: Iterable[CountFamily], threshold: int) -> list[Finding]:
    """Withheld districts of a count family that the state value and the districts shown in
    all charts of the publication pin down (`disclosure_check`)."""
    found = []
    for family in families:
        names = list(family.cells)
        cells = [family.cells[n] for n in names]
        narrow = disclosure_check.group_findings(cells, family.state, threshold)
        for i, interval in sorted((narrow or {}).items()):
            found.append(Finding(
                family.files[names[i]], f"Diagramm „{family.title}“, {names[i]}", ".",
                f"geschwärzter Wert aus dem Landeswert ({fmt.number(family.state or 0)}, "
                f"{family.state_file}) und den gezeigten Kreisen aller Berichte bestimmbar: "
                f"zwischen {_interval(interval)}"))
    return found


def scan_families(paths: Sequence[Path], *, threshold: int) -> list[Finding]:
    """Findings in the count families that span the HTML files of one publication: the
    comparison charts of a count indicator in all reports together (`count_families`)."""
    families: dict[str, CountFamily] = {}
    for path in paths:
        if path.suffix.lower() == ".html":
            raw = path.read_text(encoding="utf-8", errors="replace")
            count_families(plotly_figures(raw), path.name, families)
    return check_families(families.values(), threshold)


# -- the indicator export (``monitoring export indikatoren``) ------------------------------------
EXPORT_HEADERS = ("Indikator", "Gebietsschlüssel", "Quartal", "Wert", "Zähler", "Nenner")


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def check_export(header: Sequence[str], rows: Sequence[Sequence[str]], threshold: int,
                 ) -> list[tuple[str, str, str]]:
    """The indicator export: no numerator or denominator beside a withheld value, and no
    withheld district numerator or denominator that the state's (their sum) pins down. The
    reader knows only that such a cell is ≥ 0 (a rate is also withheld for a small
    denominator)."""
    col = {h: j for j, h in enumerate(header)}
    found: list[tuple[str, str, str]] = []
    Family = tuple[list[float | None], list[int], list[float]]  # cells, their rows, state
    families: dict[tuple[str, str, str, str], Family] = {}
    for r, row in enumerate(rows):
        if len(row) < len(header):
            continue
        code, indicator, period = (row[col["Gebietsschlüssel"]].strip(),
                                   row[col["Indikator"]].strip(), row[col["Quartal"]].strip())
        value = _number(row[col["Wert"]])
        withheld = value is None and "gesperrt" in (row[col["Kennzeichen"]]
                                                    if "Kennzeichen" in col else "")
        for name in ("Zähler", "Nenner"):
            cell = _number(row[col[name]])
            if withheld and cell is not None:
                found.append((f"Zeile {r + 2}, {indicator} {code} {period}, Spalte „{name}“",
                              row[col[name]], "Zähler oder Nenner neben einer gesperrten "
                                              "Quote: verrät sie"))
            cells, lines, total = families.setdefault((indicator, period, code[:2], name),
                                                      ([], [], []))
            if len(code) == 2 and cell is not None:
                total.append(cell)
            elif len(code) == 5 and (cell is not None or withheld):
                cells.append(None if withheld else cell)
                lines.append(r)
    for (indicator, period, _, name), (cells, lines, total) in families.items():
        if not total:
            continue
        narrow = disclosure_check.group_findings(cells, total[0], threshold, lower=0.0)
        for i, interval in sorted((narrow or {}).items()):
            row = rows[lines[i]]
            found.append((f"Zeile {lines[i] + 2}, {indicator} {row[col['Gebietsschlüssel']]} "
                          f"{period}, Spalte „{name}“", ".",
                          f"gesperrter Wert aus dem Landeswert ({fmt.number(total[0])}) und den "
                          f"gezeigten Kreisen bestimmbar: zwischen {_interval(interval)}"))
    return found

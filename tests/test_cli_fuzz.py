"""Fuzzing at the CLI edge (issue 12, item 5): Hypothesis drives every importer end to end
through the real entry point `monitoring.cli.main.main` (in-process, argv as a user types it)
on a copy of a real store file.

The files are the shapes partners and portals deliver – the own-figures table, the GENESIS /
Regionaldatenbank downloads of `portal_files` (flat files, „Tabelle“ CSV, XLSX, ZIP), the
offer template filled as a partner fills it, the concept, an own indicator catalogue, the area
changes template and GeoJSON boundaries – mutated as real files get mangled: truncated,
columns dropped, duplicated or swapped, rows ragged, other encodings (Windows-1252, UTF-16,
with or without BOM), odd separators and line ends, huge and German/English numbers, control
characters, spreadsheet formulas, binary garbage, XLSX with bad cells or missing sheets, ZIPs
with nothing (or nonsense) inside. For every example:

* no traceback: exit code 0 or 2 – never 1 with „Unerwarteter Fehler“ (the CLI's last line of
  defence for an exception no importer anticipated), never an exception out of `main`;
* on exit 2 a German message, and the store file byte for byte as before (SHA-256);
* on exit 0 a second import of the same file changes nothing (hash over every table's rows).

`template` (a fuzzed ``--out``) and `neu --gebiete` (a fuzzed boundary file; exit 2 leaves no
store file behind) are driven the same way.

Examples: the default run (also ``-m "not slow"``) makes `FAST` (35) examples per importer
(``HYPOTHESIS_PROFILE=dev``: a tenth). The nightly variant makes at least 1,000 per importer:

    MONITORING_NIGHTLY=1 python3 tasks.py test tests/test_cli_fuzz.py -m nightly

(or ``MONITORING_NIGHTLY=1 pytest -m nightly tests/test_cli_fuzz.py``; without the variable
they skip); ``CLI_FUZZ_EXAMPLES=5000`` raises the nightly
count. Its settings are the Hypothesis profile ``cli-fuzz-nightly`` registered here.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import portal_files as pf
from conftest import examples
from monitoring.cli.main import main

FAST = 35
NIGHTLY = int(os.environ.get("CLI_FUZZ_EXAMPLES", "1000"))
# no shrinking: the files are large, shrinking them takes minutes; the failing file is shown
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
settings.register_profile("cli-fuzz-nightly", max_examples=NIGHTLY, deadline=None,
                          suppress_health_check=list(HealthCheck), phases=PHASES)
FAST_SETTINGS = settings(max_examples=examples(FAST), deadline=None,
                         suppress_health_check=list(HealthCheck), phases=PHASES)
NIGHTLY_SETTINGS = settings(settings.get_profile("cli-fuzz-nightly"))

GEO = Path(__file__).resolve().parents[1] / "src" / "monitoring" / "data" / "geo"
DISTRICTS = ["16051", "16053", "16055", "16063", "16070"]
SERIES = ["bevoelkerung", "auslaender", "schutzsuchende", "seu_untersucht"]


# -- the store: one per session, a fast copy per example -------------------------------------
@pytest.fixture(scope="session")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A store made by `monitoring neu` (Thuringia, catalogue) with the Wartburgkreis as own
    district, and the offer template written from it."""
    folder = tmp_path_factory.mktemp("fuzz")
    store = folder / "basis.duckdb"
    assert main(["neu", "--store", str(store), "--kreis", pf.WARTBURGKREIS]) == 0
    template = folder / "vorlage.xlsx"
    assert main(["template", "angebote", "--out", str(template), "--store", str(store)]) == 0
    return {"store": store, "template": template, "folder": folder}


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as name:
        yield Path(name)


def _copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)  # sendfile / copy_file_range on Linux: no Python loop
    return target


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _content(path: Path) -> dict[str, tuple[int, int | None]]:
    """Per table the row count and the sum of the row hashes (a multiset hash: the storage
    order does not count, a changed, added or removed row does)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "ORDER BY table_name").fetchall()]
        out = {}
        for table in tables:
            row = con.execute(f'SELECT count(*), sum(hash(t)::HUGEINT) FROM "{table}" t'
                              ).fetchone()
            assert row is not None
            out[table] = (int(row[0]), None if row[1] is None else int(row[1]))
        return out
    finally:
        con.close()


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the CLI in-process; (exit code, stdout + stderr). An exception out of `main` fails
    the test with the exception (that is the traceback a user would see)."""
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse
        code = stop.code if isinstance(stop.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _assert_clean(code: int, output: str, argv: list[str]) -> None:
    assert "Traceback" not in output, output
    assert "Unerwarteter Fehler" not in output, (argv, output)
    assert code in (0, 2), (code, argv, output)
    if code == 2:  # the German message first, a technical cause may follow
        assert output.lstrip().startswith(("Fehler", "Aufruf: monitoring")), output


# -- mutations --------------------------------------------------------------------------------
NASTY = st.sampled_from([
    "", " ", "1.234,5", "1,234.5", "1.234", "1,5", "-7", "1e400", "9" * 40, "-" * 3, "NaN",
    "inf", "∞", ".", "-", "x", "…", "0x1F", "١٢٣", "=1+1", "=HYPERLINK(\"x\")", "\x00", "\x1b[31m",
    "\x07", "\u202e", "<script>alert(1)</script>", "31.02.2024", "2025-Q9", "9999", "0000",
    "16063", "1606", "160630000", "2024", "31.12.2024", "2024-12-31", "2025-Q1", "Sprache",
    "ja", "nein", "up", "%", "Anzahl", "\"", "\"\"", ";", ",", "\t", "\n", "\r", "a" * 3000])
CELL = st.one_of(NASTY, st.text(max_size=12), st.integers().map(str),
                 st.floats(allow_nan=True, allow_infinity=True).map(str))


@st.composite
def mutated_rows(draw: st.DrawFn, rows: list[list[str]]) -> list[list[str]]:
    """`rows` after up to four structural or cell mutations."""
    rows = [list(r) for r in rows]
    for op in draw(st.lists(st.sampled_from([
            "cell", "cell", "cell", "drop_col", "dup_col", "swap_col", "drop_row", "dup_row",
            "ragged_long", "ragged_short", "blank_row", "no_header", "shuffle", "header_case",
            "none"]), max_size=4)):
        if not rows:
            break
        i = draw(st.integers(0, len(rows) - 1))
        width = max(len(r) for r in rows) or 1
        j = draw(st.integers(0, width - 1))
        if op == "cell" and rows[i]:
            rows[i][j % len(rows[i])] = draw(CELL)
        elif op == "drop_col":
            rows = [r[:j] + r[j + 1:] for r in rows]
        elif op == "dup_col":
            rows = [r[:j + 1] + r[j:j + 1] + r[j + 1:] for r in rows]
        elif op == "swap_col":
            k = draw(st.integers(0, width - 1))
            for r in rows:
                if max(j, k) < len(r):
                    r[j], r[k] = r[k], r[j]
        elif op == "drop_row":
            del rows[i]
        elif op == "dup_row":
            rows.insert(i, list(rows[i]))
        elif op == "ragged_long":
            rows[i] += draw(st.lists(CELL, min_size=1, max_size=3))
        elif op == "ragged_short":
            rows[i] = rows[i][:j]
        elif op == "blank_row":
            rows.insert(i, [])
        elif op == "no_header":
            rows = rows[1:]
        elif op == "shuffle":
            rows = draw(st.permutations(rows))
        elif op == "header_case":
            rows[0] = [c.upper() for c in rows[0]]
    return rows


ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le", "ascii"]


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` perhaps cut off, with garbage in it, or replaced by garbage altogether."""
    op = draw(st.sampled_from(["keep", "keep", "keep", "truncate", "insert", "flip", "garbage",
                               "empty", "nul"]))
    # a position as a fraction of the length: workbooks and ZIPs carry a timestamp, their
    # length may differ by a byte when Hypothesis replays an example
    at = draw(st.integers(0, 1000)) * max(0, len(data) - 1) // 1000
    if op == "truncate":
        data = data[:at]
    elif op == "insert":
        data = data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at:]
    elif op == "flip" and data:
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    elif op == "garbage":
        data = draw(st.binary(max_size=300))
    elif op == "empty":
        data = b""
    elif op == "nul":
        data = data.replace(b";", b"\x00", 1)
    return data


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    first = True
    for name, rows in sheets.items():
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        sheet.title = name[:31] or "Blatt"
        first = False
        for row in rows:
            sheet.append([_xlsx_cell(c) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: object) -> object:
    """A CSV cell as a spreadsheet user types it: numbers as numbers, the rest as text
    (without the control characters openpyxl refuses to write)."""
    text = str(value)
    with contextlib.suppress(ValueError):
        number = float(text)
        return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")


@st.composite
def table_file(draw: st.DrawFn, rows: list[list[str]], stem: str, *,
               sheet: str = "Tabelle", sep: str = ";") -> tuple[str, bytes]:
    """A table file from `rows`: CSV (any encoding, separator, line end), XLSX or ZIP,
    mutated. Returns (file name, content)."""
    rows = draw(mutated_rows(rows))
    form = draw(st.sampled_from(["csv", "csv", "csv", "xlsx", "zip", "zip_empty", "zip_junk",
                                 "txt"]))
    if form == "xlsx":
        data = _xlsx({sheet: [list(r) for r in rows]})
        return f"{stem}.xlsx", draw(mutated_bytes(data))
    delimiter = draw(st.sampled_from([sep, sep, ";", ",", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if draw(st.booleans()):
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator=newline,
                   quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
                   ).writerows(rows)
        text = buffer.getvalue()
    else:
        text = newline.join(delimiter.join(r) for r in rows) + draw(st.sampled_from(["", newline]))
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    data = draw(mutated_bytes(data))
    if form == "zip":
        return f"{stem}.zip", pf.zip_bytes(data, f"{stem}.csv")
    if form == "zip_empty":
        buffer = io.BytesIO()
        zipfile.ZipFile(buffer, "w").close()
        return f"{stem}.zip", buffer.getvalue()
    if form == "zip_junk":
        return f"{stem}.zip", pf.zip_bytes(data, "liesmich.pdf")
    return f"{stem}.{form}", data


def _rows(text: str, sep: str = ";") -> list[list[str]]:
    return [line.split(sep) for line in text.splitlines()]


# -- what partners and portals deliver ---------------------------------------------------------
def _figures() -> pf.Figures:
    return {(code, year): (50_000 + int(code[-2:]) * 1000 + year, 1_000 + int(code[-2:]) + year)
            for code in [*pf.THURINGIA, pf.EISENACH] for year in (2019, 2020, 2023, 2024)}


@st.composite
def own_figures(draw: st.DrawFn) -> tuple[str, bytes]:
    header = ["reihe", "gebiet", "zeitraum", "wert", *draw(st.sampled_from(
        [[], ["quelle"], ["einheit"], ["kennzeichen", "quelle"]]))]
    extra = {"quelle": "Ausländerbehörde", "einheit": "Anzahl", "kennzeichen": "p"}
    body = draw(st.lists(st.tuples(st.sampled_from(SERIES), st.sampled_from(DISTRICTS),
                                   st.sampled_from(["2023", "2024", "31.12.2024",
                                                    "2024-12-31", "2025-Q1"]),
                                   st.integers(0, 2_000_000)), min_size=1, max_size=6,
                         unique_by=lambda t: t[:3]))
    rows = [header] + [[s, a, p, f"{v:,}".replace(",", "."), *(extra[h] for h in header[4:])]
                       for s, a, p, v in body]
    return draw(table_file(rows, "zahlen", sheet="Zahlen"))


@st.composite
def statistics_download(draw: st.DrawFn) -> tuple[str, bytes]:
    figures = _figures()
    kind = draw(st.sampled_from(["ffcsv", "old_flat", "rows", "header", "xlsx"]))
    if kind == "ffcsv":
        zipped, inner = pf.ffcsv_german(figures, [2024])
        with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
            text = archive.read(inner).decode("utf-8-sig")
        stem = inner.removesuffix(".csv")
    elif kind == "old_flat":
        text, stem = pf.old_flat(figures, [2019, 2020]).decode("latin-1"), "12411-03-03-4_alt"
    elif kind == "rows":
        text, stem = pf.table_periods_in_rows(figures, [2023]).decode("utf-8-sig"), \
            "12411-03-03-4"
    else:
        text = pf.table_periods_in_header(figures, [2023, 2024]).decode("cp1252")
        stem = "12411-03-03-4_DE"
    rows = _rows(text)
    if kind not in ("header", "xlsx"):
        rows = rows[:1] + rows[1:draw(st.integers(1, 40))]  # fewer rows: faster examples
    if kind == "xlsx":
        return f"{stem}.xlsx", draw(mutated_bytes(_xlsx({"Tabelle": draw(mutated_rows(rows))})))
    return draw(table_file(rows, stem))


ACTORS = [["AK-1", "Integrationsnetz Wartburgregion e. V.", "Verein", "16063003", "ja", "14"],
          ["AK-2", "Bildungswerk Eisenach gGmbH", "Bildungsträger", "16063105", "ja", "0"]]
SITES = [["ST-1", "Bürgerhaus", "Am Flößrasen 1, 36433 Bad Salzungen", "16063003", "10,2334",
          "50,8117", "WGS84"]]
OFFERS = [
    ["AN-1", "AK-1", "Sprachcafé", "Sprache", "", "Zugewanderte allgemein", "", "Deutsch",
     "Arabisch", "", "", "an einem festen Standort", "Gemeinde", "16063003", "ST-1", "20",
     "01.09.2024", ""],
    ["AN-3", "AK-2", "Mobile Beratung", "Beratung/Integration/Migration", "",
     "Geflüchtete / Schutzsuchende", "", "Deutsch", "Ukrainisch", "", "",
     "mobil / aufsuchend (ohne festen Standort)", "Kreis / kreisfreie Stadt", "16063", "", "40",
     "01.01.2024", ""]]
OFFER_HEADER = ("Angebots-ID;Akteur-ID;Titel;Handlungsfeld;Zielgruppe;Sprache 1;Angebotsform;"
                "Ebene;Gebietsschlüssel;Plätze;Beginn;Ende")
OFFER_ROW = ("C-1;AK-1;Sprachcafé für Mütter;Sprache;Frauen;Deutsch;online;Kreis;16063;"
             "1.200;01.03.2025;")


def offer_files(template: Path) -> st.SearchStrategy[tuple[str, bytes]]:
    @st.composite
    def strategy(draw: st.DrawFn) -> tuple[str, bytes]:
        if draw(st.integers(0, 3)) == 0:  # the CSV form
            return draw(table_file(_rows(f"{OFFER_HEADER}\n{OFFER_ROW}"), "angebote"))
        sheets = {"Akteure": draw(mutated_rows(ACTORS)), "Standorte": draw(mutated_rows(SITES)),
                  "Angebote": draw(mutated_rows(OFFERS))}
        with _workdir() as work:
            path = pf.filled_offer_template(
                template, work / "b.xlsx",
                **{k: [[_xlsx_cell(c) if c != "" else None for c in r] for r in rows]
                   for k, rows in zip(("actors", "sites", "offers"), sheets.values(),
                                      strict=True)})
            book = openpyxl.load_workbook(path)
            damage = draw(st.sampled_from(["none", "none", "drop_sheet", "rename_sheet",
                                           "row_above_header", "header_cell"]))
            name = draw(st.sampled_from(list(book.sheetnames)))
            if damage == "drop_sheet":
                del book[name]
            elif damage == "rename_sheet":
                book[name].title = draw(st.sampled_from(["Tabelle1", "angebote", "X"]))
            elif damage == "row_above_header":
                book[name].insert_rows(1)
            elif damage == "header_cell":
                book[name].cell(1, draw(st.integers(1, 8))).value = _xlsx_cell(draw(CELL))
            book.save(path)
            data = path.read_bytes()
        return "Bestandserhebung.xlsx", draw(mutated_bytes(data))
    return strategy()


CONCEPT = {
    "Ziele": [["ziel", "gebiet", "handlungsfeld", "titel"],
              ["Z1", "16063", "sprache", "Sprachförderung ausbauen"]],
    "Massnahmen": [["massnahme", "ziel", "titel", "verantwortlich", "beginn", "ende", "status",
                    "budget"],
                   ["M1", "Z1", "Sprachcafés", "Integrationsmanagement", "01.01.2025",
                    "31.12.2026", "laufend", "12.000"]],
    "Zielwerte": [["indikator", "gebiet", "ziel", "ausgangsquartal", "ausgangswert",
                   "zielquartal", "zielwert"],
                  ["A01", "16063", "Z1", "2024-Q4", "5,0", "2027-Q4", "7,0"]]}


@st.composite
def concept_file(draw: st.DrawFn) -> tuple[str, bytes]:
    if draw(st.booleans()):
        sheets = {name: draw(mutated_rows(rows)) for name, rows in CONCEPT.items()
                  if draw(st.integers(0, 5)) > 0}
        if not sheets:
            sheets = {"Ziele": CONCEPT["Ziele"]}
        return "Konzept.xlsx", draw(mutated_bytes(_xlsx(sheets)))
    part = draw(st.sampled_from(list(CONCEPT)))
    return draw(table_file(CONCEPT[part], part.lower()))


CATALOGUE = [["indicator_id", "name_de", "name_en", "definition", "numerator_series",
              "denominator_series", "unit", "scale", "direction", "source", "availability",
              "field"],
             ["E01", "Sprachförderbedarf", "Language support", "Kinder mit Förderbedarf / "
              "untersuchte Kinder", "seu_sprachfoerderbedarf", "seu_untersucht", "%", "100",
              "down", "Gesundheitsamt", "ja", "sprache"],
             ["E02", "Eigene Fälle", "Own cases", "Fälle", "eigene_faelle", "", "Anzahl", "1",
              "context", "Ausländerbehörde", "ja", ""]]


def changes_rows(folder: Path) -> list[list[str]]:
    from monitoring.io.import_area_changes import write_template

    path = write_template(folder / "gebietsaenderungen.csv")
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";"))


def _geojson() -> dict[str, object]:
    return json.loads((GEO / "thueringen_kreise.geojson").read_text(encoding="utf-8"))


GEO_KEYS = ["area_code", "name", "AGS", "GEN", "kind", "level", "ars", "valid_from", "x"]


@st.composite
def boundary_file(draw: st.DrawFn, base: dict[str, object]) -> tuple[str, bytes]:
    """The packaged Kreise as GeoJSON, some features dropped, properties renamed, emptied
    or nonsense, coordinates cut or out of range, the JSON truncated."""
    features = list(base["features"])  # type: ignore[call-overload]
    keep = draw(st.lists(st.integers(0, len(features) - 1), max_size=len(features),
                         unique=True)) if draw(st.booleans()) else range(len(features))
    out = []
    for i in keep:
        feature = json.loads(json.dumps(features[i]))
        if draw(st.integers(0, 4)) == 0:
            props = feature["properties"]
            key = draw(st.sampled_from(sorted(props)))
            op = draw(st.sampled_from(["rename", "drop", "value"]))
            if op == "rename":
                props[draw(st.sampled_from(GEO_KEYS))] = props.pop(key)
            elif op == "drop":
                del props[key]
            else:
                props[key] = draw(st.one_of(CELL, st.none(), st.integers(), st.floats()))
        if draw(st.integers(0, 6)) == 0:
            geometry = feature["geometry"]
            op = draw(st.sampled_from(["null", "point", "huge", "short", "type"]))
            if op == "null":
                feature["geometry"] = None
            elif op == "point":
                feature["geometry"] = {"type": "Point", "coordinates": [11.0, 51.0]}
            elif op == "huge":
                feature["geometry"] = {"type": "Polygon", "coordinates": [[
                    [0, 0], [1e300, 0], [1e300, 1e300], [0, 0]]]}
            elif op == "short":
                feature["geometry"] = {"type": "Polygon", "coordinates": [[[11.0, 51.0]]]}
            else:
                geometry["type"] = draw(st.sampled_from(["Polygonx", "LineString", ""]))
        out.append(feature)
    doc = {**base, "features": out}
    if draw(st.integers(0, 5)) == 0:
        doc["crs"] = {"type": "name", "properties": {"name": draw(st.sampled_from(
            ["EPSG:25832", "urn:ogc:def:crs:EPSG::3857", "EPSG:999999", "nonsense"]))}}
    data = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8")
    name = draw(st.sampled_from(["kreise.geojson", "kreise.json", "kreise.gpkg",
                                 "kreise.shp", "kreise.zip"]))
    return name, draw(mutated_bytes(data))


# -- the properties -----------------------------------------------------------------------------
def _check_import(world: dict[str, Path], capsys: pytest.CaptureFixture[str],
                  command: list[str], name: str, content: bytes) -> None:
    """Import `content` (as `name`) into a copy of the session store with `command`:
    exit 0 or 2 without traceback; exit 2 leaves the file byte-identical, exit 0 makes a
    second import of the same file a no-op."""
    with _workdir() as work:
        store = _copy(world["store"], work / "s.duckdb")
        file = work / name
        file.write_bytes(content)
        before = _digest(store)
        argv = [a.format(file=file, work=work) for a in command] + ["--store", str(store)]
        code, output = _cli(argv, capsys)
        _assert_clean(code, output, argv)
        if code == 2:
            assert _digest(store) == before, output
            return
        after = _content(store)
        again, output = _cli(argv, capsys)
        _assert_clean(again, output, argv)
        assert again == 0, output
        assert _content(store) == after, output


COMMANDS: dict[str, list[str]] = {
    "zahlen": ["import", "zahlen", "{file}", "--fehlerbericht", "{work}/fehler.csv"],
    "statistik": ["import", "statistik", "{file}"],
    "statistik_reihe": ["import", "statistik", "{file}", "--reihe", "bevoelkerung", "--stand",
                        "2025-06-15"],
    "angebote": ["import", "angebote", "{file}", "--accept-valid"],
    "konzept": ["import", "konzept", "{file}"],
    "katalog": ["import", "katalog", "{file}"],
    "gebietsaenderungen": ["import", "gebietsaenderungen", "{file}"],
    "import-areas": ["import-areas", "{file}", "--level", "kreis", "--valid-from", "2024-01-01"],
}
STRATEGIES: dict[str, Callable[[dict[str, Path]], st.SearchStrategy[tuple[str, bytes]]]] = {
    "zahlen": lambda _: own_figures(),
    "statistik": lambda _: statistics_download(),
    "statistik_reihe": lambda _: statistics_download(),
    "angebote": lambda world: offer_files(world["template"]),
    "konzept": lambda _: concept_file(),
    "katalog": lambda _: table_file(CATALOGUE, "katalog"),
    "gebietsaenderungen": lambda world: table_file(changes_rows(world["folder"]),
                                                   "gebietsaenderungen"),
    "import-areas": lambda _: boundary_file(_geojson()),
}


def _run_importer(kind: str, world: dict[str, Path], capsys: pytest.CaptureFixture[str],
                  config: settings) -> None:
    @config
    @given(st.data())
    def fuzz(data: st.DataObject) -> None:
        name, content = data.draw(STRATEGIES[kind](world), label="file")
        _check_import(world, capsys, COMMANDS[kind], name, content)

    fuzz()


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_importer_never_tracebacks_and_keeps_the_store_on_failure(
        kind: str, fuzz_world: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _run_importer(kind, fuzz_world, capsys, FAST_SETTINGS)


@pytest.mark.slow
@pytest.mark.nightly
@pytest.mark.parametrize("kind", list(COMMANDS))
def test_importer_fuzz_nightly(kind: str, fuzz_world: dict[str, Path],
                               capsys: pytest.CaptureFixture[str]) -> None:
    _run_importer(kind, fuzz_world, capsys, NIGHTLY_SETTINGS)


# -- `neu --gebiete` and `template` ------------------------------------------------------------
def _new_store(capsys: pytest.CaptureFixture[str], name: str, content: bytes) -> None:
    """`monitoring neu` with a fuzzed boundary file: exit 0 or 2 without traceback; exit 2
    leaves no store file (and nothing else) behind."""
    with _workdir() as work:
        file = work / name
        file.write_bytes(content)
        store = work / "neu.duckdb"
        argv = ["neu", "--store", str(store), "--land", "16", "--gebiete", str(file),
                "--ebene", "kreis", "--stand", "2024-01-01"]
        code, output = _cli(argv, capsys)
        _assert_clean(code, output, argv)
        if code == 2:
            assert sorted(p.name for p in work.iterdir()) == [name], output
        else:
            assert store.is_file(), output


OUT_NAMES = st.one_of(
    st.sampled_from(["Vorlage.xlsx", "Vorlage.csv", "Vorlage", "ordner/Vorlage.xlsx",
                     "fehlt/tief/Vorlage.xlsx", ".", "..", "", " ", "Vorlage.xlsx/",
                     "a" * 300 + ".xlsx", "Bestand ü ß €.xlsx", "-x.xlsx", "*.xlsx",
                     "Vorlage.XLSX", "con.xlsx", "datei/Vorlage.xlsx"]),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
            max_size=20))


def _template(capsys: pytest.CaptureFixture[str], world: dict[str, Path], what: str,
              out: str) -> None:
    """`monitoring template` with a fuzzed ``--out``: exit 0 (the file is there) or 2
    (nothing new written), never a traceback. `ordner` is a folder, `datei` a file."""
    with _workdir() as work, contextlib.chdir(work):
        (work / "ordner").mkdir()
        (work / "datei").write_bytes(b"x")
        before = sorted(str(p) for p in work.rglob("*"))
        argv = ["template", what, "--out", out, "--store", str(world["store"])]
        code, output = _cli(argv, capsys)
        _assert_clean(code, output, argv)
        if code == 2:
            assert sorted(str(p) for p in work.rglob("*")) == before, output
        else:
            assert (work / out).is_file(), output


@FAST_SETTINGS
@given(data=st.data())
def test_new_store_with_fuzzed_boundaries_never_tracebacks(
        capsys: pytest.CaptureFixture[str], data: st.DataObject) -> None:
    name, content = data.draw(boundary_file(_geojson()), label="file")
    _new_store(capsys, name, content)


@FAST_SETTINGS
@given(what=st.sampled_from(["angebote", "gebietsaenderungen"]), out=OUT_NAMES)
def test_template_with_fuzzed_out_never_tracebacks(
        fuzz_world: dict[str, Path], capsys: pytest.CaptureFixture[str], what: str,
        out: str) -> None:
    _template(capsys, fuzz_world, what, out)


@pytest.mark.slow
@pytest.mark.nightly
@NIGHTLY_SETTINGS
@given(data=st.data())
def test_new_store_fuzz_nightly(capsys: pytest.CaptureFixture[str], data: st.DataObject) -> None:
    name, content = data.draw(boundary_file(_geojson()), label="file")
    _new_store(capsys, name, content)


@pytest.mark.slow
@pytest.mark.nightly
@NIGHTLY_SETTINGS
@given(what=st.sampled_from(["angebote", "gebietsaenderungen"]), out=OUT_NAMES)
def test_template_fuzz_nightly(fuzz_world: dict[str, Path], capsys: pytest.CaptureFixture[str],
                               what: str, out: str) -> None:
    _template(capsys, fuzz_world, what, out)

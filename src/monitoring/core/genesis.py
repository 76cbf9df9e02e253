"""Parsing official statistics downloads (GENESIS-Online, Regionaldatenbank, Zensus-Datenbank)
— pure, bytes (or table cells) in.

Every layout the portals deliver is recognised from its content (see ``FORMATS.md`` §1a):

* current flat-file CSV ("ffcsv"): English column names (``statistics_code;…;time;…;
  1_variable_code;…;value;value_unit;…[;value_q]``) for German and English downloads (decimal
  comma or point), usually UTF-8 with BOM inside a ZIP; code columns may be missing, then the
  labels are used;
* old flat-file CSV: German headers (``Statistik_Code;…``), one value column per measure named
  ``CODE__Label__Unit``, Latin-1 / Windows-1252;
* the human "Tabelle" CSV (and the XLSX download of the same table, read into cells by the
  importer, `parse_cells`): title lines, one or more header rows (periods, measure, variable
  and attribute labels, units — spread over several rows), then ``[period;]code;name[;row
  labels];values…`` and a footer starting with ``__________``. The period is either in a
  header row (one column per Stichtag / year) or in a leading column (one row per period ×
  area; an empty period cell repeats the one above).

Every value becomes one row of `parse` with the special symbols mapped to documented flags
(`SYMBOLS`): ``-`` is zero, ``.`` secret, ``x`` not meaningful, ``/`` unreliable, ``...`` not yet
available. Values in thousands (``value_unit`` ``1000``/``Tsd.``) are multiplied out. Region
names are ignored; only codes are used (every level: ``DG``, Land, Regierungsbezirk, Kreis,
Gemeindeverband, Gemeinde, 12-digit Regionalschlüssel — which of them the store knows is the
importer's business; rows for Germany as a whole are dropped and listed in
`Parsed.dropped`). Anything not understood is a problem with file, row, column and what was
expected — nothing is guessed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from monitoring.core import cells
from monitoring.errors import DataValidationError
from monitoring.periods import Quarter

# symbol → (value, flag). The flag is stored with the value; None value = not available.
SYMBOLS: dict[str, tuple[float | None, str]] = {
    "-": (0.0, "nichts vorhanden"),
    "–": (0.0, "nichts vorhanden"),
    ".": (None, "geheim"),
    "x": (None, "nicht sinnvoll"),
    "/": (None, "unsicher"),
    "...": (None, "später"),
    "…": (None, "später"),
}
# value_unit → factor to plain counts. Other units are kept as they are (factor 1) and must
# match the unit the target series expects.
UNIT_FACTORS = {"anzahl": 1.0, "1": 1.0, "number": 1.0, "1000": 1000.0, "tsd.": 1000.0,
                "tsd": 1000.0, "1 000": 1000.0, "thousand": 1000.0}
QUALITY_FLAGS = {"e": "endgültig", "p": "vorläufig", "r": "berichtigt", "s": "geschätzt",
                 "()": "eingeschränkte Aussagekraft"}
REGION_VARIABLES = {"KREISE", "GEMEIN", "DLAND", "DINSG", "DG", "GEOGM4", "GEOLK1", "GEOGM1",
                    "REGBEZ", "GEMVB", "GVB"}
TOTAL_CODES = {"", "INSGESAMT"}
TOTAL_LABELS = {"insgesamt", "total", "zusammen"}
ROWS = ["line", "statistic", "value_variable", "region", "period", "attributes", "value",
        "flag", "unit", "factor", "label", "measure_label", "label_attributes"]
"""Columns of `Parsed.rows`. ``value_variable``/``attributes`` are the codes (``NAT=NATA``, or
labels where a download has no codes); ``measure_label``/``label_attributes`` the same row by
its German labels (``LABEL=Ausländer(innen)``), so that a mapping written with the labels a
"Tabelle" shows also finds the row in a flat file."""
GERMANY = "DG"
AREA_KEY = re.compile(r"^(DG|\d{2}|\d{3}|\d{5}|\d{8}|\d{9}|\d{12})$")
"""An official area key of any level (Germany, Land, Regierungsbezirk, Kreis, Gemeinde,
Gemeindeverband, Regionalschlüssel)."""
UNIT_WORDS = re.compile(r"^(Anzahl|Tsd\.?(\s.+)?|1 ?000|Prozent|%|qkm|ha|Ew/qkm|EUR|"
                        r"Mill\.\s?EUR|Jahre|Personen|\d{4}=100)$", re.IGNORECASE)
TABLE_CODE = re.compile(r"\b(\d{4}[0-9A-Z]-[0-9A-Z]+(?:-[0-9A-Z]+)*)\b")
FILE_TABLE_CODE = re.compile(r"(\d{4}[0-9A-Z]-[0-9A-Z]+(?:-[0-9A-Z]+)*)_")
"""The table code at the start of a download's file name (``12411-01-01-4_20250615.zip``)."""

_NUMBER = re.compile(r"^-?\d+(,\d+)?$|^-?\d+(\.\d+)?$")
_EXPECTED_PERIOD = "ein Stichtag (31.12.2024 oder 2024-12-31) oder ein Jahr (2024)"
EXPECTED_KEY = ("ein amtlicher Gebietsschlüssel (DG, Land 16, Regierungsbezirk 031, Kreis "
                 "16053, Gemeinde 16053000, Regionalschlüssel mit 12 Stellen) in einer der "
                 "ersten Spalten")


@dataclass
class Parsed:
    """The rows of one download, its layout and table code, and any problems found.

    `dropped` holds the codes of rows that were left out because they describe Germany as a
    whole (``DG``), for the importer's summary of skipped areas; `regions` the area code of
    every file row that has one, so that problems in rows of areas the importer skips can be
    left out.
    """

    layout: str
    table: str | None
    rows: pd.DataFrame
    problems: list[dict[str, object]] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)
    regions: dict[int, str] = field(default_factory=dict)


def problem(file: str, line: int | None, column: str | None, value: object,
            expected: str) -> dict[str, object]:
    """One entry of an error report (file, row, column, value received, what was expected)."""
    return {"datei": file, "zeile": line, "spalte": column, "wert": value, "erwartet": expected}


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def text_table(text: str, name: str, *, expected: str) -> pd.DataFrame:
    """A ``;``-separated text (first line the header) as a table of text cells.

    An empty text, a row with more fields than the header or an unclosed quote raise
    `DataValidationError` naming the file, the line and `expected` (what the file should hold,
    e.g. „die Spalten reihe; gebiet; zeitraum; wert“) instead of a pandas error."""
    try:
        frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
        if not isinstance(frame.index, pd.RangeIndex):
            # every data row has one field more than the header: pandas would silently take
            # the first column as the index and shift all columns by one
            width = len(frame.columns)
            raise pd.errors.ParserError(
                f"Expected {width} fields in line 2, saw {width + 1}")
        return frame
    except pd.errors.EmptyDataError as err:
        raise DataValidationError(
            f"Die Datei {name} ist leer oder hat keine Kopfzeile; erwartet: {expected}.",
            [problem(name, 1, None, "—", expected)], detail=str(err)) from err
    except pd.errors.ParserError as err:
        if fields := _FIELDS.search(str(err)):
            width, line, seen = (int(g) for g in fields.groups())
            raise DataValidationError(
                f"In {name}, Zeile {line}, stehen {seen} Felder, die Kopfzeile hat {width}; "
                "erwartet: höchstens so viele durch „;“ getrennte Felder wie die Kopfzeile "
                "(ein „;“ im Text? Dann den Text in Anführungszeichen setzen). Es wurde nichts "
                "geschrieben.",
                [problem(name, line, f"Spalte {width + 1}", seen,
                         f"höchstens {width} Felder wie die Kopfzeile")],
                detail=str(err).strip()) from err
        quote = _OPEN_QUOTE.search(str(err))
        at = int(quote.group(1)) + 1 if quote else None
        where = f", Zeile {at}," if at else ""
        raise DataValidationError(
            f"In {name}{where} ist die CSV-Struktur fehlerhaft (z. B. ein nicht geschlossenes "
            f"Anführungszeichen); erwartet: {expected}. Es wurde nichts geschrieben.",
            [problem(name, at, None, "—", "eine CSV-Datei mit „;“ als Trennzeichen")],
            detail=str(err).strip()) from err


def is_xlsx(content: bytes) -> bool:
    """Whether `content` is an Excel workbook (a ZIP with ``xl/workbook.xml``)."""
    if content[:2] != b"PK":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    # NotImplementedError: a member needs a newer ZIP version than Python reads (damaged)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return False


def unzip(content: bytes, name: str) -> tuple[bytes, str]:
    """(content, inner name) of the single CSV or XLSX inside a ZIP download; other content is
    returned as it is. An Excel workbook (itself a ZIP) is not unpacked."""
    if content[:2] != b"PK" or is_xlsx(content):
        return content, name
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as err:
        raise DataValidationError(
            f"{name} beginnt wie eine ZIP-Datei, ist aber beschädigt oder unvollständig.",
            [problem(name, None, None, "—", "eine vollständige ZIP-Datei")],
            detail=str(err)) from err
    with archive:
        inner = [n for n in archive.namelist()
                 if n.lower().endswith((".csv", ".xlsx")) and not n.startswith("__MACOSX")]
        if len(inner) != 1:
            raise DataValidationError(
                f"Die ZIP-Datei {name} enthält {len(inner)} CSV-/XLSX-Dateien; erwartet wird "
                "genau eine (der GENESIS-Download „…_flat.csv“ oder die Tabelle).",
                [problem(name, None, None, ", ".join(inner) or "—",
                         "genau eine CSV- oder XLSX-Datei")])
        try:
            return archive.read(inner[0]), inner[0]
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as err:
            raise DataValidationError(
                f"{inner[0]} in der ZIP-Datei {name} lässt sich nicht entpacken.",
                [problem(name, None, None, inner[0], "eine lesbare Datei in der ZIP-Datei")],
                detail=str(err)) from err


def decode(content: bytes, name: str) -> tuple[str, str]:
    """(text, inner file name): unzip a single CSV, then decode it (`cells.decode`: BOMs,
    UTF-8, Windows-1252 so that „ “ – € decode correctly, Latin-1 for undefined bytes)."""
    content, name = unzip(content, name)
    if is_xlsx(content):
        raise DataValidationError(
            f"{name} ist eine Excel-Datei; sie wird über den Import gelesen, nicht als Text.",
            [problem(name, None, None, "XLSX", "eine CSV-Datei")])
    return cells.decode(content)[0], name


def parse_value(raw: str, *, decimal_comma: bool) -> tuple[float | None, str | None]:
    """(value, flag) of one cell; raises ValueError for anything neither number nor symbol."""
    text = raw.strip()
    if text in SYMBOLS:
        return SYMBOLS[text]
    if not _NUMBER.match(text):
        raise ValueError(text)
    if decimal_comma:
        text = text.replace(",", ".")
    elif "," in text:
        raise ValueError(text)
    return float(text), None


def parse_period(time_code: str, raw: str) -> str:
    """A GENESIS time value as our quarter.

    Stichtage (``2024-12-31``, ``31.12.2024``) give their quarter; years (``2021``) are
    attributed to the year's last quarter (Q4), because annual figures describe the year up
    to 31.12.; likewise a span (``SEMEST`` ``2023-10P6M``, „1. Halbjahr 2024“) is attributed
    to the quarter of its last month. Anything else raises ValueError.
    """
    text = raw.strip()
    if re.fullmatch(r"\d{4}", text):
        if not 1900 <= int(text) <= 2200:
            raise ValueError(f"{time_code}:{text}")
        return str(Quarter(int(text), 4))
    span = _span_end(text)
    if span is not None:
        return str(Quarter.of(span))
    for pattern, order in ((r"(\d{4})-(\d{2})-(\d{2})", "ymd"),
                           (r"(\d{2})\.(\d{2})\.(\d{4})", "dmy")):
        match = re.fullmatch(pattern, text)
        if match:
            a, b, c = (int(g) for g in match.groups())
            day = date(a, b, c) if order == "ymd" else date(c, b, a)
            return str(Quarter.of(day))
    raise ValueError(f"{time_code}:{text}")


_SPAN = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?P(\d+)([MY])$")
_PART_OF_YEAR = re.compile(r"^([1-4])\.\s*(Halbjahr|Quartal)\s+(\d{4})$", re.IGNORECASE)


def _span_end(text: str) -> date | None:
    """The last day of a period given as a span: ISO start + duration as the flat file writes
    it (``SEMEST`` → ``2023-10P6M``, the winter semester October–March), or a German label
    („1. Halbjahr 2024“, „3. Quartal 2024“). None for anything else; ValueError for a span
    that is no valid date."""
    match = _SPAN.fullmatch(text)
    if match:
        year, month, _, length, unit = match.groups()
        months = int(length) * (12 if unit == "Y" else 1)
        if not 1 <= int(month) <= 12 or not 1900 <= int(year) <= 2200 or not 0 < months <= 120:
            raise ValueError(text)
        last = int(year) * 12 + int(month) - 1 + months - 1  # month index of the last month
        return date(last // 12, last % 12 + 1, 1)
    match = _PART_OF_YEAR.fullmatch(text)
    if match:
        part, kind, year = int(match.group(1)), match.group(2).lower(), int(match.group(3))
        if kind == "halbjahr" and part > 2:
            raise ValueError(text)
        return date(year, part * (6 if kind == "halbjahr" else 3), 1)
    return None


def _period_or_none(text: str) -> str | None:
    try:
        return parse_period("", text)
    except (ValueError, OverflowError):
        return None


def _unit_factor(unit: str) -> float:
    return UNIT_FACTORS.get(unit.strip().lower(), 1.0)


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=ROWS)


def _cell_rows(name: str, line: int, column: str, raw: str, decimal_comma: bool,
               problems: list[dict[str, object]]) -> tuple[float | None, str | None] | None:
    try:
        return parse_value(raw, decimal_comma=decimal_comma)
    except ValueError:
        problems.append(problem(
            name, line, column, raw,
            "eine Zahl oder ein Zeichen der amtlichen Zeichenerklärung (- . x / ...); dieses "
            "Zeichen ist nicht erklärt"))
        return None


def _with_quality(flag: str | None, quality: str) -> str | None:
    quality = quality.strip()
    if not quality:
        return flag
    return ",".join(f for f in (flag, QUALITY_FLAGS.get(quality, quality)) if f)


# -- flat files --------------------------------------------------------------------------------
class _Column:
    """One column of a flat file as integer codes per row into its distinct stripped texts
    (each distinct text is stripped and parsed once)."""

    def __init__(self, codes: np.ndarray, texts: np.ndarray) -> None:
        self.codes, self.texts = codes, texts

    @classmethod
    def of(cls, column: pd.Series) -> _Column:
        # on the plain object array: pandas' string column factorises several times slower
        codes, uniques = pd.factorize(column.to_numpy(dtype=object))
        # texts that differ only in blanks become one code; a missing cell (code -1, the last
        # entry) is an empty text
        stripped = [str(t).strip() for t in uniques.tolist()] + [""]
        fold, texts = pd.factorize(pd.Series(stripped, dtype=object))
        return cls(fold[codes].astype(np.int64), np.asarray(texts, dtype=object))

    @classmethod
    def empty(cls, n: int) -> _Column:
        return cls(np.zeros(n, dtype=np.int64), np.array([""], dtype=object))

    def values(self, mask: np.ndarray | None = None) -> np.ndarray:
        """The text of every row (of the rows in `mask`), as an object array."""
        return self.texts[self.codes if mask is None else self.codes[mask]]

    def test(self, predicate: Callable[[str], object]) -> np.ndarray:
        """`predicate` of every row's text, evaluated once per distinct text."""
        return np.array([bool(predicate(t)) for t in self.texts], dtype=bool)[self.codes]


def _combined(columns: list[_Column], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(key of every row, its first row) for the distinct combinations of `columns`."""
    key = np.zeros(n, dtype=np.int64)
    for column in columns:
        key, _ = pd.factorize(key * len(column.texts) + column.codes)
        key = key.astype(np.int64)
    _, first = np.unique(key, return_index=True)  # keys count in order of first appearance
    return key, first.astype(np.int64)


def _region_variable(columns: Mapping[str, _Column], numbers: list[int], code: str,
                     attribute: str) -> int | None:
    """The number of the classifying variable that holds the areas: a known region variable
    code, or (code columns missing) the one whose attribute values all are area keys."""
    for n in numbers:
        if code.format(n) in columns and \
                set(columns[code.format(n)].texts[np.unique(columns[code.format(n)].codes)]) \
                & REGION_VARIABLES:
            return n
    for n in numbers:
        column = columns.get(attribute.format(n))
        if column is not None:
            used = column.texts[np.unique(column.codes)]
            if len(column.codes) and all(AREA_KEY.match(v) for v in used):
                return n
    return None


def _row_period(name: str, line: int, region: str | None, region_column: str,
                time: tuple[str, str, str], problems: list[dict[str, object]],
                dropped: set[str], regions: dict[int, str]) -> str | None:
    """The period of a flat-file row whose area is known; None when the row has no area (a
    problem), is Germany (dropped) or has no readable period (a problem).

    `time` is (time code, time text, column name for the problem)."""
    if region is None:
        problems.append(problem(name, line, region_column, "—",
                                "eine Gebietsvariable (KREISE, GEMEIN, DLAND …)"))
        return None
    if region.upper() == GERMANY:
        dropped.add(GERMANY)
        return None
    regions[line] = region
    code, text, column = time
    try:
        return parse_period(code, text)
    except ValueError:
        problems.append(problem(name, line, column, text, _EXPECTED_PERIOD))
        return None


_UNUSED_FLAT_COLUMNS = {"statistics_label", "time_label"}


def _parse_ffcsv(text: str | bytes, name: str, areas: Callable[[str], bool] | None = None,
                 ) -> Parsed:
    """The current flat file, column by column (a Germany-wide Gemeinde table has hundreds of
    thousands of rows): every column is read as codes into its distinct texts, and every
    distinct text or combination of texts is parsed once; the rows are kept or reported in
    file order as a row-by-row reading would. Rows of areas for which `areas` is false are
    left out with their problems before anything else is computed (`parse`). `text` is the
    decoded text, or the bytes of a file in UTF-8 (`_utf8_flat_file`)."""
    source = io.BytesIO(text) if isinstance(text, bytes) else io.StringIO(text)
    frame = pd.read_csv(source, sep=";", dtype=str, keep_default_na=False,
                        quoting=csv.QUOTE_MINIMAL, encoding="utf-8",
                        usecols=lambda c: str(c).strip() not in _UNUSED_FLAT_COLUMNS)
    return _parse_ffcsv_columns(_Columns(frame), len(frame), name, areas)


class _Columns(Mapping[str, _Column]):
    """The columns of a flat file by stripped name, each coded (`_Column.of`) when it is
    first asked for: a column nobody asks for (the region's label column) is never coded. A
    text column is let go once it is coded."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._raw: dict[str, object] = {}
        for c in frame.columns:
            self._raw.setdefault(str(c).strip(), c)
        self._coded: dict[str, _Column] = {}

    def __getitem__(self, name: str) -> _Column:
        if name not in self._coded:
            self._coded[name] = _Column.of(self._frame.pop(self._raw[name]))  # KeyError
        return self._coded[name]

    def __contains__(self, name: object) -> bool:  # without coding the column
        return name in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _parse_ffcsv_columns(columns: Mapping[str, _Column], n_rows: int, name: str,
                         areas: Callable[[str], bool] | None) -> Parsed:
    numbers = sorted({int(m.group(1)) for c in columns
                      if (m := re.fullmatch(r"(\d+)_variable_(?:code|label|attribute_code|"
                                            r"attribute_label)", c))})
    region_n = _region_variable(columns, numbers, "{}_variable_code",
                                "{}_variable_attribute_code")
    if region_n is None:
        region_n = _region_variable(columns, numbers, "{}_variable_code",
                                    "{}_variable_attribute_label")

    def get(*names: str) -> _Column:
        """The first of `names` the file has, else empty texts."""
        for c in names:
            if c in columns:
                return columns[c]
        return _Column.empty(n_rows)

    lines = np.arange(2, n_rows + 2, dtype=np.int64)
    region = _Column.empty(n_rows)
    if region_n is not None:
        region = get(f"{region_n}_variable_attribute_code",
                     f"{region_n}_variable_attribute_label")
    problems: list[tuple[int, dict[str, object]]] = []
    no_region = region.test(lambda t: t == "")
    problems += [(line, problem(name, line, "n_variable_attribute_code", "—",
                                "eine Gebietsvariable (KREISE, GEMEIN, DLAND …)"))
                 for line in lines[no_region].tolist()]
    germany = ~no_region & region.test(lambda t: t.upper() == GERMANY)
    dropped = {GERMANY} if germany.any() else set()
    has_area = ~no_region & ~germany
    wanted = has_area
    if areas is not None:
        wanted = has_area & region.test(lambda t: t != "" and areas(t))
        # one row of each area code, for the importer's summary of what it skipped
        area_rows = np.flatnonzero(has_area)
        codes, first = np.unique(region.codes[area_rows], return_index=True)
        regions = dict(zip(lines[area_rows[first]].tolist(), region.texts[codes].tolist(),
                           strict=True))
    else:
        regions = dict(zip(lines[has_area].tolist(), region.values(has_area).tolist(),
                           strict=True))
    # the period of every distinct time code and text
    time_code, time = get("time_code"), get("time")
    when, first = _combined([time_code, time], n_rows)
    seen = np.bincount(when[wanted], minlength=len(first)) > 0
    period_of = np.array([_period_or_none_for(*(
        f"{time_code.texts[time_code.codes[i]]}|{time.texts[time.codes[i]]}".split("|", 1)))
        if parse_it else None for i, parse_it in zip(first.tolist(), seen.tolist(), strict=True)],
        dtype=object)
    period = period_of[when] if n_rows else np.array([], dtype=object)
    bad_period = wanted & pd.isna(period)
    problems += [(line, problem(name, line, "time", t, _EXPECTED_PERIOD))
                 for line, t in zip(lines[bad_period].tolist(), time.values(bad_period).tolist(),
                                    strict=True)]
    raw = get("value")
    symbol_texts = [t in SYMBOLS for t in raw.texts]
    number_texts = [bool(_NUMBER.fullmatch(t)) for t in raw.texts]
    is_symbol = np.array(symbol_texts, dtype=bool)[raw.codes]
    number = np.array(number_texts, dtype=bool)[raw.codes]
    bad_value = wanted & ~bad_period & ~is_symbol & ~number
    problems += [(line, problem(name, line, "value", v,
                                "eine Zahl oder ein Zeichen der amtlichen Zeichenerklärung "
                                "(- . x / ...); dieses Zeichen ist nicht erklärt"))
                 for line, v in zip(lines[bad_value].tolist(), raw.values(bad_value).tolist(),
                                    strict=True)]
    ok = wanted & ~bad_period & ~bad_value
    problems.sort(key=lambda p: p[0])
    # value and flag of every distinct value text (and quality flag)
    numbers_only = pd.Series([t.replace(",", ".") if is_number else ""
                              for t, is_number in zip(raw.texts, number_texts, strict=True)],
                             dtype=object)
    text_value = np.array(pd.to_numeric(numbers_only, errors="coerce"), dtype=float)
    for i, t in enumerate(raw.texts):
        if not number_texts[i]:
            text_value[i] = np.nan if SYMBOLS.get(t, (None,))[0] is None else SYMBOLS[t][0]
    text_flag = np.array([SYMBOLS[t][1] if t in SYMBOLS else None for t in raw.texts],
                         dtype=object)
    quality = get("value_q")
    if (quality.values(ok) != "").any():
        pair, first_pair = _combined([raw, quality], n_rows)
        pair_flag = np.array([_with_quality(text_flag[raw.codes[i]],
                                            quality.texts[quality.codes[i]])
                              for i in first_pair.tolist()], dtype=object)
        flag = pair_flag[pair[ok]]
    else:
        flag = text_flag[raw.codes[ok]]
    # the descriptive columns of every distinct combination of variables
    described = [n for n in numbers if n != region_n]
    parts = [get(c) for n in described
             for c in (f"{n}_variable_code", f"{n}_variable_label",
                       f"{n}_variable_attribute_code", f"{n}_variable_attribute_label")]
    statistic, unit = get("statistics_code"), get("value_unit")
    value_code, value_label = get("value_variable_code"), get("value_variable_label")
    combo, first = _combined([*parts, statistic, unit, value_code, value_label], n_rows)
    if areas is not None or not ok.all():
        combo_ok = np.bincount(combo[ok], minlength=len(first)) > 0
    else:
        combo_ok = np.ones(len(first), dtype=bool)
    described_rows = [_described(described, get, int(i)) if seen else None
                      for i, seen in zip(first.tolist(), combo_ok.tolist(), strict=True)]
    kept = combo[ok]

    def column(k: int) -> np.ndarray:
        return np.array([d[k] if d else None for d in described_rows], dtype=object)[kept]

    if not ok.any():
        return Parsed("ffcsv", None, _frame([]), [p for _, p in problems], dropped, regions)
    rows = pd.DataFrame({
        "line": lines[ok], "statistic": column(0), "value_variable": column(1),
        "region": region.values(ok), "period": period[ok], "attributes": column(2),
        "value": text_value[raw.codes[ok]], "flag": flag, "unit": column(3),
        "factor": column(4).astype(float), "label": column(5), "measure_label": column(6),
        "label_attributes": column(7)}, columns=ROWS)
    return Parsed("ffcsv", None, rows, [p for _, p in problems], dropped, regions)


def _described(described: list[int], get: Callable[..., _Column], i: int,
               ) -> tuple[str, str, str, str, float, str, str, str]:
    """(statistic, value variable, attributes, unit, factor, label, measure label, attributes
    by label) of row `i` of a flat file: the texts its variables and measure give."""
    def at(*names: str) -> str:
        column = get(*names)
        return str(column.texts[column.codes[i]])

    attrs, labels, by_label = [], [], []
    for n in described:
        var = at(f"{n}_variable_code", f"{n}_variable_label")
        code = at(f"{n}_variable_attribute_code", f"{n}_variable_attribute_label")
        label = at(f"{n}_variable_attribute_label", f"{n}_variable_attribute_code")
        var_label = at(f"{n}_variable_label") or var
        if code.upper() in TOTAL_CODES or label.lower() in TOTAL_LABELS:
            continue
        attrs.append(f"{var}={code}")
        labels.append(f"{var_label}: {label}")
        by_label.append(f"LABEL={label}")
    measure_label = at("value_variable_label", "value_variable_code")
    named = " – ".join(labels)
    unit = at("value_unit")
    return (at("statistics_code"), at("value_variable_code", "value_variable_label"),
            "|".join(sorted(attrs)), unit, _unit_factor(unit),
            measure_label if named == "" else f"{measure_label} – {named}", measure_label,
            "|".join(sorted(by_label)))


def _period_or_none_for(time_code: str, text: str) -> str | None:
    try:
        return parse_period(time_code, text)
    except (ValueError, OverflowError):
        return None


def _parse_old(text: str, name: str) -> Parsed:
    frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    frame.columns = [str(c).strip() for c in frame.columns]
    problems: list[dict[str, object]] = []
    merkmale = sorted({int(m.group(1)) for c in frame.columns
                       if (m := re.fullmatch(r"(\d+)_Merkmal_Code", c))})
    measures = [c for c in frame.columns if c.count("__") == 2 and not c.endswith("__q")]
    if not measures:
        raise DataValidationError(
            f"In {name} (altes GENESIS-Format) fehlt eine Wertspalte der Form "
            "„CODE__Bezeichnung__Einheit“.",
            [problem(name, 1, None, ";".join(frame.columns), "Spalte CODE__Bezeichnung__Einheit")])
    rows: list[dict[str, object]] = []
    dropped: set[str] = set()
    regions: dict[int, str] = {}
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        region, attrs, labels, by_label = None, [], [], []
        for n in merkmale:
            var = rec[f"{n}_Merkmal_Code"].strip()
            code = rec[f"{n}_Auspraegung_Code"].strip()
            if var in REGION_VARIABLES:
                region = code
            elif code.upper() not in TOTAL_CODES:  # totals ("Insgesamt") are no filter
                attrs.append(f"{var}={code}")
                label = rec.get(f"{n}_Auspraegung_Label", code).strip()
                by_label.append(f"LABEL={label}")
                labels.append(f"{rec.get(f'{n}_Merkmal_Label', var).strip()}: {label}")
        period = _row_period(name, i, region, "n_Merkmal_Code",
                             (rec["Zeit_Code"], rec["Zeit"], "Zeit"), problems, dropped, regions)
        if period is None or region is None:
            continue
        for column in measures:
            code, label, unit = column.split("__")
            cell = _cell_rows(name, i, column, rec[column], True, problems)
            if cell is None:
                continue
            value, flag = cell
            rows.append({"line": i, "statistic": rec["Statistik_Code"].strip(),
                         "value_variable": code, "region": region, "period": period,
                         "attributes": "|".join(sorted(attrs)), "value": value,
                         "flag": _with_quality(flag, rec.get(f"{code}__{label}__q", "")),
                         "unit": unit, "factor": _unit_factor(unit),
                         "label": " – ".join([label, *labels]), "measure_label": label,
                         "label_attributes": "|".join(sorted(by_label))})
    return Parsed("alt", None, _frame(rows), problems, dropped, regions)


# -- "Tabelle" (CSV or XLSX cells) -------------------------------------------------------------
def _key_index(cells: list[str]) -> int | None:
    """Where the area key of a data row is: the first of the leading cells that is a key,
    provided every cell before it is empty or a period."""
    for k, cell in enumerate(cells[:4]):
        if AREA_KEY.match(cell):
            return k
        if cell and _period_or_none(cell) is None:
            return None
    return None


def _is_total(label: str) -> bool:
    return label.strip().lower() in TOTAL_LABELS


def parse_cells(grid: list[list[str]], name: str, *, lines: list[int] | None = None,
                layout: str = "tabelle") -> Parsed:
    """Parse a "Tabelle" download given as rows of text cells (CSV rows or XLSX rows).

    `lines` are the file's row numbers of `grid` (default: 1, 2, …) for the error report.
    """
    numbers = lines or list(range(1, len(grid) + 1))
    grid = [[str(c).strip() for c in row] for row in grid]
    end = next((i for i, row in enumerate(grid) if row and row[0].startswith("__________")),
               len(grid))
    grid, numbers = grid[:end], numbers[:end]
    table = None
    for row in grid[:12]:
        match = TABLE_CODE.search(" ".join(row))
        if match:
            table = match.group(1)
            break
    first = next((i for i, row in enumerate(grid) if _key_index(row) is not None), None)
    if first is None:
        raise DataValidationError(
            f"{name} sieht aus wie eine GENESIS-Tabelle, enthält aber keine Zeile mit einem "
            "amtlichen Gebietsschlüssel (DG, 16, 031, 16053 …) in den ersten Spalten.",
            [problem(name, None, None, "—", EXPECTED_KEY)])
    meta = [row[0] for row in grid[:first] if row and row[0]]
    headers = [row for row in grid[:first] if row and not row[0] and any(row)]
    key = _key_index(grid[first]) or 0
    starts = [next(j for j, c in enumerate(row) if c) for row in headers]
    width = max((len(row) for row in grid[first:]), default=0)
    value_start = min(starts) if starts else min(key + 2, width)
    measure, unit = "", "Anzahl"
    for text in meta:
        found = re.match(r"^(.+?)\s*\(([^()]*)\)\s*$", text)
        if found and UNIT_WORDS.match(found.group(2).strip()):
            measure, unit = found.group(1).strip(), found.group(2).strip()
    fallback_period = None
    for text in meta:
        found = re.search(r"\b(\d{2}\.\d{2}\.\d{4})\b", text)
        if found:
            fallback_period = _period_or_none(found.group(1))
    # what each header row says about each value column
    columns = range(value_start, max(width, *(len(r) for r in headers)) if headers else width)
    col_period: dict[int, str] = {}
    col_unit: dict[int, str] = {}
    col_labels: dict[int, list[str]] = {j: [] for j in columns}
    label_rows: list[dict[int, str]] = []
    for row in headers:
        labels: dict[int, str] = {}
        for j in columns:
            cell = row[j] if j < len(row) else ""
            if not cell:
                continue
            period = _period_or_none(cell)
            if period is not None:
                col_period[j] = period
            elif UNIT_WORDS.match(cell):
                col_unit[j] = cell
            else:
                labels[j] = cell
        if labels:
            label_rows.append(labels)
    skip_rows: set[int] = set()
    for n, labels in enumerate(label_rows):
        constant = len(set(labels.values())) == 1 and len(labels) > 1
        text = next(iter(labels.values()))
        if constant and not _is_total(text):
            if not measure:
                measure = text
            skip_rows.add(n)
        elif len(labels) == 1 and not measure and not _is_total(text):
            measure = text
            skip_rows.add(n)
    for n, labels in enumerate(label_rows):
        for j, text in labels.items():
            if n not in skip_rows and text != measure:
                col_labels[j].append(text)
    has_header = {j for j in columns if j in col_period or j in col_unit or col_labels[j]}
    statistic = table.split("-")[0] if table else ""
    problems: list[dict[str, object]] = []
    rows: list[dict[str, object]] = []
    dropped: set[str] = set()
    regions: dict[int, str] = {}
    row_period: str | None = None
    for i in range(first, len(grid)):
        row, line = grid[i], numbers[i]
        if not any(row):
            continue
        k = _key_index(row)
        if k is None:
            if any(row[value_start:]):
                problems.append(problem(name, line, "Spalte 1", row[0][:40], EXPECTED_KEY))
            continue
        for cell in row[:k]:
            if cell:
                row_period = _period_or_none(cell)
        row_labels = []
        for cell in row[k + 2:value_start]:
            if not cell:
                continue
            period = _period_or_none(cell)
            if period is not None:
                row_period = period
            elif not _is_total(cell):
                row_labels.append(cell)
        region = row[k]
        if region == GERMANY:
            dropped.add(GERMANY)
            continue
        regions[line] = region
        for j in range(max(value_start, k + 1), len(row)):
            raw = row[j]
            if not raw:
                continue
            column = f"Spalte {j + 1}"
            if j not in has_header:
                problems.append(problem(name, line, column, raw,
                                        "ein Wert nur unter einer Spalte mit Kopf"))
                continue
            period = col_period.get(j) or row_period or fallback_period
            if period is None:
                problems.append(problem(name, line, column, raw,
                                        f"{_EXPECTED_PERIOD} in einer Kopfzeile oder in der "
                                        "ersten Spalte"))
                continue
            number = _cell_rows(name, line, column, raw, True, problems)
            if number is None:
                continue
            names = [t for t in col_labels[j] if not _is_total(t)] + row_labels
            cell_unit = col_unit.get(j, unit)
            attributes = "|".join(sorted(f"LABEL={t}" for t in names))
            rows.append({"line": line, "statistic": statistic, "value_variable": measure,
                         "region": region, "period": period, "attributes": attributes,
                         "value": number[0], "flag": number[1], "unit": cell_unit,
                         "factor": _unit_factor(cell_unit),
                         "label": " – ".join([measure or "—", *names]),
                         "measure_label": measure, "label_attributes": attributes})
    return Parsed(layout, table, _frame(rows), problems, dropped, regions)


def _parse_table(text: str, name: str) -> Parsed:
    grid: list[list[str]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text), delimiter=";")
    try:
        for row in reader:
            grid.append(row)
            lines.append(reader.line_num)
    except csv.Error as err:
        raise DataValidationError(
            f"{name}: Zeile {reader.line_num} ist keine gültige CSV-Zeile ({err}).",
            [problem(name, reader.line_num, None, "—", "eine CSV-Zeile mit „;“")],
            detail=str(err)) from err
    return parse_cells(grid, name, lines=lines)


def _header_columns(first: str) -> set[str]:
    return {c.strip().strip('"') for c in first.split(";")}


def parse(content: bytes, name: str, *, areas: Callable[[str], bool] | None = None) -> Parsed:
    """Parse one GENESIS / Regionaldatenbank / Zensus download given as bytes (CSV, possibly
    zipped; see module docstring — XLSX is read into cells by the importer, `parse_cells`).

    `areas` (optional, flat files only) says which area codes are wanted: rows of other areas
    are left out with their problems before their periods, values and labels are read, and
    `Parsed.regions` then names only the first row of each area code (a Germany-wide table
    imported into a county's store). Other layouts ignore it.

    Raises `DataValidationError` for a layout that is not recognised; cell-level problems are
    returned in `Parsed.problems` so that the caller can report all of them at once.
    """
    flat, inner = _utf8_flat_file(content, name)
    if flat is not None:  # the usual download: read from the bytes, no decoded copy
        return _parsed(lambda: _parse_ffcsv(flat, inner, areas), name, inner)
    text, inner = decode(content, name)
    text = text.lstrip("\ufeff").replace("\x00", "")
    first = text.split("\n", 1)[0].rstrip("\r")
    columns = _header_columns(first)
    reader: Callable[[str, str], Parsed]
    if "value" in columns and "time" in columns:
        def reader(text: str, inner: str) -> Parsed:
            return _parse_ffcsv(text, inner, areas)
    elif "Statistik_Code" in columns or ("Zeit" in columns and "1_Merkmal_Code" in columns):
        reader = _parse_old
    elif first.startswith("GENESIS-Tabelle") or any(
            _key_index([c.strip() for c in ln.split(";")]) is not None
            for ln in text.splitlines()[:60]):
        reader = _parse_table
    else:
        raise DataValidationError(
            f"Das Format von {name} ist unbekannt. Erkannt werden GENESIS-/Regionaldatenbank-/"
            "Zensus-Downloads als Flatfile-CSV (Spalten „statistics_code … time … value“ oder "
            "„Statistik_Code“), als Tabellen-CSV oder XLSX (Kopfzeilen, dann je Zeile "
            "Gebietsschlüssel und Werte).",
            [problem(name, 1, None, first[:80], "Kopfzeile eines GENESIS-Downloads")])
    return _parsed(lambda: reader(text, inner), name, inner)


def _utf8_flat_file(content: bytes, name: str) -> tuple[bytes | None, str]:
    """(bytes, inner name) of a current flat file in valid UTF-8 (with or without one BOM, no
    NUL bytes): it decodes exactly as `decode` would, so pandas can read the bytes directly.
    (None, inner name) for anything else, which goes the way of the decoded text."""
    inner_content, inner = unzip(content, name)
    if is_xlsx(inner_content) or b"\x00" in inner_content:
        return None, inner
    start = 3 if inner_content.startswith(b"\xef\xbb\xbf") else 0
    if inner_content.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"), start):
        return None, inner
    end = inner_content.find(b"\n")
    try:
        first = inner_content[start:end if end >= 0 else len(inner_content)].decode("utf-8")
    except UnicodeDecodeError:
        return None, inner
    columns = _header_columns(first.rstrip("\r"))
    if "value" not in columns or "time" not in columns:
        return None, inner
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 20
    try:  # validated in pieces: the text of the whole file is never held
        for i in range(start, len(inner_content), step):
            decoder.decode(inner_content[i:i + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None, inner
    return inner_content, inner


def _parsed(read: Callable[[], Parsed], name: str, inner: str) -> Parsed:
    """Run a layout's reader: a reader's crash on a file that only looks like a download is a
    `DataValidationError`; then `finish`."""
    try:
        parsed = read()
    except DataValidationError:
        raise
    except (KeyError, ValueError, IndexError, TypeError, csv.Error,
            pd.errors.ParserError) as err:
        raise DataValidationError(
            f"{name} hat den Kopf eines GENESIS-Downloads, aber Spalten oder Zeilen fehlen "
            f"oder passen nicht zusammen ({type(err).__name__}: {err}).",
            [problem(name, None, None, str(err)[:80], "vollständige GENESIS-Spalten")],
            detail=repr(err)) from err
    finish(parsed, inner)
    return parsed


def finish(parsed: Parsed, inner: str) -> None:
    """Fill in the table code (from the file name ``<table>_…``) and, for flat files without
    a ``statistics_code`` column, the statistic (the table code's first part)."""
    if parsed.table is None:
        match = FILE_TABLE_CODE.match(inner.rsplit("/", maxsplit=1)[-1])
        parsed.table = match.group(1) if match else None
    if parsed.table and not parsed.rows.empty:
        missing = parsed.rows["statistic"] == ""
        parsed.rows.loc[missing, "statistic"] = parsed.table.split("-")[0]


COUNT_UNITS = {"Anzahl", "Personen"}
"""Series units a plain count („Anzahl“, a value in thousands multiplied out) may fill."""
ANY = "*"
"""In a mapping: ``VAR=*`` sums every (non-total) value of the variable."""


def count_unit(unit: str, factor: float) -> str:
    """The unit of a value after its factor is applied: „Anzahl“ for counts (``Anzahl``,
    ``number``, ``1000``, ``Tsd.``, or none given), else the unit as the file writes it."""
    text = unit.strip()
    if factor != 1.0 or not text or text.lower() in UNIT_FACTORS:
        return "Anzahl"
    return text


def parse_spec(attributes: str) -> list[tuple[str, frozenset[str] | None]]:
    """The terms of a mapping's ``attributes``: ``VAR=CODE`` one value, ``VAR=A+B`` the sum of
    several, ``VAR=*`` the sum of all values of VAR, ``LABEL=Text`` a value by its label;
    joined by ``|``. Empty = the total row. Returns (variable, values or None for all)."""
    terms: list[tuple[str, frozenset[str] | None]] = []
    for term in filter(None, (t.strip() for t in attributes.split("|"))):
        var, _, values = term.partition("=")
        values = values.strip()
        terms.append((var.strip(), None if values == ANY else
                      frozenset(v.strip() for v in values.split("+"))))
    return terms


def is_sum(terms: list[tuple[str, frozenset[str] | None]]) -> bool:
    """Whether a mapping adds up several rows (a term with ``+`` or ``*``)."""
    return any(values is None or len(values) > 1 for _, values in terms)


def spec_matches(terms: list[tuple[str, frozenset[str] | None]], attributes: str) -> bool:
    """Whether a row's attributes (``VAR=CODE|…`` or ``LABEL=…|…``) are exactly those the
    mapping terms ask for: every row attribute used by one term, every term by one
    attribute."""
    pairs = [a.partition("=") for a in attributes.split("|") if a]
    if len(pairs) != len(terms):
        return False

    def fit(i: int, used: frozenset[int]) -> bool:
        if i == len(terms):
            return True
        var, values = terms[i]
        return any(k not in used and p[0] == var and (values is None or p[2] in values)
                   and fit(i + 1, used | {k}) for k, p in enumerate(pairs))

    return fit(0, frozenset())


def _rule_hits(rows: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """(row, series_id, rule, summed) for every row a mapping rule takes: by codes
    (value_variable, attributes) or by labels (measure_label, label_attributes)."""
    keys = ["statistic", "value_variable", "attributes", "measure_label", "label_attributes"]
    # the rules are matched once per distinct combination of the five texts (integer codes,
    # not text keys: a Germany-wide table has hundreds of thousands of rows)
    combo = np.zeros(len(rows), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(rows[key].to_numpy(dtype=object))
        combo, _ = pd.factorize(combo * (len(uniques) + 1) + codes + 1)
        combo = combo.astype(np.int64)
    _, first = np.unique(combo, return_index=True)  # combinations in order of appearance
    combos = rows.iloc[first][keys]
    rules = [(n, r.series_id, str(r.statistic), str(r.value_variable), parse_spec(
        str(r.attributes))) for n, r in enumerate(mapping.itertuples(index=False))]
    found: list[tuple[int, str, int, bool]] = []
    for g, c in enumerate(combos.itertuples(index=False)):
        for n, series, statistic, measure, terms in rules:
            if statistic != c.statistic:
                continue
            if (measure == c.value_variable and spec_matches(terms, c.attributes)) or \
                    (measure == c.measure_label and spec_matches(terms, c.label_attributes)):
                found.append((g, series, n, is_sum(terms)))
    hits = pd.DataFrame(found, columns=["combo", "series_id", "rule", "summed"])
    # every row with the hits of its combination, rows in file order, hits in rule order (as
    # an inner merge of the rows with the hits on the five texts)
    per_combo = np.bincount(hits["combo"].to_numpy(dtype=np.int64), minlength=len(first))
    start = np.cumsum(per_combo) - per_combo
    count = per_combo[combo]
    row = np.repeat(np.arange(len(rows)), count)
    hit = np.repeat(start[combo], count) + (np.arange(count.sum()) -
                                            np.repeat(np.cumsum(count) - count, count))
    taken = hits.iloc[hit]
    return rows.reset_index(names="row").iloc[row].reset_index(drop=True).assign(
        series_id=taken["series_id"].to_numpy(), rule=taken["rule"].to_numpy(),
        summed=taken["summed"].to_numpy(dtype=bool))


def assign(parsed: Parsed, mapping: pd.DataFrame, name: str, *, expected_units: dict[str, str],
           ) -> tuple[pd.DataFrame, list[dict[str, object]], set[int]]:
    """Rows of `parsed` that `mapping` assigns to a named series, in plain counts.

    `mapping` has columns series_id, statistic, value_variable (code or label of the measure),
    attributes (`parse_spec`: the non-total attributes by code or label, joined by ``|``,
    empty = total; ``+`` and ``*`` add rows up) and optionally unit. Values are multiplied by
    their unit factor; a sum that includes a value the file withholds is withheld itself
    (flags kept). Where a series has a single row for an area and period, a sum for the same
    series, area and period is not used (a table with totals and details).

    Returns (series values with their unit, problems, index labels of the rows used): units
    that do not fit the series (`expected_units`, else the mapping's unit, else the first
    unit the file gives for it) and two different values for one series, area and period are
    problems.
    """
    rows = parsed.rows
    problems: list[dict[str, object]] = []
    columns = ["series_id", "area_code", "period", "value", "flag", "line", "unit"]
    if rows.empty or mapping.empty:
        return pd.DataFrame(columns=columns), problems, set()
    merged = _rule_hits(rows, mapping)
    if merged.empty:
        return pd.DataFrame(columns=columns), problems, set()
    wanted = dict(expected_units)
    if "unit" in mapping.columns:
        for series, unit in zip(mapping["series_id"], mapping["unit"], strict=True):
            if isinstance(unit, str) and unit.strip():
                wanted.setdefault(series, unit.strip())
    kinds = merged[["unit", "factor"]].drop_duplicates()
    normal = kinds.assign(normal=[count_unit(u, f) for u, f in kinds.itertuples(index=False)])
    merged = merged.assign(unit=merged[["unit", "factor"]].merge(
        normal, on=["unit", "factor"], how="left")["normal"].to_numpy())
    for series, unit in merged[["series_id", "unit"]].drop_duplicates("series_id").itertuples(
            index=False):
        wanted.setdefault(series, unit)  # a new series without unit: the file's first one
    want = merged["series_id"].map(wanted)
    wrong = (merged["unit"] != want) & ~((merged["unit"] == "Anzahl") & want.isin(COUNT_UNITS))
    for r, expected in zip(merged[wrong].itertuples(index=False), want[wrong], strict=True):
        raw = parsed.rows.at[r.row, "unit"]
        problems.append(problem(name, r.line, "value_unit", raw or "—",
                                f"Einheit „{expected}“ (oder Anzahl in 1000) für die Reihe "
                                f"{r.series_id}"))
    merged = merged.assign(value=merged["value"].astype(float) * merged["factor"],
                           unit=merged["series_id"].map(wanted))
    keys = ["series_id", "region", "period"]
    single = merged[~merged["summed"]].drop_duplicates(["row", "series_id"])
    summed = _sums(merged[merged["summed"]], keys)
    if not summed.empty:
        have = set(single[keys].itertuples(index=False, name=None))
        summed = summed[[k not in have for k in summed[keys].itertuples(index=False, name=None)]]
    values = pd.concat([single[[*keys, "value", "flag", "line", "unit"]], summed],
                       ignore_index=True).drop_duplicates([*keys, "value"])
    dup = values[values.duplicated(keys, keep=False)]
    for _, group in dup.groupby(keys):
        if group["value"].nunique(dropna=False) > 1:
            problems.append(problem(
                name, int(group["line"].iloc[1]), "value",
                " / ".join(str(v) for v in group["value"]),
                f"ein Wert je Reihe, Gebiet und Zeitraum (Reihe {group['series_id'].iloc[0]}, "
                f"Gebiet {group['region'].iloc[0]}, {group['period'].iloc[0]}; auch Zeile "
                f"{int(group['line'].iloc[0])})"))
    values = values.drop_duplicates(keys)
    return values.rename(columns={"region": "area_code"})[columns], problems, \
        set(merged["row"])


def _sums(hits: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One value per mapping rule, series, area and period: the sum of the rows the rule
    takes; withheld (None) when any of them is withheld, with the flags of the parts."""
    columns = [*keys, "value", "flag", "line", "unit"]
    if hits.empty:
        return pd.DataFrame(columns=columns)
    group = [*keys, "rule"]
    parts = hits.drop_duplicates(["row", "rule"])
    parts = parts.assign(missing=parts["value"].isna())
    out = parts.groupby(group, sort=False).agg(
        value=("value", "sum"), missing=("missing", "max"), line=("line", "min"),
        unit=("unit", "first")).reset_index()
    flags: dict[tuple[object, ...], set[str]] = {}
    flagged = parts[parts["flag"].notna()].merge(
        out[[*group, "missing"]].rename(columns={"missing": "withheld"}), on=group)
    # a withheld sum keeps the flags of the withheld parts; any sum the quality flags
    for r in flagged[~flagged["withheld"] | flagged["missing"]].itertuples(index=False):
        key = tuple(getattr(r, k) for k in group)
        flags.setdefault(key, set()).update(f for f in str(r.flag).split(",") if f)
    values, texts = [], []
    for r in out.itertuples(index=False):
        total = None if r.missing else float(r.value)
        found = set(flags.get(tuple(getattr(r, k) for k in group), set()))
        if total:  # parts with nothing („-“) add nothing; the sum itself is not „nichts“
            found.discard(SYMBOLS["-"][1])
        values.append(total)
        texts.append(",".join(sorted(found)) or None)
    return out.assign(value=values, flag=texts, line=out["line"].astype(int))[columns]

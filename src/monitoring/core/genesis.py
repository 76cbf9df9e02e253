"""Parsing official statistics downloads (GENESIS-Online, Regionaldatenbank) — pure, bytes in.

Three layouts are recognised from their header (see ``FORMATS.md`` §1a):

* current flat-file CSV ("ffcsv"): English headers, UTF-8 with BOM, often inside a ZIP;
* old flat-file CSV: German headers (``Statistik_Code;…``), one value column per measure named
  ``CODE__Label__Unit``, Latin-1;
* the human "Tabelle" CSV: meta lines, two header lines (dates, attribute labels), then
  ``code;name;values…`` and a footer starting with ``__________``.

Every value becomes one row of `parse` with the special symbols mapped to documented flags
(`SYMBOLS`): ``-`` is zero, ``.`` secret, ``x`` not meaningful, ``/`` unreliable, ``...`` not yet
available. Values in thousands (``value_unit`` ``1000``/``Tsd.``) are multiplied out. Region
names are ignored; only codes are used. Anything not understood is a problem with file, row,
column and what was expected — nothing is guessed.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from monitoring.errors import DataValidationError
from monitoring.periods import Quarter

# symbol → (value, flag). The flag is stored with the value; None value = not available.
SYMBOLS: dict[str, tuple[float | None, str]] = {
    "-": (0.0, "nichts vorhanden"),
    ".": (None, "geheim"),
    "x": (None, "nicht sinnvoll"),
    "/": (None, "unsicher"),
    "...": (None, "später"),
    "…": (None, "später"),
}
# value_unit → factor to plain counts. Other units are kept as they are (factor 1) and must
# match the unit the target series expects.
UNIT_FACTORS = {"anzahl": 1.0, "1": 1.0, "1000": 1000.0, "tsd.": 1000.0, "tsd": 1000.0,
                "1 000": 1000.0}
QUALITY_FLAGS = {"e": "endgültig", "p": "vorläufig", "r": "berichtigt", "s": "geschätzt",
                 "()": "eingeschränkte Aussagekraft"}
REGION_VARIABLES = {"KREISE", "GEMEIN", "DLAND", "DINSG", "DG", "GEOGM4", "GEOLK1", "GEOGM1"}
TOTAL_CODES = {"", "INSGESAMT"}
ROWS = ["line", "statistic", "value_variable", "region", "period", "attributes", "value",
        "flag", "unit", "factor"]

_NUMBER = re.compile(r"^-?\d+(,\d+)?$|^-?\d+(\.\d+)?$")


@dataclass
class Parsed:
    """The rows of one download, its layout and table code, and any problems found."""

    layout: str
    table: str | None
    rows: pd.DataFrame
    problems: list[dict[str, object]] = field(default_factory=list)


def problem(file: str, line: int | None, column: str | None, value: object,
            expected: str) -> dict[str, object]:
    """One entry of an error report (file, row, column, value received, what was expected)."""
    return {"datei": file, "zeile": line, "spalte": column, "wert": value, "erwartet": expected}


def decode(content: bytes, name: str) -> tuple[str, str]:
    """(text, inner file name): unzip a single CSV, then UTF-8 with/without BOM, else Latin-1."""
    if content[:2] == b"PK":
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
        except zipfile.BadZipFile as err:
            raise DataValidationError(
                f"{name} beginnt wie eine ZIP-Datei, ist aber beschädigt oder unvollständig.",
                [problem(name, None, None, "—", "eine vollständige ZIP-Datei")],
                detail=str(err)) from err
        with archive:
            inner = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if len(inner) != 1:
                raise DataValidationError(
                    f"Die ZIP-Datei {name} enthält {len(inner)} CSV-Dateien; erwartet wird genau "
                    "eine (der GENESIS-Download „…_flat.csv“).",
                    [problem(name, None, None, ", ".join(inner) or "—", "genau eine CSV-Datei")])
            content, name = archive.read(inner[0]), inner[0]
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8"), name
    try:
        return content.decode("utf-8"), name
    except UnicodeDecodeError:
        return content.decode("latin-1"), name


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
    to 31.12. Anything else raises ValueError.
    """
    text = raw.strip()
    if re.fullmatch(r"\d{4}", text):
        return str(Quarter(int(text), 4))
    for pattern, order in ((r"(\d{4})-(\d{2})-(\d{2})", "ymd"),
                           (r"(\d{2})\.(\d{2})\.(\d{4})", "dmy")):
        match = re.fullmatch(pattern, text)
        if match:
            a, b, c = (int(g) for g in match.groups())
            day = date(a, b, c) if order == "ymd" else date(c, b, a)
            return str(Quarter.of(day))
    raise ValueError(f"{time_code}:{text}")


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


def _parse_ffcsv(text: str, name: str) -> Parsed:
    frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    problems: list[dict[str, object]] = []
    variables = sorted({int(m.group(1)) for c in frame.columns
                        if (m := re.fullmatch(r"(\d+)_variable_code", c))})
    rows: list[dict[str, object]] = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        region, attrs = _region_and_filters(
            rec, variables, "{}_variable_code", "{}_variable_attribute_code")
        if region is None:
            problems.append(problem(name, i, "n_variable_code", "—",
                                    "eine Gebietsvariable (KREISE, GEMEIN, DLAND …)"))
            continue
        try:
            period = parse_period(rec["time_code"], rec["time"])
        except ValueError:
            problems.append(problem(name, i, "time", rec["time"],
                                    "ein Stichtag (2024-12-31) oder ein Jahr (2024)"))
            continue
        cell = _cell_rows(name, i, "value", rec["value"], "," in rec["value"], problems)
        if cell is None:
            continue
        value, flag = cell
        quality = rec.get("value_q", "").strip()
        if quality:
            flag = ",".join(f for f in (flag, QUALITY_FLAGS.get(quality, quality)) if f)
        unit = rec["value_unit"].strip()
        rows.append({"line": i, "statistic": rec["statistics_code"].strip(),
                     "value_variable": rec["value_variable_code"].strip(), "region": region,
                     "period": period, "attributes": "|".join(sorted(attrs)), "value": value,
                     "flag": flag, "unit": unit, "factor": _unit_factor(unit)})
    return Parsed("ffcsv", None, _frame(rows), problems)


def _region_and_filters(rec: dict[str, str], numbers: list[int], variable: str,
                        attribute: str) -> tuple[str | None, list[str]]:
    """The region code and the other classifying attributes (``VAR=CODE``) of one row.

    `variable` / `attribute` are column-name patterns with ``{}`` for the variable number,
    which differ between the current and the old flat-file layout.
    """
    region, attrs = None, []
    for n in numbers:
        var = rec[variable.format(n)].strip()
        code = rec[attribute.format(n)].strip()
        if var in REGION_VARIABLES:
            region = code
        elif code.upper() not in TOTAL_CODES:  # totals ("Insgesamt") are no filter
            attrs.append(f"{var}={code}")
    return region, attrs


def _parse_old(text: str, name: str) -> Parsed:
    frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
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
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        region, attrs = _region_and_filters(rec, merkmale, "{}_Merkmal_Code",
                                            "{}_Auspraegung_Code")
        if region is None:
            problems.append(problem(name, i, "n_Merkmal_Code", "—",
                                    "eine Gebietsvariable (KREISE, GEMEIN, DLAND …)"))
            continue
        try:
            period = parse_period(rec["Zeit_Code"], rec["Zeit"])
        except ValueError:
            problems.append(problem(name, i, "Zeit", rec["Zeit"],
                                    "ein Stichtag (31.12.2022) oder ein Jahr (2022)"))
            continue
        for column in measures:
            code, _, unit = column.split("__")
            cell = _cell_rows(name, i, column, rec[column], True, problems)
            if cell is None:
                continue
            value, flag = cell
            quality = rec.get(f"{code}__{column.split('__')[1]}__q", "").strip()
            if quality:
                flag = ",".join(f for f in (flag, QUALITY_FLAGS.get(quality, quality)) if f)
            rows.append({"line": i, "statistic": rec["Statistik_Code"].strip(),
                         "value_variable": code, "region": region, "period": period,
                         "attributes": "|".join(sorted(attrs)), "value": value, "flag": flag,
                         "unit": unit, "factor": _unit_factor(unit)})
    return Parsed("alt", None, _frame(rows), problems)


def _parse_table(text: str, name: str) -> Parsed:
    lines = text.splitlines()
    table = lines[0].split(":", 1)[1].strip().split(";")[0].strip()
    statistic = table.split("-")[0]
    problems: list[dict[str, object]] = []
    unit_line = next((ln for ln in lines[1:12] if re.search(r"\(([^)]*)\);*$", ln)), "")
    unit_match = re.search(r"^([^;(]+)\(([^)]*)\)", unit_line)
    measure = unit_match.group(1).strip() if unit_match else ""
    unit = unit_match.group(2).strip() if unit_match else "Anzahl"
    header = [i for i, ln in enumerate(lines) if ln.startswith(";;")]
    if len(header) < 2:
        raise DataValidationError(
            f"{name} sieht aus wie eine GENESIS-Tabelle, aber die zwei Kopfzeilen (Stichtage, "
            "Ausprägungen; beginnend mit „;;“) fehlen.",
            [problem(name, None, None, "—", "zwei Kopfzeilen, die mit „;;“ beginnen")])
    dates = lines[header[0]].split(";")
    labels = lines[header[1]].split(";")
    rows: list[dict[str, object]] = []
    for i in range(header[1] + 1, len(lines)):
        line = lines[i]
        if line.startswith("__________"):
            break
        cells = line.split(";")
        code = cells[0].strip()
        if not code or code in {"DG"} or not re.fullmatch(r"\d+", code):
            continue
        for j in range(2, len(cells)):
            raw = cells[j]
            if j >= len(dates) or not dates[j].strip():
                if raw.strip():
                    problems.append(problem(name, i + 1, f"Spalte {j + 1}", raw,
                                            "ein Wert nur unter einer Spalte mit Stichtag"))
                continue
            try:
                period = parse_period("STAG", dates[j])
            except ValueError:
                problems.append(problem(name, header[0] + 1, f"Spalte {j + 1}", dates[j],
                                        "ein Stichtag (31.12.2024) oder ein Jahr"))
                continue
            cell = _cell_rows(name, i + 1, f"Spalte {j + 1}", raw, True, problems)
            if cell is None:
                continue
            label = labels[j].strip() if j < len(labels) else ""
            rows.append({"line": i + 1, "statistic": statistic, "value_variable": measure,
                         "region": code, "period": period,
                         "attributes": "" if label.lower() == "insgesamt" else f"LABEL={label}",
                         "value": cell[0], "flag": cell[1], "unit": unit,
                         "factor": _unit_factor(unit)})
    return Parsed("tabelle", table, _frame(rows), problems)


def parse(content: bytes, name: str) -> Parsed:
    """Parse one GENESIS / Regionaldatenbank download (see module docstring).

    Raises `DataValidationError` for a layout that is not recognised; cell-level problems are
    returned in `Parsed.problems` so that the caller can report all of them at once.
    """
    text, inner = decode(content, name)
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    readers = {"statistics_code;": _parse_ffcsv, "Statistik_Code;": _parse_old,
               "GENESIS-Tabelle:": _parse_table}
    reader = next((r for prefix, r in readers.items() if first.startswith(prefix)), None)
    if reader is not None:
        try:
            parsed = reader(text, inner)
        except DataValidationError:
            raise
        except (KeyError, ValueError, IndexError, pd.errors.ParserError) as err:
            raise DataValidationError(
                f"{name} hat den Kopf eines GENESIS-Downloads, aber Spalten oder Zeilen fehlen "
                f"oder passen nicht zusammen ({type(err).__name__}: {err}).",
                [problem(name, None, None, str(err)[:80], "vollständige GENESIS-Spalten")],
                detail=repr(err)) from err
    else:
        raise DataValidationError(
            f"Das Format von {name} ist unbekannt. Erkannt werden GENESIS-/Regionaldatenbank-"
            "Downloads als Flatfile-CSV (erste Spalte „statistics_code“ oder „Statistik_Code“) "
            "und als Tabellen-CSV (erste Zeile „GENESIS-Tabelle: …“).",
            [problem(name, 1, None, first[:80], "Kopfzeile eines GENESIS-Downloads")])
    if parsed.table is None:
        match = re.match(r"(\d{5}-[0-9A-Z]+(?:-[0-9A-Z]+)*)_", inner.split("/")[-1])
        parsed.table = match.group(1) if match else None
    return parsed


def assign(parsed: Parsed, mapping: pd.DataFrame, name: str, *, expected_units: dict[str, str],
           ) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Rows of `parsed` that `mapping` assigns to a named series, in plain counts.

    `mapping` has columns series_id, statistic, value_variable, attributes (``VAR=CODE`` of the
    non-total attributes, joined by ``|``, empty = total). Values are multiplied by their unit
    factor. Returns (series values, problems): mixed incompatible units, units that do not fit
    the series, and duplicate observations with different values are problems.
    """
    rows = parsed.rows
    problems: list[dict[str, object]] = []
    merged = rows.merge(mapping, on=["statistic", "value_variable", "attributes"], how="inner")
    if merged.empty:
        return merged.assign(series_id=[]), problems
    for r in merged.itertuples(index=False):
        want = expected_units.get(r.series_id, "Anzahl")
        if r.factor == 1.0 and r.unit.strip().lower() not in UNIT_FACTORS \
                and r.unit.strip() != want:
            problems.append(problem(name, r.line, "value_unit", r.unit,
                                    f"Einheit „{want}“ (oder Anzahl in 1000) für die Reihe "
                                    f"{r.series_id}"))
    merged = merged.assign(value=merged["value"].astype(float) * merged["factor"])
    keys = ["series_id", "region", "period"]
    dup = merged[merged.duplicated(keys, keep=False)]
    for _, group in dup.groupby(keys):
        if group["value"].nunique(dropna=False) > 1:
            problems.append(problem(
                name, int(group["line"].iloc[1]), "value",
                " / ".join(str(v) for v in group["value"]),
                f"ein Wert je Reihe, Gebiet und Zeitraum (Reihe {group['series_id'].iloc[0]}, "
                f"Gebiet {group['region'].iloc[0]}, {group['period'].iloc[0]}; auch Zeile "
                f"{int(group['line'].iloc[0])})"))
    merged = merged.drop_duplicates(keys)
    return merged.rename(columns={"region": "area_code"})[
        ["series_id", "area_code", "period", "value", "flag", "line"]], problems

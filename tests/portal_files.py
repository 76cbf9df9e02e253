"""Files in exactly the shapes the statistics portals deliver (``FORMATS.md`` §1a), for tests.

GENESIS-Online, the Regionaldatenbank Deutschland and Statistik Thüringen give the same table
as

* the current flat file „CSV (flach)“ (ffcsv): English column names in German and English
  downloads, UTF-8 with BOM, zipped, long and unsorted (`ffcsv_english`, `ffcsv_german`);
* the older flat file (German headers ``Statistik_Code;…``, one value column
  ``CODE__Label__Unit``, Latin-1; `old_flat`);
* the „Tabelle“ CSV: title lines, header rows, indented names, a footer „__________“ with notes
  and „Stand:“ – with the periods in a header row (`table_header_periods`,
  `table_periods_in_header`) or in a leading column (`table_year_rows`,
  `table_date_and_age_rows`, `table_periods_in_rows`);
* the XLSX download of the „Tabelle“ (`xlsx_bytes`), everything optionally zipped
  (`zip_bytes`).

Tables for all of Germany hold DG, the 16 Länder, Regierungsbezirke (3 digits), the Kreise of
every Land, 8-digit special keys and Eisenach 16056, which is listed with „-“ after it joined
the Wartburgkreis on 1 July 2021 (`germany_keys`): a few dozen real keys of every level stand
for the thousands of rows of a real download.

The journey writers (`ffcsv_german`, `old_flat`, `table_periods_in_header`,
`table_periods_in_rows`) take the values to write as `Figures`: (area, year) → (population,
foreign nationals) at the Stichtag 31.12. of the year; what a test expects is computed from the
same numbers by hand, never read back through the library.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
from openpyxl import Workbook

from monitoring.core import genesis

LAENDER = [f"{n:02d}" for n in range(1, 17)]
REGBEZ = ["031", "032", "033", "034", "051", "053", "055", "057", "059", "064", "065", "066",
          "091", "092", "093", "094", "095", "096", "097"]
OTHER_KREISE = ["01001", "01002", "02000", "03101", "03241", "05111", "05334", "05315",
                "06411", "08111", "09162", "09276", "11000", "12051", "13003", "14612",
                "15003"]
SPECIAL = ["05334002"]  # 8-digit special key inside a Kreis list (Aachen, Stadt)
THURINGIA = ["16051", "16052", "16053", "16054", "16055", "16061", "16062", "16063", "16064",
             "16065", "16066", "16067", "16068", "16069", "16070", "16071", "16072", "16073",
             "16074", "16075", "16076", "16077"]
EISENACH = "16056"  # kreisfrei until 30.06.2021, still listed afterwards with "-"
WARTBURGKREIS = "16063"
EISENACH_LAST_YEAR = 2020  # the last 31.12. on which Eisenach was a Kreis of its own
NAMES = {  # Regionaldatenbank labels of Thuringia's areas (FORMATS.md §2)
    "16": "Thüringen", "16051": "Erfurt, kreisfreie Stadt", "16052": "Gera, kreisfreie Stadt",
    "16053": "Jena, kreisfreie Stadt", "16054": "Suhl, kreisfreie Stadt",
    "16055": "Weimar, kreisfreie Stadt", "16056": "Eisenach, kreisfreie Stadt",
    "16061": "Eichsfeld, Landkreis", "16062": "Nordhausen, Landkreis", "16063": "Wartburgkreis",
    "16064": "Unstrut-Hainich-Kreis", "16065": "Kyffhäuserkreis",
    "16066": "Schmalkalden-Meiningen, Landkreis", "16067": "Gotha, Landkreis",
    "16068": "Sömmerda, Landkreis", "16069": "Hildburghausen, Landkreis", "16070": "Ilm-Kreis",
    "16071": "Weimarer Land, Landkreis", "16072": "Sonneberg, Landkreis",
    "16073": "Saalfeld-Rudolstadt, Landkreis", "16074": "Saale-Holzland-Kreis",
    "16075": "Saale-Orla-Kreis", "16076": "Greiz, Landkreis",
    "16077": "Altenburger Land, Landkreis"}
FOOTER = ["__________",
          '"zu  ""gesamter Tabelle"":',
          "ab dem Berichtsjahr 2011: nach dem Zensus 2011 – Angaben „vorläufig“\"",
          '"© Statistische Ämter des Bundes und der Länder, Deutschland, 2025.',
          'Dieses Werk ist lizensiert unter der Datenlizenz Deutschland - Namensnennung - '
          'Version 2.0."',
          "Stand: 15.06.2025 / 10:00:00"]

Figures = dict[tuple[str, int], tuple[int, int]]
"""(area code, year) → (population, foreign nationals) on 31.12. of the year."""


def area_name(code: str) -> str:
    """The indented label of a „Tabelle“ row: Länder 2, Regierungsbezirke 4, Kreise 6 spaces."""
    indent = {2: 2, 3: 4}.get(len(code), 6)
    if code in NAMES:
        return " " * indent + NAMES[code]
    return " " * indent + (f"Gebiet {code}, Landkreis" if len(code) >= 5 else f"Region {code}")


def germany_keys(*, eisenach: bool) -> list[str]:
    """DG, Länder, Regierungsbezirke, Kreise of all Länder incl. Thuringia's 22 (+ Eisenach)."""
    keys = ["DG", *LAENDER, *REGBEZ, *OTHER_KREISE, *SPECIAL, *THURINGIA]
    return [*keys, EISENACH] if eisenach else keys


def value(code: str, column: int) -> str:
    """A deterministic count per area and column (Thuringian Kreise: 1000 × last digits)."""
    if code == "DG":
        return "83577140"
    return str(int(code[-3:] or 0) * 1000 + column * 10 + len(code))


def table_header_periods(encoding: str = "cp1252") -> bytes:
    """12411-01-01-4 "Tabelle": Stichtage in the header, Germany-wide, Windows-1252."""
    lines = ["GENESIS-Tabelle: 12411-01-01-4",
             "Bevölkerungsstand: Bevölkerung nach Geschlecht;;;;;",
             "- Stichtag 31.12. -;;;;;",
             "regionale Tiefe: Kreise und krfr. Städte;;;;;",
             "Fortschreibung des Bevölkerungsstandes;;;;;",
             "Bevölkerungsstand (Anzahl);;;;;",
             ";;31.12.2024;31.12.2024;31.12.2020;31.12.2020",
             ";;Insgesamt;männlich;Insgesamt;männlich"]
    for code in germany_keys(eisenach=True):
        now = ["-", "-"] if code == EISENACH else [value(code, 0), value(code, 1)]
        lines.append(";".join([code, area_name(code), *now, value(code, 2), value(code, 3)]))
    return "\r\n".join([*lines, *FOOTER]).encode(encoding)


def table_year_rows() -> bytes:
    """12511-01-01-4 (naturalisations): the year in the first column, four header rows
    (measure, variable, attributes, unit) — the shape of the real download."""
    lines = ["GENESIS-Tabelle: 12511-01-01-4",
             "Einbürgerungen von Ausländern nach Kontinenten;;;;;",
             "- Jahr - regionale Tiefe: Kreise und krfr. Städte;;;;;",
             "Einbürgerungsstatistik;;;;;",
             ";;;" + ";".join(["Einbürgerungen von Ausländern"] * 3),
             ";;;" + ";".join(["Kontinente (einschl. staatenlos etc.)"] * 3),
             ";;;Insgesamt;Afrika;Asien",
             ";;;Anzahl;Anzahl;Anzahl"]
    for year in (2023, 2024):
        for code in germany_keys(eisenach=False):
            lines.append(";".join([str(year), code, area_name(code),
                                   value(code, year - 2023), "-", "."]))
    return "\n".join([*lines, *FOOTER]).encode("cp1252")


def table_date_and_age_rows() -> bytes:
    """12411-03-03-4: Stichtag in the first column, age groups as row labels, nationality and
    sex in two header rows."""
    head = ["GENESIS-Tabelle: 12411-03-03-4",
            "Bevölkerungsstand: Bevölkerung nach Geschlecht, Nationalität;;;;;;;",
            "und Altersgruppen (21) - Stichtag 31.12. - (ab 2011);;;;;;;",
            "regionale Tiefe: Kreise und krfr. Städte;;;;;;;",
            "Fortschreibung des Bevölkerungsstandes;;;;;;;",
            "Bevölkerungsstand (Anzahl);;;;;;;",
            ";;;;Insgesamt;Insgesamt;Ausländer(innen);Ausländer(innen)",
            ";;;;Insgesamt;männlich;Insgesamt;männlich"]
    lines = []
    for code in ["DG", "16", "031", "09162", "16053", "16054"]:
        for age in ("unter 3 Jahre", "Insgesamt"):
            total = 100000 + int(code[-2:]) if code != "DG" else 83000000
            numbers = [total, total // 2, total // 10, total // 20]
            if age != "Insgesamt":
                numbers = [n // 30 for n in numbers]
            lines.append(";".join(["31.12.2024", code, area_name(code), age,
                                   *map(str, numbers)]))
    return "\n".join([*head, *lines, *FOOTER]).encode("utf-8-sig")


FFCSV_HEAD = ("statistics_code;statistics_label;time_code;time_label;time;1_variable_code;"
              "1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
              "2_variable_code;2_variable_label;2_variable_attribute_code;"
              "2_variable_attribute_label;value;value_unit;value_variable_code;"
              "value_variable_label;value_q")


def ffcsv_english() -> bytes:
    """Current ffcsv, language=en (decimal point, English labels), Germany-wide, value_q."""
    lines = [FFCSV_HEAD]
    for code in germany_keys(eisenach=True):
        variable = {2: "DLAND", 3: "REGBEZ"}.get(len(code), "KREISE")
        variable = "DINSG" if code == "DG" else variable
        for nat, label, column in (("", "Total", 0), ("NATA", "Foreigners", 1)):
            number = "-" if code == EISENACH else value(code, column)
            quality = "p" if code == "16053" else ""
            lines.append(f"12411;Population;STAG;Reference date;2024-12-31;{variable};Region;"
                         f"{code};{area_name(code).strip()};NAT;Nationality;{nat};{label};"
                         f"{number};number;BEVSTD;Population;{quality}")
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def zip_bytes(content: bytes, inner: str) -> bytes:
    """`content` as the single file `inner` of a ZIP (how the portals deliver flat files)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(inner, content)
    return buffer.getvalue()


def xlsx_bytes(csv_bytes: bytes, encoding: str) -> bytes:
    """The XLSX download of a table: same cells, numbers as numbers, keys as text."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in csv_bytes.decode(encoding).splitlines():
        cells: list[object] = line.split(";")
        if len(cells) > 2 and genesis.AREA_KEY.match(str(cells[0])):
            cells = [cells[0], cells[1], *[int(c) if c.isdigit() else c for c in cells[2:]]]
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- the journey: population and foreign nationals 2019–2024 in every layout ----------------------
def _cell(figures: Figures, code: str, year: int, which: int) -> str:
    """The cell a portal writes: the number, or „-“ for Eisenach after it ceased to exist."""
    if code == EISENACH and year > EISENACH_LAST_YEAR:
        return "-"
    return str(figures[(code, year)][which])


def _thuringia() -> list[str]:
    """Thuringia's Kreise as the portals list them: Eisenach in every year (after its end
    with „-“)."""
    return [*THURINGIA, EISENACH]


def ffcsv_german(figures: Figures, years: list[int], *, stand: str = "20250615-101500",
                 ) -> tuple[bytes, str]:
    """Regionaldatenbank 12411-03-03-4 as „CSV (flach)“, German download (regional selection:
    Thuringia's Kreise): (the ZIP's bytes, the inner file name).

    UTF-8 with BOM, long and unsorted (newest year, then the areas backwards), totals with an
    empty attribute code, the Germans (``NATD``) besides total and foreign nationals, no
    ``value_q`` column (quality off); Eisenach listed with „-“ after its end.
    """
    head = FFCSV_HEAD.removesuffix(";value_q")
    lines = [head]
    for year in sorted(years, reverse=True):
        for code in reversed(_thuringia()):
            total, foreign = _cell(figures, code, year, 0), _cell(figures, code, year, 1)
            german = "-" if total == "-" else str(int(total) - int(foreign))
            for nat, label, number in (("", "Insgesamt", total), ("NATA", "Ausländer(innen)",
                                                                  foreign),
                                       ("NATD", "Deutsche", german)):
                lines.append(f"12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;"
                             f"{year}-12-31;KREISE;Kreise und kreisfreie Städte;{code};"
                             f"{NAMES[code]};NAT;Nationalität;{nat};{label};{number};Anzahl;"
                             "BEVSTD;Bevölkerungsstand")
    inner = f"12411-03-03-4_{stand}_de_flat.csv"
    content = ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")
    return zip_bytes(content, inner), inner


def old_flat(figures: Figures, years: list[int]) -> bytes:
    """The older flat file of 12411-03-03-4 (German headers, Latin-1, „31.12.2020“, a value
    column ``BEVSTD__Bevoelkerungsstand__Anzahl`` with its ``__q`` column; the header's
    last column with leading spaces as in saved downloads), Thuringia's Kreise."""
    lines = ["Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;"
             "1_Merkmal_Label;1_Auspraegung_Code;1_Auspraegung_Label;2_Merkmal_Code;"
             "2_Merkmal_Label;2_Auspraegung_Code;2_Auspraegung_Label;"
             "BEVSTD__Bevoelkerungsstand__Anzahl;     BEVSTD__Bevoelkerungsstand__q"]
    for year in years:
        for code in _thuringia():
            for nat, label, which in (("", "Insgesamt", 0), ("NATA", "Ausländer(innen)", 1)):
                lines.append(f"12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;"
                             f"31.12.{year};KREISE;Kreise und kreisfreie Städte;{code};"
                             f"{NAMES[code]};NAT;Nationalität;{nat};{label};"
                             f"{_cell(figures, code, year, which)};e")
    return ("\n".join(lines) + "\n").encode("latin-1")


def table_periods_in_header(figures: Figures, years: list[int]) -> bytes:
    """12411-03-03-4 „Tabelle“ for all of Germany (Windows-1252): one column per Stichtag and
    nationality (Insgesamt, Ausländer(innen)) under two header rows; DG, Länder,
    Regierungsbezirke and Kreise of other Länder with made-up values, Thuringia (the Land as
    the sum of its Kreise) and its Kreise with `figures`, Eisenach with „-“ after its end."""
    width = 2 + 2 * len(years)
    pad = ";" * (width - 1)
    lines = ["GENESIS-Tabelle: 12411-03-03-4",
             f"Bevölkerungsstand: Bevölkerung nach Nationalität - Stichtag 31.12. -{pad}",
             f"regionale Tiefe: Kreise und krfr. Städte{pad}",
             f"Fortschreibung des Bevölkerungsstandes{pad}",
             f"Bevölkerungsstand (Anzahl){pad}",
             ";;" + ";".join(f"31.12.{y};31.12.{y}" for y in years),
             ";;" + ";".join("Insgesamt;Ausländer(innen)" for _ in years)]
    for code in germany_keys(eisenach=True):
        cells = []
        for year in years:
            if code == "16":
                members = _thuringia() if year <= EISENACH_LAST_YEAR else THURINGIA
                cells += [str(sum(figures[(c, year)][k] for c in members)) for k in (0, 1)]
            elif code in THURINGIA or code == EISENACH:
                cells += [_cell(figures, code, year, 0), _cell(figures, code, year, 1)]
            else:
                cells += [value(code, 2 * (year - 2000)), value(code, 2 * (year - 2000) + 1)]
        lines.append(";".join([code, area_name(code), *cells]))
    return "\r\n".join([*lines, *FOOTER]).encode("cp1252")


def table_periods_in_rows(figures: Figures, years: list[int]) -> bytes:
    """12411-03-03-4 „Tabelle“ with the Stichtag in the first column (one row per Stichtag ×
    area × age group, the Stichtag only in the first row of its block), nationality and sex
    in two header rows, age groups as row labels (Insgesamt and „unter 3 Jahre“), Thuringia's
    Kreise, UTF-8 with BOM."""
    head = ["GENESIS-Tabelle: 12411-03-03-4",
            "Bevölkerungsstand: Bevölkerung nach Geschlecht, Nationalität;;;;;",
            "und Altersgruppen (21) - Stichtag 31.12. - (ab 2011);;;;;",
            "regionale Tiefe: Kreise und krfr. Städte;;;;;",
            "Fortschreibung des Bevölkerungsstandes;;;;;",
            "Bevölkerungsstand (Anzahl);;;;;",
            ";;;;Insgesamt;Ausländer(innen)",
            ";;;;Insgesamt;Insgesamt"]
    lines = []
    for year in years:
        first = True
        for code in _thuringia():
            total, foreign = _cell(figures, code, year, 0), _cell(figures, code, year, 1)
            for age in ("Insgesamt", "unter 3 Jahre"):
                if age == "Insgesamt":
                    numbers = [total, foreign]
                else:
                    numbers = [n if n == "-" else str(int(n) // 40) for n in (total, foreign)]
                stichtag = f"31.12.{year}" if first else ""
                first = False
                lines.append(";".join([stichtag, code, area_name(code), age, *numbers]))
    return "\n".join([*head, *lines, *FOOTER]).encode("utf-8-sig")


def filled_offer_template(template: Path, target: Path, *, actors: Sequence[Sequence[object]],
                          sites: Sequence[Sequence[object]],
                          offers: Sequence[Sequence[object]]) -> Path:
    """The workbook of `monitoring template angebote` filled as a partner fills it: the example
    rows deleted, own actors, sites and offers typed in, no working groups and no meetings."""
    book = openpyxl.load_workbook(template)
    for name, rows in (("Akteure", actors), ("Standorte", sites), ("Angebote", offers)):
        sheet = book[name]
        sheet.delete_rows(2, sheet.max_row)
        for row in rows:
            sheet.append(list(row))
    for name in ("Arbeitsgruppen", "Treffen"):
        book[name].delete_rows(2, book[name].max_row)
    book.save(target)
    return target

"""`monitoring import zahlen` (own figures) is as strict as the other importers: German
numbers read without guessing, unknown series and areas refused with the nearest known ones,
periods from 1990 to today, one unit per series, Windows-1252 decoded as such; every problem
with file, row, column, value and expectation, nothing written on any error. Real stores."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring.cli.main import main
from monitoring.core import cells
from monitoring.errors import DataValidationError
from monitoring.io import import_figures
from monitoring.store.database import open_store

TODAY = date(2026, 12, 5)
HEAD = "reihe;gebiet;zeitraum;wert"
TABLES = ("series_value", "series", "import_log")


def _with_rate_series(path: Path) -> Path:
    """Add indicator X01: the finished percentage `quote_fertig` (a rate series, unit %)."""
    with open_store(path, read_only=False) as store, store.transaction():
        store.write("indicator", pd.DataFrame([{
            "indicator_id": "X01", "name_de": "Quote", "name_en": "rate", "definition": "d",
            "unit": "%", "scale": 1.0, "direction": "up", "source": "eigene",
            "numerator_series": "quote_fertig", "denominator_series": None}]))
    return path


@pytest.fixture
def store_path(reference_copy: Path) -> Path:
    return _with_rate_series(reference_copy)


def _file(folder: Path, lines: list[str], *, head: str = HEAD, name: str = "zahlen.csv",
          encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(("\n".join([head, *lines]) + "\n").encode(encoding))
    return path


def _checksum(path: Path) -> str:
    with open_store(path) as store:
        text = "|".join(store.query(f"SELECT * FROM {t} ORDER BY ALL").to_csv(index=False)
                        for t in TABLES)
    return hashlib.sha256(text.encode()).hexdigest()


def _values(path: Path) -> dict[tuple[str, str, str], float]:
    with open_store(path) as store:
        frame = store.query("SELECT series_id, area_code, period, value FROM series_value")
    return {(s, a, p): v for s, a, p, v in frame.itertuples(index=False)}


def _import(store_path: Path, path: Path) -> import_figures.ImportResult:
    with open_store(store_path, read_only=False) as store:
        return import_figures.import_figures(store, path, today=TODAY)


def _refused(store_path: Path, path: Path) -> list[dict[str, object]]:
    before = _checksum(store_path)
    with pytest.raises(DataValidationError) as info:
        _import(store_path, path)
    assert _checksum(store_path) == before
    assert "nichts geschrieben" in str(info.value)
    return info.value.problems


# -- numbers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "count", "rate"), [
    ("1234", 1234, 1234.0),
    ("1.234", 1234, None),            # count: thousands point; rate: 1234 or 1,234?
    ("1.480", 1480, None),            # was silently 1.48
    ("1.234.567", 1234567, 1234567.0),
    ("1.234,5", None, 1234.5),
    ("12,5", None, 12.5),
    ("1,234", None, 1.234),           # German: a decimal comma
    ("12.5", None, 12.5),             # a point before other than three digits: a decimal point
    ("0.234", None, 0.234),
    ("1 234", 1234, 1234.0),
    ("-3", None, -3.0),
    ("12,0", 12, 12.0),
    ("1,234.5", None, None),          # English in a German file
    ("1e5", None, None),
    ("", None, None),
])
def test_german_number_rules(typed: str, count: int | None, rate: float | None) -> None:
    assert cells.figure(typed, whole=True)[0] == count
    assert cells.figure(typed)[0] == (pytest.approx(rate) if rate is not None else None)


def test_english_notation_and_notation_evidence() -> None:
    assert cells.figure("1,234.5", english=True)[0] == pytest.approx(1234.5)
    assert cells.figure("1,234", english=True, whole=True)[0] == 1234
    assert cells.figure("1.234", english=True)[0] == pytest.approx(1.234)
    assert [cells.number_notation(v) for v in ("1,5", "1.234,5", "1.234.567")] == ["de"] * 3
    assert [cells.number_notation(v) for v in ("1,234.5", "1,234,567")] == ["en"] * 2
    assert {cells.number_notation(v) for v in ("1234", "1.234", "1,234", "12.5", "x")} == {None}


def test_thousands_read_by_the_unit_of_the_series(store_path: Path, tmp_path: Path) -> None:
    _import(store_path, _file(tmp_path, [
        "auslaender;16053;2024-Q4;1.234", "bevoelkerung;16053;2024-Q4;1.480",
        "quote_fertig;16053;2024-Q4;1.234,5", "quote_fertig;16054;2024-Q4;12,5",
        "quote_fertig;16055;2024-Q4;12.5"]))
    got = _values(store_path)
    assert got[("auslaender", "16053", "2024-Q4")] == 1234
    assert got[("bevoelkerung", "16053", "2024-Q4")] == 1480
    assert got[("quote_fertig", "16053", "2024-Q4")] == 1234.5
    assert got[("quote_fertig", "16054", "2024-Q4")] == 12.5
    assert got[("quote_fertig", "16055", "2024-Q4")] == 12.5


def test_bad_numbers_are_refused_with_row_and_expectation(store_path: Path,
                                                         tmp_path: Path) -> None:
    problems = _refused(store_path, _file(tmp_path, [
        "auslaender;16053;2024-Q4;1,5",          # 2: a count with decimals
        "auslaender;16054;2024-Q4;-3",           # 3: a negative count
        "quote_fertig;16053;2024-Q4;1.234",      # 4: ambiguous for a rate
        "quote_fertig;16054;2024-Q4;1,234.5",    # 5: English in a German file
        "quote_fertig;16055;2024-Q4;7,25",       # 6: fine
        "auslaender;16055;2024-Q4;viele"]))      # 7: no number
    by_row = {p["zeile"]: p for p in problems}
    assert sorted(by_row) == [2, 3, 4, 5, 7]
    assert all(p["spalte"] == "wert" and p["datei"] == "zahlen.csv" for p in problems)
    assert by_row[2]["wert"] == "1,5"
    assert str(by_row[2]["erwartet"]).startswith("eine ganze Zahl ≥ 0")
    assert "keine negative Anzahl" in str(by_row[3]["erwartet"])
    assert "1234" in str(by_row[4]["erwartet"]) and "1,234" in str(by_row[4]["erwartet"])
    assert "1.234,5" in str(by_row[5]["erwartet"]) and "Zeile 2" in str(by_row[5]["erwartet"])


def test_a_file_in_english_notation_throughout_is_read_with_a_note(store_path: Path,
                                                                   tmp_path: Path) -> None:
    result = _import(store_path, _file(tmp_path, [
        "bevoelkerung;16053;2024-Q4;1,234", "quote_fertig;16053;2024-Q4;1,234.5",
        "quote_fertig;16054;2024-Q4;0.5"]))
    got = _values(store_path)
    assert got[("bevoelkerung", "16053", "2024-Q4")] == 1234
    assert got[("quote_fertig", "16053", "2024-Q4")] == 1234.5
    assert got[("quote_fertig", "16054", "2024-Q4")] == 0.5
    assert len(result.notes) == 1 and result.notes[0].startswith("Hinweis:")
    assert "englische Zahlenschreibweise" in result.notes[0] and "Zeile 3" in result.notes[0]


def test_a_decimal_comma_in_a_comma_separated_file_is_refused(store_path: Path,
                                                              tmp_path: Path) -> None:
    path = _file(tmp_path, ["quote_fertig,16053,2024-Q4,12,5"], head="reihe,gebiet,zeitraum,wert")
    problems = _refused(store_path, path)
    assert problems[0]["zeile"] == 2 and problems[0]["spalte"] == "Spalte 5"
    assert "Anführungszeichen" in str(problems[0]["erwartet"])
    quoted = _file(tmp_path, ['quote_fertig,16053,2024-Q4,"12,5"'], name="quoted.csv",
                   head="reihe,gebiet,zeitraum,wert")
    _import(store_path, quoted)
    assert _values(store_path)[("quote_fertig", "16053", "2024-Q4")] == 12.5


# -- series, areas, periods, units -------------------------------------------------------------
def test_unknown_series_refused_with_the_nearest_known(store_path: Path, tmp_path: Path) -> None:
    problems = _refused(store_path, _file(tmp_path, ["auslander;16053;2024-Q4;10"]))
    assert problems[0]["spalte"] == "reihe" and problems[0]["wert"] == "auslander"
    expected = str(problems[0]["erwartet"])
    assert "auslaender" in expected and expected.count(",") == 2  # three names


def test_unknown_and_withdrawn_areas_refused_with_hints(store_path: Path, tmp_path: Path) -> None:
    problems = _refused(store_path, _file(tmp_path, [
        "auslaender;16099;2024-Q4;10", "auslaender;99999999;2024-Q4;10",
        "auslaender;16056;2021-Q3;10", "auslaender;16056;2021-Q2;10"]))
    by_row = {p["zeile"]: str(p["erwartet"]) for p in problems}
    assert sorted(by_row) == [2, 3, 4]                       # Eisenach existed in 2021-Q2
    assert "bekannten Gebietsschlüssel" in by_row[2] and "160" in by_row[2]
    assert "bekannten Gebietsschlüssel" in by_row[3]
    assert "30.06.2021" in by_row[4] and "16063" in by_row[4] and "Nachfolger" in by_row[4]


def test_periods_before_1990_or_in_the_future_refused(store_path: Path, tmp_path: Path) -> None:
    problems = _refused(store_path, _file(tmp_path, [
        "auslaender;16053;1989-Q4;10", "auslaender;16053;2027-Q1;10",
        "auslaender;16053;31.12.2026;10", "auslaender;16053;Ende 2024;10",
        "auslaender;16053;2026-Q4;10", "auslaender;16053;30.09.2024;10"]))
    by_row = {p["zeile"]: str(p["erwartet"]) for p in problems}
    assert sorted(by_row) == [2, 3, 4, 5]
    assert "ab 1990" in by_row[2] and "Zukunft" in by_row[3] and "Zukunft" in by_row[4]
    assert "Quartal" in by_row[5]


def test_one_unit_per_series(store_path: Path, tmp_path: Path) -> None:
    head = HEAD + ";einheit"
    problems = _refused(store_path, _file(tmp_path, [
        "auslaender;16053;2024-Q4;10;Anzahl", "auslaender;16054;2024-Q4;10;%",
        "bevoelkerung;16053;2024-Q4;100;Personen", "quote_fertig;16053;2024-Q4;1,5;Prozent"],
        head=head))
    assert [(p["zeile"], p["spalte"]) for p in problems] == [(3, "einheit")]
    assert "Anzahl" in str(problems[0]["erwartet"]) and "Zeile 2" in str(problems[0]["erwartet"])


def test_windows_1252_is_decoded_as_such(store_path: Path, tmp_path: Path) -> None:
    source = "Ausländerbehörde „Meldestelle“ – Gebühr 5 €"
    _import(store_path, _file(tmp_path, [f"auslaender;16053;2024-Q4;10;{source}"],
                              head=HEAD + ";quelle", encoding="cp1252"))
    with open_store(store_path) as store:
        got = store.query("SELECT source FROM series_value").iloc[0, 0]
    assert got == source


def test_excel_cells_keep_their_types(store_path: Path, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["reihe", "gebiet", "zeitraum", "wert"])
    sheet.append(["auslaender", 16053, datetime(2024, 12, 31), 1234])
    sheet.append(["quote_fertig", "16053", "2024-Q4", 12.5])
    sheet.append(["auslaender", 16054, "2024-Q4", 2.5])         # a count with decimals
    path = tmp_path / "zahlen.xlsx"
    book.save(path)
    problems = _refused(store_path, path)
    assert [(p["zeile"], p["spalte"]) for p in problems] == [(4, "wert")]
    sheet.delete_rows(4)
    book.save(path)
    _import(store_path, path)
    got = _values(store_path)
    assert got == {("auslaender", "16053", "2024-Q4"): 1234,
                   ("quote_fertig", "16053", "2024-Q4"): 12.5}


def test_error_report_keeps_the_rejected_rows_and_same_file_twice(
        store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _file(tmp_path, ["auslaender;16053;2024-Q4;10", "auslaender;16099;2024-Q4;1,5"])
    report = tmp_path / "fehler.csv"
    args = ["--store", str(store_path)]
    assert main(["import", "zahlen", str(bad), *args, "--fehlerbericht", str(report)]) == 2
    err = capsys.readouterr().err
    assert "zahlen.csv" in err and "Zeile 3, Spalte gebiet: „16099“" in err
    rows = pd.read_csv(report, sep=";", encoding="utf-8-sig", dtype=str)
    assert rows[["zeile", "spalte", "wert"]].values.tolist() == [["3", "gebiet", "16099"],
                                                                ["3", "wert", "1,5"]]
    assert set(rows["abgelehnte_zeile"]) == {"auslaender;16099;2024-Q4;1,5"}
    good = _file(tmp_path, ["auslaender;16053;2024-Q4;10", "bevoelkerung;16053;2024-Q4;1.000"],
                 name="gut.csv")
    assert main(["import", "zahlen", str(good), *args]) == 0
    before = _checksum(store_path)
    assert main(["import", "zahlen", str(good), *args]) == 0
    assert "bereits importiert" in capsys.readouterr().out
    assert _checksum(store_path) == before


# -- Hypothesis: the whole import on generated files --------------------------------------------
COUNTS = ("auslaender", "bevoelkerung", "anerkennungen_positiv")
AREAS = ("16053", "16054", "16070004", "16051")
PERIODS = {"2024-Q4": "2024-Q4", "31.12.2023": "2023-Q4", "2022": "2022-Q4",
           "2025-06-30": "2025-Q2", "2026-Q4": "2026-Q4"}
SOURCE = "Ausländerbehörde „Jena“ – 5 €"
ANCHOR = ("quote_fertig", "16052", "2024-Q1")


def _group(number: int, sep: str) -> str:
    return f"{number:,}".replace(",", sep)


def _count_text(n: int, english: bool, style: int) -> str:
    if style == 0 or n < 1000:
        return str(n)
    return _group(n, "," if english else ".")


def _rate_text(hundredths: int, english: bool, style: int) -> str:
    sign = "-" if hundredths < 0 else ""
    whole, frac = divmod(abs(hundredths), 100)
    if english:
        return sign + (f"{whole:,}" if style else str(whole)) + f".{frac:02d}"
    if style == 2:  # a decimal point before two digits is unambiguous
        return f"{sign}{whole}.{frac:02d}"
    return sign + (_group(whole, ".") if style else str(whole)) + f",{frac:02d}"


@st.composite
def _rows(draw: st.DrawFn, english: bool) -> list[dict[str, object]]:
    """Rows of one file: each valid (with its value) or invalid in one known way."""
    keys = draw(st.lists(st.tuples(st.sampled_from((*COUNTS, "quote_fertig")),
                                   st.sampled_from(AREAS), st.sampled_from(sorted(PERIODS))),
                         max_size=8, unique_by=lambda k: (k[0], k[1], PERIODS[k[2]])))
    invalid_kinds = ["series", "area", "withdrawn", "old", "future", "fraction", "negative",
                     "garbage", "unit"] + ([] if english else ["ambiguous", "english"])
    all_valid = draw(st.booleans())  # half the files are valid throughout
    rows = []
    for series, area, period in keys:
        style = draw(st.integers(0, 2))
        count = series != "quote_fertig"
        if count:
            n = draw(st.integers(0, 10**7))
            row = {"reihe": series, "wert": _count_text(n, english, style), "value": float(n)}
        else:
            k = draw(st.integers(-10**6, 10**8))
            row = {"reihe": series, "wert": _rate_text(k, english, style), "value": k / 100}
        unit = "Anzahl" if count else "%"
        row.update(gebiet=area, zeitraum=period, period=PERIODS[period], valid=True,
                   einheit=draw(st.sampled_from(["", unit])))
        kind = None if all_valid else draw(st.none() | st.sampled_from(invalid_kinds))
        if kind is not None:
            row["valid"] = False
            if kind == "series":
                row["reihe"] = draw(st.sampled_from(["auslander", "Auslaender", "bevölkerung"]))
            elif kind == "area":
                row["gebiet"] = draw(st.sampled_from(["16099", "99999999", "1605X", ""]))
            elif kind == "withdrawn":
                row["gebiet"], row["zeitraum"] = "16056", "2023-Q1"
            elif kind == "old":
                row["zeitraum"] = draw(st.sampled_from(["1989-Q4", "31.12.1985", "1900"]))
            elif kind == "future":
                row["zeitraum"] = draw(st.sampled_from(["2027-Q1", "2031", "01.01.2027"]))
            elif kind == "fraction":
                row["reihe"], row["wert"] = "auslaender", "1.5" if english else "1,5"
            elif kind == "negative":
                row["reihe"], row["wert"] = "bevoelkerung", "-3"
            elif kind == "garbage":
                row["wert"] = draw(st.sampled_from(["", "viele", "1e5", "12 5", "#NV"]))
            elif kind == "unit":
                row["einheit"] = "%" if count else "Anzahl"
            elif kind == "ambiguous":
                row["reihe"], row["wert"] = "quote_fertig", "1.234"
            else:
                row["reihe"], row["wert"] = "quote_fertig", "1,234.5"
        rows.append(row)
    return rows


@st.composite
def _files(draw: st.DrawFn) -> tuple[bytes, list[dict[str, object]], bool]:
    english = draw(st.booleans())
    rows = draw(_rows(english))
    # one number only this file's notation reads, so the notation is never in doubt
    anchor = {"reihe": ANCHOR[0], "gebiet": ANCHOR[1], "zeitraum": ANCHOR[2],
              "period": ANCHOR[2], "wert": "1,234.5" if english else "1.234,5",
              "value": 1234.5, "einheit": "", "valid": True}
    rows.insert(draw(st.integers(0, len(rows))), anchor)
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["reihe", "gebiet", "zeitraum", "wert", "einheit", "quelle"])
    for r in rows:
        writer.writerow([r["reihe"], r["gebiet"], r["zeitraum"], r["wert"], r["einheit"],
                         SOURCE])
    return buffer.getvalue().encode(encoding), rows, english


@pytest.fixture(scope="module")
def rate_store(reference_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("zahlen") / "base.duckdb"
    shutil.copy(reference_store, path)
    return _with_rate_series(path)


@settings(max_examples=examples(40), deadline=None)
@given(generated=_files())
def test_generated_files_import_exactly_or_refuse_without_writing(
        rate_store: Path, generated: tuple[bytes, list[dict[str, object]], bool]) -> None:
    content, rows, english = generated
    with tempfile.TemporaryDirectory() as folder:
        store_path = Path(folder) / "s.duckdb"
        shutil.copy(rate_store, store_path)
        path = Path(folder) / "eigene.csv"
        path.write_bytes(content)
        before = _checksum(store_path)
        invalid = {line for line, r in enumerate(rows, start=2) if not r["valid"]}
        try:
            result = _import(store_path, path)
        except DataValidationError as err:
            event("abgelehnt")
            assert invalid, err
            assert {p["zeile"] for p in err.problems} == invalid
            assert all(p["datei"] == "eigene.csv" and p["spalte"] and p["erwartet"]
                       for p in err.problems)
            assert _checksum(store_path) == before
            return
        event("übernommen, englisch" if english else "übernommen")
        assert not invalid
        assert result.rows == len(rows)
        assert bool(result.notes) == english
        expected = {(str(r["reihe"]), str(r["gebiet"]), str(r["period"])): r["value"]
                    for r in rows}
        assert _values(store_path) == pytest.approx(expected)
        with open_store(store_path) as store:
            assert set(store.query("SELECT source FROM series_value")["source"]) == {SOURCE}

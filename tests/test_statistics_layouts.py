"""Every layout the official portals deliver, detected automatically (real DuckDB files).

The test files are written in exactly the shapes ``FORMATS.md`` §1a documents (title lines,
header rows, indented names, footer „__________“ with notes and „Stand:“, symbols, units,
``value_q``), for all of Germany: a few dozen real keys of every level stand for the
thousands of rows of a real download (writers: ``tests/portal_files.py``).
"""

from __future__ import annotations

import contextlib
import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring.core import genesis
from monitoring.errors import DataValidationError
from monitoring.io import geography, import_catalogue, import_statistics
from monitoring.store.database import open_store
from portal_files import (
    EISENACH,
    FFCSV_HEAD,
    THURINGIA,
    ffcsv_english,
    table_date_and_age_rows,
    table_header_periods,
    table_year_rows,
    xlsx_bytes,
    zip_bytes,
)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    with open_store(path, read_only=False, create=True) as store:
        geography.load_reference_geography(store)
        import_catalogue.load_catalogue(store)
    return path


def _series(store, series_id: str) -> dict[tuple[str, str], tuple[float, str | None]]:
    rows = store.query("SELECT area_code, period, value, flag FROM series_value "
                       "WHERE series_id = ?", [series_id])
    return {(r.area_code, r.period): (r.value, r.flag) for r in rows.itertuples()}


def _import(store_path: Path, path: Path, **kw):
    with open_store(store_path, read_only=False) as store:
        result = import_statistics.import_statistics(store, path,
                                                     download_date=date(2025, 6, 15), **kw)
        return result, _series(store, "bevoelkerung"), _series(store, "auslaender")


def test_germany_wide_table_keeps_the_store_areas_and_counts_the_rest(
        store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "12411-01-01-4.csv"
    path.write_bytes(table_header_periods())
    result, population, _ = _import(store_path, path)
    assert population[("16053", "2024-Q4")] == (53000 + 0 * 10 + 5, None)
    assert population[("16053", "2020-Q4")][0] == 53000 + 20 + 5
    assert ("16", "2024-Q4") in population                        # the Land is in the store
    assert not any(code in population for code in ("09162", "031", "05334002"))
    assert ("16056", "2020-Q4") in population                     # Eisenach before 2021 …
    assert ("16056", "2024-Q4") not in population                 # … not after its end
    assert {a for a, _ in population} == {"16", *THURINGIA, EISENACH}
    assert result.skipped_areas == (
        "übersprungen: 1 Deutschland, 15 Länder, 19 Regierungsbezirke, 17 Kreise außerhalb "
        "des Gebiets der Datenbank, 1 Gemeinde außerhalb des Gebiets der Datenbank, 1 aufgelöstes "
        "Gebiet (Werte nach seinem Ende ausgelassen)")
    assert "„Bevölkerungsstand – männlich“" in result.unassigned
    assert "--zuordnung" in result.unassigned


def test_windows_1252_quotes_and_dashes_decode() -> None:
    text, _ = genesis.decode("„vorläufig“ – 5 €".encode("cp1252"), "x.csv")
    assert text == "„vorläufig“ – 5 €"
    assert genesis.decode("Bevölkerung".encode("latin-1"), "x.csv")[0] == "Bevölkerung"


def test_year_in_first_column_with_multi_line_header(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "12511-01-01-4.csv"
    path.write_bytes(table_year_rows())
    parsed = genesis.parse(path.read_bytes(), path.name)
    assert parsed.layout == "tabelle" and parsed.table == "12511-01-01-4"
    assert not parsed.problems and parsed.dropped == {"DG"}
    assert set(parsed.rows["value_variable"]) == {"Einbürgerungen von Ausländern"}
    assert set(parsed.rows["attributes"]) == {"", "LABEL=Afrika", "LABEL=Asien"}
    assert set(parsed.rows["period"]) == {"2023-Q4", "2024-Q4"}
    with open_store(store_path, read_only=False) as store:
        import_statistics.import_statistics(store, path)
        got = _series(store, "einbuergerungen")
    assert got[("16053", "2024-Q4")] == (53000 + 10 + 5, None)
    assert got[("16053", "2023-Q4")] == (53000 + 5, None)


def test_date_column_and_age_rows_give_population_and_foreigners(store_path: Path,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "12411-03-03-4.csv"
    path.write_bytes(table_date_and_age_rows())
    result, population, foreigners = _import(store_path, path)
    assert population[("16053", "2024-Q4")][0] == 100053
    assert foreigners[("16053", "2024-Q4")][0] == 10005
    assert set(population) == {("16", "2024-Q4"), ("16053", "2024-Q4"), ("16054", "2024-Q4")}
    assert "unter 3 Jahre" in result.unassigned
    assert result.skipped_areas == ("übersprungen: 1 Deutschland, 1 Regierungsbezirk, 1 Kreis "
                                    "außerhalb des Gebiets der Datenbank")


def test_english_ffcsv_in_zip_with_quality_flags(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "12411-03-03-4_20250615.zip"
    path.write_bytes(zip_bytes(ffcsv_english(), "12411-03-03-4_20250615_en_flat.csv"))
    result, population, foreigners = _import(store_path, path)
    assert population[("16053", "2024-Q4")] == (53005.0, "vorläufig")
    assert foreigners[("16054", "2024-Q4")][0] == 54015
    assert "1 Deutschland, 15 Länder, 19 Regierungsbezirke" in result.skipped_areas
    assert ("16056", "2024-Q4") not in population


def test_ffcsv_without_code_columns_and_12_digit_keys(store_path: Path, tmp_path: Path) -> None:
    """Zensus database shape: labels only, Gemeinden as 12-digit Regionalschlüssel."""
    lines = ["time_label;time;1_variable_label;1_variable_attribute_label;"
             "value_variable_label;value;value_unit;value_q"]
    for ars, number in (("160530000000", "108306"), ("160700040004", "1234"),
                        ("092760130130", "2222"), ("DG", "82719540")):
        lines.append(f"Stichtag;2022-05-15;Gemeinden;{ars};Personen;{number};Anzahl;")
    path = tmp_path / "1000A-0000_de_flat.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    parsed = genesis.parse(path.read_bytes(), path.name)
    assert parsed.table == "1000A-0000" and set(parsed.rows["statistic"]) == {"1000A"}
    mapping = tmp_path / "zuordnung.csv"
    mapping.write_text("series_id;statistic;value_variable;attributes\n"
                       "bevoelkerung;1000A;Personen;\n", encoding="utf-8")
    result, population, _ = _import(store_path, path, mapping=mapping)
    assert population[("16053000", "2022-Q2")][0] == 108306
    assert population[("16070004", "2022-Q2")][0] == 1234
    assert result.skipped_areas == ("übersprungen: 1 Deutschland, 1 Regionalschlüssel außerhalb "
                                    "des Gebiets der Datenbank")


def test_xlsx_download_gives_the_same_values_as_the_csv(store_path: Path,
                                                        tmp_path: Path) -> None:
    csv_file = tmp_path / "12411-01-01-4.csv"
    csv_file.write_bytes(table_header_periods())
    xlsx_file = tmp_path / "12411-01-01-4.xlsx"
    xlsx_file.write_bytes(xlsx_bytes(table_header_periods(), "cp1252"))
    from_csv = import_statistics.read_download(csv_file.read_bytes(), csv_file.name)
    from_xlsx = import_statistics.read_download(xlsx_file.read_bytes(), xlsx_file.name)
    assert from_xlsx.layout == "xlsx" and from_xlsx.table == "12411-01-01-4"
    columns = ["region", "period", "attributes", "value", "flag"]
    pd.testing.assert_frame_equal(from_csv.rows[columns].reset_index(drop=True),
                                  from_xlsx.rows[columns].reset_index(drop=True))
    zipped = import_statistics.read_download(zip_bytes(xlsx_file.read_bytes(), "tabelle.xlsx"),
                                             "12411-01-01-4.zip")
    assert zipped.layout == "xlsx" and len(zipped.rows) == len(from_xlsx.rows)
    result, population, _ = _import(store_path, xlsx_file)
    assert result.rows == len(population) and population[("16053", "2024-Q4")][0] == 53005


def test_file_of_another_county_is_a_german_error(store_path: Path, tmp_path: Path) -> None:
    lines = table_header_periods().decode("cp1252").splitlines()
    kept = [ln for ln in lines if not ln.startswith(("16", "DG"))]
    path = tmp_path / "bayern.csv"
    path.write_text("\n".join(kept), encoding="cp1252")
    with open_store(store_path, read_only=False) as store:
        with pytest.raises(DataValidationError) as info:
            import_statistics.import_statistics(store, path)
        assert store.query("SELECT count(*) FROM series_value").iloc[0, 0] == 0
        logged = store.query("SELECT count(*) FROM import_log WHERE kind = 'statistik'")
        assert logged.iloc[0, 0] == 0
    message = str(info.value)
    assert "bayern.csv enthält kein Gebiet, das die Datenbank kennt" in message
    assert "15 Länder, 19 Regierungsbezirke, 17 Kreise außerhalb" in message
    assert "nichts geschrieben" in message


def test_mixed_units_and_unmapped_values_are_reported(store_path: Path, tmp_path: Path) -> None:
    text = ffcsv_english().decode("utf-8-sig").splitlines()
    text = [ln.replace(";number;", ";percent;") if ";16054;" in ln and ";NATA;" in ln else ln
            for ln in text]
    path = tmp_path / "units.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with open_store(store_path, read_only=False) as store, \
            pytest.raises(DataValidationError) as info:
        import_statistics.import_statistics(store, path)
    first = info.value.problems[0]
    assert first["datei"] == "units.csv" and first["spalte"] == "value_unit"
    assert first["wert"] == "percent" and "Anzahl" in str(first["erwartet"])
    assert isinstance(first["zeile"], int)
    nothing = tmp_path / "nur_frauen.csv"
    nothing.write_bytes(ffcsv_english().replace(b";NAT;Nationality;;Total;",
                                                b";NAT;Nationality;NATM;Men;").replace(
        b";NAT;Nationality;NATA;Foreigners;", b";NAT;Nationality;NATW;Women;"))
    with open_store(store_path, read_only=False) as store, \
            pytest.raises(DataValidationError) as info:
        import_statistics.import_statistics(store, nothing)
    assert "Nationality: Women" in str(info.value.problems[0]["wert"])
    assert "--zuordnung" in str(info.value.problems[0]["erwartet"])


def test_same_file_twice_changes_nothing(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "12511-01-01-4.csv"
    path.write_bytes(table_year_rows())
    with open_store(store_path, read_only=False) as store:
        first = import_statistics.import_statistics(store, path)
        before = store.query("SELECT * FROM series_value ORDER BY ALL")
        again = import_statistics.import_statistics(store, path)
        after = store.query("SELECT * FROM series_value ORDER BY ALL")
    assert first.rows > 0 and again.already_imported
    pd.testing.assert_frame_equal(before, after)


# -- mappings: every catalogue indicator from an official table is mapped ----------------------
OFFICIAL = {  # series → statistic of the table it comes from (FORMATS.md §1a/§1c, DOMAIN.md §3)
    "bevoelkerung": "12411", "auslaender": "12411", "einbuergerungen": "12511"}


def test_official_series_are_mapped_for_flat_files_and_tables() -> None:
    mapping = import_statistics.genesis_mapping()
    catalogue = pd.read_csv(Path(genesis.__file__).parents[1] / "data" / "indicators.csv",
                            sep=";", dtype=str, keep_default_na=False)
    used = set(catalogue["numerator_series"]) | set(catalogue["denominator_series"])
    for series, statistic in OFFICIAL.items():
        assert series in used
        rows = mapping[(mapping["series_id"] == series) & (mapping["statistic"] == statistic)]
        codes = rows["value_variable"].str.fullmatch(r"[A-Z0-9]+")
        assert codes.any() and (~codes).any(), series  # ffcsv code and "Tabelle" label


def test_naturalisations_per_1000_foreigners_from_two_real_tables(store_path: Path,
                                                                  tmp_path: Path) -> None:
    naturalisations = tmp_path / "12511-01-01-4.csv"
    naturalisations.write_bytes(table_year_rows())
    foreigners = tmp_path / "12411-03-03-4.csv"
    foreigners.write_bytes(table_date_and_age_rows())
    with open_store(store_path, read_only=False) as store:
        import_statistics.import_statistics(store, naturalisations)
        import_statistics.import_statistics(store, foreigners)
        got = store.read_observations(indicator_ids=["A07"], area_codes=["16053"],
                                      periods=["2024-Q4"])
    assert got["value"].tolist() == [pytest.approx(53015 / 10005 * 1000)]


# -- fuzzing: any bytes or cells give a result or our error naming file/row/column -------------
_CELL = st.sampled_from(["", "DG", "16", "031", "16053", "16053000", "160530000000", "2024",
                         "31.12.2024", "2024-12-31", "Insgesamt", "männlich", "Anzahl", "Tsd.",
                         "-", ".", "x", "/", "...", "12", "3,5", "*", "__________", "Jena"])


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.lists(_CELL, max_size=7), max_size=14),
       st.sampled_from(["", "GENESIS-Tabelle: 12411-01-01-4\n", FFCSV_HEAD + "\n",
                        "Statistik_Code;Zeit_Code;Zeit;1_Merkmal_Code;1_Auspraegung_Code;"
                        "A__B__Anzahl\n"]),
       st.sampled_from(["utf-8-sig", "cp1252"]))
def test_layout_detection_fuzz(rows: list[list[str]], head: str, encoding: str) -> None:
    content = (head + "\n".join(";".join(r) for r in rows)).encode(encoding)
    with contextlib.suppress(DataValidationError):
        parsed = genesis.parse(content, "fuzz.csv")
        assert list(parsed.rows.columns) == genesis.ROWS
        for p in parsed.problems:
            assert p["datei"] == "fuzz.csv" and set(p) == {"datei", "zeile", "spalte", "wert",
                                                           "erwartet"}
    with contextlib.suppress(DataValidationError):
        genesis.parse_cells([list(r) for r in rows], "fuzz.xlsx", layout="xlsx")


def test_odd_cells_in_rows_of_skipped_areas_do_not_refuse_the_file(store_path: Path,
                                                                   tmp_path: Path) -> None:
    lines = table_header_periods().decode("cp1252").splitlines()
    bavaria = next(i for i, ln in enumerate(lines) if ln.startswith("09162;"))
    lines[bavaria] = lines[bavaria].rsplit(";", 1)[0] + ";*"  # unexplained symbol, Munich
    path = tmp_path / "muenchen_komisch.csv"
    path.write_text("\n".join(lines), encoding="cp1252")
    result, population, _ = _import(store_path, path)
    assert result.rows == len(population) > 0 and "17 Kreise außerhalb" in result.skipped_areas
    jena = next(i for i, ln in enumerate(lines) if ln.startswith("16053;"))
    lines[jena] = lines[jena].rsplit(";", 1)[0] + ";*"
    path = tmp_path / "jena_komisch.csv"
    path.write_text("\n".join(lines), encoding="cp1252")
    with pytest.raises(DataValidationError) as info:
        _import(store_path, path)
    assert info.value.problems[0]["zeile"] == jena + 1
    assert info.value.problems[0]["spalte"] == "Spalte 6"


def test_a_code_that_is_no_area_key_names_row_and_column(store_path: Path,
                                                         tmp_path: Path) -> None:
    lines = ffcsv_english().decode("utf-8-sig").splitlines()
    row = next(i for i, ln in enumerate(lines) if ";16053;" in ln)
    lines[row] = lines[row].replace(";16053;", ";1605X;")
    path = tmp_path / "x.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        _import(store_path, path)
    first = info.value.problems[0]
    assert (first["zeile"], first["spalte"], first["wert"]) == (row + 1, "Gebiet", "1605X")


def test_cli_prints_what_was_skipped(store_path: Path, tmp_path: Path) -> None:
    from monitoring.cli.main import main

    path = tmp_path / "12411-01-01-4.csv"
    path.write_bytes(table_header_periods())
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["import", "statistik", str(path), "--store", str(store_path),
                     "--stand", "2025-06-15"])
    assert code == 0
    text = " ".join(out.getvalue().split())
    assert "Übersprungen: 1 Deutschland, 15 Länder, 19 Regierungsbezirke" in text
    assert "Merkmalskombination keiner Reihe zugeordnet" in text and "--zuordnung" in text

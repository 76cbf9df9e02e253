"""Official statistics and own figures → named series → indicator values (real DuckDB files)."""

from __future__ import annotations

import contextlib
import math
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring import views
from monitoring.core import genesis
from monitoring.errors import DataValidationError
from monitoring.io import geography, import_catalogue, import_figures, import_statistics
from monitoring.store.database import open_store

FIXTURES = Path(__file__).parent / "fixtures" / "genesis"
FLAT = FIXTURES / "12411-03-03-4_flat.csv"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    with open_store(path, read_only=False, create=True) as store:
        geography.load_reference_geography(store)
        import_catalogue.load_catalogue(store)
    return path


def _a01(store) -> dict[str, tuple[float, str | None]]:
    rows = store.read_observations(indicator_ids=["A01"], periods=["2024-Q4"])
    return {r.area_code: (r.value, r.flags) for r in rows.itertuples()}


def test_zipped_flat_file_gives_hand_computed_values(store_path: Path, tmp_path: Path) -> None:
    archive = tmp_path / "12411-03-03-4_20250615.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(FLAT, FLAT.name)
    with open_store(store_path, read_only=False) as store:
        result = import_statistics.import_statistics(store, archive,
                                                     download_date=date(2025, 6, 15))
        got = _a01(store)
        provenance = store.query("SELECT DISTINCT source_table, download_date, file_hash "
                                 "FROM series_value")
    assert result.rows == 8 and result.skipped_unassigned == 1  # the NATD row has no series
    assert got["16053"][0] == pytest.approx(13.4609, abs=1e-4)      # 14770 / 109725
    assert got["16051"][0] == pytest.approx(12.5850, abs=1e-4)      # 27535 / (218,793 × 1000)
    assert got["16054"] == (0.0, "nichts vorhanden")                # "-" is zero, flagged
    assert math.isnan(got["16055"][0]) and got["16055"][1] == "Nenner geheim"  # "." denominator
    assert len(provenance) == 1
    assert str(provenance.iloc[0]["download_date"])[:10] == "2025-06-15"
    assert provenance.iloc[0]["source_table"] == "12411-03-03-4"


def test_reimport_changes_nothing_and_old_format_matches(store_path: Path, tmp_path: Path) -> None:
    old = tmp_path / "alt.csv"
    old.write_bytes(
        "Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;1_Merkmal_Label;"
        "1_Auspraegung_Code;1_Auspraegung_Label;2_Merkmal_Code;2_Merkmal_Label;2_Auspraegung_Code;"
        "2_Auspraegung_Label;     BEVSTD__Bevölkerungsstand__Anzahl\n"
        "12411;Fortschreibung;STAG;Stichtag;31.12.2024;KREISE;Kreise;16053;Jena;NAT;Staatsangeh.;"
        ";Insgesamt;109725\n"
        "12411;Fortschreibung;STAG;Stichtag;31.12.2024;KREISE;Kreise;16053;Jena;NAT;Staatsangeh.;"
        "NATA;Ausländer;14770\n".encode("latin-1"))
    with open_store(store_path, read_only=False) as store:
        import_statistics.import_statistics(store, old)
        before = store.query("SELECT count(*) AS n FROM import_log").iloc[0, 0]
        again = import_statistics.import_statistics(store, old)
        assert again.already_imported
        assert store.query("SELECT count(*) AS n FROM import_log").iloc[0, 0] == before
        assert _a01(store)["16053"][0] == pytest.approx(13.4609, abs=1e-4)


def test_table_csv_is_read_with_codes_not_names() -> None:
    parsed = genesis.parse((FIXTURES / "12411-01-01-4_tabelle.csv").read_bytes(), "t.csv")
    assert parsed.table == "12411-01-01-4" and not parsed.problems
    rows = parsed.rows[parsed.rows["attributes"] == ""]
    values = {(r.region, r.period): (r.value, r.flag) for r in rows.itertuples()}
    assert values[("16053", "2024-Q4")][0] == 109725.0
    assert pd.isna(values[("16053", "2024-Q4")][1])
    assert pd.isna(values[("16054", "2023-Q4")][0]) and values[("16054", "2023-Q4")][1] == "geheim"
    assert ("16053", "2024-Q4") in values and len(parsed.rows) == 6  # männlich kept separately
    assert "DG" not in set(parsed.rows["region"])


def _bad(tmp_path: Path, line: str, name: str = "bad.csv") -> Path:
    head = FLAT.read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / name
    path.write_text("\n".join([*head[:3], line]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("replace, expected_column", [
    (("14770", "*"), "value"),                    # a symbol without explanation
    (("2024-12-31", "Ende 2024"), "time"),       # period that does not parse
    (("14770;Anzahl", "14770;Prozent"), "value_unit"),  # unit does not fit a count series
    (("14770", "14999"), "value"),                # duplicate with a different value
])
def test_bad_input_writes_nothing(store_path: Path, tmp_path: Path,
                                  replace: tuple[str, str], expected_column: str) -> None:
    lines = FLAT.read_text(encoding="utf-8-sig").splitlines()
    row = lines[2].replace(*replace)
    path = _bad(tmp_path, row)
    if replace[1] == "14999":  # keep the original row too: same key, different value
        path.write_text("\n".join([*lines[:3], row]) + "\n", encoding="utf-8")
    with open_store(store_path, read_only=False) as store:
        with pytest.raises(DataValidationError) as info:
            import_statistics.import_statistics(store, path)
        assert store.query("SELECT count(*) FROM series_value").iloc[0, 0] == 0
        assert store.query("SELECT count(*) FROM import_log WHERE kind='statistik'").iloc[0, 0] == 0
    problem = info.value.problems[0]
    assert problem["spalte"] == expected_column and problem["zeile"] in (3, 4)
    assert "nichts geschrieben" in str(info.value)


def test_unknown_layout_is_a_german_error() -> None:
    with pytest.raises(DataValidationError, match=r"Format von x\.csv ist unbekannt"):
        genesis.parse(b"a;b;c\n1;2;3\n", "x.csv")


@settings(max_examples=examples(150), deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=300).map(
    lambda t: ("statistics_code;time_code;time;value\n" + t).encode()))
def test_parser_fuzz_raises_only_our_errors(content: bytes) -> None:
    with contextlib.suppress(DataValidationError):
        genesis.parse(content, "fuzz.csv")


def test_eisenach_counts_summed_and_rate_recomputed(store_path: Path, tmp_path: Path) -> None:
    figures = tmp_path / "eigene.csv"
    figures.write_text(
        "reihe;gebiet;zeitraum;wert\n"
        "auslaender;16056;2020-Q4;3000\nbevoelkerung;16056;2020-Q4;42000\n"
        "auslaender;16063;2020-Q4;4000\nbevoelkerung;16063;2020-Q4;120000\n", encoding="utf-8")
    with open_store(store_path, read_only=False) as store:
        import_figures.import_figures(store, figures)
        panel = views.indicator_panel(store)
    row = panel[(panel.indicator_id == "A01") & (panel.period == "2020-Q4")].set_index("area_code")
    assert "16056" not in row.index
    assert row.loc["16063", "numerator"] == 7000 and row.loc["16063", "denominator"] == 162000
    assert row.loc["16063", "value"] == pytest.approx(7000 / 162000 * 100)  # 4.3210, not the mean


def test_own_figures_duplicate_with_different_value_rejected(store_path: Path,
                                                             tmp_path: Path) -> None:
    figures = tmp_path / "dup.csv"
    figures.write_text("reihe;gebiet;zeitraum;wert\nauslaender;16053;2024-Q4;10\n"
                       "auslaender;16053;2024-Q4;11\nauslaender;1605X;2024-Q4;1\n",
                       encoding="utf-8")
    with open_store(store_path, read_only=False) as store, \
            pytest.raises(DataValidationError) as info:
        import_figures.import_figures(store, figures)
    columns = {p["spalte"] for p in info.value.problems}
    assert columns == {"gebiet", "wert"}
    with open_store(store_path) as store:
        assert store.query("SELECT count(*) FROM series_value").iloc[0, 0] == 0


# -- indicator values are computed when read --------------------------------------------------
def _figures(path: Path, foreigners_jena: int) -> Path:
    path.write_text(
        "reihe;gebiet;zeitraum;wert\n"
        f"auslaender;16053;2024-Q4;{foreigners_jena}\nbevoelkerung;16053;2024-Q4;100000\n"
        "auslaender;16054;2024-Q4;500\nbevoelkerung;16054;2024-Q4;40000\n"
        "auslaender;16053;2024-Q3;900\nbevoelkerung;16053;2024-Q3;90000\n", encoding="utf-8")
    return path


def _entered(store, rows: list[tuple[str, str, str, float]]) -> None:
    frame = pd.DataFrame(rows, columns=["indicator_id", "area_code", "period", "value"])
    frame = frame.assign(numerator=None, denominator=None, flags=None, source="von Hand")
    with store.transaction():
        store.write("observation", frame)


def test_series_take_precedence_over_entered_values_and_gaps_are_filled(
        store_path: Path, tmp_path: Path) -> None:
    with open_store(store_path, read_only=False) as store:
        # entered before any series exist: one the series will cover, one they will not
        _entered(store, [("A01", "16053", "2024-Q4", 99.0), ("A01", "16055", "2024-Q4", 7.5)])
        import_figures.import_figures(store, _figures(tmp_path / "z.csv", 1000))
        got = store.read_observations(indicator_ids=["A01"]).set_index(["area_code", "period"])
    assert got.loc[("16053", "2024-Q4"), "value"] == pytest.approx(1.0)   # 1000 / 100000 %
    assert got.loc[("16053", "2024-Q4"), "source"] != "von Hand"
    assert got.loc[("16055", "2024-Q4"), "value"] == 7.5                 # entered, kept
    assert got.loc[("16053", "2024-Q3"), "value"] == pytest.approx(1.0)   # 900 / 90000 %
    assert got.index.is_unique


def test_corrected_series_are_visible_without_a_recomputation(store_path: Path,
                                                              tmp_path: Path) -> None:
    with open_store(store_path, read_only=False) as store:
        import_figures.import_figures(store, _figures(tmp_path / "erst.csv", 1000))
        first = store.read_observations(indicator_ids=["A01"], area_codes=["16053"],
                                        periods=["2024-Q4"])
        import_figures.import_figures(store, _figures(tmp_path / "korrigiert.csv", 1500))
        second = store.read_observations(indicator_ids=["A01"], area_codes=["16053"],
                                         periods=["2024-Q4"])
    assert first["value"].tolist() == [pytest.approx(1.0)]
    assert second["value"].tolist() == [pytest.approx(1.5)]              # 1500 / 100000 %
    assert second["source_table"].tolist() == ["korrigiert.csv"]


@settings(max_examples=examples(25), deadline=None)
@given(indicators=st.sets(st.sampled_from(["A01", "A02", "B01", "X99"])),
       areas=st.sets(st.sampled_from(["16053", "16054", "16055", "16070"])),
       periods=st.sets(st.sampled_from(["2024-Q3", "2024-Q4", "2025-Q1"])))
def test_filters_select_exactly_the_matching_rows(tmp_path_factory, indicators, areas,
                                                  periods) -> None:
    path = _filter_store(tmp_path_factory)
    with open_store(path) as store:
        everything = store.read_observations()
        got = store.read_observations(indicator_ids=sorted(indicators), area_codes=sorted(areas),
                                      periods=sorted(periods))
    expected = everything[everything["indicator_id"].isin(indicators)
                          & everything["area_code"].isin(areas)
                          & everything["period"].isin(periods)]
    assert got[["indicator_id", "area_code", "period"]].values.tolist() == \
        expected[["indicator_id", "area_code", "period"]].values.tolist()
    assert got["value"].tolist() == pytest.approx(expected["value"].tolist(), nan_ok=True)


_FILTER_STORE: dict[str, Path] = {}


def _filter_store(factory) -> Path:
    """One store for all Hypothesis examples: series-computed and entered values mixed."""
    if "path" not in _FILTER_STORE:
        folder = factory.mktemp("filter")
        path = folder / "s.duckdb"
        with open_store(path, read_only=False, create=True) as store:
            geography.load_reference_geography(store)
            import_catalogue.load_catalogue(store)
            _entered(store, [("A01", "16055", "2024-Q4", 7.5), ("B01", "16070", "2025-Q1", 3.0),
                             ("A01", "16053", "2024-Q4", 99.0)])
            import_figures.import_figures(store, _figures(folder / "z.csv", 1000))
        _FILTER_STORE["path"] = path
    return _FILTER_STORE["path"]


def test_district_values_are_summed_from_municipal_parts_on_read(store_path: Path,
                                                                 tmp_path: Path) -> None:
    figures = tmp_path / "gemeinden.csv"
    figures.write_text(
        "reihe;gebiet;zeitraum;wert\n"
        "auslaender;16070004;2024-Q4;30\nbevoelkerung;16070004;2024-Q4;1000\n"
        "auslaender;16070028;2024-Q4;10\nbevoelkerung;16070028;2024-Q4;3000\n"
        "auslaender;16051000;2024-Q4;500\n"                       # no denominator: incomplete
        "auslaender;16051000;2024-Q3;400\nbevoelkerung;16051000;2024-Q3;20000\n",
        encoding="utf-8")
    with open_store(store_path, read_only=False) as store:
        # a Kreis value entered by hand must not be added to its own Gemeinden
        _entered(store, [("A01", "16070", "2024-Q4", 50.0)])
        import_figures.import_figures(store, figures)
        got = store.read_aggregated(code_length=5, part_length=8, indicator_ids=["A01"])
    got = got.set_index(["area_code", "period"])
    assert got.loc[("16070", "2024-Q4"), "numerator"] == 40
    assert got.loc[("16070", "2024-Q4"), "denominator"] == 4000
    assert got.loc[("16070", "2024-Q4"), "value"] == pytest.approx(1.0)   # 40/4000, not mean 1.67
    assert math.isnan(got.loc[("16051", "2024-Q4"), "value"])
    assert got.loc[("16051", "2024-Q4"), "flags"] == "unvollständig"
    assert got.loc[("16051", "2024-Q3"), "value"] == pytest.approx(2.0)   # 400 / 20000 %


def test_only_counts_are_added_up_without_a_denominator(store_path: Path, tmp_path: Path) -> None:
    figures = tmp_path / "gemeinden.csv"
    figures.write_text(
        "reihe;gebiet;zeitraum;wert\n"
        "anerkennungen_positiv;16070004;2024-Q4;7\nanerkennungen_positiv;16070028;2024-Q4;5\n"
        "quote_fertig;16070004;2024-Q4;12.5\nquote_fertig;16070028;2024-Q4;30\n",
        encoding="utf-8")
    with open_store(store_path, read_only=False) as store:
        with store.transaction():  # a finished percentage delivered without its parts
            store.write("indicator", pd.DataFrame([{
                "indicator_id": "X01", "name_de": "Quote", "name_en": "rate", "definition": "d",
                "unit": "%", "scale": 1.0, "direction": "up", "source": "eigene",
                "numerator_series": "quote_fertig", "denominator_series": None}]))
        import_figures.import_figures(store, figures)
        got = store.read_aggregated(code_length=5, part_length=8, indicator_ids=["A28", "X01"],
                                    periods=["2024-Q4"]).set_index("indicator_id")
    assert got.loc["A28", "value"] == 12 and got.loc["A28", "area_code"] == "16070"  # 7 + 5
    assert pd.isna(got.loc["X01", "value"])                  # 42.5 % would be nonsense
    assert got.loc["X01", "flags"] == "nicht summierbar"

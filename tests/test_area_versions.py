"""Area versions follow area changes (issue 5): merged-away areas stop being current.

Real DuckDB files throughout: a store with the packaged Thuringia geography (and the demo store
where offers and population are needed). Expected dates and counts are worked out by hand in
the comments: a whole-area change effective D ends the old area's version on D − 1.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring import views
from monitoring.cli.main import main
from monitoring.core.areas import (
    ENDED_BY_CHANGE,
    ENDED_MISSING_FROM_FILE,
    apply_change_endings,
    located_today,
)
from monitoring.errors import AreaError, DataValidationError
from monitoring.io import geography
from monitoring.io.geography import read_reference_layer
from monitoring.io.import_area_changes import import_area_changes
from monitoring.io.import_areas import load_area_file
from monitoring.store.database import create_store_at_version, open_store

HEADER = "alter_schluessel;neuer_schluessel;wirksam_ab;art;anteil;hinweis"
TODAY = date(2026, 1, 15)
ALKERSLEBEN, ALTENFELD, ARNSTADT, NEW = "16070001", "16070002", "16070004", "16070900"
MERGER = date(2019, 1, 1)
EVE = date(2018, 12, 31)


@pytest.fixture
def store_path(reference_copy: Path) -> Path:
    return reference_copy


def _csv(folder: Path, rows: list[str], name: str = "aenderungen.csv") -> Path:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _import(store_path: Path, path: Path):  # type: ignore[no-untyped-def]
    with open_store(store_path, read_only=False) as store:
        return import_area_changes(store, path, today=TODAY)


def _versions(store_path: Path, *codes: str) -> dict[str, list[tuple[str, str | None, object]]]:
    """code → [(valid_from, valid_to, end_reason)] as ISO text, oldest first."""
    with open_store(store_path) as store:
        frame = store.query("SELECT area_code, strftime(valid_from, '%Y-%m-%d') AS f, "
                            "strftime(valid_to, '%Y-%m-%d') AS t, end_reason FROM area "
                            "WHERE list_contains(?, area_code) ORDER BY area_code, valid_from",
                            [list(codes)])
    out: dict[str, list[tuple[str, str | None, object]]] = {c: [] for c in codes}
    for code, start, end, reason in frame.itertuples(index=False):
        out[code].append((start, None if pd.isna(end) else end,
                          None if pd.isna(reason) else reason))
    return out


def _area_table(store_path: Path) -> pd.DataFrame:
    with open_store(store_path) as store:
        return store.query("SELECT area_code, valid_from, valid_to, end_reason, name FROM area "
                           "ORDER BY area_code, valid_from")


def _current(store_path: Path, level: str = "gemeinde", on: date | None = None) -> set[str]:
    with open_store(store_path) as store:
        return set(store.read_areas(level=level, on=on)["area_code"])


# -- the pure rule ---------------------------------------------------------------------------------
def _frame(rows: list[tuple[str, str, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["area_code", "valid_from", "valid_to", "end_reason"])


def _changes(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["old_code", "new_code", "effective", "kind"])


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[arg-type]


def _ends(frame: pd.DataFrame) -> list[tuple[str | None, str | None]]:
    return [(None if t is None else t.isoformat(), r)
            for t, r in zip(frame["valid_to"], frame["end_reason"], strict=True)]


def test_rule_ends_whole_changes_only_and_undoes_its_own_endings() -> None:
    versions = _frame([
        ("A", "2009-01-01", None, None),                       # merges 2019 → ends 2018-12-31
        ("B", "2009-01-01", None, None),                       # only a part moves: stays
        ("C", "2009-01-01", "2015-12-31", None),               # superseded by its next version
        ("C", "2016-01-01", None, None),                       # new key 2021 → ends 2020-12-31
        ("D", "2009-01-01", "2018-12-31", ENDED_BY_CHANGE),    # its change is gone → open
        ("E", "2009-01-01", "2016-12-31", ENDED_BY_CHANGE),    # gone too, next version follows
        ("E", "2018-01-01", None, None),
        ("F", "2009-01-01", "2023-12-31", ENDED_MISSING_FROM_FILE),  # change earlier: wins
        ("G", "2009-01-01", "2018-12-31", ENDED_MISSING_FROM_FILE),  # same day: reason kept
        ("H", "2009-01-01", "2021-06-30", None),               # already ends on the eve: marked
    ])
    changes = _changes([
        ("A", "X", "2019-01-01", "zusammenschluss"), ("B", "X", "2019-01-01", "teilausgliederung"),
        ("C", "Y", "2021-01-01", "umschluesselung"), ("F", "X", "2019-01-01", "eingliederung"),
        ("G", "X", "2019-01-01", "eingliederung"), ("H", "Y", "2021-07-01", "eingliederung"),
    ])
    before = versions.copy()
    out = apply_change_endings(versions, changes)
    assert _ends(out) == [
        ("2018-12-31", ENDED_BY_CHANGE), (None, None), ("2015-12-31", None),
        ("2020-12-31", ENDED_BY_CHANGE), (None, None), ("2017-12-31", None), (None, None),
        ("2018-12-31", ENDED_BY_CHANGE), ("2018-12-31", ENDED_MISSING_FROM_FILE),
        ("2021-06-30", ENDED_BY_CHANGE)]
    pd.testing.assert_frame_equal(versions, before)  # input not mutated
    # the same changes again: nothing moves; a change moved to a later date moves the end
    assert _ends(apply_change_endings(out, changes)) == _ends(out)
    later = changes.replace({"2019-01-01": "2020-01-01"})
    assert _ends(apply_change_endings(out, later))[0] == ("2019-12-31", ENDED_BY_CHANGE)


@st.composite
def _histories(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Codes with chains of versions (each ends the day before the next; the last is open)
    and whole or partial changes on random dates."""
    rows, changes = [], []
    for code in ("A", "B", "C", "D"):
        starts = sorted(draw(st.sets(st.dates(date(2000, 1, 1), date(2024, 12, 31)),
                                     min_size=1, max_size=3)))
        for start, nxt in zip(starts, [*starts[1:], None], strict=True):
            end = None if nxt is None else (nxt - timedelta(days=1)).isoformat()
            rows.append((code, start.isoformat(), end, None))
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["zusammenschluss", "eingliederung", "umschluesselung",
                                         "teilausgliederung"]))
            day = draw(st.dates(date(2000, 1, 2), date(2030, 12, 31)))
            changes.append((code, "Z", day.isoformat(), kind))
    return _frame(rows), _changes(changes)


@settings(max_examples=examples(200), deadline=None)
@given(_histories())
def test_rule_is_idempotent_and_exactly_undone(history: tuple[pd.DataFrame, pd.DataFrame]
                                               ) -> None:
    versions, changes = history
    ended = apply_change_endings(versions, changes)
    assert _ends(apply_change_endings(ended, changes)) == _ends(ended)
    undone = apply_change_endings(ended, changes.iloc[0:0])
    assert _ends(undone) == [(_text(t), _text(r)) for t, r in zip(
        versions["valid_to"], versions["end_reason"], strict=True)]
    # no version reaches its area's change day, and partial changes end nothing
    whole = changes[changes["kind"] != "teilausgliederung"].set_index("old_code")["effective"]
    for code, start, end, before in zip(ended["area_code"], ended["valid_from"],
                                        ended["valid_to"], versions["valid_to"], strict=True):
        if code in whole.index and start < whole[code]:
            assert end is not None and end.isoformat() < whole[code]
        elif code not in whole.index:
            assert (None if end is None else end.isoformat()) == _text(before)


def test_located_today_follows_chains_of_whole_changes() -> None:
    offers = pd.DataFrame({"offer_id": ["o1", "o2", "o3"], "area_code": ["A", "B", "K"]})
    changes = _changes([("A", "B", "2019-01-01", "eingliederung"),
                        ("B", "C", "2024-01-01", "umschluesselung"),
                        ("K", "L", "2019-01-01", "teilausgliederung")])
    assert located_today(offers, changes)["area_code"].tolist() == ["C", "C", "K"]
    assert offers["area_code"].tolist() == ["A", "B", "K"]


# -- own area changes end the old areas ----------------------------------------------------
def test_imported_merger_ends_the_old_gemeinden_the_day_before(store_path: Path,
                                                               tmp_path: Path) -> None:
    assert {ALKERSLEBEN, ALTENFELD} <= _current(store_path)
    result = _import(store_path, _csv(tmp_path, [
        f"{ALKERSLEBEN};{NEW};01.01.2019;zusammenschluss;;",
        f"{ALTENFELD};{NEW};01.01.2019;zusammenschluss;;",
        "16071;16070;01.01.2019;teilausgliederung;0,04;",
    ]))
    assert sorted(result.ended) == [(ALKERSLEBEN, "Alkersleben", EVE),
                                    (ALTENFELD, "Altenfeld", EVE)]
    today = _current(store_path)
    assert ALKERSLEBEN not in today and ALTENFELD not in today
    assert {ALKERSLEBEN, ALTENFELD} <= _current(store_path, on=EVE)
    assert not {ALKERSLEBEN, ALTENFELD} & _current(store_path, on=MERGER)
    versions = _versions(store_path, ALKERSLEBEN, "16071")
    assert versions[ALKERSLEBEN] == [("2009-01-01", "2018-12-31", ENDED_BY_CHANGE)]
    assert "16071" in _current(store_path, level="kreis")  # a partial change ends nothing
    assert versions["16071"][-1][1:] == (None, None)


def test_same_file_again_and_new_versions_of_the_file(store_path: Path, tmp_path: Path) -> None:
    rows = [f"{ALKERSLEBEN};{NEW};01.01.2019;zusammenschluss;;",
            f"{ALTENFELD};{NEW};01.01.2019;zusammenschluss;;"]
    path = _csv(tmp_path, rows)
    _import(store_path, path)
    table = _area_table(store_path)
    again = _import(store_path, path)
    assert again.already_imported and again.ended == []
    pd.testing.assert_frame_equal(_area_table(store_path), table)
    # version 2: Altenfeld's row removed (it was wrong), Alkersleben's date moved to 2020
    v2 = _import(store_path, _csv(tmp_path, [
        f"{ALKERSLEBEN};{NEW};01.01.2020;zusammenschluss;;"]))
    assert v2.reopened == [ALTENFELD] and v2.ended == [(ALKERSLEBEN, "Alkersleben",
                                                          date(2019, 12, 31))]
    versions = _versions(store_path, ALKERSLEBEN, ALTENFELD)
    assert versions[ALTENFELD] == [("2009-01-01", None, None)]
    assert versions[ALKERSLEBEN] == [("2009-01-01", "2019-12-31", ENDED_BY_CHANGE)]
    # version 3 without any row of Alkersleben either: the table is as before the first import
    _import(store_path, _csv(tmp_path, ["16071;16070;01.01.2019;teilausgliederung;0,04;"]))
    with open_store(store_path) as store:
        assert store.query("SELECT count(*) FROM area WHERE end_reason IS NOT NULL "
                           "AND area_code LIKE '16070%'").iloc[0, 0] == 0


def test_failed_import_ends_nothing(store_path: Path, tmp_path: Path) -> None:
    table = _area_table(store_path)
    with pytest.raises(DataValidationError):
        _import(store_path, _csv(tmp_path, [
            f"{ALKERSLEBEN};{NEW};01.01.2019;zusammenschluss;;",
            f"{ALTENFELD};{NEW};01.01.2019;Fusion;;",                 # unknown kind
        ]))
    pd.testing.assert_frame_equal(_area_table(store_path), table)
    assert ALKERSLEBEN in _current(store_path)


def test_cli_names_the_ended_areas(store_path: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, [f"{ALKERSLEBEN};{ARNSTADT};01.01.2019;eingliederung;;"])
    assert main(["import", "gebietsaenderungen", str(path), "--store", str(store_path)]) == 0
    out = capsys.readouterr().out
    assert "Gebiete beendet" in out and "16070001 Alkersleben (bis 31.12.2018)" in out
    assert main(["areas", "--level", "gemeinde", "--store", str(store_path)]) == 0
    listed = {line.split()[0]: line.split()[1] for line in capsys.readouterr().out.splitlines()}
    assert ALKERSLEBEN not in listed and listed[ARNSTADT] == "Arnstadt"


def test_area_with_later_boundaries_cannot_merge_before_them(store_path: Path,
                                                             tmp_path: Path) -> None:
    path = _ilm_kreis_file(tmp_path, rename={ALKERSLEBEN: "Alkersleben (neu)"})
    with open_store(store_path, read_only=False) as store:
        assert load_area_file(store, path, level="gemeinde",
                              valid_from=date(2024, 1, 1)).new_or_changed == 1
    table = _area_table(store_path)
    with pytest.raises(DataValidationError) as info:
        _import(store_path, _csv(tmp_path, [f"{ALKERSLEBEN};{NEW};01.01.2019;zusammenschluss;;"]))
    problem = info.value.problems[0]
    assert (problem["Zeile"], problem["Spalte"]) == (2, "wirksam_ab")
    assert "erst am 01.01.2024" in problem["Problem"]
    pd.testing.assert_frame_equal(_area_table(store_path), table)


# -- the packaged changes: Eisenach and Kaltennordheim unchanged ---------------------------------
def test_packaged_changes_end_their_areas_by_the_same_rule(store_path: Path) -> None:
    versions = _versions(store_path, "16056", "16056000", "16063102", "16063", "16063105")
    assert versions["16056"] == [("1998-01-01", "2021-06-30", ENDED_BY_CHANGE)]
    assert versions["16056000"] == [("1998-01-01", "2021-06-30", ENDED_BY_CHANGE)]
    assert versions["16063102"][-1][1:] == ("2018-12-31", ENDED_BY_CHANGE)
    # Wartburgkreis: three versions, each followed by the next (not ended by a change)
    assert [v[1:] for v in versions["16063"]] == [("2018-12-31", None), ("2021-06-30", None),
                                                  (None, None)]
    assert versions["16063105"] == [("2021-07-01", None, None)]
    table = _area_table(store_path)
    with open_store(store_path, read_only=False) as store:
        geography.load_reference_geography(store)
    pd.testing.assert_frame_equal(_area_table(store_path), table)


def test_upgrade_ends_areas_of_changes_already_held(tmp_path: Path) -> None:
    path = tmp_path / "v6.duckdb"
    create_store_at_version(path, 6)
    con = duckdb.connect(str(path))
    for code, end in ((ALKERSLEBEN, None), (ALTENFELD, None), ("16056000", "2021-06-30")):
        con.execute("INSERT INTO area (area_code, valid_from, valid_to, name, level, source) "
                    "VALUES (?, '2009-01-01', ?, 'x', 'gemeinde', 'alt')", [code, end])
    con.execute("INSERT INTO area_change VALUES "
                f"('{ALKERSLEBEN}', '{NEW}', '2019-01-01', 'zusammenschluss', NULL, NULL, 'a.csv'),"
                f"('{ALTENFELD}', '{NEW}', '2019-01-01', 'teilausgliederung', NULL, 0.5, 'a.csv'),"
                "('16056000', '16063105', '2021-07-01', 'umschluesselung', NULL, NULL, 'p')")
    con.close()
    with open_store(path, read_only=False):
        pass
    versions = _versions(path, ALKERSLEBEN, ALTENFELD, "16056000")
    assert versions == {ALKERSLEBEN: [("2009-01-01", "2018-12-31", ENDED_BY_CHANGE)],
                        ALTENFELD: [("2009-01-01", None, None)],
                        "16056000": [("2009-01-01", "2021-06-30", ENDED_BY_CHANGE)]}


# -- boundary files of a later Gebietsstand ------------------------------------------------------
STAND = date(2024, 1, 1)


def _ilm_kreis_file(folder: Path, *, drop: tuple[str, ...] = (),
                    rename: dict[str, str] | None = None,
                    add: dict[str, tuple[str, ...]] | None = None,
                    name: str = "vg250_gem.gpkg") -> Path:
    """The Gemeinden of the Ilm-Kreis as a VG250-like GeoPackage (EPSG:25832).

    `drop` leaves Gemeinden out, `rename` changes names, `add` adds a Gemeinde made of the
    geometries of the listed ones (new key → parts)."""
    g = read_reference_layer("gemeinde")
    g = g[g["parent_code"] == "16070"].to_crs(25832)
    frame = gpd.GeoDataFrame({"AGS": g["area_code"], "GEN": g["name"], "GF": 4},
                             geometry=g.geometry.values, crs=25832)
    for code, new_name in (rename or {}).items():
        frame.loc[frame["AGS"] == code, "GEN"] = new_name
    for code, parts in (add or {}).items():
        shape = frame[frame["AGS"].isin(parts)].union_all()
        frame = pd.concat([frame, gpd.GeoDataFrame(
            {"AGS": [code], "GEN": ["Neue Landgemeinde"], "GF": [4]}, geometry=[shape],
            crs=25832)], ignore_index=True)
    frame = frame[~frame["AGS"].isin(drop)]
    path = folder / name
    frame.to_file(path, layer="vg250_gem")
    return path


def test_missing_areas_are_refused_and_nothing_is_written(store_path: Path,
                                                          tmp_path: Path) -> None:
    path = _ilm_kreis_file(tmp_path, drop=(ALKERSLEBEN, ALTENFELD))
    table = _area_table(store_path)
    with open_store(store_path, read_only=False) as store:
        snapshot = store.snapshot_id()
        with pytest.raises(DataValidationError) as info:
            load_area_file(store, path, level="gemeinde", valid_from=STAND)
        assert store.snapshot_id() == snapshot
    message = str(info.value)
    assert "16070001 Alkersleben, 16070002 Altenfeld" in message
    assert "--fehlende-beenden" in message and "import gebietsaenderungen" in message
    assert [p["Wert"] for p in info.value.problems] == ["16070001 Alkersleben",
                                                        "16070002 Altenfeld"]
    pd.testing.assert_frame_equal(_area_table(store_path), table)


def test_missing_areas_ended_on_request_only_in_the_covered_district(
        store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    others = {c for c in _current(store_path) if not c.startswith("16070")}
    path = _ilm_kreis_file(tmp_path, drop=(ALKERSLEBEN, ALTENFELD))
    args = ["import-areas", str(path), "--level", "gemeinde", "--valid-from", "2024-01-01",
            "--layer", "vg250_gem", "--store", str(store_path)]
    assert main(args) == 2
    assert "fehlen aber in der Datei" in capsys.readouterr().err
    assert main([*args, "--fehlende-beenden"]) == 0
    out = capsys.readouterr().out
    assert "2 Gebiete fehlen in der Datei" in out and "bis zum 31.12.2023" in out
    assert "16070001 Alkersleben, 16070002 Altenfeld" in out
    assert _versions(store_path, ALKERSLEBEN)[ALKERSLEBEN] == [
        ("2009-01-01", "2023-12-31", ENDED_MISSING_FROM_FILE)]
    # a file of one district ends nothing elsewhere (the other 20 districts' Gemeinden stay)
    assert {c for c in _current(store_path) if not c.startswith("16070")} == others
    # the same file again changes nothing, with or without the option
    table = _area_table(store_path)
    with open_store(store_path) as store:
        snapshot = store.snapshot_id()
    assert main(args) == 0 and main([*args, "--fehlende-beenden"]) == 0
    pd.testing.assert_frame_equal(_area_table(store_path), table)
    with open_store(store_path) as store:
        assert store.snapshot_id() == snapshot
    # loading the reference geography again keeps the ending
    with open_store(store_path, read_only=False) as store:
        geography.load_reference_geography(store)
    pd.testing.assert_frame_equal(_area_table(store_path), table)
    # a corrected file of the same stand has Altenfeld again: its version goes on
    fixed = _ilm_kreis_file(tmp_path, drop=(ALKERSLEBEN,), name="korrigiert.gpkg")
    with open_store(store_path, read_only=False) as store:
        result = load_area_file(store, fixed, level="gemeinde", valid_from=STAND,
                                end_missing=True)
    assert (result.reopened, result.new_or_changed, result.ended) == ([ALTENFELD], 0, [])
    assert _versions(store_path, ALTENFELD)[ALTENFELD] == [("2009-01-01", None, None)]


def test_changes_first_then_the_new_boundaries(store_path: Path, tmp_path: Path) -> None:
    _import(store_path, _csv(tmp_path, [
        f"{ALKERSLEBEN};{NEW};01.01.2024;zusammenschluss;;",
        f"{ALTENFELD};{NEW};01.01.2024;zusammenschluss;;"]))
    path = _ilm_kreis_file(tmp_path, drop=(ALKERSLEBEN, ALTENFELD),
                           add={NEW: (ALKERSLEBEN, ALTENFELD)})
    with open_store(store_path, read_only=False) as store:
        result = load_area_file(store, path, level="gemeinde", valid_from=STAND)
    assert (result.new_or_changed, result.ended) == (1, [])
    today = _current(store_path)
    assert NEW in today and not {ALKERSLEBEN, ALTENFELD} & today
    assert _versions(store_path, NEW)[NEW] == [("2024-01-01", None, None)]
    # an old file (it still has Alkersleben) cannot be imported as the stand of 2024
    old = _ilm_kreis_file(tmp_path, name="alt.gpkg")
    table = _area_table(store_path)
    with open_store(store_path, read_only=False) as store, \
            pytest.raises(DataValidationError) as info:
        load_area_file(store, old, level="gemeinde", valid_from=date(2025, 1, 1))
    problem = info.value.problems[0]
    assert problem["Wert"] == ALKERSLEBEN and problem["Zeile"] == 2
    assert "zum 01.01.2024 in 16070900 aufgegangen" in problem["Problem"]
    pd.testing.assert_frame_equal(_area_table(store_path), table)


# -- what reports show --------------------------------------------------------------------------
def test_coverage_tables_show_todays_gemeinden_with_the_merged_offers(
        writable_store: Path, tmp_path: Path) -> None:
    with open_store(writable_store) as store:
        ctx = views.context(store, "16070", "2025-Q4")
        before = views.coverage_tables(store, ctx)
    municipalities = before["municipalities"].set_index("area_code")
    # the two Gemeinden with most offers (after Arnstadt) go into Arnstadt
    merged = list(municipalities.drop(index=ARNSTADT).sort_values(
        ["offers", "area_code"], ascending=[False, True]).index[:2])
    # a merger into Arnstadt on 1 January 2026: the 2025-Q4 report is drawn on today's areas
    _import(writable_store, _csv(tmp_path, [f"{code};{ARNSTADT};01.01.2026;eingliederung;;"
                                            for code in merged]))
    with open_store(writable_store) as store:
        ctx = views.context(store, "16070", "2025-Q4")
        after = views.coverage_tables(store, ctx)
        _, gemeinden = views.area_layers(store, ctx)
        with pytest.raises(AreaError, match=r"besteht seit dem 01\.01\.2026 nicht mehr"):
            views.context(store, merged[0], "2025-Q4")
    assert not set(merged) & set(gemeinden["area_code"])
    for table in ("municipalities", "municipality_fields"):
        assert not set(merged) & set(after[table]["area_code"])
    assert len(after["municipalities"]) == len(before["municipalities"]) - 2
    # Arnstadt now counts the offers and the population of the two places it absorbed
    arnstadt = after["municipalities"].set_index("area_code").loc[ARNSTADT]
    parts = municipalities.loc[[ARNSTADT, *merged]]
    assert arnstadt["offers"] == parts["offers"].sum()
    assert arnstadt["population"] == parts["population"].sum()
    assert parts.loc[merged, "offers"].min() > 0  # the test means something
    assert parts.loc[merged, "population"].min() > 0
    # the district's figures do not change
    pd.testing.assert_frame_equal(after["districts"], before["districts"])

"""A store's scope: `monitoring neu` (Thuringia from the package, another Land from a boundary
file), the state value of the scope's Land from its own Kreise only, and the German hints of
imports into a store that lacks something."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from monitoring import views
from monitoring.cli.main import main
from monitoring.errors import AreaError, DataValidationError
from monitoring.io import geography
from monitoring.io.import_areas import load_area_file
from monitoring.io.new_store import BoundaryFile, create_store
from monitoring.store.areas import read_scope
from monitoring.store.database import open_store
from monitoring.views.scope import districts, report_areas, state_name

HESSEN = {"06411": "Darmstadt", "06412": "Frankfurt am Main", "06413": "Offenbach am Main"}


def _squares(codes: dict[str, str], *, x0: float = 470_000, y0: float = 5_500_000,
             size: float = 10_000) -> gpd.GeoDataFrame:
    """One square per code, side by side, in EPSG:25832 (VG250 attribute names)."""
    return gpd.GeoDataFrame(
        {"AGS": list(codes), "GEN": list(codes.values()), "BEZ": "Kreisfreie Stadt"},
        geometry=[box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size)
                  for i in range(len(codes))], crs=25832)


def _boundary_files(tmp_path: Path, codes: dict[str, str], *, x0: float = 470_000,
                    ) -> list[BoundaryFile]:
    """A Kreis file and a Gemeinde file (one Gemeinde ``<kreis>000`` per Kreis)."""
    kreise = tmp_path / f"kreise_{x0:.0f}.geojson"
    _squares(codes, x0=x0).to_file(kreise)
    gemeinden = tmp_path / f"gemeinden_{x0:.0f}.geojson"
    _squares({f"{c}000": n for c, n in codes.items()}, x0=x0).to_file(gemeinden)
    stand = date(2024, 1, 1)
    return [BoundaryFile(kreise, "kreis", stand), BoundaryFile(gemeinden, "gemeinde", stand)]


def _figures(tmp_path: Path, rows: dict[str, tuple[int, int]], name: str = "zahlen.csv",
             ) -> Path:
    """Own figures for A01 (auslaender / bevoelkerung) in 2024-Q4."""
    lines = ["reihe;gebiet;zeitraum;wert"]
    for code, (foreign, total) in rows.items():
        lines += [f"auslaender;{code};2024-Q4;{foreign}", f"bevoelkerung;{code};2024-Q4;{total}"]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _a01(store_path: Path) -> dict[str, float]:
    with open_store(store_path) as store:
        panel = views.indicator_panel(store)
    rows = panel[(panel["indicator_id"] == "A01") & (panel["period"] == "2024-Q4")]
    return dict(zip(rows["area_code"], rows["value"], strict=True))


def test_new_thuringia_store_has_catalogue_districts_and_changes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "th.duckdb"
    assert main(["neu", "--store", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Thüringen (16)" in out and "Kreise und kreisfreie Städte: 22" in out
    assert "16056 Eisenach (bis 30.06.2021)" in out and "monitoring import statistik" in out
    with open_store(path) as store:
        assert read_scope(store).land == "16" and read_scope(store).kreis is None
        assert len(districts(store)) == 22
        assert "16056" not in set(districts(store)["area_code"])
        assert len(store.read_indicators()) > 30
        changes = store.read_area_changes()
        assert {"16056", "16056000"} <= set(changes["old_code"])
    before = path.stat().st_mtime_ns
    assert main(["neu", "--store", str(path)]) == 2
    assert "besteht bereits" in capsys.readouterr().err
    assert path.stat().st_mtime_ns == before


def test_county_outside_thuringia_gets_the_state_value_of_its_own_land(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "he.duckdb"
    files = _boundary_files(tmp_path, HESSEN)
    args = ["neu", "--store", str(path), "--land", "06", "--kreis", "06412"]
    for f in files:
        args += ["--gebiete", str(f.path), "--ebene", f.level, "--stand", "2024-01-01"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Hessen (06), eigener Kreis 06412 Frankfurt am Main" in out
    figures = _figures(tmp_path, {"06411": (100, 1000), "06412": (300, 2000),
                                  "06413": (50, 1000)})
    assert main(["import", "zahlen", str(figures), "--store", str(path)]) == 0
    values = _a01(path)
    assert values["06"] == pytest.approx(100 * 450 / 4000)   # 11.25 %, from the three Kreise
    assert values["06412"] == pytest.approx(15.0)
    assert "16" not in values
    with open_store(path) as store:
        assert store.read_areas(level="land", codes=["06"]).iloc[0]["name"] == "Hessen"
        assert report_areas(store) == (["06412"], report_areas(store)[1])
        assert "06412 Frankfurt am Main" in str(report_areas(store)[1])
        assert state_name(store, "06") == "Hessen"


def test_national_store_gives_each_land_its_own_state_value(tmp_path: Path) -> None:
    path = tmp_path / "de.duckdb"
    thueringen = {"16051": "Erfurt", "16052": "Gera"}
    files = [*_boundary_files(tmp_path, HESSEN)[:1],
             *_boundary_files(tmp_path, thueringen, x0=700_000)[:1]]
    create_store(path, land="DG", boundaries=files)
    assert main(["import", "zahlen", str(_figures(tmp_path, {
        "06411": (100, 1000), "06412": (300, 2000), "06413": (50, 1000),
        "16051": (70, 1000), "16052": (10, 1000)})), "--store", str(path)]) == 0
    values = _a01(path)
    assert values["06"] == pytest.approx(11.25)              # 450 / 4000
    assert values["16"] == pytest.approx(4.0)                # 80 / 2000
    with open_store(path) as store:
        assert read_scope(store).land is None and len(districts(store)) == 5
        assert set(store.read_areas(level="land")["area_code"]) == {"06", "16"}


def test_extra_kreise_of_another_land_do_not_count_for_thuringia(
        reference_copy: Path, tmp_path: Path) -> None:
    """The issue's case: with a Hessian Kreis in the store Thuringia's A01 was 6.24, not 6.38."""
    extra = tmp_path / "hessen.geojson"
    _squares({"06411": "Darmstadt"}).to_file(extra)
    with open_store(reference_copy, read_only=False) as store:
        load_area_file(store, extra, level="kreis", valid_from=date(2024, 1, 1))
        codes = list(store.read_areas(level="kreis")["area_code"])
    assert len(codes) == 23
    rows = {c: (638, 10_000) for c in codes if c.startswith("16")} | {"06411": (316, 10_000)}
    assert main(["import", "zahlen", str(_figures(tmp_path, rows)),
                 "--store", str(reference_copy)]) == 0
    # all 23 Kreise: (22 × 638 + 316) / 230,000 = 6.24 %; Thuringia's own 22: 6.38 %
    assert _a01(reference_copy)["16"] == pytest.approx(6.38)
    with open_store(reference_copy) as store:
        assert len(districts(store)) == 22 and report_areas(store)[1] is None
        with pytest.raises(AreaError, match="06411 liegt nicht im Gebiet dieser Datenbank"):
            report_areas(store, ["06411"])


def test_boundary_file_of_another_land_is_refused_and_nothing_written(tmp_path: Path) -> None:
    path = tmp_path / "he.duckdb"
    kreise = geography.read_reference_layer("kreis")
    thuringia = tmp_path / "thueringen_kreise.geojson"
    kreise.to_file(thuringia)
    with pytest.raises(DataValidationError, match="keine Gebiete in Hessen") as info:
        create_store(path, land="06", boundaries=[BoundaryFile(thuringia, "kreis",
                                                               date(2024, 1, 1))])
    assert "16 Thüringen" in str(info.value)
    assert list(tmp_path.glob("he.duckdb*")) == []
    with pytest.raises(AreaError, match="liegt nicht in Hessen"):
        create_store(path, land="06", kreis="16070",
                     boundaries=_boundary_files(tmp_path, HESSEN))
    assert list(tmp_path.glob("he.duckdb*")) == []


def test_imports_say_what_the_store_lacks(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    figures = _figures(tmp_path, {"16051": (10, 100)})
    missing = tmp_path / "fehlt.duckdb"
    for kind in ("statistik", "zahlen", "konzept"):
        assert main(["import", kind, str(figures), "--store", str(missing)]) == 2
        err = capsys.readouterr().err
        assert "wurde nicht gefunden" in err and "mit `monitoring neu" in err
    assert not missing.exists()
    assert main(["import-areas", str(figures), "--level", "kreis", "--valid-from",
                 "2024-01-01", "--store", str(missing)]) == 2
    assert "monitoring neu" in capsys.readouterr().err and not missing.exists()

    empty = tmp_path / "leer.duckdb"
    open_store(empty, read_only=False, create=True).close()
    assert main(["import", "zahlen", str(figures), "--store", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "keine Kreise" in err and "monitoring neu" in err and "import-areas" in err

    no_catalogue = tmp_path / "ohne_katalog.duckdb"
    with open_store(no_catalogue, read_only=False, create=True) as store:
        geography.load_reference_geography(store)
    assert main(["import", "zahlen", str(figures), "--store", str(no_catalogue)]) == 2
    assert "Indikatorkatalog" in capsys.readouterr().err
    assert main(["upgrade", "--store", str(no_catalogue)]) == 0
    assert "Thüringen (16)" in capsys.readouterr().out
    with open_store(no_catalogue) as store:
        assert store.meta()["scope_land"] == "16" and not store.read_indicators().empty
    assert main(["import", "zahlen", str(figures), "--store", str(no_catalogue)]) == 0


def test_figures_that_give_no_indicator_value_get_a_hint(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "th.duckdb"
    create_store(path)
    figures = tmp_path / "eigene.csv"
    figures.write_text("reihe;gebiet;zeitraum;wert\nbevoelkerung;16051;2024-Q4;214000\n",
                       encoding="utf-8")
    assert main(["import", "zahlen", str(figures), "--store", str(path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "0 Indikatorwerte" in out and "Hinweis: Aus den Reihen ergibt sich kein" in out
    # a denominator alone gives no rate: the hint names the series the catalogue needs
    assert "auslaender" in out and "bevoelkerung" in out


def test_store_made_before_scopes_is_land_16_or_its_kreise_land(
        reference_copy: Path, tmp_path: Path) -> None:
    with open_store(reference_copy) as store:
        assert "scope_land" not in store.meta()
        assert read_scope(store).land == "16"
    path = tmp_path / "alt.duckdb"
    files = _boundary_files(tmp_path, HESSEN)
    with open_store(path, read_only=False, create=True) as store:
        load_area_file(store, files[0].path, level="kreis", valid_from=date(2024, 1, 1))
        assert read_scope(store).land == "06"

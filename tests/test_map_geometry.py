"""Map geometry in reports (issue 16 items 1 and 3): simplified by the map's extent, coordinates
rounded to what the map can show, every area's outline once per map, prepared once per layer
content (`figures._prepared`), hover texts built column by column – on Thuringia's real
boundaries (the package's VG250-derived layers, projected to EPSG:25832 as in the store)."""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.affinity import translate

import monitoring
from monitoring.core import privacy
from monitoring.core.privacy import Publishable
from monitoring.present import figures
from monitoring.report.publish import scan
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
    return [f["id"] for t in data for f in t["geojson"]["features"]]


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
    assert last["z"] == [round(own, 1)] and "Ilm-Kreis" in scan.hover_texts(last)[0]
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
    assert all("nicht ausgewiesen" in t for t in scan.hover_texts(grey))


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


# -- prepared once per layer content; hover texts per column (national scale) --------------
GEMEINDEN = Path(monitoring.__file__).parent / "data" / "geo" / "thueringen_gemeinden.geojson"


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
    for trace in fig.data:  # areas without value, with value, the highlighted one
        for feature in trace.geojson["features"]:
            code = feature["id"]
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
    """The hover label as the browser builds it from the trace's template and the area's
    `customdata` row; the fixed words (label, unit, headers) are in the template once per
    trace, not once per area (an 11,000-area map: 1.5 MB of hover text before)."""
    areas = layer().iloc[:8].reset_index(drop=True)
    fig = draw(areas)
    data = json.loads(fig.to_json())["data"]
    texts = {code: text for trace in data
             for code, text in zip(trace["locations"], scan.hover_texts(trace), strict=True)}
    codes = list(areas["area_code"])
    names = list(areas["name"])
    # Row 0: 10 persons – rate and count withheld; row 3: no rate; row 1: 1 offer, 201 persons.
    assert texts[codes[0]] == (f"<b>{names[0]}</b><br>Angebote: . (nicht ausgewiesen: zu "
                               "kleine Fallzahl)<br>Ausländische Staatsangehörige: 10")
    assert texts[codes[3]].split("<br>")[1] == "Angebote: keine Angabe"
    assert texts[codes[1]] == (f"<b>{names[1]}</b><br>Angebote: 5,0 je 1.000"
                               "<br>Ausländische Staatsangehörige: 201")
    for trace in data:
        assert "text" not in trace and trace["hovertemplate"].endswith("<extra></extra>")
        assert "Staatsangeh" not in json.dumps(trace["customdata"], ensure_ascii=False)
        assert all(f["id"] == code and "properties" not in f for f, code in zip(
            trace["geojson"]["features"], sorted(trace["locations"]), strict=True))


def test_scanner_reads_the_hover_labels_a_map_builds(tmp_path: Path) -> None:
    """The disclosure scan checks the labels as shown: a count below the threshold that
    stands in `customdata`, its label in the template, is found; the report's own map of
    protected data passes."""
    page = tmp_path / "karte.html"
    trace = {"type": "choropleth", "locations": ["1", "2"], "z": [1, 2],
             "customdata": [["Ort A", "12"], ["Ort B", "2"]],
             "hovertemplate": "<b>%{customdata[0]}</b><br>Ausländische Staatsangehörige: "
                              "%{customdata[1]}<extra></extra>"}
    page.write_text(f'<script>Plotly.newPlot("m", {json.dumps([trace])}, {{}}, {{}})</script>',
                    encoding="utf-8")
    assert [f.value for f in scan.scan_file(page, threshold=3)] == ["2"]
    areas = layer().iloc[:30].reset_index(drop=True)
    data = coverage(areas)
    frame = data.frame.copy()
    assert (frame["population"] < 20).any()  # small counts in the data: withheld before drawing
    draw(areas, data).write_html(page, include_plotlyjs=False)
    assert scan.plotly_figures(page.read_text(encoding="utf-8"))
    assert scan.scan_file(page, threshold=3) == []


def test_large_layers_are_prepared_once_per_content_on_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A layer large enough for the disk cache is prepared once per content: a new process
    (memory cache empty) reads the file named by the content digest; a changed layer gets
    its own file; an unreadable file is prepared again and replaced."""
    monkeypatch.setenv(figures.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(figures, "PERSIST_MIN_COORDINATES", 1)  # Thuringia counts as large
    areas = layer()
    figures._PREPARED.clear()
    first = features(draw(areas))
    files_ = sorted((tmp_path / "karten").glob("*.json"))
    assert len(files_) == 1
    cached = json.loads(files_[0].read_text(encoding="utf-8"))
    assert [f["id"] for f in cached] == list(areas["area_code"])
    assert {f["id"]: f for f in cached} == first
    # what the file says is what a new process draws: mark one feature's geometry in it
    code = cached[0]["id"]
    cached[0]["geometry"] = {"type": "Point", "coordinates": [10.0, 50.0]}
    files_[0].write_text(json.dumps(cached), encoding="utf-8")
    figures._PREPARED.clear()
    assert features(draw(areas))[code]["geometry"]["type"] == "Point"
    # another content: another file, the first one untouched
    moved = layer()
    moved.loc[moved.index[0], "geometry"] = translate(moved.loc[moved.index[0], "geometry"],
                                                      xoff=5000)
    figures._PREPARED.clear()
    draw(moved)
    assert len(list((tmp_path / "karten").glob("*.json"))) == 2
    # a broken file is not trusted: prepared again and rewritten
    files_[0].write_text('[{"type": "Feat', encoding="utf-8")
    figures._PREPARED.clear()
    assert features(draw(areas)) == first
    assert json.loads(files_[0].read_text(encoding="utf-8")) == [first[c] for c in
                                                                  areas["area_code"]]
    # the folder keeps the newest files only
    monkeypatch.setattr(figures, "_DISK_MAX", 1)
    figures._PREPARED.clear()
    draw(moved.iloc[1:])
    assert len(list((tmp_path / "karten").glob("*.json"))) == 1
    # switched off: nothing written
    monkeypatch.setenv(figures.CACHE_ENV, "0")
    figures._PREPARED.clear()
    for file in (tmp_path / "karten").glob("*.json"):
        file.unlink()
    draw(areas)
    assert list((tmp_path / "karten").glob("*")) == []
    figures._PREPARED.clear()


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

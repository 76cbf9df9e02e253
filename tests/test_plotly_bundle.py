"""The plotly.js partial bundle the reports inline (issue 16 item 1).

Guard tests (fast): the bundle is the plotly.js version plotly.py ships, registers exactly the
trace types of its manifest, carries the licence header Quarto recognises, and every trace
type and map projection our code can produce is in it – adding e.g. ``go.Pie`` fails here,
not in a council member's browser. The browser test (slow) draws every figure function's
output with the bundle under the reports' Content-Security-Policy in headless Chromium and
checks the traces are drawn, hover works, the modebar zooms the map.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from monitoring.present import plotlyjs

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Quarto moves a notebook output carrying plotly.js into the page head; it finds it by this
# header (Quarto 1.x, src/core/jupyter/widgets.ts, isPlotlyLibrary)
QUARTO_HEADER = re.compile(r"\* plotly\.js v\d+\.\d+\.\d+\s*\n\s*\* Copyright \d{4}-\d{4}, "
                           r"Plotly, Inc\.\s*\n\s*\* All rights reserved\.\s*\n\s*\* Licensed "
                           r"under the MIT license")


def test_bundle_is_plotly_pys_version_with_the_manifests_traces() -> None:
    from plotly.offline import get_plotlyjs

    manifest = plotlyjs.manifest()
    js = plotlyjs.plotly_js()
    full = get_plotlyjs()
    version = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", full[:300])
    assert version is not None and manifest["plotly_js"] == version.group(1)
    assert QUARTO_HEADER.search(js[:400]) and f"plotly.js v{version.group(1)}" in js[:200]
    registered = sorted(set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', js)))
    assert registered == manifest["traces"] == ["bar", "choropleth", "scatter"]
    assert len(js.encode()) == manifest["bytes"] < len(full.encode()) / 3
    assert hashlib.sha256(js.encode()).hexdigest() == manifest["sha256"]
    assert "</script" not in js.lower()  # inlined in a <script> element
    licence = files("monitoring").joinpath("data", "plotly", "LICENSE.txt").read_text("utf-8")
    assert "MIT" in licence and "Plotly" in licence


def _sources() -> list[tuple[str, str]]:
    """(name, Python source) of every library module and every report notebook's code."""
    out = [(str(p.relative_to(ROOT)), p.read_text("utf-8"))
           for p in sorted((ROOT / "src" / "monitoring").rglob("*.py"))]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text("utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        out.append((nb.name, "\n".join(line for line in code.splitlines()
                                       if not line.lstrip().startswith(("%", "!")))))
    return out


def _uses(source: str) -> tuple[set[str], set[str], set[str]]:
    """(graph_objects names, projection types, plotly modules imported) used in `source`."""
    tree = ast.parse(source)
    aliases = {"go"}
    names: set[str] = set()
    as_dicts: set[str] = set()  # in a module that imports plotly, {"type": "bar", …}
    projections: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules.add(alias.name)
                if alias.name == "plotly.graph_objects":
                    aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.update(f"{node.module}.{a.name}" for a in node.names)
            if node.module == "plotly.graph_objects":
                names.update(a.name for a in node.names)
            if node.module == "plotly":
                aliases.update(a.asname or a.name for a in node.names
                               if a.name == "graph_objects")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in aliases:
            names.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg == "projection_type" \
                and isinstance(node.value, ast.Constant):
            projections.add(str(node.value.value))
        elif isinstance(node, ast.Dict):  # a trace as a dict: {"type": "bar", …}
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "type" \
                        and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    as_dicts.add(_TRACE_CLASSES.get(value.value, value.value))
    if any(m.startswith("plotly") for m in modules):
        names |= as_dicts
    return names, projections, modules


def _trace_classes() -> dict[str, str]:
    """plotly's trace type names („bar“) and their graph_objects class („Bar“)."""
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseTraceType

    classes = {name: getattr(go, name) for name in dir(go) if name[:1].isupper()}
    return {cls().type: name for name, cls in classes.items()
            if isinstance(cls, type) and issubclass(cls, BaseTraceType)}


_TRACE_CLASSES = _trace_classes()


def test_every_trace_type_and_projection_our_code_uses_is_in_the_bundle() -> None:
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseTraceType

    used: dict[str, set[str]] = {}
    projections: dict[str, set[str]] = {}
    for name, source in _sources():
        objects, projection, modules = _uses(source)
        # plotly.express can make any trace type; the reports use our figure functions
        assert not any(m.startswith("plotly.express") for m in modules), name
        for obj in objects:
            cls = getattr(go, obj, None)
            if isinstance(cls, type) and issubclass(cls, BaseTraceType):
                used.setdefault(cls().type, set()).add(name)
        for p in projection:
            projections.setdefault(p, set()).add(name)
    assert {"bar", "scatter", "choropleth"} <= set(used)  # the scan finds our figures
    missing = {t: sorted(where) for t, where in used.items() if t not in plotlyjs.trace_types()}
    assert missing == {}, (
        "Trace types not in the reports' plotly.js; rebuild it with "
        "`python scripts/build_plotly_bundle.py --traces …`")
    assert set(projections) == {"mercator"}
    assert set(projections) <= set(plotlyjs.manifest()["projections"])


def test_the_scan_would_catch_a_new_trace_type() -> None:
    """The guard above is not blind: a pie chart, written in any of the usual ways, is seen."""
    for source in ("import plotly.graph_objects as go\ngo.Figure(go.Pie(values=[1]))",
                   "from plotly.graph_objects import Pie\nPie(values=[1])",
                   "from plotly import graph_objects as pgo\npgo.Pie(values=[1])",
                   'import plotly.graph_objects as go\n'
                   'go.Figure({"data": [{"type": "pie", "values": [1]}]})'):
        assert "Pie" in _uses(source)[0], source
    assert "pie" not in plotlyjs.trace_types()
    assert _uses("fig.update_geos(projection_type='robinson')")[1] == {"robinson"}
    assert "robinson" not in plotlyjs.manifest()["projections"]


# -- the bundle in a browser ------------------------------------------------------------------
def _figures() -> dict[str, object]:
    """One figure of every figure function, on Thuringia's real boundaries."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from monitoring.core import privacy
    from monitoring.present import figures
    from monitoring.views import publishable

    rule = privacy.DisclosureRule()

    def layer(name: str) -> gpd.GeoDataFrame:
        path = files("monitoring").joinpath("data", "geo", f"thueringen_{name}.geojson")
        return gpd.read_file(str(path)).to_crs(25832)

    kreise, gemeinden = layer("kreise"), layer("gemeinden")
    gemeinden = gemeinden[gemeinden["parent_code"] == "16070"]
    cov = pd.DataFrame({"area_code": kreise["area_code"], "name": kreise["name"],
                        "population": np.linspace(3_000, 40_000, len(kreise)).round(),
                        "offers": np.arange(len(kreise), dtype=float) + 5})
    cov["offers_per_1000"] = cov["offers"] / cov["population"] * 1000
    cov.loc[cov["area_code"] == "16055", ["offers", "offers_per_1000"]] = np.nan
    access = pd.DataFrame({"area_code": gemeinden["area_code"], "name": gemeinden["name"],
                           "category": ["gut", "schwach"] * (len(gemeinden) // 2)
                           + ["gut"] * (len(gemeinden) % 2), "population": 50.0})
    layers = {"Sprache": privacy.withheld(access, access, []),
              "Bildung": privacy.withheld(access.assign(category="gut"),
                                          access.assign(category="gut"), [])}
    periods = [f"{y}-Q4" for y in range(2019, 2026)]
    series = pd.DataFrame({"period": periods, "value": np.linspace(10, 14, 7),
                           "state_value": np.linspace(11, 12, 7)})
    target = pd.Series({"baseline_period": "2019-Q4", "target_period": "2027-Q4",
                        "baseline_value": 10.0, "target_value": 16.0})
    peers = pd.DataFrame({"name": ["Ilm-Kreis", "Gotha", "Sömmerda", "Thüringen"],
                          "value": [12.5, 9.1, 14.2, 11.0], "kind": ["Kreis"] * 3 + ["Land"],
                          "own": [True, False, False, False]})
    index = pd.DataFrame({"name": ["Ilm-Kreis", "Gotha", "Sömmerda"], "assessed": True,
                          "own": [True, False, False], "attention": [False, True, False],
                          "status_index": [0.2, 1.1, -0.5], "dynamic_index": [0.1, -0.3, 0.4],
                          "status_class": [2, 1, 3], "dynamic_class": [2, 3, 1]})
    return {
        "coverage_map": figures.coverage_map(
            publishable.coverage_by_district(cov, rule), kreise, value="offers_per_1000",
            label="Angebote", unit="je 1.000", highlight="16070",
            extra={"offers": "Angebote"}),
        "class_map": figures.class_map(layers, gemeinden, category="category",
                                       classes=[("gut", "#2b8cbe"), ("schwach", "#d7301f")],
                                       hover={"population": ("Personen", 0)}, simplify_m=600),
        "indicator_chart": figures.indicator_chart(series, unit="%", area_name="Ilm-Kreis",
                                                   target=target),
        "peer_chart": figures.peer_chart(privacy.withheld(peers, peers, ["value"]),
                                         name="A19", unit="%"),
        "index_chart": figures.index_chart(index, status_bounds=[0.0], dynamic_bounds=[0.0]),
    }


# per figure of a page: trace types, SVGs, drawn trace groups, map areas, modebar buttons
FIGURE_STATE = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
    id: gd.id, types: gd._fullData.filter(t => t.visible === true).map(t => t.type),
    svg: gd.querySelectorAll('svg.main-svg').length,
    drawn: {choropleth: gd.querySelectorAll('g.trace.choropleth').length,
            scatter: gd.querySelectorAll('g.trace.scatter').length,
            bar: gd.querySelectorAll('g.trace.bars').length},
    areas: gd.querySelectorAll('path.choroplethlocation').length,
    modebar: gd.querySelectorAll('.modebar-btn').length}))"""


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`; "
                    "`python3 tasks.py test` installiert es)")
def test_every_figure_draws_with_the_bundle_in_chromium(tmp_path: Path,
                                                        artifacts: Path) -> None:
    import plotly.io as pio
    from playwright.sync_api import sync_playwright

    from monitoring.present.figures import OFFLINE_GEO_SCRIPT
    from monitoring.present.markup import with_csp
    from monitoring.present.notebook import PLOTLY_CONFIG

    made = _figures()
    parts = [f'<h2>{name}</h2><div id="fig-{name}">' + pio.to_html(
        fig, full_html=False, include_plotlyjs=False, include_mathjax=False,
        config=PLOTLY_CONFIG, div_id=name) + "</div>" for name, fig in made.items()]
    page = tmp_path / "figuren.html"
    page.write_text(with_csp(
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Figuren</title>'
        f"</head><body>{OFFLINE_GEO_SCRIPT}{plotlyjs.library_script()}{''.join(parts)}"
        "</body></html>"), encoding="utf-8")
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        tab = browser.new_page(viewport={"width": 1200, "height": 900})
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("request", lambda r: outside.append(r.url)
               if not r.url.startswith(("file:", "data:", "blob:")) else None)
        tab.goto(page.as_uri())
        tab.wait_for_selector("path.choroplethlocation", timeout=20_000)
        version = tab.evaluate("Plotly.version")
        traces = tab.evaluate("Object.keys(Plotly.PlotSchema.get().traces).sort()")
        state = {s["id"]: s for s in tab.evaluate(FIGURE_STATE)}
        # hover: a bar of the peer chart and a Kreis of the map show their hover label
        tab.locator("#peer_chart g.trace.bars path").first.hover(force=True)
        # the label is drawn after the hover event: wait for it (a busy machine is slower)
        tab.wait_for_selector("#peer_chart .hoverlayer .hovertext", timeout=5_000)
        bar_hover = tab.locator("#peer_chart .hoverlayer .hovertext").count()
        own = tab.locator("#coverage_map path.choroplethlocation").last
        own.scroll_into_view_if_needed()
        box = own.bounding_box()
        assert box is not None
        tab.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=10)
        tab.wait_for_selector("#coverage_map .hoverlayer .hovertext", timeout=5_000)
        map_hover = tab.locator("#coverage_map .hoverlayer .hovertext").first.text_content()
        # zoom: the modebar's "Zoom in" enlarges the map's projection
        scale = ("document.getElementById('coverage_map')._fullLayout.geo._subplot"
                 ".projection.scale()")
        before = tab.evaluate(scale)
        tab.locator("#coverage_map .modebar-btn[data-title='Zoom in']").click(force=True)
        tab.wait_for_timeout(300)
        after = tab.evaluate(scale)
        tab.screenshot(path=str(artifacts / "plotly_bundle_figuren.png"), full_page=True)
        browser.close()
    assert errors == [] and outside == []
    assert version == plotlyjs.manifest()["plotly_js"]
    assert traces == plotlyjs.manifest()["traces"]  # the page runs the partial bundle
    assert set(state) == set(made)
    for name, fig in made.items():
        expected = [t.type for t in fig.data]  # type: ignore[attr-defined]
        drawn = state[name]
        assert drawn["svg"] >= 1 and drawn["modebar"] > 0, name
        assert drawn["types"] == expected, name
        for kind in ("choropleth", "scatter", "bar"):
            assert drawn["drawn"][kind] == expected.count(kind), (name, kind, drawn)
    # every Kreis drawn once (the highlighted one too: no second outline on top)
    areas = sum(len(t.locations) for t in made["coverage_map"].data)  # type: ignore[attr-defined]
    assert state["coverage_map"]["areas"] == areas
    assert state["class_map"]["areas"] > 10
    assert bar_hover == 1
    assert map_hover and "Ilm-Kreis" in map_hover  # the highlighted Kreis, drawn last
    # the label as built from the trace's template: name, label, German number and unit
    assert re.search(r"Ilm-KreisAngebote: \d+,\d je 1\.000Angebote: [\d.]+$", map_hover), \
        map_hover
    assert after > before

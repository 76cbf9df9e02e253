"""Plotly figures for reports: coverage maps and indicator time series (presentation layer).

Maps use the store's own geometry as GeoJSON (no tile server, nothing fetched when viewed);
numbers are German (``separators=",."``). Figures that show figures about persons accept only
`privacy.Publishable` data.

Every number a figure carries (bars, lines, map colours, index points) is rounded to the
precision it is shown with (`shown`) before it enters the figure: the chart data are part of
the published report, and a full-precision rate lets continued fractions recover its exact
numerator and denominator. Every text from the store (area, indicator and field names) is
escaped (`escaped`): plotly renders its texts as HTML.
"""

from __future__ import annotations

import functools
import json
import math
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from monitoring import fmt
from monitoring.core.composite_index import class_label
from monitoring.core.privacy import Publishable, require
from monitoring.periods import CENSUS_BREAK, Quarter, quarter_range
from monitoring.present.describe import (
    DATA_SUMMARY,
    META_KEY,
    NO_VALUE,
    WITHHELD,
    FigureText,
    attach,
    count_de,
    listing,
)
from monitoring.present.markup import escape

if TYPE_CHECKING:
    import geopandas as gpd
    import plotly.graph_objects as go

FONT = "Source Sans 3, Segoe UI, Helvetica, Arial, sans-serif"
TEXT_COLOUR = "#2a3f5f"  # every chart text: 10.6:1 on white (WCAG 2.1 asks ≥ 4.5:1)
# Coverage maps: viridis from light (few) to dark (many), a colour-blind-safe sequential scale
# (lightness rises monotonically, so it reads the same with a colour-vision deficiency); the
# grey of areas without a value stays apart from every step (tests/test_accessible_content.py).
COLORSCALE = [[i / 9, c] for i, c in enumerate((
    "#fde725", "#b5de2b", "#6ece58", "#35b779", "#1f9e89", "#26828e", "#31688e", "#3e4989",
    "#482878", "#440154"))]
NO_VALUE_COLOUR = "#d9d9d9"
ACCENT = "#1b4f72"
STATE_COLOUR = "#7f7f7f"
TARGET_COLOUR = "#c0392b"


# plotly.js draws geo subplots only after loading a world base map (topojson) from its CDN,
# even when the base map is hidden. Reports must work offline, so we hand it an empty one.
_EMPTY_WORLD = json.dumps({
    "type": "Topology", "arcs": [], "bbox": [-180, -90, 180, 90],
    "objects": {name: {"type": "GeometryCollection", "geometries": []} for name in (
        "coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")}},
    separators=(",", ":"))
OFFLINE_GEO_SCRIPT = (
    "<script>window.PlotlyGeoAssets=window.PlotlyGeoAssets||{topojson:{}};"
    f"window.PlotlyGeoAssets.topojson.world_110m={_EMPTY_WORLD};</script>")


def shown(values: Iterable[Any], decimals: int) -> list[float | None]:
    """`values` rounded to `decimals` as plain floats, for figure data; missing values are
    None (null in the JSON: a NaN would make the notebook's display message invalid JSON)."""
    out: list[float | None] = []
    for value in values:
        number = math.nan if value is None else float(value)
        out.append(None if math.isnan(number) else round(number, decimals))
    return out


def escaped(text: object) -> str:
    """A text from the store (name, label) escaped for a plotly text, title or hover."""
    return escape(str(text), quote=False)


def _template_text(text: object) -> str:
    """A fixed text of a `hovertemplate` (label, unit, header): escaped, and a ``%{`` in it
    written as an entity, so that plotly does not take it for a placeholder."""
    return escaped(text).replace("%{", "%&#123;")


# Maps are drawn about 500 px high (`_layout` height 520): one pixel of a map of the whole Land
# is about 350 m, of a Landkreis about 100 m. Vertices closer than that cannot be seen.
_MAP_PIXELS = 500


def _tolerance_m(areas: gpd.GeoDataFrame, simplify_m: float) -> float:
    """Display tolerance in metres for `areas` (projected CRS): about one pixel of the map at
    its default size (the larger side of the layer's extent / `_MAP_PIXELS`), or `simplify_m`
    where that is coarser – so a map of the whole Land carries far fewer vertices than a map
    of one Kreis, and each looks as before."""
    if len(areas) == 0:
        return simplify_m
    minx, miny, maxx, maxy = (float(v) for v in areas.total_bounds)
    extent = max(maxx - minx, maxy - miny)
    return max(simplify_m, extent / _MAP_PIXELS) if math.isfinite(extent) else simplify_m


def _decimals(tolerance_m: float) -> int:
    """Decimals of WGS84 coordinates for a map simplified with `tolerance_m`: a grid step of at
    most half the tolerance (0.001° ≈ 111 m north–south), 3 to 5 decimals."""
    step_deg = max(tolerance_m, 1.0) / 2 / 111_000
    return min(5, max(3, math.ceil(-math.log10(step_deg))))


def _simplified(areas: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """The layer simplified as a coverage, so that shared borders stay shared."""
    import shapely

    out = areas[["area_code", "geometry"]].copy()
    if len(out) > 0:
        out["geometry"] = shapely.coverage_simplify(out.geometry.to_numpy(), tolerance_m)
    return out


class _Shared(dict[str, Any]):
    """A prepared GeoJSON feature, shared by every figure of its layer and never changed.

    plotly deep-copies trace data when a trace is added and again when a figure is written
    or shown; for 11,000 features that is ≈ 600,000 nested lists per copy (seconds). A
    feature that is its own deep copy makes both copies cost one reference each."""

    def __deepcopy__(self, memo: dict[int, object]) -> _Shared:
        return self

    def __copy__(self) -> _Shared:
        return self


class _Prepared:
    """A layer's map geometry, prepared once: simplified, WGS84, clockwise, rounded, and
    one GeoJSON feature dict per area (in `codes` order, the area code as the feature's
    ``id``) for every map of the layer."""

    def __init__(self, codes: pd.Index, features: Any) -> None:
        self.codes = codes
        self.features = features  # numpy object array of feature dicts

    def collection(self, codes: Sequence[str] | None = None) -> dict[str, Any]:
        """FeatureCollection of all areas, or of `codes` (in the layer's order)."""
        import numpy as np

        if codes is None:
            chosen = self.features
        else:
            chosen = self.features[np.sort(self.codes.get_indexer(
                pd.Index(pd.unique(pd.Series(list(codes), dtype=object))).intersection(
                    self.codes)))]
        return {"type": "FeatureCollection", "features": list(chosen)}


# Prepared layers by content (area codes, coordinates, CRS, tolerance): the same geometry
# read from the same store snapshot is prepared once per process, however many maps show it
# (a quarter: every district report of a worker; a national map: in seconds, not a minute).
_PREPARED: OrderedDict[tuple[object, ...], _Prepared] = OrderedDict()
_PREPARED_MAX = 8

# Layers with at least this many vertices are also kept on disk (`_disk_cache`), so that
# the first map of a layer in a new process does not simplify it again (a national layer of
# 11,000 Gemeinden: ≈ 5 s of GEOS per process). Smaller layers prepare in well under the
# time a file read takes and stay in memory only.
PERSIST_MIN_COORDINATES = 200_000
CACHE_ENV = "MONITORING_CACHE"


def _layer_key(areas: gpd.GeoDataFrame, tolerance_m: float,
               decimals: int) -> tuple[object, ...]:
    """Content key of a layer: a digest of its codes, coordinates and part structure."""
    import hashlib

    import shapely

    geoms = areas.geometry.to_numpy()
    digest = hashlib.blake2b(digest_size=16)
    digest.update("\x1f".join(map(str, areas["area_code"])).encode())
    digest.update(shapely.get_num_coordinates(geoms).tobytes())
    digest.update(shapely.get_num_geometries(geoms).tobytes())
    digest.update(shapely.get_coordinates(geoms).tobytes())
    return (digest.hexdigest(), str(areas.crs), float(tolerance_m), decimals)


def _disk_cache() -> Path | None:
    """Folder of prepared map geometry that outlives the process: ``$MONITORING_CACHE/karten``
    or the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``)/monitoring/karten.
    ``MONITORING_CACHE=0`` (or empty) switches it off."""
    import os

    root = os.environ.get(CACHE_ENV)
    if root is not None:
        return None if root.strip() in ("", "0") else Path(root) / "karten"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "monitoring" / "karten"


def _cache_file(key: tuple[object, ...]) -> Path | None:
    """The file of a prepared layer: named by a digest of the whole content key, so a changed
    layer (another snapshot, new boundaries, another tolerance) never reads an old file."""
    import hashlib

    folder = _disk_cache()
    if folder is None:
        return None
    name = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    return folder / f"{name}.json"


def _read_cached(path: Path) -> list[dict[str, Any]] | None:
    """The features of a cache file, or None if it is missing or unreadable (then the layer
    is prepared again and the file rewritten)."""
    try:
        text = path.read_bytes()
    except OSError:
        return None
    features = _parsed(text)
    return features if isinstance(features, list) else None


def _parsed(text: str | bytes) -> Any:
    """`json.loads`, None if invalid (run inside `_no_gc`)."""
    try:
        return json.loads(text)
    except ValueError:
        return None


@contextmanager
def _no_gc() -> Iterator[None]:
    """Without the cyclic garbage collector: the 600,000 coordinate lists of a national
    layer would otherwise set off several full collections over every object of the
    process while they are built (≈ 10× the parse itself); parsed JSON has no cycles."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Prepared layers kept on disk at most (the newest by modification time): every snapshot,
# tolerance or changed layer adds a file (a national layer ≈ 2.6 MB).
_DISK_MAX = 16


def _write_cached(path: Path, text: str) -> None:
    """Writes the cache file atomically (parallel workers may prepare the same layer) and
    keeps the newest `_DISK_MAX` files; a cache that cannot be written is skipped – it only
    saves time."""
    import os
    import tempfile

    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
        tmp = None
        kept = sorted(path.parent.glob("*.json"), key=lambda f: f.stat().st_mtime,
                      reverse=True)
        for old in kept[_DISK_MAX:]:
            old.unlink(missing_ok=True)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _prepared(areas: gpd.GeoDataFrame, codes: Iterable[str], simplify_m: float) -> _Prepared:
    """The areas of `codes` ready for a map: simplified by the map's extent (`_tolerance_m`,
    projected layers with `simplify_m` > 0 only), rounded to the decimals that tolerance needs
    (`_decimals`), prepared once per content (`_layer`)."""
    areas = areas[areas["area_code"].isin(list(codes))]
    if areas.crs is not None and areas.crs.is_projected and simplify_m > 0:
        tolerance = _tolerance_m(areas, simplify_m)
        return _layer(areas, tolerance, _decimals(tolerance))
    return _layer(areas, 0.0, 4)


def _layer(areas: gpd.GeoDataFrame, tolerance_m: float, decimals: int) -> _Prepared:
    """The prepared geometry of `areas` (from the cache when the content is known).

    Simplified as a coverage (shared borders stay shared) when `tolerance_m` > 0, in WGS84
    with clockwise exterior rings for plotly, coordinates rounded to `decimals`. Everything
    is one vectorised call over the layer, no loop per area. Looked up in memory, then (large
    layers) in the disk cache keyed by the layer's content, and prepared only if neither
    has it."""
    import numpy as np
    import shapely

    key = _layer_key(areas, tolerance_m, decimals)
    hit = _PREPARED.get(key)
    if hit is not None:
        _PREPARED.move_to_end(key)
        return hit
    codes = [str(c) for c in areas["area_code"]]
    persist = (int(shapely.get_num_coordinates(areas.geometry.to_numpy()).sum())
               >= PERSIST_MIN_COORDINATES)
    path = _cache_file(key) if persist else None
    with _no_gc():
        features = _read_cached(path) if path is not None and path.is_file() else None
        if features is None or [f.get("id") for f in features] != codes:
            text = _feature_json(areas, tolerance_m, decimals, codes)
            features = _parsed(text)
            if path is not None:
                _write_cached(path, text)
        packed = np.empty(len(features), dtype=object)
        packed[:] = [_Shared(feature) for feature in features]
    prepared = _Prepared(pd.Index(codes), packed)
    _PREPARED[key] = prepared
    while len(_PREPARED) > _PREPARED_MAX:
        _PREPARED.popitem(last=False)
    return prepared


def _feature_json(areas: gpd.GeoDataFrame, tolerance_m: float, decimals: int,
                  codes: Sequence[str]) -> str:
    """The JSON array of the layer's GeoJSON features (id = area code), prepared as
    `_layer` says."""
    import geopandas as gpd
    import numpy as np
    import shapely

    frame = _simplified(areas, tolerance_m) if tolerance_m > 0 else areas[["area_code",
                                                                              "geometry"]]
    geoms = frame.geometry.to_numpy()
    geoms = gpd.GeoSeries(geoms, crs=areas.crs).to_crs(4326).to_numpy()
    geoms = shapely.orient_polygons(geoms, exterior_cw=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    texts = shapely.to_geojson(geoms)
    return "[" + ",".join(
        f'{{"type":"Feature","id":{json.dumps(code)},'
        f'"geometry":{"null" if text is None else text}}}'
        for code, text in zip(codes, texts, strict=True)) + "]"


def _geojson(areas: gpd.GeoDataFrame, codes: Sequence[str] | None = None, *,
             decimals: int = 4) -> dict[str, Any]:
    """GeoJSON in WGS84 (only `codes`, if given) with clockwise exterior rings for plotly,
    coordinates rounded to `decimals` (not simplified; the maps use `_prepared`)."""
    return _layer(areas, 0.0, decimals).collection(codes)


def _formatted(values: pd.Series, decimals: int) -> pd.Series:
    """`fmt.number` of each value, computed once per distinct value."""
    distinct = pd.unique(values.dropna())
    table = dict(zip(distinct, fmt.numbers(distinct, decimals), strict=True))
    return values.map(table).fillna(fmt.MISSING)


# Template parts for subplots our figures never have (3D scenes, ternary and polar axes).
_UNUSED_TEMPLATE_LAYOUT = ("scene", "ternary", "polar")


def _slimmed(template: dict[str, Any]) -> dict[str, Any]:
    from monitoring.present.plotlyjs import trace_types

    used = trace_types()
    return {"data": {k: v for k, v in template.get("data", {}).items() if k in used},
            "layout": {k: v for k, v in template.get("layout", {}).items()
                       if k not in _UNUSED_TEMPLATE_LAYOUT}}


@functools.cache
def _slim_template_json(name: str) -> str:
    """`_slimmed` of the registered template `name`, as JSON: built once per process."""
    import plotly.io as pio

    return json.dumps(_slimmed(pio.templates[name].to_plotly_json()))


def _template() -> dict[str, Any] | None:
    """A fresh copy of plotly's current default template, slimmed (`_slimmed`): only the
    defaults of the trace types the reports' plotly.js draws (`plotlyjs.trace_types`), and
    the layout defaults but those of subplots we never draw. The figure looks the same; each
    figure of a report carries about 5 KB less (the full template holds defaults for 50 trace
    types)."""
    import plotly.io as pio

    default = pio.templates.default
    if isinstance(default, str) and default in pio.templates:  # plotly's default: "plotly"
        return dict(json.loads(_slim_template_json(default)))
    if default is None:
        return None
    return _slimmed(default.to_plotly_json())


def _frame(*, height: int, title: str | None) -> dict[str, Any]:
    """Our frame of every figure, as layout values: German number separators, font, margins,
    title, white background and the slim template (`_template`)."""
    layout: dict[str, Any] = {
        "separators": ",.", "height": height,
        "font": {"family": FONT, "size": 13, "color": TEXT_COLOUR},
        "margin": {"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        "paper_bgcolor": "white", "plot_bgcolor": "white"}
    layout["title"] = {"text": escaped(title), "x": 0.01, "font": {"size": 15}} if title else None
    template = _template()
    if template is not None:
        layout["template"] = template
    return layout


def _layout(fig: go.Figure, *, height: int, title: str | None) -> None:
    """Give `fig` our frame (`_frame`) – for the maps, which are built with plotly's API.

    These values are ours and known to be valid, so plotly does not validate them again:
    that halves the time (validating the template alone took a quarter of a chart's build)."""
    layout = fig.layout
    frame = _frame(height=height, title=title)
    template = frame.pop("template", None)
    fig._validate = layout._validate = False
    try:
        fig.update_layout(**frame)
        if template is not None:  # replaces plotly's full template (an update would merge)
            layout.template = template
    finally:
        fig._validate = layout._validate = True


def _vline(x: float, line: dict[str, Any]) -> dict[str, Any]:
    """The shape of plotly's ``add_vline``: a line at `x` over the plot's whole height."""
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1,
            "yref": "y domain", "line": line}


def _hline(y: float, line: dict[str, Any]) -> dict[str, Any]:
    """The shape of plotly's ``add_hline``: a line at `y` over the plot's whole width."""
    return {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y,
            "yref": "y", "line": line}


def _figure(data: list[dict[str, Any]], layout: dict[str, Any],
            text: FigureText) -> go.Figure:
    """A figure from its whole spec at once, `text` attached (`describe.attach`).

    Our chart functions know every value they set, so plotly is spared validating them
    property by property – which was most of a chart's build time (plotly's update machinery,
    about 20 ms a chart, twenty charts a report). The figure it returns validates whatever an
    analyst changes afterwards, as any plotly figure does."""
    import plotly.graph_objects as go

    layout["meta"] = {META_KEY: text.to_meta()}
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    fig._validate = fig.layout._validate = True
    for trace in fig.data:
        trace._validate = True
    return fig


def coverage_map(data: Publishable, areas: gpd.GeoDataFrame, *, value: str, label: str,
                 unit: str = "", highlight: str | None = None, title: str | None = None,
                 decimals: int = 1, extra: dict[str, str] | None = None,
                 simplify_m: float = 100.0) -> go.Figure:
    """Choropleth of `value` per area; withheld or missing values are grey and say why.

    Parameters
    ----------
    data
        Disclosure-controlled frame with ``area_code``, ``name`` and `value`.
    areas
        Geometries (any metric or geographic CRS) with ``area_code``.
    extra
        Further columns to show in the hover text: column → German label.
    simplify_m
        Least display simplification in metres (geometry in a projected CRS only); a map
        of a large extent is simplified more, to about one pixel (`_tolerance_m`). Keeps
        the report small without changing what the map shows.

    The layer's geometry is prepared once per content (`_prepared`: simplified, WGS84,
    rounded, GeoJSON) and shared by every further map of the same layer in this process.
    """
    import plotly.graph_objects as go

    publishable = require(data, "Die Karte")
    frame = publishable.frame.merge(areas[["area_code"]], on="area_code", how="inner")
    hidden = publishable.is_suppressed(value).reindex(frame.index, fill_value=False)
    layer = _prepared(areas, frame["area_code"], simplify_m)
    # Hover: one `hovertemplate` per trace with the fixed words (label, unit, headers) and a
    # short `customdata` row per area (name, value, extra cells) – an 11,000-area map carries
    # the labels once instead of 11,000 times. Column by column, no loop per area.
    numbers = _formatted(frame[value], decimals)
    frame["_shown"] = frame[value].notna().to_numpy() & ~hidden.to_numpy(dtype=bool)
    frame["_name"] = frame["name"].map(escaped)
    frame["_value"] = numbers.where(frame[value].notna(), "keine Angabe").where(
        ~hidden.to_numpy(dtype=bool),
        f"{fmt.SUPPRESSED} (nicht ausgewiesen: zu kleine Fallzahl)")
    headers = []
    for k, (col, header) in enumerate((extra or {}).items()):
        cell = _formatted(frame[col], 0)
        if col in publishable.columns:
            withheld = publishable.is_suppressed(col).reindex(frame.index, fill_value=False)
            cell = cell.where(~withheld.to_numpy(dtype=bool), fmt.SUPPRESSED)
        frame[f"_extra{k}"] = cell
        headers.append(header)
    # Each area's geometry goes into the map once: areas without a value, areas with one, and
    # the highlighted district last (drawn on top, so its dark outline is not covered by its
    # neighbours' fill), in its own trace with its own colour and hover text.
    if highlight is not None and highlight not in set(frame["area_code"]):
        highlight = None
    own = frame[frame["area_code"] == highlight]
    rest = frame[frame["area_code"] != highlight]
    known = rest[rest[value].notna()]
    unknown = rest[rest[value].isna()]
    z_known = shown(frame.loc[frame[value].notna(), value], decimals)
    # one colour scale for the highlighted district and the others (plotly would scale
    # each trace to its own maximum)
    zmax = max((z for z in z_known if z is not None), default=None)
    scale: dict[str, Any] = {"colorscale": COLORSCALE, "zmin": 0}
    if zmax is not None and zmax > 0:
        scale["zmax"] = zmax
    outline = {"line": {"color": "white", "width": 0.6}}
    colorbar = {"title": {"text": "<br>".join(escaped(t) for t in (label, unit) if t),
                          "side": "top"},
                "thickness": 14, "len": 0.75, "tickformat": ",.1~f"}

    unit_text = f" {_template_text(unit)}" if unit else ""

    def geometry(part: pd.DataFrame) -> dict[str, Any]:
        # the unit goes into the template when every area of the trace shows a number
        values = part["_value"]
        if unit and part["_shown"].all():
            value_part = "%{customdata[1]}" + unit_text
        else:
            value_part = "%{customdata[1]}"
            values = values.where(~part["_shown"], values + unit_text)
        cells = pd.concat([part["_name"], values]
                          + [part[f"_extra{k}"] for k in range(len(headers))], axis=1)
        template = ("<b>%{customdata[0]}</b><br>" + _template_text(label) + ": " + value_part
                    + "".join(f"<br>{_template_text(h)}: %{{customdata[{k + 2}]}}"
                              for k, h in enumerate(headers)) + "<extra></extra>")
        return {"geojson": layer.collection(part["area_code"]),
                "locations": part["area_code"], "customdata": cells.to_numpy(dtype=str),
                "hovertemplate": template}

    def grey(part: pd.DataFrame) -> dict[str, Any]:
        return {"z": [0] * len(part), "colorscale": [[0, NO_VALUE_COLOUR], [1, NO_VALUE_COLOUR]],
                "showscale": False, "name": "ohne Wert"}

    fig = go.Figure()
    if not unknown.empty:
        fig.add_trace(go.Choropleth(**geometry(unknown), **grey(unknown), marker=outline))
    if not known.empty:
        fig.add_trace(go.Choropleth(
            **geometry(known), z=shown(known[value], decimals), **scale,
            name=escaped(label), marker=outline, colorbar=colorbar))
    if not own.empty:
        framed = {"line": {"color": "#111111", "width": 2.5}}
        if own[value].isna().all():
            fig.add_trace(go.Choropleth(**geometry(own), **grey(own), marker=framed))
        else:
            fig.add_trace(go.Choropleth(
                **geometry(own), z=shown(own[value], decimals), **scale,
                showscale=known.empty, name=escaped(label), marker=framed,
                colorbar=colorbar))
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator",
                    bgcolor="white")
    _layout(fig, height=520, title=title)
    attach(fig, _coverage_text(frame, publishable, value=value, label=label, unit=unit,
                               decimals=decimals, highlight=highlight, title=title,
                               extra=extra or {}))
    return fig




def class_map(layers: dict[str, Publishable], areas: gpd.GeoDataFrame, *, category: str,
              classes: Sequence[tuple[str, str]], hover: dict[str, tuple[str, int]],
              title: str | None = None, simplify_m: float = 100.0,
              legend_title: str = "Erreichbarkeit") -> go.Figure:
    """Choropleth of classes with a selector: one map, one layer per key of `layers`.

    Each layer (e.g. one Handlungsfeld) is a disclosure-controlled frame with ``area_code``,
    ``name`` and the `category` column holding labels from `classes` (``[(label, colour)]``,
    legend order). The geometry is embedded once; the selector only swaps values and hover
    texts, which keeps reports small. `hover` maps column → (German label, decimals).
    """
    import plotly.graph_objects as go

    checked = {key: require(layer, "Die Karte") for key, layer in layers.items()}
    labels = [label for label, _ in classes]
    codes = sorted(set().union(*(set(p.frame["area_code"]) for p in checked.values()))
                   & set(areas["area_code"])) if checked else []
    layer = _prepared(areas, codes, simplify_m)
    n = len(classes)
    colorscale = [item for i, (_, colour) in enumerate(classes)
                  for item in ([i / n, colour], [(i + 1) / n, colour])]

    def values(publishable: Publishable) -> tuple[list[float | None], list[str]]:
        # Column by column for all areas at once (a national layer has 11,000 of them).
        import numpy as np

        frame = publishable.frame
        position = pd.Index(frame["area_code"]).get_indexer(codes)
        present = position >= 0
        rows = frame.iloc[position[present]]
        lines = ("<b>" + rows["name"].map(escaped) + "</b><br>"
                 + rows[category].map(escaped))
        for col, (text, decimals) in hover.items():
            hidden = publishable.is_suppressed(col).to_numpy(dtype=bool)[position[present]]
            cell = _formatted(rows[col], decimals).where(~hidden, fmt.SUPPRESSED)
            lines = lines + "<br>" + escaped(text) + ": " + cell
        texts = np.full(len(codes), "keine Angabe", dtype=object)
        texts[present] = lines.to_numpy(dtype=object)
        classes_of = rows[category].map({label: i for i, label in enumerate(labels)})
        z = np.full(len(codes), None, dtype=object)
        z[present] = [None if pd.isna(v) else int(v) for v in classes_of]
        return list(z), list(texts)

    per_layer = {key: values(p) for key, p in checked.items()}
    first = next(iter(per_layer.values()), ([], []))
    fig = go.Figure(go.Choropleth(
        geojson=layer.collection(codes), locations=codes,
        z=first[0], text=first[1], hoverinfo="text", colorscale=colorscale, zmin=-0.5,
        zmax=n - 0.5, marker={"line": {"color": "white", "width": 0.6}},
        colorbar={"title": {"text": escaped(legend_title), "side": "top"},
                  "tickvals": list(range(n)), "ticktext": [escaped(t) for t in labels],
                  "thickness": 14, "len": 0.8}))
    if len(per_layer) > 1:
        fig.update_layout(updatemenus=[{
            "type": "dropdown", "x": 0, "y": 1.08, "xanchor": "left", "yanchor": "top",
            "showactive": True,
            "buttons": [{"label": escaped(key), "method": "restyle",
                         "args": [{"z": [z], "text": [texts]}]}
                        for key, (z, texts) in per_layer.items()]}])
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator",
                    bgcolor="white")
    _layout(fig, height=520, title=title)
    if len(per_layer) > 1:
        fig.update_layout(margin={"t": 70})
    attach(fig, _class_text(checked, codes, category=category, labels=labels,
                            legend_title=legend_title, title=title))
    return fig

def _period_label(period: str) -> str:
    return Quarter.parse(period).label_short()


def quarter_x(period: str) -> float:
    """Position of a quarter on a time axis: the year plus a quarter of a year per quarter
    (``2025-Q4`` → 2025.75). Linear in quarters, so the straight target path (linear in
    quarters, `indicators.expected_on_path`) is straight on the chart and passes through the
    table's „Soll laut Pfad“ at every quarter; a gap of eight quarters is eight steps wide."""
    quarter = Quarter.parse(period)
    return quarter.year + (quarter.quarter - 1) / 4


def quarter_ticks(periods: Iterable[str], *, most: int = 14) -> tuple[list[float], list[str]]:
    """Tick positions and labels („Q4 2025“) for a time axis covering `periods`: every
    quarter while at most `most` fit, otherwise every second quarter (Q2, Q4) or every Q4
    of every n-th year, so labels never crowd."""
    quarters = sorted(Quarter.parse(p) for p in periods)
    if not quarters:
        return [], []
    every = quarter_range(quarters[0], quarters[-1])
    step = 1
    while len(every) / step > most:
        step = 2 if step == 1 else step * 2 if step < 4 else step + 4
    if step == 1:
        chosen = every
    elif step == 2:
        chosen = [q for q in every if q.quarter % 2 == 0]
    else:
        years = step // 4
        chosen = [q for q in every if q.quarter == 4 and (quarters[-1].year - q.year) % years == 0]
    chosen = chosen or [quarters[-1]]
    return [quarter_x(str(q)) for q in chosen], [q.label_short() for q in chosen]


def indicator_chart(series: pd.DataFrame, *, unit: str, area_name: str,
                    state_name: str = "Landeswert", target: pd.Series | None = None,
                    decimals: int | None = None, title: str | None = None,
                    census_break: str | None = CENSUS_BREAK) -> go.Figure:
    """Time series of one indicator for one area, the state value, and the target path.

    `series` comes from `indicators.series` after disclosure control (rates whose numerator
    is too small are already NaN). `decimals` defaults by unit (`fmt.decimals_for`: counts
    as integers). The x axis is time (`quarter_x`): the target quarter sits at its real
    distance, and the dotted target path crosses each quarter at the value the controlling
    table calls „Soll laut Pfad“. Hover texts and ticks read „Q4 2025“.
    """
    decimals = fmt.decimals_for(unit) if decimals is None else decimals
    x = [quarter_x(p) for p in series["period"]]
    labels = [_period_label(p) for p in series["period"]]

    def text(values: pd.Series) -> list[str]:
        return [fmt.MISSING if pd.isna(v) else f"{fmt.number(v, decimals)} {unit_text}".strip()
                for v in values]

    raw = {"unit": unit, "area_name": area_name, "state_name": state_name}  # for the text
    state_name, area_name, unit_text = escaped(state_name), escaped(area_name), escaped(unit)
    data: list[dict[str, Any]] = [
        {"type": "scatter", "x": x, "y": shown(series["state_value"], decimals),
         "name": state_name, "mode": "lines",
         "line": {"color": STATE_COLOUR, "dash": "dash", "width": 2}, "customdata": labels,
         "text": text(series["state_value"]),
         "hovertemplate": "%{customdata}: %{text}<extra>" + state_name + "</extra>"},
        {"type": "scatter", "x": x, "y": shown(series["value"], decimals), "name": area_name,
         "mode": "lines+markers", "line": {"color": ACCENT, "width": 3}, "marker": {"size": 6},
         "customdata": labels, "text": text(series["value"]),
         "hovertemplate": "%{customdata}: %{text}<extra>" + area_name + "</extra>"}]
    periods = list(series["period"])
    if target is not None:
        ends = [str(target["baseline_period"]), str(target["target_period"])]
        periods += ends
        ty = [target["baseline_value"], target["target_value"]]
        data.append({
            "type": "scatter", "x": [quarter_x(p) for p in ends], "y": shown(ty, decimals),
            "name": "Zielpfad", "mode": "lines+markers",
            "line": {"color": TARGET_COLOUR, "dash": "dot", "width": 2},
            "marker": {"symbol": ["circle-open", "star"], "size": [9, 13]},
            "customdata": [_period_label(p) for p in ends],
            "text": [f"Ausgangswert {fmt.number(ty[0], decimals)} {unit_text}",
                     f"Zielwert {fmt.number(ty[1], decimals)} {unit_text}"],
            "hovertemplate": "%{customdata}: %{text}<extra></extra>"})
    xaxis: dict[str, Any] = {}
    yaxis: dict[str, Any] = {}
    tickvals, ticktext = quarter_ticks(periods)
    if tickvals:
        xaxis.update(tickmode="array", tickvals=tickvals, ticktext=ticktext,
                     range=[quarter_x(min(periods)) - 0.15, quarter_x(max(periods)) + 0.15])
    values = pd.concat([series["value"], series["state_value"]]).dropna()
    if target is not None:
        values = pd.concat([values, pd.Series([target["baseline_value"],
                                               target["target_value"]])])
    if not values.empty:
        low, high = float(values.min()), float(values.max())
        pad = max((high - low) * 0.15, abs(high) * 0.02, 10 ** -decimals)
        yaxis["range"] = [max(0.0, low - pad) if low >= 0 else low - pad, high + pad]
    yaxis.update(title={"text": unit_text}, gridcolor="#eeeeee", zeroline=False,
                 tickformat=",." + str(decimals) + "f")
    xaxis.update(type="linear", tickangle=-45, gridcolor="#f5f5f5", zeroline=False)
    layout = _frame(height=360, title=title)
    layout.update(xaxis=xaxis, yaxis=yaxis, legend={"orientation": "h", "y": -0.3, "x": 0},
                  hovermode="x unified")
    periods = sorted(series["period"])
    if census_break and periods and periods[0] < census_break <= periods[-1]:
        # Population figures switch from the Zensus 2011 to the Zensus 2022 basis: a break.
        layout["shapes"] = [_vline(quarter_x(census_break),
                                   {"color": "#777", "dash": "dash", "width": 1})]
        layout["annotations"] = [{
            "x": quarter_x(census_break), "y": 1, "yref": "paper", "showarrow": False,
            "text": "Zensus 2022: neue Bevölkerungsbasis", "font": {"size": 10},
            "xanchor": "left", "yanchor": "bottom"}]
    return _figure(data, layout, _series_text(series, **raw, target=target, decimals=decimals,
                                              title=title, census_break=census_break))


def peer_chart(data: Publishable, *, name: str, unit: str, decimals: int | None = None,
               state_name: str = "Landeswert", title: str | None = None) -> go.Figure:
    """Bar chart of one indicator for the report's district and its peers, state as a line.

    `data` is `views.peer_table` after disclosure control: one row per district of the same
    kind (column ``own`` marks the report's district) plus the state row (``kind`` = Land).
    Districts without a publishable value are listed with "–" instead of a bar, so a missing
    bar is never mistaken for zero.
    """
    decimals = fmt.decimals_for(unit) if decimals is None else decimals
    data = require(data, "Der Vergleichsbalken")
    frame = data.frame.assign(withheld=data.is_suppressed("value"))
    state = frame[frame["kind"] == "Land"]
    peers = frame[frame["kind"] != "Land"].sort_values("value", na_position="first", kind="stable")

    def missing(hidden: bool) -> str:
        return fmt.SUPPRESSED if hidden else fmt.MISSING

    raw_unit, unit = unit, escaped(unit)
    labels = [f"{escaped(n)} {missing(h)}" if pd.isna(v) else escaped(n)
              for n, v, h in zip(peers["name"], peers["value"], peers["withheld"], strict=True)]
    colours = [ACCENT if own else "#9ecae1" for own in peers["own"]]
    text = [missing(h) if pd.isna(v) else f"{fmt.number(v, decimals)} {unit}".strip()
            for v, h in zip(peers["value"], peers["withheld"], strict=True)]
    bars = {"type": "bar", "x": shown(peers["value"], decimals), "y": labels,
            "orientation": "h", "marker": {"color": colours}, "text": text,
            "textposition": "outside", "cliponaxis": False,
            "hovertemplate": "%{y}: %{text}<extra></extra>", "showlegend": False}
    layout = _frame(height=max(260, 28 * len(peers) + 110), title=title or name)
    if not state.empty and pd.notna(state["value"].iloc[0]):
        level = float(round(state["value"].iloc[0], decimals))
        layout["shapes"] = [_vline(level, {"color": STATE_COLOUR, "dash": "dash", "width": 2})]
        layout["annotations"] = [{
            "x": level, "y": 1, "yref": "paper", "showarrow": False, "xanchor": "left",
            "yanchor": "bottom", "font": {"size": 11},
            "text": f"{escaped(state_name)}: {fmt.number(level, decimals)} {unit}".strip()}]
    xaxis: dict[str, Any] = {"title": {"text": unit}, "gridcolor": "#eeeeee",
                             "rangemode": "tozero", "tickformat": ",." + str(decimals) + "f"}
    known = [float(v) for v in pd.concat([peers["value"], state["value"]]).dropna()]
    if known and max(known) > 0:  # room right of the longest bar for its value text
        longest_text = max((len(t) for t in text), default=0)
        xaxis["range"] = [0, max(known) * (1.08 + 0.018 * longest_text)]
    # plotly's automargin can leave long names („Schmalkalden-Meiningen“) cut at the left:
    # reserve their width (about 7 px per character at 13 px) up front
    longest = max((len(str(label)) for label in labels), default=0)
    layout["margin"].update(l=min(280, 16 + 7 * longest), r=16)
    layout.update(xaxis=xaxis, yaxis={"automargin": True}, bargap=0.25)
    return _figure([bars], layout, _peer_text(peers, state, name=name, unit=raw_unit,
                                              decimals=decimals, state_name=state_name,
                                              counts="value" in data.counts))


def index_chart(table: pd.DataFrame, *, status_bounds: Sequence[float],
                dynamic_bounds: Sequence[float], title: str | None = None) -> go.Figure:
    """Status index (x) against dynamic index (y) of all assessed peers, class bounds as lines.

    `table` is ``views.composite_index(...)["table"]`` (index values, classes, ``own``,
    ``attention``; no person counts). Higher values mean more need for attention on both
    axes, so areas flagged "besonderer Aufmerksamkeitsbedarf" sit to the right. Areas not
    assessed have no point.
    """
    points = table[table["assessed"].fillna(False).astype(bool)]
    colours = [ACCENT if own else (TARGET_COLOUR if attention else "#9ecae1")
               for own, attention in zip(points["own"], points["attention"], strict=True)]
    hover = [f"<b>{escaped(r.name)}</b><br>"
             f"Status {fmt.signed(r.status_index, 2)}: {class_label(r.status_class, 'status')}"
             f"<br>Dynamik {fmt.signed(r.dynamic_index, 2)}: "
             f"{class_label(r.dynamic_class, 'dynamic')}"
             + ("<br>besonderer Aufmerksamkeitsbedarf" if r.attention else "")
             for r in points.itertuples()]
    scatter = {
        "type": "scatter", "x": shown(points["status_index"], 2),
        "y": shown(points["dynamic_index"], 2), "mode": "markers+text",
        "marker": {"color": colours, "size": [14 if own else 9 for own in points["own"]],
                   "line": {"color": "white", "width": 1}},
        "text": [escaped(name) if own else ""
                 for name, own in zip(points["name"], points["own"], strict=True)],
        "textposition": "top center", "hovertext": hover, "hoverinfo": "text",
        "showlegend": False}
    bound_line = {"color": STATE_COLOUR, "dash": "dot", "width": 1}
    layout = _frame(height=420, title=title)
    layout.update(
        shapes=[_vline(b, dict(bound_line)) for b in status_bounds]
        + [_hline(b, dict(bound_line)) for b in dynamic_bounds],
        xaxis={"title": {"text": "Statusindex (höher = mehr Aufmerksamkeitsbedarf)"},
               "gridcolor": "#eeeeee", "zeroline": False, "tickformat": ",.1f"},
        yaxis={"title": {"text": "Dynamikindex"}, "gridcolor": "#eeeeee", "zeroline": False,
               "tickformat": ",.1f"})
    return _figure([scatter], layout, _index_text(points))


# ---- Text alternatives (issue 15): each figure states its message and carries its data ----

def _num(value: float | None, decimals: int, unit: str = "") -> str:
    return f"{fmt.number(value, decimals)} {unit}".strip()


def _cell(value: Any, decimals: int, *, withheld: bool = False) -> str:
    """A table cell of a figure's data: „gesperrt“ for a withheld value (never a number),
    „kein Wert“ for a missing one, else the number as shown."""
    if withheld:
        return WITHHELD
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return NO_VALUE
    return fmt.number(float(value), decimals)


def _cells(values: pd.Series, decimals: int, withheld: pd.Series) -> pd.Series:
    """`_cell` for a whole column at once."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    shown_text = _formatted(numbers, decimals).where(numbers.notna(), NO_VALUE)
    return shown_text.where(~withheld.to_numpy(dtype=bool), WITHHELD)


def _signs_note(rows: Iterable[Sequence[str]]) -> str:
    """The note under a figure's data table explaining „gesperrt“ and „kein Wert“ (only the
    signs that occur)."""
    cells = {c for row in rows for c in row[1:]}
    parts = []
    if WITHHELD in cells:
        parts.append(f"„{WITHHELD}“: nicht ausgewiesen wegen zu kleiner Fallzahl "
                     "(Geheimhaltung)")
    if NO_VALUE in cells:
        parts.append(f"„{NO_VALUE}“: kein Wert vorhanden oder gesperrt")
    return "; ".join(parts) + ("." if parts else "")


def _coverage_text(frame: pd.DataFrame, publishable: Publishable, *, value: str, label: str,
                   unit: str, decimals: int, highlight: str | None, title: str | None,
                   extra: dict[str, str]) -> FigureText:
    """Message and data of a coverage map, from the values as the map shows them."""
    hidden = publishable.is_suppressed(value).reindex(frame.index, fill_value=False)
    hidden = hidden.fillna(False).astype(bool)
    values = pd.Series(shown(frame[value], decimals), index=frame.index, dtype=float)
    known = values[~hidden & values.notna()]
    names = frame["name"].astype(str)
    n = len(frame)
    what = f"{label} {unit}".strip()
    head = f"Karte{': ' + title if title else ''} – {what} in {count_de(n, 'Gebiet', 'Gebieten')}."
    sentences = [head]
    if len(known) > 1:
        top, low = known.idxmax(), known.idxmin()
        sentences.append(f"Am höchsten in {names[top]} ({_num(known[top], decimals)}), "
                         f"am niedrigsten in {names[low]} ({_num(known[low], decimals)}).")
    elif len(known) == 1:
        only = known.index[0]
        sentences.append(f"Einziger Wert: {names[only]} ({_num(known[only], decimals)}).")
    zeros = int((known == 0).sum())
    if zeros:
        sentences.append(f"In {fmt.number(zeros, 0)} von {count_de(n, 'Gebiet', 'Gebieten')} "
                         "ist der Wert 0.")
    own = frame.index[frame["area_code"] == highlight] if highlight is not None else []
    if len(own) and own[0] in known.index:
        mine = known[own[0]]
        rank = 1 + int((known > mine).sum())
        sentences.append(f"Hervorgehoben: {names[own[0]]} mit {_num(mine, decimals)}, "
                         f"Rang {rank} von {len(known)} (höchster Wert zuerst).")
    withheld = int(hidden.sum())
    if withheld:
        sentences.append(f"Für {count_de(withheld, 'Gebiet', 'Gebiete')} ist der Wert "
                         "gesperrt (zu kleine Fallzahl).")
    missing = int((values.isna() & ~hidden).sum())
    if missing:
        sentences.append(f"Für {count_de(missing, 'Gebiet', 'Gebiete')} liegt kein Wert vor.")
    header = ["Gebiet", f"{label} ({unit})" if unit else label]
    persons = {1} if value in publishable.counts else set()
    # column by column (each distinct number formatted once): a national layer has 11,000 rows
    cells = [_cells(values, decimals, hidden)]
    for col, text in extra.items():
        if col not in frame:
            continue
        withheld_col = (publishable.is_suppressed(col).reindex(frame.index, fill_value=False)
                        .fillna(False).astype(bool))
        if col in publishable.counts:
            persons.add(len(header))
        header.append(text)
        cells.append(_cells(frame[col], 0, withheld_col))
    order = names.sort_values(kind="stable").index
    rows = tuple(zip(names[order], *(c[order] for c in cells), strict=True))
    return FigureText(" ".join(sentences), f"{DATA_SUMMARY}: {what}", tuple(header), rows,
                      frozenset(persons), (False,) + (True,) * (len(header) - 1),
                      _signs_note(rows))


def _class_text(checked: dict[str, Publishable], codes: Sequence[str], *, category: str,
                labels: Sequence[str], legend_title: str,
                title: str | None) -> FigureText:
    """Message and data of a class map: how many areas fall into each class, per layer."""
    names: dict[str, str] = {}
    per_layer: dict[str, dict[str, str]] = {}
    for key, publishable in checked.items():
        frame = publishable.frame
        hidden = publishable.is_suppressed(category).fillna(False).astype(bool)
        classes: dict[str, str] = {}
        for i, code, name, label in zip(frame.index, frame["area_code"], frame["name"],
                                        frame[category], strict=True):
            names.setdefault(str(code), str(name))
            classes[str(code)] = (WITHHELD if bool(hidden.get(i, False)) else
                                  NO_VALUE if pd.isna(label) else str(label))
        per_layer[key] = classes
    n, keys = len(codes), list(per_layer)
    sentences = [f"Karte{': ' + title if title else ''} – {legend_title} in "
                 f"{count_de(n, 'Gebiet', 'Gebieten')}, "
                 f"{count_de(len(labels), 'Klasse', 'Klassen')}."]
    if len(keys) > 1:
        sentences.append(f"Auswahl zwischen {len(keys)} Ebenen: {listing(keys)}.")
    if keys:
        first = per_layer[keys[0]]
        spread = [f"{count_de(sum(1 for c in codes if first.get(c) == label), 'Gebiet', 'Gebiete')}"
                  f" „{label}“" for label in labels
                  if any(first.get(c) == label for c in codes)]
        if spread:
            sentences.append(f"{'Ebene „' + keys[0] + '“: ' if len(keys) > 1 else ''}"
                             f"{listing(spread)}.")
        worst = labels[-1] if labels else None
        counts = {k: sum(1 for c in codes if per_layer[k].get(c) == worst) for k in keys}
        most = max(counts, key=lambda k: counts[k])
        if len(keys) > 1 and worst is not None and counts[most] > 0:
            sentences.append(f"„{worst}“ am häufigsten in „{most}“ "
                             f"({count_de(counts[most], 'Gebiet', 'Gebiete')}).")
    rows = tuple((names.get(c, c), *(per_layer[k].get(c, NO_VALUE) for k in keys))
                 for c in sorted(codes, key=lambda c: names.get(c, c)))
    return FigureText(" ".join(sentences), f"{DATA_SUMMARY}: {legend_title} je Gebiet",
                      ("Gebiet", *keys), rows, frozenset(), (False,) * (1 + len(keys)),
                      _signs_note(rows))


def _trend(first: float, last: float) -> str:
    return "gestiegen" if last > first else "gesunken" if last < first else "gleich geblieben"


def _series_text(series: pd.DataFrame, *, unit: str, area_name: str, state_name: str,
                 target: pd.Series | None, decimals: int, title: str | None,
                 census_break: str | None) -> FigureText:
    """Message and data of an indicator time series: first and last value of the area, the
    last state value, the target, the break in the population basis."""
    values = pd.Series(shown(series["value"], decimals), index=series.index, dtype=float)
    state = pd.Series(shown(series["state_value"], decimals), index=series.index, dtype=float)
    periods = [str(p) for p in series["period"]]
    known = values.dropna()
    sentences = [f"Liniendiagramm{': ' + title if title else ''}."]
    if len(known) >= 2:
        a, b = known.index[0], known.index[-1]
        sentences.append(
            f"{area_name}: von {_num(known[a], decimals, unit)} ({_period_label(periods[a])}) "
            f"auf {_num(known[b], decimals, unit)} ({_period_label(periods[b])}), "
            f"{_trend(known[a], known[b])}.")
    elif len(known) == 1:
        a = known.index[0]
        sentences.append(f"{area_name}: ein Wert, {_num(known[a], decimals, unit)} "
                         f"({_period_label(periods[a])}).")
    else:
        sentences.append(f"{area_name}: kein ausgewiesener Wert.")
    state_known = state.dropna()
    if not state_known.empty:
        s = state_known.index[-1]
        sentences.append(f"{state_name} zuletzt {_num(state_known[s], decimals, unit)} "
                         f"({_period_label(periods[s])}).")
    note = ""
    if target is not None:
        goal = shown([target["target_value"], target["baseline_value"]], decimals)
        sentences.append(
            f"Ziel: {_num(goal[0], decimals, unit)} bis "
            f"{_period_label(str(target['target_period']))}"
            f" (Ausgangswert {_num(goal[1], decimals, unit)}, "
            f"{_period_label(str(target['baseline_period']))}).")
        note = sentences[-1]
    ordered = sorted(periods)
    if census_break and ordered and ordered[0] < census_break <= ordered[-1]:
        sentences.append(f"Ab {_period_label(census_break)} neue Bevölkerungsbasis "
                         "(Zensus 2022).")
    rows = tuple((_period_label(p), _cell(v, decimals), _cell(s, decimals))
                 for p, v, s in zip(periods, values, state, strict=True))
    signs = _signs_note(rows)
    return FigureText(" ".join(sentences), f"{DATA_SUMMARY}: {title or area_name}",
                      ("Quartal", f"{area_name} ({unit})" if unit else area_name,
                       f"{state_name} ({unit})" if unit else state_name), rows, frozenset(),
                      (False, True, True), " ".join(t for t in (note, signs) if t))


def _peer_text(peers: pd.DataFrame, state: pd.DataFrame, *, name: str, unit: str,
               decimals: int, state_name: str, counts: bool) -> FigureText:
    """Message and data of a peer bar chart: rank of the own district, highest and lowest
    value, the state value, how many districts have no value to show."""
    values = pd.Series(shown(peers["value"], decimals), index=peers.index, dtype=float)
    withheld = peers["withheld"].fillna(False).astype(bool)
    known = values[values.notna() & ~withheld]
    names = peers["name"].astype(str)
    sentences = [f"Balkendiagramm: {name}{' (' + unit + ')' if unit else ''} in "
                 f"{count_de(len(peers), 'Gebiet', 'Gebieten')} gleichen Typs."]
    own = peers.index[peers["own"].fillna(False).astype(bool)]
    if len(own) and own[0] in known.index:
        mine = known[own[0]]
        rank = 1 + int((known > mine).sum())
        sentences.append(f"{names[own[0]]}: {_num(mine, decimals, unit)}, Rang {rank} von "
                         f"{len(known)} (höchster Wert zuerst).")
    elif len(own):
        sentences.append(f"{names[own[0]]}: "
                         f"{'gesperrt' if bool(withheld[own[0]]) else 'kein Wert'}.")
    if len(known) > 1:
        top, low = known.idxmax(), known.idxmin()
        sentences.append(f"Höchster Wert: {names[top]} ({_num(known[top], decimals, unit)}); "
                         f"niedrigster: {names[low]} ({_num(known[low], decimals, unit)}).")
    level = None
    if not state.empty and pd.notna(state["value"].iloc[0]):
        level = float(round(state["value"].iloc[0], decimals))
        sentences.append(f"{state_name}: {_num(level, decimals, unit)}.")
    hidden_n, missing_n = int(withheld.sum()), int((values.isna() & ~withheld).sum())
    if hidden_n:
        sentences.append(f"{count_de(hidden_n, 'Gebiet', 'Gebiete')} gesperrt (zu kleine "
                         "Fallzahl).")
    if missing_n:
        sentences.append(f"{count_de(missing_n, 'Gebiet', 'Gebiete')} ohne Wert.")
    order = names.sort_values(kind="stable").index
    rows = [(names[i], _cell(values[i], decimals, withheld=bool(withheld[i]))) for i in order]
    if level is not None:
        rows.append((state_name, _cell(level, decimals)))
    return FigureText(" ".join(sentences), f"{DATA_SUMMARY}: {name}",
                      ("Gebiet", f"{name} ({unit})" if unit else name), tuple(rows),
                      frozenset({1}) if counts else frozenset(), (False, True),
                      _signs_note(rows))


def _index_text(points: pd.DataFrame) -> FigureText:
    """Message and data of the Status-Dynamik-Index chart."""
    names = points["name"].astype(str)
    sentences = [f"Streudiagramm: Statusindex (waagerecht) und Dynamikindex (senkrecht) von "
                 f"{count_de(len(points), 'bewertetem Gebiet', 'bewerteten Gebieten')}; "
                 "höhere Werte bedeuten mehr Aufmerksamkeitsbedarf."]
    for r in points[points["own"].fillna(False).astype(bool)].itertuples():
        sentences.append(f"{r.name}: Status {fmt.signed(round(r.status_index, 2), 2)} "
                         f"({class_label(r.status_class, 'status')}), Dynamik "
                         f"{fmt.signed(round(r.dynamic_index, 2), 2)} "
                         f"({class_label(r.dynamic_class, 'dynamic')}).")
    flagged = names[points["attention"].fillna(False).astype(bool)].tolist()
    sentences.append(f"Besonderer Aufmerksamkeitsbedarf: {listing(flagged)}." if flagged else
                     "Kein Gebiet mit besonderem Aufmerksamkeitsbedarf.")
    rows = tuple((str(r.name), fmt.signed(round(r.status_index, 2), 2),
                  class_label(r.status_class, "status"),
                  fmt.signed(round(r.dynamic_index, 2), 2),
                  class_label(r.dynamic_class, "dynamic"), "ja" if r.attention else "nein")
                 for r in points.sort_values("name", kind="stable").itertuples())
    return FigureText(" ".join(sentences), f"{DATA_SUMMARY}: Status- und Dynamikindex",
                      ("Gebiet", "Statusindex", "Statusklasse", "Dynamikindex",
                       "Dynamikklasse", "besonderer Aufmerksamkeitsbedarf"), rows, frozenset(),
                      (False, True, False, True, False, False))

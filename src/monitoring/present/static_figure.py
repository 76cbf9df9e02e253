"""A static PNG of a report's plotly figure, drawn with matplotlib from the figure's own data.

Why: print targets (Quarto Typst/PDF, Word) cannot run plotly.js, and without an image Quarto
prints "Unable to display output for mime type(s) …" in place of every chart and map. The
report renderer (`notebook.use_report_renderer`) puts this PNG next to the interactive output
of every figure; HTML renderers keep choosing the interactive one. kaleido is not used: it
needs a Chrome installation (see `monitoring.report.publish.static`).

Drawn from the figure dict, not from the data frames, so the picture shows exactly what the
interactive figure shows – the same rounded and withheld values, nothing more. Covered are
the trace types `monitoring.present.figures` makes: ``scatter`` (lines, markers, text),
horizontal and vertical ``bar`` and ``choropleth`` with GeoJSON; vertical and horizontal
reference lines, paper annotations, axis titles, German number separators. A selector
(``updatemenus``) cannot print: the first layer is drawn and named in the title.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from monitoring import fmt

__all__ = ["png"]

WIDTH_IN = 6.3  # fits the text width of an A4 page with Quarto's Typst margins
DPI = 144
_TAG = re.compile(r"<[^>]+>")
_DASH = {"dash": (0, (5, 3)), "dot": (0, (1, 2)), "dashdot": (0, (5, 2, 1, 2))}
_RGBA = re.compile(r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+))?\)")


def _seq(value: Any) -> list[Any]:
    """A figure's data array (list, tuple, numpy array or None) as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [None if isinstance(v, float) and math.isnan(v) else v for v in list(value)]


def _many(value: Any) -> Any:
    """A style value that may be one value or one per point: a list in the second case."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    return _seq(value)


def _text(value: Any) -> str:
    """A plotly text (HTML subset, escaped) as plain text: ``<br>`` → line break."""
    if value is None:
        return ""
    text = re.sub(r"<br\s*/?>", "\n", str(value), flags=re.IGNORECASE)
    return html.unescape(_TAG.sub("", text))


def _title(obj: Any) -> str:
    if isinstance(obj, dict):
        return _text(obj.get("text"))
    return _text(obj)


def _colour(value: Any, default: str = "#1b4f72") -> Any:
    if value is None:
        return default
    match = _RGBA.fullmatch(str(value).strip())
    if match:
        r, g, b, a = match.groups()
        return (float(r) / 255, float(g) / 255, float(b) / 255, 1.0 if a is None else float(a))
    return value


def _decimals(tickformat: Any, default: int = 1) -> int:
    match = re.search(r"\.(\d+)", str(tickformat or ""))
    return int(match.group(1)) if match else default


def _formatter(axis: dict[str, Any]) -> Any:
    from matplotlib.ticker import FuncFormatter

    decimals = _decimals(axis.get("tickformat"))
    return FuncFormatter(lambda v, _: fmt.number(v, decimals))


def _locator(axis: dict[str, Any]) -> Any:
    """Ticks on steps that the axis' decimals can show (no 8,25 printed as „8,2“)."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=6, steps=[1, 2, 5, 10],
                       min_n_ticks=2, integer=_decimals(axis.get("tickformat")) == 0)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def alt_text(figure: dict[str, Any]) -> str:
    """The text alternative of a figure (`monitoring.present.describe`): the same German
    sentences the HTML report shows under the interactive figure, for the printed picture
    (PDF alt text). Empty for a figure without one."""
    from monitoring.present.describe import text_of

    text = text_of(figure)
    return "" if text is None else text.alt


def png(figure: dict[str, Any]) -> bytes:
    """The figure (a plotly figure dict: ``data`` and ``layout``) as a PNG image; its text
    alternative (`alt_text`) is stored in the PNG as ``Description``."""
    plt = _pyplot()
    layout = figure.get("layout", {}) or {}
    traces = [t for t in figure.get("data", []) or [] if t.get("visible", True) is not False]
    height_px = float(layout.get("height") or 420)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, max(2.4, min(8.5, height_px / 90))))
    title = _title(layout.get("title"))
    menus = layout.get("updatemenus") or []
    if menus and menus[0].get("buttons"):
        first = _text(menus[0]["buttons"][0].get("label"))
        title = f"{title}\n(gedruckt: {first})" if title else f"gedruckt: {first}"
    if any(t.get("type") == "choropleth" for t in traces):
        _choropleth(fig, ax, traces)
    else:
        _cartesian(ax, traces, layout)
    if title:
        ax.set_title(title, loc="left", fontsize=9.5)
    buffer = io.BytesIO()
    alt = alt_text(figure)
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white",
                metadata={"Description": alt} if alt else None)
    plt.close(fig)
    return buffer.getvalue()


# --- x/y charts -------------------------------------------------------------------------


def _categories(traces: Sequence[dict[str, Any]], axis: dict[str, Any], key: str) -> list[Any]:
    order: list[Any] = list(_seq(axis.get("categoryarray")))
    for trace in traces:
        for value in _seq(trace.get(key)):
            if value not in order:
                order.append(value)
    return order


def _is_categorical(traces: Sequence[dict[str, Any]], axis: dict[str, Any], key: str) -> bool:
    if axis.get("type") == "category":
        return True
    values = [v for t in traces for v in _seq(t.get(key)) if v is not None]
    return bool(values) and any(isinstance(v, str) for v in values)


def _numbers(values: Iterable[Any]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def _cartesian(ax: Any, traces: Sequence[dict[str, Any]], layout: dict[str, Any]) -> None:
    xaxis, yaxis = layout.get("xaxis", {}) or {}, layout.get("yaxis", {}) or {}
    horizontal = any(t.get("type") == "bar" and t.get("orientation") == "h" for t in traces)
    x_cat = _is_categorical(traces, xaxis, "x")
    y_cat = _is_categorical(traces, yaxis, "y")
    x_order = _categories(traces, xaxis, "x") if x_cat else []
    y_order = _categories(traces, yaxis, "y") if y_cat else []

    def xs(values: Iterable[Any]) -> list[float]:
        return [x_order.index(v) for v in values] if x_cat else _numbers(values)

    def ys(values: Iterable[Any]) -> list[float]:
        return [y_order.index(v) for v in values] if y_cat else _numbers(values)

    labelled = False
    for trace in traces:
        kind = trace.get("type", "scatter")
        name = _text(trace.get("name"))
        if kind == "bar":
            _bar(ax, trace, xs, ys, horizontal=trace.get("orientation") == "h")
            continue
        if kind != "scatter":
            continue
        x, y = xs(_seq(trace.get("x"))), ys(_seq(trace.get("y")))
        mode = str(trace.get("mode") or "lines+markers")
        line = trace.get("line") or {}
        marker = trace.get("marker") or {}
        colour = _colour(line.get("color") or (marker.get("color")
                                                if isinstance(marker.get("color"), str)
                                                else None))
        show = trace.get("showlegend", True) is not False and bool(name)
        if "lines" in mode:
            ax.plot(x, y, color=colour, linestyle=_DASH.get(str(line.get("dash")), "-"),
                    linewidth=float(line.get("width") or 2) * 0.7,
                    marker="o" if "markers" in mode else None,
                    markersize=3.5, label=name if show else None)
            labelled |= show
        elif "markers" in mode:
            colours, sizes = _many(marker.get("color")), _many(marker.get("size"))
            ax.scatter(x, y, c=[_colour(c) for c in colours] if isinstance(colours, list)
                       else [_colour(colours)] * len(x),
                       s=[float(s) ** 2 * 0.5 for s in sizes] if isinstance(sizes, list)
                       else float(sizes or 8) ** 2 * 0.5,
                       edgecolors="white", linewidths=0.5, zorder=3,
                       label=name if show else None)
            labelled |= show
        if "text" in mode:
            for xi, yi, label in zip(x, y, _seq(trace.get("text")), strict=False):
                if label:
                    ax.annotate(_text(label), (xi, yi), xytext=(0, 6),
                                textcoords="offset points", ha="center", fontsize=7.5,
                                fontweight="bold", color=_colour(None))
    _reference_lines(ax, layout, xs, ys)
    if x_cat:
        ax.set_xticks(range(len(x_order)), [_text(c) for c in x_order],
                      rotation=-float(xaxis.get("tickangle") or 0) or 0,
                      ha="right" if xaxis.get("tickangle") else "center", fontsize=7)
    else:
        ax.xaxis.set_major_locator(_locator(xaxis))
        ax.xaxis.set_major_formatter(_formatter(xaxis))
    if y_cat:
        ax.set_yticks(range(len(y_order)), [_text(c) for c in y_order], fontsize=7)
    else:
        ax.yaxis.set_major_locator(_locator(yaxis))
        ax.yaxis.set_major_formatter(_formatter(yaxis))
        if yaxis.get("range"):
            low, high = yaxis["range"]
            ax.set_ylim(float(low), float(high))
    if horizontal and xaxis.get("rangemode") == "tozero":
        ax.set_xlim(left=0)
    ax.set_xlabel(_title(xaxis.get("title")))
    ax.set_ylabel(_title(yaxis.get("title")))
    ax.grid(axis="x" if horizontal else "y", color="#eeeeee")
    ax.set_axisbelow(True)
    if labelled:
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.25),
                  ncol=3)


def _bar(ax: Any, trace: dict[str, Any], xs: Any, ys: Any, *, horizontal: bool) -> None:
    marker = trace.get("marker") or {}
    colours = _many(marker.get("color"))
    texts = [_text(t) for t in _seq(trace.get("text"))]
    if horizontal:
        positions, lengths = ys(_seq(trace.get("y"))), _seq(trace.get("x"))
    else:
        positions, lengths = xs(_seq(trace.get("x"))), _seq(trace.get("y"))
    values = [0.0 if v is None else float(v) for v in lengths]
    colour = [_colour(c) for c in colours] if isinstance(colours, list) else _colour(colours)
    bars = (ax.barh(positions, values, color=colour, height=0.75) if horizontal
            else ax.bar(positions, values, color=colour, width=0.75))
    if texts:
        ax.bar_label(bars, labels=texts[:len(values)], padding=3, fontsize=7)


def _reference_lines(ax: Any, layout: dict[str, Any], xs: Any, ys: Any) -> None:
    """``add_vline``/``add_hline`` shapes and paper annotations (e.g. the state value)."""
    for shape in layout.get("shapes") or []:
        if shape.get("type") != "line":
            continue
        line = shape.get("line") or {}
        style = {"color": _colour(line.get("color"), "#7f7f7f"),
                 "linestyle": _DASH.get(str(line.get("dash")), "-"),
                 "linewidth": float(line.get("width") or 1) * 0.7}
        if "domain" in str(shape.get("yref", "")) or shape.get("yref") == "paper":
            x = shape.get("x0")
            ax.axvline(xs([x])[0], **style)
        elif "domain" in str(shape.get("xref", "")) or shape.get("xref") == "paper":
            ax.axhline(ys([shape.get("y0")])[0], **style)
    for note in layout.get("annotations") or []:
        if note.get("yref") == "paper" and note.get("x") is not None:
            ax.annotate(_text(note.get("text")), (xs([note["x"]])[0], 1.0),
                        xycoords=("data", "axes fraction"), xytext=(3, 2),
                        textcoords="offset points", fontsize=7, color="#444444")


# --- maps ---------------------------------------------------------------------------------


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def _colourscale(trace: dict[str, Any]) -> Any:
    """A function z → colour for the trace's colorscale (named or ``[[pos, colour], …]``)."""
    from matplotlib import colormaps
    from matplotlib.colors import LinearSegmentedColormap

    scale = trace.get("colorscale")
    zs = [float(z) for z in _seq(trace.get("z")) if z is not None]
    zmin = float(trace["zmin"]) if trace.get("zmin") is not None else min(zs, default=0.0)
    zmax = float(trace["zmax"]) if trace.get("zmax") is not None else max(zs, default=1.0)
    if isinstance(scale, str):
        cmap = colormaps[scale]
    else:
        stops = [(float(pos), _colour(colour)) for pos, colour in (scale or [[0, "#c6dbef"],
                                                                                [1, "#08306b"]])]
        stops = sorted(stops, key=lambda s: s[0])
        if any(isinstance(c, tuple) and len(c) == 4 and c[3] == 0 for _, c in stops):
            return (lambda _z: (0, 0, 0, 0)), zmin, zmax, None
        pairs = list(zip(stops[::2], stops[1::2], strict=False))
        if len(stops) >= 4 and all(a[1] == b[1] for a, b in pairs):
            # stepped scale (classes: each colour from i/n to (i+1)/n): exact class colours
            def stepped(z: float) -> Any:
                pos = 0.0 if zmax == zmin else (z - zmin) / (zmax - zmin)
                for (low, colour), (high, _) in pairs:
                    if low <= pos <= high:
                        return colour
                return pairs[-1][0][1]
            return stepped, zmin, zmax, None
        cmap = LinearSegmentedColormap.from_list("plotly", stops)
    span = (zmax - zmin) or 1.0
    return (lambda z: cmap((z - zmin) / span)), zmin, zmax, cmap


def _choropleth(fig: Any, ax: Any, traces: Sequence[dict[str, Any]]) -> None:
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import Normalize
    from matplotlib.patches import Patch

    lats: list[float] = []
    for trace in traces:
        for feature in (trace.get("geojson") or {}).get("features", []):
            for ring in _rings(feature["geometry"]):
                lats.extend(point[1] for point in ring)
    stretch = 1 / math.cos(math.radians(sum(lats) / len(lats))) if lats else 1.0
    handles = []
    for trace in traces:
        if trace.get("type") != "choropleth":
            continue
        key = str(trace.get("featureidkey") or "id").split(".")
        features = {}
        for feature in (trace.get("geojson") or {}).get("features", []):
            value: Any = feature
            for part in key:
                value = value.get(part, {}) if isinstance(value, dict) else {}
            features[value] = feature
        colour_of, zmin, zmax, cmap = _colourscale(trace)
        line = (trace.get("marker") or {}).get("line") or {}
        polygons, colours = [], []
        for code, z in zip(_seq(trace.get("locations")), _seq(trace.get("z")), strict=False):
            feature = features.get(code)
            if feature is None:
                continue
            colour = "#d9d9d9" if z is None else colour_of(float(z))
            for ring in _rings(feature["geometry"]):
                polygons.append([(x, y * stretch) for x, y in ring])
                colours.append(colour)
        ax.add_collection(PolyCollection(
            polygons, facecolors=colours, edgecolors=_colour(line.get("color"), "white"),
            linewidths=float(line.get("width") or 0.5) * 0.6))
        if trace.get("showscale", True) is False:
            continue
        bar = trace.get("colorbar") or {}
        label = _title(bar.get("title"))
        if bar.get("ticktext"):  # classes: a legend of the colours
            for tick, text in zip(_seq(bar.get("tickvals")), _seq(bar["ticktext"]), strict=False):
                handles.append(Patch(color=colour_of(float(tick)), label=_text(text)))
            if label:
                handles.insert(0, Patch(color="none", label=label))
        elif cmap is not None:
            mappable = ScalarMappable(norm=Normalize(zmin, zmax), cmap=cmap)
            cbar = fig.colorbar(mappable, ax=ax, shrink=0.7, pad=0.02,
                                format=_formatter({"tickformat": bar.get("tickformat")}))
            cbar.set_label(label.replace("\n", " "), fontsize=7.5)
    if handles:
        ax.legend(handles=handles, frameon=False, fontsize=7, loc="upper left",
                  bbox_to_anchor=(1.0, 1.0))
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_axis_off()

"""Today's report before issue 16 item 1, for `bench_report_size.py`: plotly.py's full
plotly.js and the map code as it was (fixed 100 m / 600 m simplification, 4 decimals, the
highlighted district drawn twice, the full plotly template in every figure).

`install()` swaps these into `monitoring` inside a report kernel (the benchmark prepends the
call to the setup cell of a copy of the notebooks); nothing else imports this module. The two
map functions are copied verbatim from `monitoring.present.figures` at commit dca47db.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from monitoring import fmt
from monitoring.core.privacy import Publishable, require
from monitoring.present.figures import (
    COLORSCALE,
    NO_VALUE_COLOUR,
    _geojson,
    _layout,
    _simplified,
    escaped,
    shown,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import plotly.graph_objects as go


def install() -> None:
    """Make this kernel render reports as before: full plotly.js, old maps, full template."""
    from plotly.offline import get_plotlyjs

    from monitoring.present import figures, plotlyjs

    plotlyjs.plotly_js = get_plotlyjs  # read by the renderer when the first figure shows
    figures._slim_template = lambda _fig: None
    figures.coverage_map = coverage_map
    figures.class_map = class_map


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
        Display simplification in metres (geometry in a projected CRS only); keeps the
        report small without changing any figure.
    """
    import plotly.graph_objects as go

    publishable = require(data, "Die Karte")
    frame = publishable.frame.merge(areas[["area_code"]], on="area_code", how="inner")
    hidden = publishable.is_suppressed(value).reindex(frame.index, fill_value=False)
    if areas.crs is not None and areas.crs.is_projected and simplify_m > 0:
        areas = _simplified(areas[areas["area_code"].isin(frame["area_code"])], simplify_m)
    hover = []
    for i, row in frame.iterrows():
        if hidden.get(i, False):
            text = f"{fmt.SUPPRESSED} (nicht ausgewiesen: zu kleine Fallzahl)"
        elif pd.isna(row[value]):
            text = "keine Angabe"
        else:
            text = f"{fmt.number(row[value], decimals)} {unit}".strip()
        lines = [f"<b>{escaped(row['name'])}</b>", f"{escaped(label)}: {text}"]
        for col, header in (extra or {}).items():
            cell = row[col]
            is_hidden = (publishable.is_suppressed(col).get(i, False)
                         if col in publishable.columns else False)
            lines.append(f"{escaped(header)}: "
                         f"{fmt.SUPPRESSED if is_hidden else fmt.number(cell)}")
        hover.append("<br>".join(lines))
    frame["hover"] = hover
    known = frame[frame[value].notna()]
    unknown = frame[frame[value].isna()]
    fig = go.Figure()
    if not unknown.empty:  # each trace carries only its own features: no geometry twice
        fig.add_trace(go.Choropleth(
            geojson=_geojson(areas, unknown["area_code"]),
            featureidkey="properties.area_code", locations=unknown["area_code"],
            z=[0] * len(unknown), colorscale=[[0, NO_VALUE_COLOUR], [1, NO_VALUE_COLOUR]],
            showscale=False, text=unknown["hover"], hoverinfo="text", name="ohne Wert",
            marker={"line": {"color": "white", "width": 0.6}}))
    if not known.empty:
        fig.add_trace(go.Choropleth(
            geojson=_geojson(areas, known["area_code"]),
            featureidkey="properties.area_code", locations=known["area_code"],
            z=shown(known[value], decimals), colorscale=COLORSCALE, zmin=0,
            text=known["hover"], hoverinfo="text", name=escaped(label),
            marker={"line": {"color": "white", "width": 0.6}},
            colorbar={"title": {"text": "<br>".join(escaped(t) for t in (label, unit) if t),
                                "side": "top"},
                      "thickness": 14, "len": 0.75, "tickformat": ",.1~f"}))
    if highlight is not None and highlight in set(frame["area_code"]):
        fig.add_trace(go.Choropleth(
            geojson=_geojson(areas, [highlight]),
            featureidkey="properties.area_code", locations=[highlight], z=[0],
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
            hoverinfo="skip", marker={"line": {"color": "#111111", "width": 2.5}}))
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator",
                    bgcolor="white")
    _layout(fig, height=520, title=title)
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
    if areas.crs is not None and areas.crs.is_projected and simplify_m > 0:
        areas = _simplified(areas[areas["area_code"].isin(codes)], simplify_m)
    n = len(classes)
    colorscale = [item for i, (_, colour) in enumerate(classes)
                  for item in ([i / n, colour], [(i + 1) / n, colour])]

    def values(publishable: Publishable) -> tuple[list[float | None], list[str]]:
        frame = publishable.frame.set_index("area_code")
        z: list[float | None] = []
        texts: list[str] = []
        for code in codes:
            if code not in frame.index:
                z.append(None)
                texts.append("keine Angabe")
                continue
            row = frame.loc[code]
            position = frame.index.get_loc(code)
            lines = [f"<b>{escaped(row['name'])}</b>", escaped(row[category])]
            for col, (text, decimals) in hover.items():
                hidden = bool(publishable.is_suppressed(col).iloc[position])
                lines.append(f"{escaped(text)}: "
                             f"{fmt.SUPPRESSED if hidden else fmt.number(row[col], decimals)}")
            z.append(labels.index(row[category]) if row[category] in labels else None)
            texts.append("<br>".join(lines))
        return z, texts

    per_layer = {key: values(p) for key, p in checked.items()}
    first = next(iter(per_layer.values()), ([], []))
    fig = go.Figure(go.Choropleth(
        geojson=_geojson(areas, codes), featureidkey="properties.area_code", locations=codes,
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
    return fig

"""Static figures (PNG) for the printable PDF and the slide deck, drawn with matplotlib.

Why matplotlib and not kaleido: kaleido ≥ 1 needs a Chrome/Chromium installation, which
`python3 tasks.py demo` does not install; matplotlib is a wheel and draws our own geometries
(geopandas) offline. Numbers use German separators; figures about persons accept only
`privacy.Publishable` data, like the interactive ones.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

from monitoring import fmt
from monitoring.figures import ACCENT, NO_VALUE_COLOUR, STATE_COLOUR, TARGET_COLOUR
from monitoring.privacy import Publishable, require

if TYPE_CHECKING:
    import geopandas as gpd


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight", facecolor="white")
    _pyplot().close(fig)
    return buffer.getvalue()


def choropleth(data: Publishable, areas: gpd.GeoDataFrame, *, value: str, label: str,
               highlight: str | None = None, decimals: int = 1,
               size: tuple[float, float] = (6.2, 4.6)) -> bytes:
    """A PNG map of `value`; withheld and missing areas grey, `highlight` outlined."""
    from matplotlib.ticker import FuncFormatter

    plt = _pyplot()
    pub = require(data, "Die Karte")
    frame = areas[["area_code", "geometry"]].merge(pub.frame[["area_code", value]],
                                                   on="area_code", how="left")
    fig, ax = plt.subplots(figsize=size)
    known = frame[frame[value].notna()]
    unknown = frame[frame[value].isna()]
    if not unknown.empty:
        unknown.plot(ax=ax, color=NO_VALUE_COLOUR, edgecolor="white", linewidth=0.5)
    if not known.empty:
        known.plot(ax=ax, column=value, cmap="YlGnBu", edgecolor="white", linewidth=0.5,
                   legend=True, vmin=0, legend_kwds={
                       "label": label, "shrink": 0.7,
                       "format": FuncFormatter(lambda v, _: fmt.number(v, decimals))})
    if highlight is not None:
        frame[frame["area_code"] == highlight].boundary.plot(ax=ax, color="#111111",
                                                             linewidth=1.8)
    ax.set_axis_off()
    return _png(fig)


def indicator_chart(series: pd.DataFrame, *, unit: str, area_name: str, title: str,
                    target: pd.Series | None = None, decimals: int = 1,
                    size: tuple[float, float] = (6.2, 2.6)) -> bytes:
    """A PNG line chart: area, Thuringia (dashed) and the target path (dotted)."""
    from matplotlib.ticker import FuncFormatter

    plt = _pyplot()
    periods = list(series["period"])
    if target is not None:
        periods = sorted(set(periods) | {target["baseline_period"], target["target_period"]})
    x = {p: i for i, p in enumerate(periods)}
    fig, ax = plt.subplots(figsize=size)
    ax.plot([x[p] for p in series["period"]], series["state_value"], "--",
            color=STATE_COLOUR, label="Thüringen")
    ax.plot([x[p] for p in series["period"]], series["value"], "-o", color=ACCENT,
            markersize=3, label=area_name)
    if target is not None:
        ax.plot([x[target["baseline_period"]], x[target["target_period"]]],
                [target["baseline_value"], target["target_value"]], ":", color=TARGET_COLOUR,
                label="Zielpfad")
    ax.set_xticks(range(len(periods)), [p.replace("-", " ") for p in periods], rotation=60,
                  fontsize=7)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, decimals)))
    ax.set_ylabel(unit)
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=7, loc="best")
    ax.grid(axis="y", color="#eeeeee")
    return _png(fig)

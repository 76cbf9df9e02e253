"""Static figures (PNG) for the printable PDF and the slide deck, drawn with matplotlib.

Why matplotlib and not kaleido: kaleido ≥ 1 needs a Chrome/Chromium installation, which
`python3 tasks.py demo` does not install; matplotlib is a wheel and draws our own geometries
(geopandas) offline. Numbers use German separators; figures about persons accept only
`privacy.Publishable` data, like the interactive ones.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from monitoring import fmt
from monitoring.core.privacy import Publishable, require
from monitoring.present.figures import ACCENT, NO_VALUE_COLOUR, STATE_COLOUR, TARGET_COLOUR

if TYPE_CHECKING:
    import geopandas as gpd


def _pyplot() -> Any:  # the matplotlib.pyplot module
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def _png(fig: Any) -> bytes:
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
                    target: pd.Series | None = None, decimals: int | None = None,
                    size: tuple[float, float] = (6.2, 2.6), state_name: str = "Landeswert",
                    ) -> bytes:
    """A PNG line chart: area, its Land `state_name` (dashed) and the target path (dotted).

    `decimals` defaults by unit: counts get whole-number ticks (`fmt.decimals_for`).
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    decimals = fmt.decimals_for(unit) if decimals is None else decimals
    plt = _pyplot()
    periods = list(series["period"])
    if target is not None:
        periods = sorted(set(periods) | {target["baseline_period"], target["target_period"]})
    x = {p: i for i, p in enumerate(periods)}
    fig, ax = plt.subplots(figsize=size)
    ax.plot([x[p] for p in series["period"]], series["state_value"], "--",
            color=STATE_COLOUR, label=state_name)
    ax.plot([x[p] for p in series["period"]], series["value"], "-o", color=ACCENT,
            markersize=3, label=area_name)
    if target is not None:
        ax.plot([x[target["baseline_period"]], x[target["target_period"]]],
                [target["baseline_value"], target["target_value"]], ":", color=TARGET_COLOUR,
                label="Zielpfad")
    # „Q4 2025“ as the HTML reports write it (not the storage form „2025-Q4“)
    ax.set_xticks(range(len(periods)), [f"{p[5:]} {p[:4]}" for p in periods], rotation=60,
                  fontsize=7)
    if decimals == 0:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, decimals)))
    ax.set_ylabel(unit)
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=7, loc="best")
    ax.grid(axis="y", color="#eeeeee")
    return _png(fig)


def index_chart(table: pd.DataFrame, *, status_bounds: Sequence[float],
                dynamic_bounds: Sequence[float], area_name: str,
                size: tuple[float, float] = (5.6, 3.4)) -> bytes:
    """A PNG scatter of the Status-Dynamik-Index: status (x) against dynamic (y) of every
    assessed peer, class bounds as dotted lines, the report area highlighted and named.

    `table` is ``views.composite_index(...)["table"]`` (index values, ``own``, ``attention``;
    computed after disclosure control and without person counts, so no `Publishable` is
    needed). Higher values mean more need for attention on both axes, as in the HTML chart
    (`figures.index_chart`). Areas not assessed have no point.
    """
    from matplotlib.ticker import FuncFormatter

    plt = _pyplot()
    shown = table[table["assessed"].fillna(False).astype(bool)]
    own = shown[shown["own"].astype(bool)]
    others = shown[~shown["own"].astype(bool)]
    flagged = others["attention"].fillna(False).astype(bool)
    fig, ax = plt.subplots(figsize=size)
    for bound in status_bounds:
        ax.axvline(bound, color=STATE_COLOUR, linestyle=":", linewidth=0.8)
    for bound in dynamic_bounds:
        ax.axhline(bound, color=STATE_COLOUR, linestyle=":", linewidth=0.8)
    ax.scatter(others.loc[~flagged, "status_index"], others.loc[~flagged, "dynamic_index"],
               s=22, color="#9ecae1", edgecolor="white", linewidth=0.5,
               label="andere Gebiete")
    if flagged.any():
        ax.scatter(others.loc[flagged, "status_index"], others.loc[flagged, "dynamic_index"],
                   s=22, color=TARGET_COLOUR, edgecolor="white", linewidth=0.5,
                   label="besonderer Aufmerksamkeitsbedarf")
    if not own.empty:
        x, y = float(own["status_index"].iloc[0]), float(own["dynamic_index"].iloc[0])
        ax.scatter([x], [y], s=70, color=ACCENT, edgecolor="white", linewidth=0.8,
                   label=area_name, zorder=3)
        ax.annotate(area_name, (x, y), xytext=(0, 7), textcoords="offset points",
                    ha="center", fontsize=8, color=ACCENT, fontweight="bold")
    axis = FuncFormatter(lambda v, _: fmt.signed(v, 1))
    ax.xaxis.set_major_formatter(axis)
    ax.yaxis.set_major_formatter(axis)
    ax.set_xlabel("Statusindex (höher = mehr Aufmerksamkeitsbedarf)")
    ax.set_ylabel("Dynamikindex")
    ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              ncol=3)
    ax.grid(color="#eeeeee")
    ax.set_axisbelow(True)
    return _png(fig)

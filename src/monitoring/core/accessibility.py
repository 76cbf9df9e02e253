"""Spatial accessibility of offers: 2SFCA and enhanced 2SFCA (pure functions, no I/O).

Two-step floating catchment area (Luo & Wang 2003), with distance decay (E2SFCA, Luo & Qi 2009):

1. For each offer j: ``R_j = S_j / Σ_i P_i · W(d_ij)`` over demand points i with ``d_ij ≤ d₀``.
2. For each demand point i: ``A_i = Σ_j R_j · W(d_ij)`` over offers j with ``d_ij ≤ d₀``.

``S`` is capacity (places), ``P`` the (target) population at a point, ``W`` a weight function
from `monitoring.core.weights`, ``d₀`` the catchment. ``A_i`` is places per person. The definitions,
the inclusive catchment (``≤``) and the weights are those of PySAL `access`
(``access.fca.two_stage_fca``), and the test suite checks equality with it. Two documented
differences, both where `access` gives no usable number: a demand point without any offer in
reach gets access 0 (``access``: NaN), and an offer whose catchment holds no weighted demand
serves nobody (``R_j = 0``; ``access``: inf or NaN).

Distances are Euclidean in a projected (metric) CRS; geographic coordinates are refused
(`CRSMismatchError`), never silently used as degrees. Alternatively a travel-time matrix (long
format: origin, destination, minutes) supplies the costs.

The Euclidean engine (`monitoring.core.fca_kernel`) sorts demand points into square cells and
computes both steps as dense NumPy blocks on a small thread pool, with memory linear in the
number of points: it scales to the whole German 100 m grid. See ``benchmarks/bench_access.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from monitoring.core.fca_kernel import (
    default_workers,
    fca_discs,
    fca_euclidean,
    ratio_per_offer,
)
from monitoring.core.weights import Decay, uniform
from monitoring.errors import CRSMismatchError, DataValidationError

if TYPE_CHECKING:
    import geopandas as gpd

EXAMPLES = 5


@dataclass(frozen=True)
class Points:
    """Validated points: ids, metric coordinates and a non-negative value (population/capacity)."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    value: np.ndarray
    crs: object = None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class AccessResult:
    """Result of a floating catchment computation.

    ``demand``: ``id``, ``population``, ``access`` (places per person), ``offers_in_reach``.
    ``supply``: ``id``, ``capacity``, ``demand_in_reach`` (weighted), ``ratio`` (R_j).
    ``method``: German description of method and parameters, for report notes.
    """

    demand: pd.DataFrame
    supply: pd.DataFrame
    method: str
    params: dict[str, object] = field(default_factory=dict)


# --------------------------------------------------------------------------- validation


def _problem(kind: str, column: str, rows: pd.Index | np.ndarray, expected: str,
             values: pd.Series | None = None) -> dict[str, Any]:
    rows = list(rows[:EXAMPLES])
    shown = [] if values is None else [values.loc[r] for r in rows]
    return {"table": kind, "column": column, "rows": rows, "values": shown,
            "expected": expected}


def _raise(kind: str, problems: list[dict[str, Any]]) -> None:
    lines = []
    for p in problems:
        examples = ", ".join(
            f"Zeile {r}" + (f" ({v!r})" if i < len(p["values"]) else "")
            for i, (r, v) in enumerate(zip(p["rows"], p["values"] or [None] * len(p["rows"]),
                                           strict=False)))
        lines.append(f"Spalte `{p['column']}`: erwartet {p['expected']}; z. B. {examples}.")
    raise DataValidationError(
        f"Die Eingabe „{kind}“ ist für die Erreichbarkeitsberechnung ungültig:\n"
        + "\n".join(lines), problems)


def check_metric_crs(crs: object, kind: str) -> None:
    """Refuse a missing or geographic CRS: distances in degrees are plausible but wrong."""
    if crs is None:
        raise CRSMismatchError(
            f"Für „{kind}“ ist kein Koordinatenbezugssystem angegeben. Entfernungen lassen sich "
            "nur in einem metrischen System berechnen, z. B. EPSG:25832 (ETRS89 / UTM 32N) "
            "oder EPSG:3035. Setzen Sie es mit `.set_crs(...)` bzw. `.to_crs(25832)`.")
    from pyproj import CRS

    parsed = CRS.from_user_input(crs)
    if not parsed.is_projected:
        raise CRSMismatchError(
            f"„{kind}“ liegt in geografischen Koordinaten vor ({parsed.to_string()}, Grad). "
            "Entfernungen in Grad wären falsch. Projizieren Sie die Daten zuerst in ein "
            "metrisches System, z. B. `.to_crs(25832)` (ETRS89 / UTM 32N).")
    units = {a.unit_name for a in parsed.axis_info}
    if not units <= {"metre", "meter"}:
        raise CRSMismatchError(
            f"„{kind}“ hat Koordinaten in {', '.join(sorted(units))} ({parsed.to_string()}); "
            "erwartet sind Meter. Projizieren Sie die Daten z. B. mit `.to_crs(25832)`.")


def points(frame: gpd.GeoDataFrame, *, value: str, id_column: str, kind: str) -> Points:
    """Validate a point layer (metric CRS, unique ids, finite value ≥ 0) into `Points`.

    Raises `CRSMismatchError` or `DataValidationError` naming column and example rows.
    """
    check_metric_crs(frame.crs, kind)
    problems: list[dict[str, object]] = []
    for col in (id_column, value):
        if col not in frame.columns:
            raise DataValidationError(
                f"In „{kind}“ fehlt die Spalte `{col}` (vorhanden: "
                f"{', '.join(f'`{c}`' for c in frame.columns)}).",
                [{"table": kind, "column": col, "rows": [], "values": [],
                  "expected": "Spalte vorhanden"}])
    if len(frame) == 0:
        raise DataValidationError(f"„{kind}“ enthält keine Zeilen.",
                                  [{"table": kind, "column": id_column, "rows": [],
                                    "values": [], "expected": "mindestens eine Zeile"}])
    geom = frame.geometry
    not_point = geom.isna() | geom.is_empty | (geom.geom_type != "Point")
    if not_point.any():
        problems.append(_problem(kind, frame.geometry.name, frame.index[not_point.to_numpy()],
                                 "Punktgeometrien (für Flächen z. B. "
                                 "`.representative_point()`)", geom.geom_type))
    ids = frame[id_column]
    dup = ids.duplicated(keep=False) | ids.isna()
    if dup.any():
        problems.append(_problem(kind, id_column, frame.index[dup.to_numpy()],
                                 "eindeutige, nicht leere Kennungen", ids))
    raw = frame[value]
    numeric = pd.to_numeric(raw, errors="coerce")
    bad = numeric.isna() | ~np.isfinite(numeric.fillna(0)) | (numeric < 0)
    if bad.any():
        problems.append(_problem(kind, value, frame.index[bad.to_numpy()],
                                 "eine Zahl ≥ 0 (nicht leer)", raw))
    if problems:
        _raise(kind, problems)
    return Points(ids=ids.to_numpy(), x=geom.x.to_numpy(np.float64),
                  y=geom.y.to_numpy(np.float64), value=numeric.to_numpy(np.float64),
                  crs=frame.crs)


def _same_crs(demand: Points, supply: Points) -> None:
    from pyproj import CRS

    if CRS.from_user_input(demand.crs) != CRS.from_user_input(supply.crs):
        raise CRSMismatchError(
            f"Nachfrage und Angebote liegen in verschiedenen Koordinatensystemen "
            f"({CRS.from_user_input(demand.crs).to_string()} bzw. "
            f"{CRS.from_user_input(supply.crs).to_string()}). Bringen Sie beide mit "
            "`.to_crs(...)` in dasselbe metrische System.")


def _check_catchment(catchment: float, unit: str) -> float:
    from monitoring.errors import ConfigError

    if not (np.isfinite(catchment) and catchment > 0):
        raise ConfigError(f"Der Einzugsbereich muss eine Zahl > 0 {unit} sein "
                          f"(erhalten: {catchment!r}).")
    return float(catchment)


def two_step_fca(demand: Points, supply: Points, *, catchment_m: float,
                 decay: Decay | None = None, cell_m: float | None = None,
                 cache_pairs: int = 8_000_000, workers: int | None = None,
                 block_elements: int = 1 << 16) -> AccessResult:
    """2SFCA / E2SFCA with Euclidean distances in metres.

    How, for uniform (2SFCA) and step weights (Luo–Qi zones, `weights.step`): the weight is
    a sum of discs, and per offer and row of small cells (about the point spacing) the cells
    wholly inside a disc are summed as one run without any distance; only points in cells
    the circle crosses get a distance (`fca_kernel.fca_discs`, exact: the same decisions as
    the test on every pair). For Gaussian weights:
    demand points are sorted into square cells; for each cell, a KD-tree on the offers
    gives those that may reach any of its points, and both steps are dense NumPy blocks
    (points × candidate offers): step 1 is a vector–matrix product per block, step 2 a
    matrix–vector product. Blocks run on `workers` threads (NumPy releases the GIL), memory
    is a few blocks per thread plus the optional cache – never one row per pair.

    Parameters
    ----------
    demand, supply
        From `points` (same metric CRS); demand value = persons, supply value = places.
    catchment_m
        Maximum distance in metres (inclusive) in both steps.
    decay
        Weight function (`weights.uniform` = 2SFCA, `weights.luo_qi`, `weights.step`,
        `weights.gaussian` = E2SFCA); default uniform.
    cell_m
        Cell size of the internal index (default: about the mean point spacing for uniform
        and step weights, catchment / 3 for Gaussian ones); affects speed only.
    cache_pairs
        Gaussian weights only: keep at most this many block weights (8 bytes each,
        ≈ 61 MiB by default) from step 1 for step 2; step 2 recomputes the rest, so memory
        stays bounded at any size.
    workers
        Gaussian weights only: threads (default: the CPUs available to this process, at
        most 8). Results do not depend on it beyond floating-point summation order
        (≤ 1e-12 relative).
    block_elements
        Gaussian weights only: target size of one dense block (rows × offers); affects
        speed and memory only.
    """
    _same_crs(demand, supply)
    catchment = _check_catchment(catchment_m, "m")
    decay = decay or uniform()
    if decay.kind in ("uniform", "step"):
        access, reach, weighted, ratio = fca_discs(demand, supply, catchment, decay, cell_m)
    else:
        access, reach, weighted, ratio = fca_euclidean(
            demand, supply, catchment, decay, cell_m, cache_pairs,
            workers or default_workers(), block_elements)
    return _result(demand, supply, access, reach, weighted, ratio,
                   describe(decay, catchment_m=catchment),
                   {"catchment_m": catchment, "decay": decay})


def describe(decay: Decay, *, catchment_m: float) -> str:
    """German one-line description of a Euclidean 2SFCA/E2SFCA run, for report notes."""
    return (f"{'2SFCA' if decay.kind == 'uniform' else 'E2SFCA'}, Luftlinie, "
            f"Einzugsbereich {_km(catchment_m)}; {decay.describe_de('m')}")


def _km(metres: float) -> str:
    from monitoring import fmt

    return f"{fmt.number(metres / 1000, 1 if metres % 1000 else 0)} km"


def _result(demand: Points, supply: Points, access: np.ndarray, reach: np.ndarray,
            weighted: np.ndarray, ratio: np.ndarray, method: str,
            params: dict[str, object]) -> AccessResult:
    return AccessResult(
        demand=pd.DataFrame({"id": demand.ids, "population": demand.value, "access": access,
                             "offers_in_reach": reach}),
        supply=pd.DataFrame({"id": supply.ids, "capacity": supply.value,
                             "demand_in_reach": weighted, "ratio": ratio}),
        method=method, params=params)


# --------------------------------------------------------------------------- travel times


def two_step_fca_matrix(demand: Points, supply: Points, travel_times: pd.DataFrame, *,
                        catchment_min: float, decay: Decay | None = None,
                        origin: str = "origin", destination: str = "destination",
                        minutes: str = "minutes") -> AccessResult:
    """2SFCA / E2SFCA on a user-supplied travel-time matrix (long format, minutes).

    Pairs missing from the matrix count as unreachable. Coordinates are not used, so `demand`
    and `supply` may come from any layer with matching ids. Unknown ids, duplicate pairs and
    negative or missing minutes raise `DataValidationError`.
    """
    catchment = _check_catchment(catchment_min, "min")
    decay = decay or uniform()
    i, j, cost = _matrix_pairs(demand, supply, travel_times, origin, destination, minutes)
    keep = cost <= catchment
    i, j, w = i[keep], j[keep], decay(cost[keep])
    weighted = np.bincount(j, weights=demand.value[i] * w, minlength=len(supply))
    ratio = ratio_per_offer(supply.value, weighted)
    access = np.bincount(i, weights=ratio[j] * w, minlength=len(demand))
    reach = np.bincount(i, minlength=len(demand))
    return _result(demand, supply, access, reach, weighted, ratio,
                   f"{'2SFCA' if decay.kind == 'uniform' else 'E2SFCA'}, Reisezeiten, "
                   f"Einzugsbereich {catchment:g} min; {decay.describe_de('min')}",
                   {"catchment_min": catchment, "decay": decay})


def _matrix_pairs(demand: Points, supply: Points, matrix: pd.DataFrame, origin: str,
                  destination: str, minutes: str) -> tuple[np.ndarray, ...]:
    kind = "Reisezeitmatrix"
    missing = [c for c in (origin, destination, minutes) if c not in matrix.columns]
    if missing:
        raise DataValidationError(
            f"In der {kind} fehlen die Spalten {', '.join(f'`{c}`' for c in missing)} "
            f"(vorhanden: {', '.join(f'`{c}`' for c in matrix.columns)}).",
            [{"table": kind, "column": c, "rows": [], "values": [],
              "expected": "Spalte vorhanden"} for c in missing])
    problems = []
    d_index = pd.Index(demand.ids)
    s_index = pd.Index(supply.ids)
    i = d_index.get_indexer(matrix[origin])
    j = s_index.get_indexer(matrix[destination])
    if (i < 0).any():
        problems.append(_problem(kind, origin, matrix.index[i < 0],
                                 "eine Kennung der Nachfragepunkte", matrix[origin]))
    if (j < 0).any():
        problems.append(_problem(kind, destination, matrix.index[j < 0],
                                 "eine Kennung der Angebote", matrix[destination]))
    cost = pd.to_numeric(matrix[minutes], errors="coerce")
    bad = cost.isna() | ~np.isfinite(cost.fillna(0)) | (cost < 0)
    if bad.any():
        problems.append(_problem(kind, minutes, matrix.index[bad.to_numpy()],
                                 "Minuten als Zahl ≥ 0", matrix[minutes]))
    dup = matrix.duplicated([origin, destination], keep=False)
    if dup.any():
        problems.append(_problem(kind, f"{origin}, {destination}",
                                 matrix.index[dup.to_numpy()], "jedes Paar nur einmal"))
    if problems:
        _raise(kind, problems)
    return i.astype(np.int64), j.astype(np.int64), cost.to_numpy(np.float64)


# --------------------------------------------------------------------------- summaries


def nearest_offer_m(demand: Points, supply: Points) -> np.ndarray:
    """Euclidean distance (m) from each demand point to its nearest offer (inf if no offer)."""
    from scipy.spatial import cKDTree

    _same_crs(demand, supply)
    if len(supply) == 0:
        return np.full(len(demand), np.inf)
    dist, _ = cKDTree(np.column_stack([supply.x, supply.y])).query(
        np.column_stack([demand.x, demand.y]), k=1)
    return np.asarray(dist, dtype=np.float64)


def share_within(population: np.ndarray, distance_m: np.ndarray, limit_m: float) -> float:
    """Share of the population whose nearest offer is at most `limit_m` away (NaN if none)."""
    total = float(np.sum(population))
    return float(np.sum(population[distance_m <= limit_m]) / total) if total > 0 else np.nan


def by_area(result: pd.DataFrame, area_of: pd.Series, *, threshold: float) -> pd.DataFrame:
    """Aggregate point results to areas: population-weighted mean access and population below.

    `result` has ``id``, ``population``, ``access``; `area_of` maps point id → area code.
    Returns ``area_code``, ``population``, ``mean_access``, ``population_below``,
    ``share_below`` (NaN where the area has no population).
    """
    frame = result.assign(area_code=result["id"].map(area_of))
    frame = frame.dropna(subset=["area_code"])
    frame["weighted"] = frame["population"] * frame["access"]
    frame["below"] = frame["population"].where(frame["access"] < threshold, 0.0)
    out = frame.groupby("area_code", sort=True).agg(
        population=("population", "sum"), weighted=("weighted", "sum"),
        population_below=("below", "sum")).reset_index()
    pop = out["population"].where(out["population"] > 0)
    out["mean_access"] = out["weighted"] / pop
    out["share_below"] = out["population_below"] / pop
    return out[["area_code", "population", "mean_access", "population_below", "share_below"]]


def weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    """Population-weighted mean (NaN if the weights sum to 0)."""
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else np.nan


def gaps(areas: pd.DataFrame, *, fraction: float, reference: float | None = None,
         ) -> pd.DataFrame:
    """Areas whose mean access is below `fraction` × the reference mean.

    `areas` from `by_area`; the reference defaults to the population-weighted mean over
    `areas` (e.g. the county mean when `areas` are its municipalities). Adds ``reference``
    and ``relative`` (mean access / reference); sorted by relative access, weakest first.
    """
    ref = weighted_mean(areas["mean_access"].fillna(0), areas["population"]) \
        if reference is None else reference
    out = areas[areas["population"] > 0].copy()
    out["reference"] = ref
    out["relative"] = out["mean_access"] / ref if ref > 0 else np.nan
    mask = out["relative"] < fraction if ref > 0 else out["mean_access"] <= 0
    return out[mask].sort_values(["relative", "population"],
                                 ascending=[True, False]).reset_index(drop=True)

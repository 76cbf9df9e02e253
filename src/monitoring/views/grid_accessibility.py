"""Accessibility on the Zensus grid: grid cells as demand, per municipality of one district.

Glue between the grid reader (`ingest_grid`), the store (municipalities, population, offers)
and the pure core (`demand`, `accessibility`). Used by `monitoring erreichbarkeit`.

Choices: demand = grid cells with published population, weighted with the target-group share
of their municipality (`demand.target_group_demand`; default foreign nationals / population of
the report quarter). All cells of the file that lie in a municipality in the store take part
and all current offers of the state count, so offers and demand beyond the district border
compete; the tables then show the district's municipalities. Cells outside every municipality
(e.g. beyond the state border) are left out and counted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from monitoring.core import accessibility as acc
from monitoring.core import coverage
from monitoring.core.demand import group_shares, target_group_demand
from monitoring.errors import ConfigError, DataValidationError
from monitoring.io.files import atomic_path, atomic_write
from monitoring.io.import_grid import read_grid
from monitoring.io.spreadsheet import csv_frame, literal, xlsx_frame
from monitoring.store.database import Store
from monitoring.views.accessibility import AccessSettings, offer_sites
from monitoring.views.scope import context
from monitoring.vocab import STORE_CRS

TOTAL_GROUP = "bevoelkerung"


@dataclass(frozen=True)
class GridAccess:
    """Per municipality and field (``table``), the gap list, method text and cell counts."""

    table: pd.DataFrame
    gaps: pd.DataFrame
    method: str
    counts: dict[str, int]


def grid_access(store: Store, grid_path: str | os.PathLike[str], *, area_code: str,
                period: str, fields: list[str] | None = None,
                settings: AccessSettings | None = None) -> GridAccess:
    """E2SFCA with grid cells as demand, aggregated to the district's municipalities."""
    settings = settings or AccessSettings()
    ctx = context(store, area_code, period)
    if ctx.level != "kreis":
        raise ConfigError(f"„{area_code}“ ist kein Kreis; die Gitterauswertung gilt je Kreis.")
    grid = read_grid(grid_path)
    if len(grid.rejected):
        raise DataValidationError(
            f"{grid_path}: {len(grid.rejected)} Zeile(n) entsprechen nicht dem "
            "Zensus-Gitterformat; es wurde nichts berechnet oder geschrieben.",
            grid.rejected.head(20).to_dict("records"))
    labels = store.read_vocabulary("field")
    unknown = [f for f in fields or [] if f not in labels]
    if unknown:
        raise ConfigError(f"Unbekanntes Handlungsfeld {', '.join(unknown)}; bekannt: "
                          f"{', '.join(labels)}.")
    municipalities = store.read_areas(level="gemeinde")
    shares = group_shares(store.read_population(periods=[str(ctx.period)]),
                          group=settings.population_group, total=TOTAL_GROUP)
    cells = target_group_demand(grid.demand(), municipalities, shares)
    inside = cells["demand"].notna().to_numpy()
    if not inside.any():
        raise DataValidationError(
            f"{grid_path}: keine Gitterzelle liegt in einer Gemeinde mit Bevölkerungszahlen "
            f"für {ctx.period} (Gitter in EPSG:3035 erwartet).",
            [{"file": str(grid_path), "column": "x_mp/y_mp",
              "expected": f"Zellen {ctx.in_state}"}])
    cells = cells[inside].to_crs(STORE_CRS)
    demand = acc.points(cells, value="demand", id_column="cell_id", kind="Gitterzellen")
    names = municipalities.set_index("area_code")["name"]
    parent = municipalities.set_index("area_code")["parent_code"]
    own = cells["area_code"].map(parent).eq(ctx.area_code).to_numpy()
    area_of = pd.Series(cells["area_code"].to_numpy(), index=cells["cell_id"].to_numpy())
    offers = coverage.active(store.read_offers(on=ctx.period.end), ctx.period.end)
    tables: list[pd.DataFrame] = []
    gap_lists: list[pd.DataFrame] = []
    for field in fields or list(labels):
        sites, _ = offer_sites(offers, field)
        frame = pd.DataFrame({"id": demand.ids, "population": demand.value, "access": 0.0})
        if len(sites):
            supply = acc.points(sites, value="capacity", id_column="offer_id",
                                kind=f"Angebote {labels[field]}")
            frame["access"] = acc.two_step_fca(demand, supply, catchment_m=settings.catchment_m,
                                               decay=settings.decay()).demand["access"].to_numpy()
        district = frame[own]
        mean = acc.weighted_mean(district["access"], district["population"])
        areas = acc.by_area(district, area_of, threshold=settings.gap_fraction * mean
                            if mean > 0 else 0.0)
        gap = acc.gaps(areas, fraction=settings.gap_fraction, reference=mean)
        for part, out in ((areas, tables), (gap, gap_lists)):
            out.append(part.assign(field=field, label=labels[field],
                                   name=part["area_code"].map(names)))
    table, gaps = (pd.concat(parts, ignore_index=True) for parts in (tables, gap_lists))
    table, gaps = _german(table), _german(gaps, gap=True)
    method = acc.describe(settings.decay(), catchment_m=settings.catchment_m)
    if store.is_demo:  # every output of demo data says so, in each file and on screen
        from monitoring.vocab import DEMO_LABEL

        table["Hinweis"] = gaps["Hinweis"] = DEMO_LABEL
        method = f"{DEMO_LABEL}. {method}"
    return GridAccess(
        table=table, gaps=gaps, method=method,
        counts={"cells": len(grid.cells), "withheld": grid.withheld,
                "outside": int((~inside).sum()), "district_cells": int(own.sum())})


def _german(frame: pd.DataFrame, *, gap: bool = False) -> pd.DataFrame:
    out = pd.DataFrame({
        "Handlungsfeld": frame["label"], "Gemeindeschlüssel": frame["area_code"],
        "Gemeinde": frame["name"], "Zielgruppe (geschätzt)": frame["population"].round(1),
        "Plätze je 1.000": (frame["mean_access"] * 1000).round(3)})
    if gap:
        out["Anteil am Kreismittel (%)"] = (frame["relative"] * 100).round(1)
    else:
        out["Zielgruppe unter Schwelle (%)"] = (frame["share_below"] * 100).round(1)
    return out


def write_tables(result: GridAccess, out: str | os.PathLike[str]) -> list[Path]:
    """Write the table and gap list: ``.xlsx`` = two sheets, ``.csv`` = two files
    (``<name>.csv``, ``<name>_luecken.csv``; ``;``-separated, decimal comma). Each file is
    written to a temporary name first and then renamed, so a failure leaves nothing half
    written."""
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ConfigError(f"Ausgabedatei „{path}“: erwartet die Endung .csv oder .xlsx.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        with atomic_path(path, suffix=".xlsx") as tmp, \
                pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            xlsx_frame(result.table).to_excel(writer, sheet_name="Gemeinden", index=False)
            xlsx_frame(result.gaps).to_excel(writer, sheet_name="Lücken", index=False)
            pd.DataFrame({"Methode": [result.method]}).to_excel(writer, sheet_name="Methode",
                                                                 index=False)
            for sheet in writer.sheets.values():
                literal(sheet)  # a name beginning with "=" stays text
        return [path]
    targets = [(result.table, path), (result.gaps, path.with_name(path.stem + "_luecken.csv"))]
    for frame, target in targets:
        atomic_write(target, csv_frame(frame).to_csv(sep=";", decimal=",", index=False))
    return [t for _, t in targets]

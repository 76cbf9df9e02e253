"""The report's scope: which area and quarter, with what data stand, settings and provenance.

`context` validates an area code and a quarter against the store and returns the `ReportContext`
every other view takes; `districts` and `available_periods` say what may be asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from monitoring import __version__, fmt
from monitoring.core.areas import Scope, check_code
from monitoring.core.config import Settings
from monitoring.core.stand import latest_period, reference_date, reportable_periods
from monitoring.errors import AreaError, PeriodError
from monitoring.periods import Quarter
from monitoring.store.areas import read_area_sources, read_scope, read_successor
from monitoring.store.contents import read_series_periods
from monitoring.views import snapshot as quarter_snapshot
from monitoring.vocab import GEO_ATTRIBUTION, LAENDER, NATIONAL_SCOPE

if TYPE_CHECKING:
    import geopandas as gpd

    from monitoring.store.database import Store



@dataclass(frozen=True)
class ReportContext:
    """Everything a report states about itself: area, period, data stand and provenance,
    and the settings of its run (disclosure rule, traffic light, index; `core.config`)."""

    area_code: str
    area_name: str
    area_kind: str
    level: str
    period: Quarter
    is_demo: bool
    data_stand: date | None
    snapshot_id: str
    schema_version: int
    package_version: str
    settings: Settings
    state_code: str
    """The Land the area is compared with (the store's scope, `scope`): its state value and
    its peers are that Land's."""
    state_name: str
    """The Land's name as the store holds it („Bayern“)."""
    sources: list[str] = field(default_factory=list)
    geo_attribution: str = GEO_ATTRIBUTION
    """The line naming where the map geometry comes from: the packaged geography's
    attribution, or the boundary files the store was made from."""
    fresh_data: bool = True
    """False when no series has a value of the report's own quarter: the latest earlier
    values serve (`monitoring.core.stand`); the header says so."""
    figures_stand: date | None = None
    """Reference date of the latest figures at or before the quarter (any series)."""
    population_stand: date | None = None
    """Reference date of the population / target-group figures the report uses („Stand …“)."""

    @property
    def title(self) -> str:
        return f"{self.area_name} – {self.period.label_de()}"

    @property
    def in_area(self) -> str:
        """„in Erfurt“, „im Ilm-Kreis“, „im Landkreis Sonneberg“: the report area with the
        preposition (and article) its kind needs, for captions and sentences."""
        return fmt.in_place(self.area_name, self.area_kind)

    @property
    def in_state(self) -> str:
        """„in Bayern“, „im Saarland“: where the area lies, for German sentences."""
        return fmt.in_area(self.state_name)


def scope(store: Store) -> Scope:
    """The store's scope: its Land (None: Germany, every Land its own state) and own Kreis."""
    return read_scope(store)


def districts(store: Store, land: str | None = None) -> pd.DataFrame:
    """Today's districts (Kreise and kreisfreie Städte) of the store's scope, with code, name
    and kind: the Kreise of its Land, or every Kreis in a national store; with `land` only
    those of that Land (the peers of a district). A quarter snapshot of the same store
    (`views.snapshot`) gives them without reading the geometry."""
    snapshot = quarter_snapshot.installed(store)
    if snapshot is not None:
        frame = snapshot.districts.copy()
    else:
        frame = pd.DataFrame(store.read_areas(level="kreis").drop(columns="geometry"))[
            ["area_code", "name", "kind"]]
    land = land or scope(store).land
    if land is None:
        return frame
    return frame[frame["area_code"].str.startswith(land)].reset_index(drop=True)


def states(store: Store) -> dict[str, list[str]]:
    """Each Land of the scope (one, or every Land a national store has Kreise of) with the
    codes of its current districts: the districts its state value is computed from."""
    codes = list(districts(store)["area_code"])
    within = scope(store)
    lands = [within.land] if within.land else sorted({c[:2] for c in codes})
    return {land: [c for c in codes if c.startswith(land)] for land in lands}


def state_name(store: Store, code: str) -> str:
    """The name of the Land `code`: its area's name in the store, else the official name."""
    found = store.read_areas(codes=[code])
    if not found.empty:
        return str(found.iloc[0]["name"])
    return LAENDER.get(code, code)


def scope_label(store: Store) -> tuple[str, str]:
    """Code and name of what the store reports on: its Land („09“, „Bayern“), or
    („DG“, „Deutschland“) for a national store. Titles of the index, the comparison and the
    website use it."""
    land = scope(store).land
    if land is None:
        return NATIONAL_SCOPE, "Deutschland"
    return land, state_name(store, land)


def report_areas(store: Store, areas: list[str] | None = None) -> tuple[list[str], str | None]:
    """The areas a run reports on, and a German note when the scope chose them.

    Without `areas`: the store's own Kreis if its scope names one (note says so), else every
    district of the scope. A named area the store holds must lie in the scope's Land
    (`AreaError` otherwise).
    """
    within = scope(store)
    if areas:
        outside = [check_code(a) for a in areas if not within.covers(check_code(a))]
        # codes the store does not hold at all get `context`'s message (unknown, or ended)
        outside = list(store.read_areas(codes=outside)["area_code"]) if outside else []
        if outside:
            raise AreaError(
                f"{', '.join(outside)} liegt nicht im Gebiet dieser Datenbank "
                f"({state_name(store, within.land or '')} {within.land}). Berichtet werden "
                "können nur Gebiete dieses Landes.")
        return list(areas), None
    if within.kreis:
        name = store.read_areas(codes=[within.kreis])
        label = f"{within.kreis} {name.iloc[0]['name']}" if not name.empty else within.kreis
        return [within.kreis], (f"Die Datenbank ist auf den Kreis {label} eingestellt; "
                                "berichtet wird dieser Kreis (andere mit `--area`).")
    return list(districts(store)["area_code"]), None


def available_periods(store: Store) -> list[str]:
    """Quarters a report can be made for, oldest first: from the first quarter with any series
    figure up to the current quarter – the quarter of the store's data stand where the store
    states one (the demo: 2025-Q4), else today's – or the last quarter with figures if later.
    Figures serve the quarters after them until newer ones come (`monitoring.core.stand`)."""
    stand = store.meta().get("data_stand")
    until = Quarter.of(date.fromisoformat(stand) if stand else date.today())
    return reportable_periods(read_series_periods(store), until)


def context(store: Store, area_code: str, period: str, settings: Settings | None = None,
            ) -> ReportContext:
    """Validate `area_code` and `period` against the store and collect the report's provenance.

    `settings` are the run's settings (`monitoring.io.settings.resolve`, resolved once by
    whoever starts the run). None – an analyst's own call – resolves them as a notebook run
    interactively does: ``monitoring.toml`` from the working folder upwards, the store's
    settings, the defaults (`monitoring.io.settings.interactive`).
    """
    quarter = Quarter.parse(period)
    code = check_code(area_code)
    areas = store.read_areas(codes=[code])
    if areas.empty:
        known = districts(store)
        listing = ", ".join(f"{c} {n}" for c, n in zip(known["area_code"], known["name"],
                                                          strict=True))
        changed = read_successor(store, code)
        if not changed.empty:
            row = changed.iloc[0]
            what = (f"Das Gebiet {code} besteht seit dem {pd.Timestamp(row['effective']):%d.%m.%Y} "
                    f"nicht mehr; es gehört heute zu {row['new_code']} ({row['name']}). "
                    f"Frühere Daten werden dort ausgewiesen.")
        else:
            what = f"Das Gebiet „{code}“ ist in der Datenbank nicht vorhanden."
        raise AreaError(f"{what} Gültige Kreise: {listing}.")
    periods = available_periods(store)
    if str(quarter) not in periods:
        span = f"{periods[0]} bis {periods[-1]}" if periods else "keine"
        raise PeriodError(
            f"Für den Berichtszeitraum {quarter} liegen keine Daten vor. Verfügbare Quartale: "
            f"{span}.")
    latest = latest_period(read_series_periods(store), str(quarter))
    groups = list(store.read_vocabulary("population_group"))
    population = latest_period(read_series_periods(store, groups), str(quarter))
    meta = store.meta()
    if settings is None:
        from monitoring.io import settings as settings_file

        settings = settings_file.resolve(meta=meta, upward=True)
    row = areas.iloc[0]
    stand = meta.get("data_stand")
    state = scope(store).state_of(code)
    return ReportContext(
        area_code=code, area_name=str(row["name"]), area_kind=str(row["kind"]),
        level=str(row["level"]), period=quarter, is_demo=store.is_demo,
        data_stand=date.fromisoformat(stand) if stand else None,
        snapshot_id=store.snapshot_id(), schema_version=store.schema_version,
        package_version=__version__, settings=settings, sources=store.sources(),
        state_code=state, state_name=state_name(store, state),
        geo_attribution=geo_attribution(store),
        fresh_data=latest == str(quarter),
        figures_stand=reference_date(latest) if latest else None,
        population_stand=reference_date(population) if population else None)


def geo_attribution(store: Store) -> str:
    """Where the store's boundaries come from, for the line under maps: the attribution of the
    packaged geography (BKG VG250, Gebietsstand 31.12.2015), or the files the user imported
    (named with their Gebietsstand, as in the source list)."""
    from monitoring.io.geography import source_label

    sources = read_area_sources(store)
    if not sources or source_label() in sources:
        return GEO_ATTRIBUTION
    return "Geometrie: " + "; ".join(sources)


def single_municipality_note(ctx: ReportContext, municipalities: pd.DataFrame) -> str | None:
    """The one sentence a report says when its area is a single municipality (a kreisfreie
    Stadt): a municipality map of one polygon, „0 von 1 Gemeinden ohne Angebot“ and a gap list
    by municipality say nothing there, so the report leaves them out. None otherwise."""
    if len(municipalities) > 1:
        return None
    kind = " (kreisfreie Stadt)" if ctx.area_kind == "Kreisfreie Stadt" else ""
    return (f"{ctx.area_name}{kind} besteht aus einer einzigen Gemeinde: Die Gemeindekarte, die "
            "Zahl der Gemeinden ohne Angebot und die Liste möglicher Versorgungslücken nach "
            "Gemeinden entfallen deshalb in diesem Bericht.")


def area_layers(store: Store, ctx: ReportContext) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(today's districts of the report area's Land – its peers –, municipalities of the
    report's district)."""
    districts = store.read_areas(level="kreis")
    districts = districts[districts["area_code"].str.startswith(ctx.state_code)]
    municipalities = store.read_areas(level="gemeinde")
    return districts, municipalities[municipalities["parent_code"] == ctx.area_code]

"""Inventory analyses for one report area: read from the store, compute with the pure core.

Settings a county may want to change are module constants with their reasons:

* `GROUP_TARGETS`: which offer target group serves which population group.
* `GROUP_LANGUAGES`: the languages protection seekers in Thuringia mostly need (Ukrainian,
  Arabic, Dari/Farsi – the largest groups among protection seekers in Germany, Ausländer-
  zentralregister 2024). An assumption to be replaced by local figures where they exist.
* `MIN_GROUP_SIZE`: a municipality counts for the gap list from this many persons of the group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from monitoring.core import coverage, network, overlap
from monitoring.core.areas import located_today
from monitoring.store.inventory import (
    read_meeting_participants,
    read_meetings,
    read_offer_versions,
    read_working_groups,
)

if TYPE_CHECKING:
    from monitoring.store.database import Store
    from monitoring.views.scope import ReportContext

GROUP_TARGETS = {"auslaender": "zugewanderte", "schutzsuchende": "gefluechtete"}
GROUP_LANGUAGES = {"schutzsuchende": ["uk", "ar", "fa"]}
MIN_GROUP_SIZE = 100
MIN_SIMILARITY = 0.6
CHANGED_NAMES = {"title": "Titel", "fields": "Handlungsfeld", "target_groups": "Zielgruppe",
                 "languages": "Sprachen", "mode": "Angebotsform", "area_code": "Gebiet",
                 "capacity": "Plätze", "actor_id": "Träger", "x": "Standort", "y": "Standort"}


def labels(store: Store) -> dict[str, dict[str, str]]:
    return {kind: store.read_vocabulary(kind) for kind in
            ("field", "target_group", "language", "population_group", "actor_type", "offer_mode")}


def _in_area(frame: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    return frame[frame["area_code"].astype(str).str.startswith(ctx.area_code)]


def inventory_tables(store: Store, ctx: ReportContext, *, min_size: float = MIN_GROUP_SIZE,
                     min_similarity: float = MIN_SIMILARITY) -> dict[str, pd.DataFrame]:
    """Gaps, overlap candidates and changes since the previous quarter for the report's area."""
    names = labels(store)
    on, before = ctx.period.end, (ctx.period - 1).end
    # an offer recorded under a merged-away Gemeinde serves the Gemeinde it went into
    offers = _in_area(located_today(coverage.active(store.read_offers(on=on), on),
                                    store.read_area_changes()), ctx)
    municipalities = store.read_areas(level="gemeinde")
    municipalities = pd.DataFrame(municipalities[municipalities["parent_code"] == ctx.area_code]
                                  .drop(columns="geometry"))
    population = store.read_population(periods=[str(ctx.period)])
    gaps = coverage.gaps(offers, municipalities, population, fields=list(names["field"]),
                         target_groups=GROUP_TARGETS, min_size=min_size,
                         languages=GROUP_LANGUAGES, labels=names)
    gaps["group_label"] = gaps["population_group"].map(names["population_group"])
    overlaps = overlap.candidates(offers, min_similarity=min_similarity, labels=names)
    area_names = dict(zip(municipalities["area_code"], municipalities["name"], strict=True))
    area_names[ctx.area_code] = f"{ctx.area_name} (ohne festen Standort)"
    overlaps["area_name"] = overlaps["area_code"].map(area_names)
    overlaps["similarity_text"] = [f"{round(v * 100)} %" for v in overlaps["similarity"]]
    overlaps["pair"] = overlaps["title_a"] + " (" + overlaps["offer_a"] + ") – " + \
        overlaps["title_b"] + " (" + overlaps["offer_b"] + ")"
    versions = read_offer_versions(store, code_prefix=ctx.area_code)
    changes = overlap.changes(versions, before, on)
    changes["what"] = changes["what"].map(lambda w: ", ".join(
        CHANGED_NAMES.get(c.strip(), c.strip()) for c in w.split(",") if c.strip()))
    return {"offers": offers, "gaps": gaps, "overlaps": overlaps, "changes": changes}


def network_figures(store: Store, ctx: ReportContext, *, quarters: int = 8,
                    population_group: str = "auslaender") -> dict[str, object]:
    """Meetings per quarter, active share of network members, volunteers per 100."""
    actors = _in_area(store.read_actors(), ctx)
    meetings = _in_area(read_meetings(store), ctx)
    participants = read_meeting_participants(store)
    participants = participants[participants["meeting_id"].isin(meetings["meeting_id"])]
    per_quarter = network.meetings_per_quarter(meetings, ctx.period - (quarters - 1), ctx.period)
    active = network.active_share(actors, meetings, participants, ctx.period.end)
    pop = store.read_population(population_group=population_group, periods=[str(ctx.period)])
    # the area's own figure if it has one, else the sum of its parts (never both added up)
    own = pop.loc[pop["area_code"] == ctx.area_code, "value"]
    size = float(own.sum()) if not own.empty or ctx.level == "gemeinde" else float(
        _in_area(pop, ctx)["value"].sum())
    volunteers = network.volunteers_per_100(actors, size)
    return {"per_quarter": per_quarter, "active": active, "volunteers": volunteers,
            "groups": len(_in_area(read_working_groups(store), ctx))}


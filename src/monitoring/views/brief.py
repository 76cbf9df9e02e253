"""The counts behind „Das Wichtigste in Kürze“ at the top of a district report (issue 15):
read from the store under the run's disclosure rule, turned into sentences by the pure
`monitoring.core.brief.in_brief`."""

from __future__ import annotations

import math

import pandas as pd

from monitoring.core import brief
from monitoring.store.database import Store
from monitoring.views import publishable
from monitoring.views.coverage import coverage_summary, coverage_tables
from monitoring.views.inputs import missing_inputs
from monitoring.views.panel import controlling
from monitoring.views.scope import ReportContext


def brief_counts(store: Store, ctx: ReportContext,
                 panel: pd.DataFrame | None = None) -> brief.BriefCounts:
    """The counts of the summary for the report `ctx`; a part whose data are missing
    (`missing_inputs`) is left out, the rate only where disclosure control publishes it."""
    parts: dict[str, object] = {}
    coverage = missing_inputs(store, ctx, "abdeckung")
    if not coverage.lacks("angebote"):
        cov = coverage_tables(store, ctx)
        summary = coverage_summary(cov, ctx)
        rate: float | None = None
        if not coverage.lacks("zielgruppe"):
            shown = publishable.coverage_by_district(cov["districts"], ctx.settings.disclosure)
            own = shown.frame.index[shown.frame["area_code"] == ctx.area_code]
            if len(own) and not bool(shown.is_suppressed("offers_per_1000").get(own[0], False)):
                value = float(shown.frame.at[own[0], "offers_per_1000"])
                rate = value if math.isfinite(value) else None
        parts.update(offers=int(summary["offers"]), offers_per_1000=rate,
                     fields=len(cov["fields"]),
                     fields_without_offer=int(summary["fields_without_offer"]),
                     municipalities=int(summary["municipalities"]),
                     municipalities_without_offer=int(summary["municipalities_without_offer"]))
    plan = missing_inputs(store, ctx, "controlling")
    if not (plan.lacks("zielwerte") and plan.lacks("massnahmen")):
        result = controlling(store, ctx, panel)
        if not plan.lacks("zielwerte"):
            parts["lights"] = brief.status_counts(result["lights"]["status"])
        if not plan.lacks("massnahmen"):
            progress = result["progress"]
            parts.update(measures=int(progress.get("total", 0) or 0),
                         measures_delayed=int(progress.get("verzoegert", 0) or 0))
    return brief.BriefCounts(ctx.area_kind, **parts)  # type: ignore[arg-type]


def in_brief(store: Store, ctx: ReportContext, panel: pd.DataFrame | None = None) -> list[str]:
    """„Das Wichtigste in Kürze“ for the report `ctx`: 3–5 plain German sentences from counts
    (`monitoring.core.brief.in_brief`)."""
    return brief.in_brief(brief_counts(store, ctx, panel))

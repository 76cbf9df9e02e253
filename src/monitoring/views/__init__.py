"""What notebooks and reports ask the store for, published tables under disclosure control.

`from monitoring import views` gives the report context, coverage tables, the indicator panel
and the controlling views (modules `scope`, `coverage`, `panel`), and what a report section
lacks (`inputs`: `missing_inputs`, `report_missing`); accessibility, inventory,
exports and the published tables (`publishable`) are submodules of their own.
"""

from monitoring.views.brief import brief_counts, in_brief
from monitoring.views.coverage import coverage_key_figures, coverage_summary, coverage_tables
from monitoring.views.inputs import missing_inputs, report_missing
from monitoring.views.panel import (
    DIRECTION_LABELS,
    POSITION_COLUMNS,
    WITHHELD_FLAG,
    composite_index,
    controlling,
    development,
    indicator_overview,
    indicator_panel,
    peer_table,
    peers,
    protected_panel,
)
from monitoring.views.scope import (
    ReportContext,
    area_layers,
    available_periods,
    context,
    districts,
    single_municipality_note,
)

__all__ = ["DIRECTION_LABELS", "POSITION_COLUMNS", "WITHHELD_FLAG", "ReportContext",
           "area_layers", "available_periods", "brief_counts", "composite_index", "context",
           "controlling",
           "coverage_key_figures", "coverage_summary", "coverage_tables", "development",
           "districts",
           "in_brief", "indicator_overview", "indicator_panel", "missing_inputs", "peer_table",
           "peers",
           "protected_panel", "report_missing", "single_municipality_note"]

"""What notebooks and reports ask the store for: typed, disclosure-controlled results.

`from monitoring import views` gives the report context, coverage tables, the indicator panel
and the controlling views; accessibility, inventory and export views are submodules.
"""

from monitoring.views.base import (
    DIRECTION_LABELS,
    POSITION_COLUMNS,
    WITHHELD_FLAG,
    ReportContext,
    area_layers,
    available_periods,
    composite_index,
    context,
    controlling,
    coverage_summary,
    coverage_tables,
    development,
    districts,
    indicator_overview,
    indicator_panel,
    peer_table,
    peers,
    protected_panel,
)

__all__ = ["DIRECTION_LABELS", "POSITION_COLUMNS", "WITHHELD_FLAG", "ReportContext",
           "area_layers", "available_periods", "composite_index", "context", "controlling",
           "coverage_summary", "coverage_tables", "development", "districts",
           "indicator_overview", "indicator_panel", "peer_table", "peers", "protected_panel"]

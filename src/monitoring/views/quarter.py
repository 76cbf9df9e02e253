"""Build the quarter snapshot (`views.snapshot`): the state-wide results of one quarter.

`build_snapshot` computes, with the same functions a report calls on demand, everything that
is the same for every district report of a quarter: the indicator panel, the panel after
disclosure control under the run's rule, the accessibility of every municipality, the offer
coverage of every district and municipality and the list of districts. `monitoring run` and
`monitoring veroeffentlichen` call it once per quarter before the district reports run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from monitoring import __version__
from monitoring.periods import Quarter
from monitoring.views import snapshot as quarter_snapshot
from monitoring.views.accessibility import state_access
from monitoring.views.coverage import state_coverage
from monitoring.views.panel import indicator_panel, protected_panel

if TYPE_CHECKING:
    from monitoring.core.config import Settings
    from monitoring.store.database import Store


def build_snapshot(store: Store, period: str, settings: Settings,
                   ) -> quarter_snapshot.QuarterSnapshot:
    """The state-wide results of `period` from the read-only `store` under `settings`.

    Computed on demand, never from another installed snapshot (that is uninstalled first), so
    that it holds exactly what a report computes without one.
    """
    quarter = Quarter.parse(period)
    key = quarter_snapshot.store_key(store)
    if key is None:
        raise quarter_snapshot.SnapshotError(
            "Ein Quartals-Snapshot kann nur aus einer schreibgeschützt geöffneten Datenbank "
            "erstellt werden.")
    quarter_snapshot.install(None)
    panel = indicator_panel(store)
    protected = protected_panel(store, panel, rule=settings.disclosure)
    districts = pd.DataFrame(store.read_areas(level="kreis").drop(columns="geometry"))[
        ["area_code", "name", "kind"]]
    return quarter_snapshot.QuarterSnapshot(
        period=str(quarter), settings_json=settings.to_json(),
        store_key=quarter_snapshot.key_text(key), snapshot_id=store.snapshot_id(),
        schema_version=store.schema_version, package_version=__version__, panel=panel,
        protected=protected, access=state_access(store, str(quarter)), districts=districts,
        coverage=state_coverage(store, quarter))

"""The indicator panel is remembered for read-only stores only, and a write is never hidden."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from monitoring import views
from monitoring.core import privacy
from monitoring.store.database import open_store
from monitoring.views import panel as views_panel

KEY = ["indicator_id", "area_code", "period"]


def _rate_row(store_path: Path) -> tuple[str, str, str]:
    """A rate observation of Erfurt (no area change involved) with numerator and denominator."""
    with open_store(store_path) as store:
        rows = store.query(
            "SELECT indicator_id, area_code, period FROM observation WHERE area_code = '16051' "
            "AND numerator > 0 AND denominator > 0 ORDER BY indicator_id, period DESC LIMIT 1")
    assert len(rows) == 1
    return tuple(rows.iloc[0])  # type: ignore[return-value]


def _value(panel: pd.DataFrame, key: tuple[str, str, str]) -> float:
    row = panel[(panel["indicator_id"] == key[0]) & (panel["area_code"] == key[1])
                & (panel["period"] == key[2])]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_read_only_store_computes_once_and_every_caller_gets_a_copy(
        demo_store_path: Path) -> None:
    views_panel._panel_cache.clear()
    misses, hits = views_panel._panel_cache.misses, views_panel._panel_cache.hits
    with open_store(demo_store_path) as store:
        first = views.indicator_panel(store)
        reference = first.copy()
        first["value"] = -1.0  # a notebook cell changing its panel …
        second = views.indicator_panel(store)
        views_panel._panel_cache.clear()
        fresh = views.indicator_panel(store)
    cache = views_panel._panel_cache
    assert (cache.misses - misses, cache.hits - hits) == (2, 1)
    pd.testing.assert_frame_equal(second, reference)  # … does not change the next one's
    pd.testing.assert_frame_equal(second, fresh)


def test_a_write_is_never_hidden_by_the_cache(writable_store: Path) -> None:
    key = _rate_row(writable_store)
    views_panel._panel_cache.clear()
    with open_store(writable_store) as store:
        before = _value(views.indicator_panel(store), key)
    assert before > 0

    # Doubling the numerator doubles the rate (value = numerator / denominator × scale). The
    # write goes around the import log, so only the file itself shows that it changed.
    with open_store(writable_store, read_only=False) as store:
        assert _value(views.indicator_panel(store), key) == pytest.approx(before)
        with store.transaction():
            store.execute("UPDATE observation SET numerator = 2 * numerator WHERE "
                          "indicator_id = ? AND area_code = ? AND period = ?", list(key))
        assert _value(views.indicator_panel(store), key) == pytest.approx(2 * before)
        assert views_panel._PanelCache.key_of(store) is None  # writable: never cached

    with open_store(writable_store) as store:
        assert _value(views.indicator_panel(store), key) == pytest.approx(2 * before)


def _withheld(protected: privacy.Publishable) -> int:
    return int(protected.is_suppressed("value").sum())


def test_protected_panel_is_remembered_per_rule_and_panel_and_copied(
        demo_store_path: Path) -> None:
    views_panel._protected_cache.clear()
    strict = privacy.DisclosureRule(threshold=40, min_denominator=500)
    with open_store(demo_store_path) as store:
        hits = views_panel._protected_cache.hits
        first = views.protected_panel(store, rule=strict)
        reference = first.frame.copy()
        first.frame["value"] = -1.0  # a notebook cell changing its table …
        second = views.protected_panel(store, rule=strict)
        assert views_panel._protected_cache.hits - hits == 1
        pd.testing.assert_frame_equal(second.frame, reference)  # … does not change the next
        # another rule, another panel: computed anew, never the remembered answer
        lenient = views.protected_panel(store, rule=privacy.DisclosureRule())
        panel = views.indicator_panel(store)
        own = panel.assign(value=panel["value"] * 2)
        doubled = views.protected_panel(store, own, rule=strict)
        assert views_panel._protected_cache.hits - hits == 1
    assert _withheld(lenient) < _withheld(second)
    shown = ~doubled.is_suppressed("value") & doubled.frame["value"].notna()
    assert shown.any()
    pd.testing.assert_series_equal(doubled.frame.loc[shown, "value"],
                                   2 * panel.loc[shown, "value"], check_names=False)


def test_a_writable_store_is_never_protected_from_memory(writable_store: Path) -> None:
    views_panel._protected_cache.clear()
    with open_store(writable_store, read_only=False) as store:
        views.protected_panel(store, rule=privacy.DisclosureRule())
        views.protected_panel(store, rule=privacy.DisclosureRule())
    assert views_panel._protected_cache.key is None

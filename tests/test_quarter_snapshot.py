"""The quarter snapshot: computed once per quarter, read by every district report, refused
when it does not belong to the report – and the same numbers as computing on demand."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from monitoring import views
from monitoring.core import coverage, privacy
from monitoring.core.areas import harmonise, located_today
from monitoring.core.config import Settings
from monitoring.io import settings as settings_file
from monitoring.present import notebook
from monitoring.store.areas import read_area_hierarchy
from monitoring.store.database import open_store
from monitoring.views import accessibility
from monitoring.views import snapshot as quarter_snapshot
from monitoring.views.quarter import build_snapshot

PERIOD = "2025-Q4"


def _settings(threshold: int = 3, min_denominator: float = 20) -> Settings:
    """The defaults with this disclosure rule (as from ``--schwelle`` / ``--mindestnenner``)."""
    return settings_file.resolve(flags={"geheimhaltung.schwelle": threshold,
                                        "geheimhaltung.mindestnenner": min_denominator},
                                 environ={})


# a rule strict enough that the demo's panel has primary and secondary suppressions
STRICT = _settings(threshold=40, min_denominator=500)


@pytest.fixture(scope="module")
def snapshot_file(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snapshot") / quarter_snapshot.FILE_NAME
    with open_store(demo_store_path) as store:
        quarter_snapshot.write_snapshot(build_snapshot(store, PERIOD, STRICT), path)
    return path


@pytest.fixture(scope="module")
def small_snapshot(reference_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the store without figures (seconds, not a whole demo quarter): enough for
    the checks that refuse a snapshot of another quarter, other settings or another file."""
    path = tmp_path_factory.mktemp("small-snapshot") / quarter_snapshot.FILE_NAME
    with open_store(reference_store) as store:
        quarter_snapshot.write_snapshot(build_snapshot(store, PERIOD, STRICT), path)
    return path


@pytest.fixture(autouse=True)
def _nothing_installed() -> Any:
    quarter_snapshot.install(None)
    yield
    quarter_snapshot.install(None)


def _assert_same_publishable(left: privacy.Publishable, right: privacy.Publishable) -> None:
    pd.testing.assert_frame_equal(left.frame, right.frame)
    pd.testing.assert_frame_equal(left.suppressed, right.suppressed)
    assert (left.rule, left.columns, left.counts, left.groups, left.threshold,
            left.min_denominator) == (right.rule, right.columns, right.counts, right.groups,
                                      right.threshold, right.min_denominator)
    assert left.suppressed_groups == right.suppressed_groups
    assert left.totals.keys() == right.totals.keys()
    for column, totals in left.totals.items():
        assert totals.keys() == right.totals[column].keys()
        assert pd.Series(totals).equals(pd.Series(right.totals[column]))


@pytest.mark.slow  # the demo quarter's snapshot, checked against protecting the panel again
def test_suppression_pattern_of_the_snapshot_is_todays(demo_store_path: Path,
                                                       snapshot_file: Path) -> None:
    """Secondary suppression runs across the districts: the snapshot, computed once and read
    back from its file, withholds exactly the cells `protected_panel` withholds on demand."""
    snapshot = quarter_snapshot.read_snapshot(snapshot_file)
    with open_store(demo_store_path) as store:
        panel = views.indicator_panel(store)
        today = views.protected_panel(store, panel, rule=STRICT.disclosure)
    pd.testing.assert_frame_equal(snapshot.panel, panel)
    _assert_same_publishable(snapshot.protected, today)
    hidden = today.suppressed["numerator"]
    primary = hidden & (panel["numerator"] < STRICT.disclosure.threshold)
    assert primary.any() and (hidden & ~primary).any()  # both kinds occur under this rule
    assert snapshot.protected.frame.loc[hidden, "numerator"].isna().all()


def _report_data(store: Any, ctx: views.ReportContext) -> dict[str, Any]:
    """Everything the district report shows that rests on state-wide results, as the report
    notebooks ask for it (`notebooks/20_…`, `30_…`, `40_…`)."""
    panel = views.indicator_panel(store)
    rule = ctx.settings.disclosure
    result = views.controlling(store, ctx, panel)
    ids = list(result["lights"]["indicator_id"])
    access = accessibility.accessibility_tables(store, ctx)
    index = views.composite_index(store, ctx, panel)
    coverage = views.coverage_tables(store, ctx)
    return {
        **{f"coverage {name}": frame for name, frame in coverage.items()
           if name != "offers"},  # the offers (list column) are read from the store
        "panel": panel,
        "safe_panel": views.protected_panel(store, panel, rule=rule),
        "overview": views.indicator_overview(store, ctx, panel),
        "lights": result["lights"], "lights_table": result["lights_table"],
        "development": views.development(store, ctx, ids, panel),
        **{f"peers {i}": views.peers(store, ctx, i, panel) for i in dict.fromkeys(ids)},
        "index": index["table"], "index own": index["own"],
        "access municipalities": access["municipalities"], "access fields": access["fields"],
        "access gaps": access["gaps"],
        "missing": pd.DataFrame([m.record() for m in views.report_missing(store, ctx)]),
        "districts": views.districts(store, ctx.state_code),
    }


@pytest.mark.parametrize("code", ["16070", "16051"])  # a Landkreis and a kreisfreie Stadt
def test_a_reports_coverage_rows_are_those_computed_for_its_areas_alone(
        demo_store_path: Path, code: str) -> None:
    """The report takes its rows from the coverage of every area of the store (the snapshot's
    `state_coverage`); computed for the report's own areas only – the district, its
    Gemeinden, the districts of its Land – the rows are the same."""
    with open_store(demo_store_path) as store:
        ctx = views.context(store, code, PERIOD, STRICT)
        tables = views.coverage_tables(store, ctx)
        fields = list(store.read_vocabulary("field"))
        changes = store.read_area_changes()
        offers = located_today(coverage.active(store.read_offers(on=ctx.period.end),
                                               ctx.period.end), changes)
        pop = harmonise(store.read_population(population_group="auslaender",
                                              periods=[PERIOD]), changes)
        hierarchy = read_area_hierarchy(store)
        districts, municipalities = views.area_layers(store, ctx)
    any_field = offers.assign(fields=[["alle"]] * len(offers))
    own = districts[districts["area_code"] == code]
    expected = {
        "districts": coverage.by_area(any_field, districts, pop, fields=["alle"],
                                      hierarchy=hierarchy),
        "municipalities": coverage.by_area(any_field, municipalities, pop, fields=["alle"],
                                           hierarchy=hierarchy),
        "municipality_fields": coverage.by_area(offers, municipalities, pop, fields=fields,
                                                hierarchy=hierarchy),
        "fields": coverage.by_area(offers, own, pop, fields=fields, hierarchy=hierarchy),
    }
    assert len(expected["municipalities"]) == (1 if code == "16051" else len(municipalities))
    assert expected["fields"]["offers"].sum() > 0
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(tables[name], frame, obj=name)


@pytest.mark.slow  # builds the demo quarter's snapshot (the on-demand side protects once)
@pytest.mark.parametrize("code", ["16070", "16051"])  # a Landkreis and a kreisfreie Stadt
def test_district_report_data_from_the_snapshot_equals_on_demand(
        demo_store_path: Path, snapshot_file: Path, code: str) -> None:
    with open_store(demo_store_path) as store:
        ctx = views.context(store, code, PERIOD, STRICT)
        on_demand = _report_data(store, ctx)
    assert on_demand["lights"].shape[0] > 0 and len(on_demand["access fields"]) > 0
    store, ctx = notebook.open_report(str(demo_store_path), code, PERIOD, STRICT.to_json(),
                                      str(snapshot_file))
    try:
        before = quarter_snapshot.hits()
        from_snapshot = _report_data(store, ctx)
        used = quarter_snapshot.hits() - before
    finally:
        store.close()
    assert used >= 10  # the views took panel, protected panel, access, districts from it
    assert on_demand.keys() == from_snapshot.keys()
    for name, expected in on_demand.items():
        got = from_snapshot[name]
        if isinstance(expected, privacy.Publishable):
            pd.testing.assert_frame_equal(got.frame, expected.frame, obj=name)
            pd.testing.assert_frame_equal(got.suppressed, expected.suppressed, obj=name)
        else:
            pd.testing.assert_frame_equal(got, expected, obj=name)


@pytest.mark.slow  # protects the whole demo panel three times on demand
def test_a_caller_changing_its_copy_does_not_change_the_snapshot(
        demo_store_path: Path, snapshot_file: Path) -> None:
    store, _ctx = notebook.open_report(str(demo_store_path), "16070", PERIOD, STRICT.to_json(),
                                      str(snapshot_file))
    try:
        panel = views.indicator_panel(store)
        reference = panel.copy()
        safe = views.protected_panel(store, panel, rule=STRICT.disclosure)
        panel["value"] = -1.0
        safe.frame["value"] = -1.0
        pd.testing.assert_frame_equal(views.indicator_panel(store), reference)
        # a changed panel is no longer the snapshot's: protected on demand, from its values
        changed = views.protected_panel(store, panel, rule=STRICT.disclosure).frame
        assert (changed["value"].dropna() == -1.0).all()
        again = views.protected_panel(store, reference, rule=STRICT.disclosure).frame
        assert not (again["value"].dropna() == -1.0).any()
        # another rule than the snapshot's: computed on demand under that rule
        other = views.protected_panel(store, reference, rule=_settings().disclosure)
        assert other.suppressed["numerator"].sum() < safe.suppressed["numerator"].sum()
    finally:
        store.close()


def test_a_kept_kernel_reads_the_snapshot_file_once_while_it_stays_the_same(
        reference_store: Path, small_snapshot: Path, tmp_path: Path) -> None:
    path = tmp_path / quarter_snapshot.FILE_NAME
    shutil.copyfile(small_snapshot, path)
    first = quarter_snapshot.load(path)
    assert quarter_snapshot.load(path) is first  # the next report of the kernel
    # a new run writes a new file at the same place: read again
    with open_store(reference_store) as store:
        quarter_snapshot.write_snapshot(build_snapshot(store, PERIOD, _settings()), path)
    again = quarter_snapshot.load(path)
    assert again is not first and again.settings_json == _settings().to_json()
    assert first.settings_json == STRICT.to_json()


def test_a_snapshot_for_another_quarter_or_settings_is_refused_in_german(
        reference_store: Path, small_snapshot: Path) -> None:
    snapshot = quarter_snapshot.read_snapshot(small_snapshot)
    with open_store(reference_store) as store:
        assert quarter_snapshot.check(snapshot, store, PERIOD, STRICT) is snapshot
        with pytest.raises(quarter_snapshot.SnapshotError,
                           match="Quartal 2025-Q4 statt 2025-Q3") as err:
            quarter_snapshot.check(snapshot, store, "2025-Q3", STRICT)
        assert "nicht verwendet" in err.value.message and "neu berechnet" in err.value.message
        with pytest.raises(quarter_snapshot.SnapshotError, match="andere Einstellungen"):
            quarter_snapshot.check(snapshot, store, PERIOD, _settings())


@pytest.mark.slow  # builds a demo quarter's snapshot and protects the panel again
def test_a_stale_snapshot_is_refused_and_the_report_computes_on_demand(
        writable_store: Path, tmp_path: Path) -> None:
    """The store changed after the snapshot was made (a write that bypasses the import log):
    the report warns in German, does not use it and shows the store's figures now."""
    path = tmp_path / quarter_snapshot.FILE_NAME
    with open_store(writable_store) as store:
        quarter_snapshot.write_snapshot(build_snapshot(store, PERIOD, STRICT), path)
    with open_store(writable_store, read_only=False) as store, store.transaction():
        store.execute("UPDATE observation SET numerator = 2 * numerator "
                      "WHERE area_code = '16070'")
    with pytest.warns(quarter_snapshot.SnapshotWarning,
                      match="passt nicht zu diesem Bericht.*verändert"):
        store, _ctx = notebook.open_report(str(writable_store), "16070", PERIOD,
                                          STRICT.to_json(), str(path))
    try:
        assert quarter_snapshot.installed(store) is None
        now = views.indicator_panel(store)
        old = quarter_snapshot.read_snapshot(path).panel
        own = now["area_code"] == "16070"
        assert not now[own]["numerator"].equals(old[own]["numerator"])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fresh = views.protected_panel(store, now, rule=STRICT.disclosure)
        assert fresh.frame.loc[own, "numerator"].sum() != \
            quarter_snapshot.read_snapshot(path).protected.frame.loc[own, "numerator"].sum()
    finally:
        store.close()


def test_a_snapshot_of_another_store_is_not_used(reference_store: Path, small_snapshot: Path,
                                                 tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(reference_store, copy)
    quarter_snapshot.install(quarter_snapshot.read_snapshot(small_snapshot))
    with open_store(copy) as store:
        assert quarter_snapshot.installed(store) is None  # same data id, another file
    with open_store(reference_store) as store:
        assert quarter_snapshot.installed(store) is not None


def test_a_file_that_is_no_snapshot_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.duckdb"
    broken.write_bytes(b"kein Snapshot")
    with pytest.raises(quarter_snapshot.SnapshotError, match="kann nicht gelesen werden"):
        quarter_snapshot.read_snapshot(broken)
    with pytest.raises(quarter_snapshot.SnapshotError, match="nicht gefunden"):
        quarter_snapshot.read_snapshot(tmp_path / "fehlt.duckdb")

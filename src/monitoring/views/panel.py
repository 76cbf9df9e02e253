"""Indicator views: the panel on today's areas, controlling, peers and the Status-Dynamik-Index.

The panel is computed from the store's series on read (`store.read_observations`), harmonised to
today's areas and given the state value; everything published from it goes through disclosure
control first (`protected_panel`).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pandas as pd

from monitoring.core import composite_index as index_method
from monitoring.core import concept, indicators, privacy
from monitoring.errors import InsufficientDataError
from monitoring.periods import Quarter
from monitoring.views import snapshot as quarter_snapshot
from monitoring.views.scope import ReportContext, districts, states

if TYPE_CHECKING:

    from monitoring.store.database import Store


class _PanelCache:
    """The last indicator panel of a read-only store, per process (one entry).

    A district report computes the panel in two sections that run in one kernel (indicators
    and controlling); on the demo store one computation takes ≈ 0.5 s of CPU. The key is the
    store file's identity, size and modification time (and its WAL's), the snapshot id and the
    schema version: any write to the file – also one that bypasses the import log – changes it.
    DuckDB lets no process write a file while it is open read-only, so a read-only store cannot
    change under the cached value. A writable store is never cached: its own writes need not
    touch the file before it is closed.
    """

    def __init__(self) -> None:
        self.key: tuple[object, ...] | None = None
        self.panel: pd.DataFrame | None = None
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key_of(store: Store) -> tuple[object, ...] | None:
        return quarter_snapshot.store_key(store)

    def clear(self) -> None:
        self.key, self.panel = None, None


_panel_cache = _PanelCache()


class _ProtectedCache:
    """The last protected panel of a read-only store, per process (one entry).

    Without a quarter snapshot – a notebook run in JupyterLab – a district report protects the
    whole panel in about a dozen views (controlling, overview, peers, index …), each time with
    the same result: secondary suppression runs across all districts. The key is the store's
    (`_PanelCache.key_of`), the rule, and a fingerprint of the panel's content (a caller may
    pass a panel of its own); every caller gets its own copy.
    """

    def __init__(self) -> None:
        self.key: tuple[object, ...] | None = None
        self.value: privacy.Publishable | None = None
        self.hits = 0

    def clear(self) -> None:
        self.key, self.value = None, None


_protected_cache = _ProtectedCache()


def _fingerprint(panel: pd.DataFrame) -> str | None:
    """A digest of `panel`'s columns, types, order and values; None if it cannot be hashed."""
    try:
        rows = pd.util.hash_pandas_object(panel, index=True).to_numpy()
    except TypeError:
        return None
    digest = hashlib.sha256(repr((list(panel.columns), [str(t) for t in panel.dtypes],
                                  panel.shape)).encode())
    digest.update(rows.tobytes())
    return digest.hexdigest()


def indicator_panel(store: Store) -> pd.DataFrame:
    """All observations on today's areas, with the state value recomputed from the districts.

    The state value is that of the store's Land, from the Kreise of that Land only; in a
    national store every Land gets its own (`views.scope.states`).

    For a read-only store the result is remembered (see `_PanelCache`) and every call gets its
    own copy, so a caller that changes its panel cannot change the next caller's. A quarter
    snapshot of the same store installed by the run (`views.snapshot`) gives it without
    computing.
    """
    snapshot = quarter_snapshot.installed(store)
    if snapshot is not None:
        return snapshot.panel.copy()
    key = _PanelCache.key_of(store)
    if key is not None and key == _panel_cache.key and _panel_cache.panel is not None:
        _panel_cache.hits += 1
        return _panel_cache.panel.copy()
    defs = store.read_indicators()
    panel = indicators.harmonised_panel(store.read_observations(provenance=False), defs,
                                        store.read_area_changes())
    for land, members in states(store).items():
        panel = indicators.with_state(panel, defs, members, state_code=land)
    _panel_cache.misses += 1
    if key is not None:
        _panel_cache.key, _panel_cache.panel = key, panel.copy()
    return panel



# -- controlling -------------------------------------------------------------------------------
def controlling(store: Store, ctx: ReportContext, panel: pd.DataFrame | None = None,
                ) -> dict[str, Any]:
    """Traffic lights, measure progress, measures and the German summary for one area.

    The lights are computed on the disclosure-controlled panel: a withheld value gets no
    light (its colour would tell on which side of the path the value lies). ``lights`` is the
    frame, ``lights_table`` the same as `privacy.Publishable` (withheld values shown as ".").
    The limits of the light are the run's (``ctx.settings.traffic_light``). A value older
    than the report quarter serves it up to the run's maximum age
    (``ctx.settings.max_age_quarters``; columns ``stand``, ``carried``), chosen on the
    unprotected panel so that a withheld latest value stays withheld.
    """
    panel = indicator_panel(store) if panel is None else panel
    safe = protected_panel(store, panel, rule=ctx.settings.disclosure)
    goals = store.read_goals()
    limits = ctx.settings.traffic_light
    args = (store.read_targets(), store.read_indicators(), goals)
    options: dict[str, Any] = {
        "area_code": ctx.area_code, "period": str(ctx.period), "thresholds": limits,
        "max_quarters": ctx.settings.max_age_quarters,
        "latest": indicators.latest_observed(panel, ctx.area_code, str(ctx.period))}
    lights = concept.traffic_lights(safe.frame, *args, **options)
    lights_table = privacy.withheld(concept.traffic_lights(panel, *args, **options), lights,
                                    ["value", "numerator"], rule=safe.rule)
    all_measures = store.read_measures()
    progress = concept.measure_progress(all_measures, goals, area_code=ctx.area_code)
    own_goals = goals[goals["area_code"] == ctx.area_code]
    measures = all_measures.merge(own_goals[["goal_id", "field"]], on="goal_id")
    measures["status_label"] = measures["status"].map(concept.MEASURE_STATUS)
    return {"lights": lights, "lights_table": lights_table, "progress": progress,
            "measures": measures,
            "summary": concept.summary_de(lights, progress), "thresholds": limits}


def peer_table(store: Store, panel: pd.DataFrame, ctx: ReportContext, indicator_id: str,
               ) -> pd.DataFrame:
    """One indicator at the report's period for all districts of the same kind in the report
    area's Land, plus that Land's state value."""
    same_level = districts(store, ctx.state_code)
    peers = same_level[same_level["kind"] == ctx.area_kind]
    rows = panel[(panel["indicator_id"] == indicator_id) & (panel["period"] == str(ctx.period))]
    out = peers.merge(rows, on="area_code", how="left")
    state = rows[rows["area_code"] == ctx.state_code].assign(name=ctx.state_name, kind="Land")
    out = pd.concat([out, state], ignore_index=True)
    out["own"] = out["area_code"] == ctx.area_code
    return out[["area_code", "name", "kind", "value", "numerator", "denominator", "flags", "own"]]


def protected_panel(store: Store, panel: pd.DataFrame | None = None, *,
                    rule: privacy.DisclosureRule) -> privacy.Publishable:
    """The indicator panel after disclosure control (`privacy.protect_panel`) under `rule`
    (the run's, ``ctx.settings.disclosure``).

    Count indicators (`indicators.count_indicators`, e.g. A28) are protected as counts, rates
    by numerator and denominator; the state value (the districts' total) is withheld where it
    would reveal a withheld district. Withheld values are NaN with flag ``geheimgehalten``, so
    every number derived from this panel (changes, lights, index, charts) leaves them out.

    When the run installed a quarter snapshot (`views.snapshot`) of the same store, made under
    the same `rule` from the same panel, its protected panel is returned (a copy) instead of
    computing it again: secondary suppression runs across all districts, so it is the same for
    every report of the quarter. Without one, the last result for a read-only store is
    remembered (`_ProtectedCache`).
    """
    snapshot = quarter_snapshot.installed(store)
    if snapshot is not None and snapshot.rule() == rule and (
            panel is None or panel is snapshot.panel or panel.equals(snapshot.panel)):
        return snapshot.protected_copy()
    panel = indicator_panel(store) if panel is None else panel
    store_key = _PanelCache.key_of(store)
    fingerprint = _fingerprint(panel) if store_key is not None else None
    key = None if fingerprint is None else (store_key, rule, fingerprint)
    if key is not None and _protected_cache.key == key and _protected_cache.value is not None:
        _protected_cache.hits += 1
        return _protected_cache.value.copy()
    counts = indicators.count_indicators(store.read_indicators())
    groups = states(store)
    if len(groups) <= 1:
        land, members = next(iter(groups.items()), ("", []))
        protected = privacy.protect_panel(panel, counts=counts, districts=members,
                                          state_code=land, rule=rule)
    else:  # national store: each Land with its districts; other areas checked on their own
        protected = _protected_by_land(panel, groups, counts, rule)
    safe = protected.frame
    hidden = protected.is_suppressed("value") | protected.is_suppressed("numerator")
    safe.loc[hidden, "flags"] = [
        WITHHELD_FLAG if pd.isna(f) or not f else f"{f},{WITHHELD_FLAG}"
        for f in safe.loc[hidden, "flags"]]
    if key is not None:
        _protected_cache.key, _protected_cache.value = key, protected.copy()
    return protected


def _protected_by_land(panel: pd.DataFrame, groups: dict[str, list[str]], counts: set[str],
                       rule: privacy.DisclosureRule) -> privacy.Publishable:
    """`privacy.protect_panel` for each Land of a national store (its districts and its state
    row form one group); areas outside every Land's districts are checked on their own."""
    parts: list[privacy.Publishable] = []
    taken = pd.Series(False, index=panel.index)
    for land, members in groups.items():
        rows = panel["area_code"].isin(members) | (panel["area_code"] == land)
        taken |= rows
        parts.append(privacy.protect_panel(panel[rows], counts=counts, districts=members,
                                           state_code=land, rule=rule))
    if (~taken).any():
        parts.append(privacy.protect_panel(panel[~taken], counts=counts, districts=[],
                                           state_code="", rule=rule))
    first = parts[0]
    frame = pd.concat([p.frame for p in parts]).reindex(panel.index)
    mask = pd.concat([p.suppressed for p in parts]).reindex(panel.index).fillna(False)
    return privacy.Publishable(frame, mask.astype(bool), first.rule, tuple(mask.columns),
                               counts=first.counts, groups=first.groups,
                               threshold=first.threshold, min_denominator=first.min_denominator)


def indicator_overview(store: Store, ctx: ReportContext, panel: pd.DataFrame | None = None,
                       ) -> privacy.Publishable:
    """`indicators.overview` for the report area from the disclosure-controlled panel.

    A withheld value and every number derived from it – the changes against the previous
    quarter and the previous year (also when only the earlier value is withheld), the state
    value – are withheld (".") and no traffic light is given for it.

    The value of an earlier Stichtag serves the report quarter up to the run's maximum age
    (``ctx.settings.max_age_quarters``; columns ``value_period``, ``stand``, ``carried``). Which
    quarter serves is decided on the unprotected panel, for the protected one alike: a
    withheld latest value is shown as ".", never replaced by an older one.
    """
    panel = indicator_panel(store) if panel is None else panel
    safe = protected_panel(store, panel, rule=ctx.settings.disclosure)
    args = (store.read_indicators(), store.read_targets())
    options: dict[str, Any] = {
        "area_code": ctx.area_code, "period": str(ctx.period), "state_code": ctx.state_code,
        "max_quarters": ctx.settings.max_age_quarters,
        "latest": indicators.latest_observed(panel, ctx.area_code, str(ctx.period))}
    raw = indicators.overview(panel, *args, **options)
    shown = indicators.overview(safe.frame, *args, **options)
    columns = [c for c in ("value", "numerator", "vs_previous", "vs_year_ago", "state_value")
               if c in shown]
    return privacy.withheld(raw, shown, columns, rule=safe.rule)


def development(store: Store, ctx: ReportContext, indicator_ids: list[str],
                panel: pd.DataFrame | None = None, *, quarters: int = 4) -> privacy.Publishable:
    """`indicators.period_range` over the last `quarters` for `indicator_ids`, protected.

    Columns as `period_range` plus ``indicator_id``, ``indicator`` (name) and ``unit``.
    Changes are computed from the protected panel: a withheld value at either end withholds
    the change.
    """
    panel = indicator_panel(store) if panel is None else panel
    safe = protected_panel(store, panel, rule=ctx.settings.disclosure)
    defs = store.read_indicators().set_index("indicator_id")
    start, end = str(ctx.period - quarters), str(ctx.period)
    columns = ["indicator_id", "indicator", "unit", "period", "value", "numerator",
               "denominator", "state_value", "vs_previous", "vs_year_ago"]

    def frame(source: pd.DataFrame) -> pd.DataFrame:
        parts = [indicators.period_range(source, i, ctx.area_code, start, end,
                                         state_code=ctx.state_code).assign(
            indicator_id=i, indicator=defs.loc[i, "name_de"], unit=defs.loc[i, "unit"])
            for i in dict.fromkeys(indicator_ids)]
        return pd.concat(parts, ignore_index=True)[columns] if parts \
            else pd.DataFrame(columns=columns)

    return privacy.withheld(frame(panel), frame(safe.frame),
                            ["value", "numerator", "state_value", "vs_previous", "vs_year_ago"],
                            rule=safe.rule)


def peers(store: Store, ctx: ReportContext, indicator_id: str,
          panel: pd.DataFrame | None = None) -> privacy.Publishable:
    """`peer_table` from the disclosure-controlled panel (withheld bars and state line)."""
    panel = indicator_panel(store) if panel is None else panel
    safe = protected_panel(store, panel, rule=ctx.settings.disclosure)
    return privacy.withheld(peer_table(store, panel, ctx, indicator_id),
                            peer_table(store, safe.frame, ctx, indicator_id),
                            ["value", "numerator"], rule=safe.rule)


# -- Status-Dynamik-Index ----------------------------------------------------------------------
WITHHELD_FLAG = "geheimgehalten"
DIRECTION_LABELS = {"down": "niedriger ist besser", "up": "höher ist besser"}
POSITION_COLUMNS = ["area_code", "name", "label", "kind", "own", "assessed", "reason",
                    "status_index", "status_class", "dynamic_index", "dynamic_class", "group",
                    "attention", "attention_label", "status_label", "dynamic_label"]


def composite_index(store: Store, ctx: ReportContext, panel: pd.DataFrame | None = None, *,
                    peers: list[str] | None = None,
                    settings: index_method.IndexSettings | None = None) -> dict[str, Any]:
    """The report area's position among its peers in the Status-Dynamik-Index.

    Peers are all of today's areas at the report area's level in its Land (the 22 districts
    of Thuringia for a Thuringian district report) unless `peers` names them. The index is
    computed on the panel after disclosure control: a withheld rate makes its area "nicht
    bewertet" instead of being recoverable from a z-score. When too few areas can be assessed
    the result is ``None`` and the summary says why, so the report section shows the reason
    instead of failing.

    Returns ``result`` (`composite_index.CompositeIndex` or None), ``table`` (one row per
    peer, ready for `tables.html_table`, highest status index first; ``label`` marks the
    report area), ``own`` (the report area's index indicators: values, change, unweighted
    peer mean, z-scores), ``summary`` (German sentences), ``caption``, ``note`` (the
    method), ``earlier_period`` and ``settings`` (default: the run's, ``ctx.settings.index``).
    """
    from monitoring.periods import CENSUS_BREAK

    settings = ctx.settings.index if settings is None else settings
    panel = indicator_panel(store) if panel is None else panel
    safe = protected_panel(store, panel, rule=ctx.settings.disclosure).frame
    areas = pd.DataFrame(store.read_areas(level=ctx.level).drop(columns="geometry"))[
        ["area_code", "name", "kind"]]
    if ctx.level != "land":  # peers of a Kreis or Gemeinde: those of its own Land
        areas = areas[areas["area_code"].str.startswith(ctx.state_code)]
    if peers is not None:
        areas = areas[areas["area_code"].isin(peers)]
    label = ("Kreisen und kreisfreien Städten" if ctx.level == "kreis"
             else f"Gebieten der Ebene „{ctx.level}“")
    out: dict[str, object] = {
        "caption": f"Status-Dynamik-Index {ctx.period.label_short()}: Lage unter den {label}",
        "earlier_period": str(ctx.period - settings.span), "settings": settings}
    definitions = store.read_indicators()
    try:
        result = index_method.compute(safe, definitions, areas=list(areas["area_code"]),
                                      period=str(ctx.period), settings=settings)
    except InsufficientDataError as err:
        return {**out, "result": None, "table": pd.DataFrame(columns=POSITION_COLUMNS),
                "own": pd.DataFrame(), "note": "",
                "summary": [f"Der Status-Dynamik-Index wird nicht berechnet: {err.message}"]}
    table = areas.merge(result.areas, on="area_code", how="left")
    table["own"] = table["area_code"] == ctx.area_code
    table["label"] = [f"{n} (Berichtsgebiet)" if own else n
                      for n, own in zip(table["name"], table["own"], strict=True)]
    table["attention_label"] = table["attention"].map({True: "ja", False: ""})
    # The MSS class names with what they mean („sehr niedrig“ is the most need for attention)
    table["status_label"] = [index_method.class_label(c, "status") for c in table["status_class"]]
    table["dynamic_label"] = [index_method.class_label(c, "dynamic")
                              for c in table["dynamic_class"]]
    table = table.sort_values(["status_index", "name"], ascending=[False, True],
                              na_position="last", ignore_index=True)[POSITION_COLUMNS]
    summary = index_method.summary_de(result, area_code=ctx.area_code, area_name=ctx.area_name,
                                      peers=label)
    if result.earlier_period < CENSUS_BREAK <= result.period:
        summary.append(f"Der Zeitraum {Quarter.parse(result.earlier_period).label_short()} bis "
                       f"{Quarter.parse(result.period).label_short()} enthält den "
                       "Wechsel der Bevölkerungszahlen auf die Basis des Zensus 2022; "
                       "Veränderungen von Quoten enthalten diesen Bruch.")
    used = result.indicators[result.indicators["used"]]
    units = definitions.set_index("indicator_id")["unit"]
    own = result.values[result.values["area_code"] == ctx.area_code].merge(
        used[["indicator_id", "name", "direction", "mean"]], on="indicator_id")
    own["direction_label"] = own["direction"].map(DIRECTION_LABELS)
    own["unit"] = own["indicator_id"].map(units)
    return {**out, "result": result, "table": table, "own": own, "summary": summary,
            "note": result.note_de()}

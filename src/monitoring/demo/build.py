"""The embedded demo: a deterministic, clearly fictitious county data set on real geography.

What is real and what is not (every output built from this store says "Demodaten – fiktiv"):

* Real: the boundaries (BKG VG250), the population of each district on 31.12.2024
  (Regionaldatenbank table 12411-01-01-4) and the number of foreign nationals on 31.12.2024 for
  the seven districts named in the TLS press release on the AZR figures (Erfurt, Gera, Jena,
  Suhl, Kyffhäuserkreis, Sömmerda, Hildburghausen) plus the state total (187,765).
* Fictitious: the foreign nationals of the other districts (the remaining state total spread
  over them), every split to municipalities and quarters, protection seekers, all actors and
  offers, all indicator values, targets and goals.

Three districts are deliberately thin on offers (Sonneberg, Kyffhäuserkreis, Saale-Orla-Kreis)
so that gaps show in the reports.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import date, datetime, time
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from monitoring.core import coverage
from monitoring.core.areas import Scope
from monitoring.demo.offers import (
    generate_actors,
    generate_offers,
    inventory_sheets,
    inventory_update,
    seed_network,
)
from monitoring.demo.population import generate_population
from monitoring.demo.scope import DATA_STAND, DEMO_SOURCE, FIRST, LAST, LONG_FIRST, SEED, UPDATE_DAY
from monitoring.io import geography
from monitoring.io.files import atomic_path
from monitoring.io.import_figures import import_figures
from monitoring.io.inventory.load import import_frames
from monitoring.periods import Quarter, quarter_range
from monitoring.store.areas import write_scope
from monitoring.store.database import Store, open_store
from monitoring.vocab import DEMO_LABEL

_GOALS = {
    "arbeit": "Mehr Zugewanderte in sozialversicherungspflichtiger Beschäftigung",
    "beratung": "Beratung stärken und Abhängigkeit von Transferleistungen senken",
    "wohnen": "Dezentrale Unterbringung in eigenen Wohnungen ausbauen",
    "sprache": "Sprachkursangebot bedarfsgerecht ausbauen",
    "teilhabe": "Ehrenamtliches Engagement für Integration stärken",
}


def indicator_definitions() -> pd.DataFrame:
    """The indicator definitions shipped with the package (``data/indicators.csv``)."""
    text = files("monitoring").joinpath("data", "indicators.csv").read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    frame["scale"] = frame["scale"].astype(float)
    frame["field"] = frame["field"].replace("", None)
    return frame


def build_demo_store(path: str | os.PathLike[str], *, seed: int = SEED) -> Path:
    """Generate the demo store at `path`, replacing any previous demo store atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        try:
            with open_store(tmp, read_only=False, create=True) as store:
                geography.load_reference_geography(store)
                _fill(store, np.random.default_rng(seed))
        except BaseException:
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)  # DuckDB's journal
            raise
    return target


def _log(store: Store, kind: str, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, sep=";", quoting=csv.QUOTE_MINIMAL)
    store.log_import(kind, DEMO_SOURCE, buffer.getvalue().encode(), len(frame))


def _fill(store: Store, rng: np.random.Generator) -> None:
    gemeinden = store.read_areas(level="gemeinde")
    kreise = store.read_areas(level="kreis")
    population = generate_population(gemeinden, rng)
    actors = generate_actors(gemeinden, population, rng)
    offers = generate_offers(actors, gemeinden, population, rng)
    indicators = indicator_definitions()
    observations = _observations(population, offers, kreise, gemeinden, rng)
    goals, targets = _goals_and_targets(observations, indicators, rng)
    network = np.random.default_rng(seed_network())
    esf = _esf_projects(kreise, np.random.default_rng(SEED + 6))
    with store.transaction():
        for table, frame in (("indicator", indicators),
                             ("observation", observations), ("goal", goals), ("target", targets),
                             ("esf_project", esf)):
            store.write(table, frame)
            _log(store, table, frame)
        # Population and target groups are series, imported as a user imports own figures
        # (after the catalogue: the import accepts only series the catalogue or store knows).
        _import_population(store, population)
        # Actors, offers and the network go through the same import as partners' workbooks.
        sheets = inventory_sheets(actors, offers, network)
        import_frames(store, sheets, name="Demodaten", source=DEMO_SOURCE, as_of=UPDATE_DAY)
        # A second delivery in the last quarter: changed, ended and new (overlapping) offers.
        import_frames(store, {"Angebote": inventory_update(sheets, network)},
                      name="Demodaten Aktualisierung", source=DEMO_SOURCE, as_of=UPDATE_DAY)
        store.set_meta(is_demo="1", label=DEMO_LABEL, data_stand=DATA_STAND.isoformat(),
                       demo_seed=str(SEED))
        write_scope(store, Scope(geography.LAND_CODE))
    from monitoring.demo import (
        controlling as demo_controlling,  # controlling demo data (own module)
    )

    demo_controlling.fill(store, np.random.default_rng(SEED + 5))


def _import_population(store: Store, population: pd.DataFrame) -> None:
    """Write the demo population through `monitoring import zahlen` (own figures, a CSV
    ``reihe;gebiet;zeitraum;wert;quelle`` in a temporary folder), dated to the data stand."""
    frame = pd.DataFrame({
        "reihe": population["population_group"], "gebiet": population["area_code"],
        "zeitraum": population["period"],
        "wert": population["value"].round().astype("int64").astype(str),
        "quelle": population["source"]})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "Demodaten_Bevoelkerung.csv"
        frame.to_csv(path, sep=";", index=False, encoding="utf-8")
        stamp = datetime.combine(DATA_STAND, time(12)).timestamp()
        os.utime(path, (stamp, stamp))  # the file's date is the values' download date
        import_figures(store, path)


# -- indicators -------------------------------------------------------------------------------
_RATE_SPECS = {  # id → (denominator base, share of base, start rate, yearly change, noise, season)
    "A03": ("schutzsuchende", 1.0, 0.22, -0.012, 0.010, 0.0),
    "A16": ("auslaender", 0.72, 0.46, 0.015, 0.008, 0.005),
    "A19": ("auslaender", 0.55, 0.17, -0.008, 0.006, 0.010),
    "A21": ("auslaender", 0.90, 0.31, -0.010, 0.007, 0.0),
    "A23": ("schutzsuchende", 0.12, 0.60, 0.030, 0.020, 0.0),
}
_EISENACH_SHARE = 0.38  # fictitious share of the pre-merger Wartburgkreis+Eisenach figures


def _district_series(population: pd.DataFrame, group: str) -> pd.DataFrame:
    """District × quarter totals, extrapolated back to 2020 with each district's trend."""
    rows = population[population["population_group"] == group].copy()
    rows["district"] = rows["area_code"].str[:5]
    totals = rows.groupby(["district", "period"])["value"].sum().unstack("period")
    first, last = totals[str(FIRST)], totals[str(LAST)]
    growth = (last / first) ** (1 / ((LAST.year - FIRST.year) * 4 + LAST.quarter - FIRST.quarter))
    for q in quarter_range(LONG_FIRST, FIRST - 1):
        steps = (FIRST.year * 4 + FIRST.quarter) - (q.year * 4 + q.quarter)
        totals[str(q)] = first / growth ** steps
    return totals[[str(q) for q in quarter_range(LONG_FIRST, LAST)]]


def _observations(population: pd.DataFrame, offers: pd.DataFrame, kreise: pd.DataFrame,
                  gemeinden: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows: list[tuple[str, str, str, float, float]] = []
    bases = {g: _district_series(population, g) for g in ("auslaender", "schutzsuchende",
                                                         "bevoelkerung")}
    periods = quarter_range(LONG_FIRST, LAST)
    for ind, (base, share, start, slope, noise, season) in _RATE_SPECS.items():
        frame = bases[base]
        for district in frame.index:
            level = start * rng.normal(1, 0.12)
            trend = slope * rng.normal(1, 0.6)
            for i, q in enumerate(periods):
                den = round(float(frame.loc[district, str(q)]) * share)
                rate = level + trend * i / 4 + season * (q.quarter == 1) + rng.normal(0, noise)
                rate = min(max(rate, 0.005), 0.98)
                num = round(den * rate)
                if district == "16063" and q < Quarter.of(geography.EISENACH_MERGER):
                    den_e = round(den * _EISENACH_SHARE)
                    num_e = round(num * _EISENACH_SHARE * rng.normal(1.05, 0.03))
                    rows.append((ind, "16056", str(q), num_e, den_e))
                    rows.append((ind, "16063", str(q), num - num_e, den - den_e))
                else:
                    rows.append((ind, district, str(q), num, den))
    short = quarter_range(FIRST, LAST)
    for district in bases["auslaender"].index:
        for q in short:
            fo = float(bases["auslaender"].loc[district, str(q)])
            po = float(bases["bevoelkerung"].loc[district, str(q)])
            pr = float(bases["schutzsuchende"].loc[district, str(q)])
            rows.append(("A01", district, str(q), fo, po))
            rows.append(("A02", district, str(q), pr, po))
            volunteers = round(pr * (0.03 + 0.004 * short.index(q) / 4) * rng.normal(1, 0.15))
            rows.append(("B11", district, str(q), float(volunteers), pr))
    hierarchy = pd.concat([kreise, gemeinden])
    foreigners = population[population["population_group"] == "auslaender"]
    for q in short:
        table = coverage.by_area(coverage.active(offers, q.end), kreise,
                                 foreigners[foreigners["period"] == str(q)],
                                 fields=["sprache"], hierarchy=hierarchy)
        for r in table.itertuples(index=False):
            rows.append(("B01", r.area_code, str(q), float(r.capacity), float(r.population)))
    frame = pd.DataFrame(rows, columns=["indicator_id", "area_code", "period", "numerator",
                                        "denominator"])
    scale = indicator_definitions().set_index("indicator_id")["scale"]
    frame["value"] = frame["numerator"] / frame["denominator"] * frame["indicator_id"].map(scale)
    frame["flags"] = np.where(frame["period"] == str(LAST), "vorläufig", None)  # type: ignore[call-overload]  # None: no flag
    frame["source"] = DEMO_SOURCE
    return frame


def _goals_and_targets(observations: pd.DataFrame, indicators: pd.DataFrame,
                       rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    from monitoring.core import indicators as ind_mod

    panel = ind_mod.harmonised_panel(observations, indicators, geography.AREA_CHANGES)
    baseline_period = str(Quarter(2023, 4))
    defs = indicators.set_index("indicator_id")
    goals: list[tuple[object, ...]] = []
    targets: list[tuple[object, ...]] = []
    base = panel[panel["period"] == baseline_period]
    for r in base.sort_values(["area_code", "indicator_id"]).itertuples(index=False):
        direction = defs.loc[r.indicator_id, "direction"]
        field = defs.loc[r.indicator_id, "field"]
        if direction == "context" or not isinstance(field, str):
            continue
        goal_id = f"Z-{r.area_code}-{field}"
        if not any(g[0] == goal_id for g in goals):
            goals.append((goal_id, r.area_code, field, _GOALS[field]))
        improve = rng.uniform(0.06, 0.2)
        target = r.value * (1 + improve if direction == "up" else 1 - improve)
        targets.append((r.indicator_id, r.area_code, baseline_period, round(float(r.value), 2),
                        "2027-Q4", round(float(target), 2), goal_id))
    return (pd.DataFrame(goals, columns=["goal_id", "area_code", "field", "title"]),
            pd.DataFrame(targets, columns=["indicator_id", "area_code", "baseline_period",
                                           "baseline_value", "target_period", "target_value",
                                           "goal_id"]))


def _esf_projects(kreise: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One fictitious ESF project per district (80 % co-financing, as in ThILIK).

    Structure as in the funding database (e.g. a real Erfurt project 2016-09-01 … 2017-12-31:
    eligible 76,041.45 €, total 95,051.81 €, rate 80 %); every value here is invented.
    """
    rows = []
    for i, code in enumerate(sorted(kreise["area_code"])):
        total = round(float(rng.uniform(150_000, 260_000)), 2)
        rows.append((f"DEMO-ESF-{i + 1:03d}", code, "Kommunales Integrationsmanagement (Demo)",
                     date(2024, 1, 1), date(2026, 12, 31), round(total * 0.8, 2), total, 0.8,
                     DEMO_SOURCE))
    return pd.DataFrame(rows, columns=["project_id", "area_code", "title", "start_date",
                                       "end_date", "eligible_cost", "total_cost",
                                       "cofinancing_rate", "source"])

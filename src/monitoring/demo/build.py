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
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from monitoring.core import coverage
from monitoring.io import geography
from monitoring.io.inventory.load import import_frames
from monitoring.periods import Quarter, quarter_range
from monitoring.store.database import Store, open_store
from monitoring.vocab import DEMO_LABEL, FIELDS

SEED = 2025
DEMO_SOURCE = f"{DEMO_LABEL} (Generator monitoring.demo.build, Seed {SEED})"
FIRST = Quarter(2023, 1)
LAST = Quarter(2025, 4)
LONG_FIRST = Quarter(2020, 1)
ANCHOR = Quarter(2024, 4)
DATA_STAND = LAST.end
UPDATE_DAY = date(2025, 11, 1)

POPULATION_SOURCE = (
    "Kreissummen: Regionaldatenbank 12411-01-01-4, Bevölkerung am 31.12.2024 (real); "
    "Verteilung auf Gemeinden und Quartale: " + DEMO_LABEL)
FOREIGN_SOURCE = (
    "Kreissummen 31.12.2024: AZR/TLS-Pressemitteilung (real für 7 Kreise und die Landessumme); "
    "übrige Kreise, Gemeinden und Quartale: " + DEMO_LABEL)

# Regionaldatenbank 12411-01-01-4, Fortschreibung (Zensus 2022), Stichtag 31.12.2024.
REAL_POPULATION_2024 = {
    "16051": 218_793, "16052": 95_608, "16053": 109_725, "16054": 34_685, "16055": 65_954,
    "16061": 103_694, "16062": 80_762, "16063": 154_957, "16064": 94_613, "16065": 71_738,
    "16066": 120_214, "16067": 135_838, "16068": 67_693, "16069": 59_987, "16070": 106_657,
    "16071": 82_392, "16072": 54_964, "16073": 100_105, "16074": 83_342, "16075": 77_341,
    "16076": 93_707, "16077": 87_508,
}
# AZR, 31.12.2024, TLS press release (districts named there) and state total.
REAL_FOREIGNERS_2024 = {
    "16051": 27_535, "16052": 14_065, "16053": 14_770, "16054": 4_475, "16065": 4_390,
    "16068": 4_260, "16069": 3_460,
}
REAL_FOREIGNERS_STATE_2024 = 187_765
THIN_DISTRICTS = {"16072": 0.25, "16065": 0.3, "16075": 0.35}

_ACTOR_TYPES = {  # type → (probability, preferred fields, name patterns)
    "verein": (0.30, ["teilhabe", "sprache", "familie", "beratung"],
               ["Miteinander {o} e. V.", "Begegnung {o} e. V.", "Brücken bauen {o} e. V.",
                "Willkommen in {o} e. V."]),
    "wohlfahrtsverband": (0.14, ["beratung", "familie", "gesundheit", "wohnen"],
                          ["Sozialwerk {o}", "Diakonisches Netz {o} (Demo)",
                           "Soziale Dienste {o} gGmbH"]),
    "bildungstraeger": (0.18, ["sprache", "bildung", "arbeit"],
                        ["Bildungswerk {o} gGmbH", "Sprachschule {o}", "Lernwerkstatt {o}"]),
    "migrantenorganisation": (0.12, ["teilhabe", "beratung", "sprache", "familie"],
                              ["Internationaler Kulturverein {o}", "Afrikanisch-Thüringischer "
                               "Verein {o}", "Ukrainische Gemeinschaft {o}",
                               "Syrisches Haus {o} e. V."]),
    "ehrenamtsinitiative": (0.12, ["teilhabe", "sprache", "infrastruktur"],
                            ["Helferkreis {o}", "Patenschaftsnetz {o}", "Fahrdienst {o}"]),
    "amt": (0.08, ["beratung", "wohnen", "bildung", "arbeit"],
            ["Integrationsbüro {o} (Demo)", "Bürgerbüro {o} – Migration (Demo)"]),
    "unternehmen": (0.06, ["arbeit", "infrastruktur"],
                    ["Ausbildungsverbund {o} GmbH", "Jobbrücke {o} GmbH"]),
}
_TITLES = {
    "sprache": ["Deutschkurs A1", "Sprachkurs A1", "Deutschkurs A2", "Sprachcafé",
                "Alphabetisierungskurs", "Deutsch für den Beruf B1", "Sprachpatenschaften",
                "Deutsch-Lerntreff"],
    "bildung": ["Hausaufgabenhilfe", "Lernförderung für Seiteneinsteiger",
                "Elternabend mehrsprachig", "Bildungsberatung", "Schulwegbegleitung"],
    "arbeit": ["Bewerbungstraining", "Jobcoaching für Zugewanderte", "Anerkennungsberatung",
               "Praktikumsbörse", "Berufsorientierung junge Geflüchtete"],
    "wohnen": ["Wohnraumberatung", "Mieterführerschein", "Umzugshilfe", "Nachbarschaftslotsen"],
    "gesundheit": ["Gesundheitslotsen", "Psychosoziale Erstberatung",
                   "Sprechstunde mit Dolmetschung", "Frauengesundheitstreff"],
    "familie": ["Eltern-Kind-Gruppe", "Familientreff international", "Krabbelgruppe mehrsprachig",
                "Ferienprogramm für Kinder"],
    "beratung": ["Migrationsberatung für Erwachsene", "Asylverfahrensberatung",
                 "Sozialberatung für Geflüchtete", "Beratung zu Aufenthaltsfragen",
                 "Jugendmigrationsberatung"],
    "infrastruktur": ["Mitfahrbörse zu Kursen", "Mobile Beratung im ländlichen Raum",
                      "Fahrradwerkstatt", "Digitale Sprechstunde"],
    "teilhabe": ["Begegnungscafé", "Interkulturelles Fest", "Sportgruppe für alle",
                 "Ehrenamtsbörse", "Chor der Kulturen", "Gemeinschaftsgarten"],
}
_CAPACITY = {"sprache": (12, 25), "bildung": (10, 30), "arbeit": (10, 40), "wohnen": (20, 80),
             "gesundheit": (15, 60), "familie": (8, 20), "beratung": (40, 200),
             "infrastruktur": (10, 40), "teilhabe": (15, 60)}
_LANGUAGES = ["ar", "uk", "ru", "fa", "en", "ps", "ku", "ti", "tr", "fr"]
_LANGUAGE_WEIGHTS = np.array([0.22, 0.22, 0.14, 0.12, 0.12, 0.05, 0.05, 0.03, 0.03, 0.02])
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
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        with open_store(tmp, read_only=False, create=True) as store:
            geography.load_reference_geography(store)
            _fill(store, np.random.default_rng(seed))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _log(store: Store, kind: str, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, sep=";", quoting=csv.QUOTE_MINIMAL)
    store.log_import(kind, DEMO_SOURCE, buffer.getvalue().encode(), len(frame))


def _fill(store: Store, rng: np.random.Generator) -> None:
    municipalities = store.read_areas(level="gemeinde")
    districts = store.read_areas(level="kreis")
    population = _population(municipalities, rng)
    actors = _actors(municipalities, population, rng)
    offers = _offers(actors, municipalities, population, rng)
    indicators = indicator_definitions()
    observations = _observations(population, offers, districts, municipalities, rng)
    goals, targets = _goals_and_targets(observations, indicators, rng)
    network = np.random.default_rng(seed_network())
    esf = _esf_projects(districts, np.random.default_rng(SEED + 6))
    with store.transaction():
        for table, frame in (("population", population), ("indicator", indicators),
                             ("observation", observations), ("goal", goals), ("target", targets),
                             ("esf_project", esf)):
            store.write(table, frame)
            _log(store, table, frame)
        # Actors, offers and the network go through the same import as partners' workbooks.
        sheets = inventory_sheets(actors, offers, network)
        import_frames(store, sheets, name="Demodaten", source=DEMO_SOURCE, as_of=UPDATE_DAY)
        # A second delivery in the last quarter: changed, ended and new (overlapping) offers.
        import_frames(store, {"Angebote": inventory_update(sheets, network)},
                      name="Demodaten Aktualisierung", source=DEMO_SOURCE, as_of=UPDATE_DAY)
        store.set_meta(is_demo="1", label=DEMO_LABEL, data_stand=DATA_STAND.isoformat(),
                       demo_seed=str(SEED))
    from monitoring.demo import (
        controlling as demo_controlling,  # controlling demo data (own module)
    )

    demo_controlling.fill(store, np.random.default_rng(SEED + 5))


# -- population -------------------------------------------------------------------------------
def _district_foreigners(rng: np.random.Generator) -> dict[str, float]:
    known = sum(REAL_FOREIGNERS_2024.values())
    rest = [k for k in REAL_POPULATION_2024 if k not in REAL_FOREIGNERS_2024]
    weights = np.array([REAL_POPULATION_2024[k] for k in rest]) * rng.lognormal(0, 0.2, len(rest))
    shares = weights / weights.sum() * (REAL_FOREIGNERS_STATE_2024 - known)
    out: dict[str, float] = dict(REAL_FOREIGNERS_2024)
    out.update({k: float(v) for k, v in zip(rest, shares, strict=True)})
    return out


def _population(municipalities: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Population, foreign nationals and protection seekers per municipality and quarter."""
    g = municipalities[["area_code", "parent_code", "name", "kind"]].copy()
    g["area_km2"] = municipalities.geometry.area.to_numpy() / 1e6
    weight = np.sqrt(g["area_km2"]) * rng.lognormal(0, 0.6, len(g))
    weight *= np.where(g["kind"].str.contains("Stadt"), 3.0, 1.0)
    g["weight"] = weight
    foreigners = _district_foreigners(rng)
    rows = []
    for district, part in g.groupby("parent_code", sort=True):
        total = REAL_POPULATION_2024[district]
        w = part["weight"] / part["weight"].sum()
        pop_2024 = w * total
        fw = pop_2024 ** 1.25 * rng.lognormal(0, 0.3, len(part))
        for_2024 = fw / fw.sum() * foreigners[district]
        growth_pop = rng.normal(-0.005, 0.003)
        growth_for = rng.normal(0.038, 0.015)
        share_prot = rng.normal(0.39, 0.05)
        for q in quarter_range(FIRST, LAST):
            years = ((q.year * 4 + q.quarter) - (ANCHOR.year * 4 + ANCHOR.quarter)) / 4
            pop = pop_2024 * (1 + growth_pop) ** years
            fo = for_2024 * (1 + growth_for) ** years * rng.normal(1, 0.004, len(part))
            prot = fo * (share_prot + 0.015 * years) * rng.normal(1, 0.01, len(part))
            for group, values in (("bevoelkerung", pop), ("auslaender", fo),
                                  ("schutzsuchende", prot)):
                for code, value in zip(part["area_code"], np.round(values), strict=True):
                    rows.append((code, str(q), group, float(value), q.end))
    frame = pd.DataFrame(rows, columns=["area_code", "period", "population_group", "value",
                                        "reference_date"])
    frame["flag"] = None
    frame["source"] = np.where(frame["population_group"] == "bevoelkerung", POPULATION_SOURCE,
                               np.where(frame["population_group"] == "auslaender",
                                        FOREIGN_SOURCE, DEMO_SOURCE))
    return frame


def _latest(population: pd.DataFrame, group: str) -> pd.Series:
    rows = population[(population["population_group"] == group)
                      & (population["period"] == str(LAST))]
    return rows.set_index("area_code")["value"]


# -- actors and offers ------------------------------------------------------------------------
def _actors(municipalities: pd.DataFrame, population: pd.DataFrame,
            rng: np.random.Generator) -> pd.DataFrame:
    foreign = _latest(population, "auslaender")
    g = municipalities[["area_code", "parent_code", "name"]].copy()
    g["foreign"] = g["area_code"].map(foreign).fillna(0)
    types = list(_ACTOR_TYPES)
    probs = np.array([_ACTOR_TYPES[t][0] for t in types])
    rows = []
    for district, part in g.groupby("parent_code", sort=True):
        n = round(0.0068 * part["foreign"].sum() ** 0.8 * THIN_DISTRICTS.get(district, 1.0))
        n = max(n, 3)
        seat_p = (part["foreign"] + 1) / (part["foreign"] + 1).sum()
        seats = rng.choice(part.index.to_numpy(), size=n, p=seat_p.to_numpy())
        used: set[str] = set()
        for i, seat in enumerate(seats, start=1):
            actor_type = str(rng.choice(types, p=probs / probs.sum()))
            place = str(part.loc[seat, "name"])
            patterns = _ACTOR_TYPES[actor_type][2]
            name = patterns[int(rng.integers(len(patterns)))].format(o=place)
            while name in used:
                name = f"{name} ({len(used) + 1})"
            used.add(name)
            rows.append((f"AK-{district}-{i:03d}", name, actor_type,
                         str(part.loc[seat, "area_code"]), bool(rng.random() < 0.7)))
    frame = pd.DataFrame(rows, columns=["actor_id", "name", "actor_type", "area_code",
                                        "network_member"])
    frame["source"] = DEMO_SOURCE
    return frame


def _point_in(geom: Any, rng: np.random.Generator) -> tuple[float, float]:
    import shapely

    minx, miny, maxx, maxy = geom.bounds
    for _ in range(60):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(geom, x, y):
            return round(float(x), 1), round(float(y), 1)
    point = geom.representative_point()
    return round(point.x, 1), round(point.y, 1)


def _offers(actors: pd.DataFrame, municipalities: pd.DataFrame, population: pd.DataFrame,
            rng: np.random.Generator) -> pd.DataFrame:
    foreign = _latest(population, "auslaender")
    geoms = municipalities.set_index("area_code").geometry
    # not dict(groupby): dict() would call GroupBy.keys, which is the grouping column's name
    by_district = {d: part for d, part in municipalities.groupby("parent_code", sort=True)}  # noqa: C416
    field_codes = list(FIELDS)
    rows = []
    counter: dict[str, int] = {}
    for actor in actors.itertuples(index=False):
        district = actor.area_code[:5]
        preferred = _ACTOR_TYPES[actor.actor_type][1]
        n = 1 + min(int(rng.poisson(2.0)), 5)
        for _ in range(n):
            field = (str(rng.choice(preferred)) if rng.random() < 0.75
                     else str(rng.choice(field_codes)))
            fields = [field]
            if rng.random() < 0.15:
                extra = str(rng.choice(field_codes))
                if extra != field:
                    fields.append(extra)
            counter[district] = counter.get(district, 0) + 1
            offer_id = f"AN-{district}-{counter[district]:04d}"
            title = str(rng.choice(_TITLES[field]))
            groups = list(rng.choice(["zugewanderte", "gefluechtete", "frauen",
                                      "kinder_jugendliche", "familien", "arbeitsuchende"],
                                     size=1 + int(rng.random() < 0.3), replace=False))
            langs = ["de", *sorted(set(rng.choice(
                _LANGUAGES, size=int(rng.integers(0, 4)), p=_LANGUAGE_WEIGHTS)))]
            mode = str(rng.choice(["standort", "mobil", "online", "kreisweit"],
                                  p=[0.8, 0.08, 0.06, 0.06]))
            if mode == "standort":
                part = by_district[district]
                if rng.random() < 0.6:
                    area = actor.area_code
                else:
                    w = part["area_code"].map(foreign).fillna(0).to_numpy() + 1
                    area = str(rng.choice(part["area_code"].to_numpy(), p=w / w.sum()))
                x, y = _point_in(geoms[area], rng)
            else:
                area, x, y = district, None, None
            low, high = _CAPACITY[field]
            start = date(2018, 1, 1) + timedelta(days=int(rng.integers(0, 2890)))
            end = None
            if rng.random() < 0.2:
                end = min(start + timedelta(days=int(rng.integers(120, 1500))), DATA_STAND)
            rows.append((offer_id, start, end, actor.actor_id, title, fields, groups, langs,
                         mode, area, x, y, int(rng.integers(low, high + 1))))
    frame = pd.DataFrame(rows, columns=["offer_id", "valid_from", "valid_to", "actor_id", "title",
                                        "fields", "target_groups", "languages", "mode",
                                        "area_code", "x", "y", "capacity"])
    frame["source"] = DEMO_SOURCE
    return frame


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


def _observations(population: pd.DataFrame, offers: pd.DataFrame, districts: pd.DataFrame,
                  municipalities: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
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
    hierarchy = pd.concat([districts, municipalities])
    foreigners = population[population["population_group"] == "auslaender"]
    for q in short:
        table = coverage.by_area(coverage.active(offers, q.end), districts,
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


# -- inventory sheets (the template's form) ------------------------------------------------
def seed_network() -> int:
    """A seed for the network generator that leaves the main random stream untouched."""
    return SEED + 1


def inventory_sheets(actors: pd.DataFrame, offers: pd.DataFrame,
                     rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Actors, offers, locations, working groups and meetings as the template's sheets."""
    members = actors[actors["network_member"]]
    akteure = pd.DataFrame({
        "Akteur-ID": actors["actor_id"], "Name der Organisation": actors["name"],
        "Art des Akteurs": actors["actor_type"], "Gemeindeschlüssel (Sitz)": actors["area_code"],
        "Mitglied im Netzwerk": np.where(actors["network_member"], "ja", "nein"),
        "Anzahl Ehrenamtliche": [int(rng.integers(0, 25)) if t in (
            "verein", "ehrenamtsinitiative", "migrantenorganisation") else 0
            for t in actors["actor_type"]]})
    sites = offers[offers["mode"] == "standort"]
    standorte = pd.DataFrame({
        "Standort-ID": "ST-" + sites["offer_id"].str[3:], "Gemeindeschlüssel": sites["area_code"],
        "Rechtswert / Längengrad": sites["x"], "Hochwert / Breitengrad": sites["y"],
        "Koordinatensystem": "EPSG:25832"})
    extra = [list(v) + [None] * 4 for v in offers["languages"]]
    angebote = pd.DataFrame({
        "Angebots-ID": offers["offer_id"], "Akteur-ID": offers["actor_id"],
        "Titel": offers["title"], "Handlungsfeld": [f[0] for f in offers["fields"]],
        "Weiteres Handlungsfeld": [f[1] if len(f) > 1 else None for f in offers["fields"]],
        "Zielgruppe": [g[0] for g in offers["target_groups"]],
        "Weitere Zielgruppe": [g[1] if len(g) > 1 else None for g in offers["target_groups"]],
        **{f"Sprache {i}": [v[i - 1] for v in extra] for i in range(1, 5)},
        "Angebotsform": offers["mode"],
        "Ebene": np.where(offers["mode"] == "standort", "gemeinde", "kreis"),
        "Gebietsschlüssel": offers["area_code"],
        "Standort-ID": np.where(offers["mode"] == "standort", "ST-" + offers["offer_id"].str[3:],
                                None),
        "Plätze": offers["capacity"], "Beginn": offers["valid_from"], "Ende": offers["valid_to"]})
    groups: list[tuple[object, ...]] = []
    meetings: list[tuple[object, ...]] = []
    for district, part in members.groupby(members["area_code"].str[:5], sort=True):
        ids = list(part["actor_id"])
        for j, (field, name) in enumerate((("sprache", "AG Sprache und Bildung"),
                                           ("arbeit", "AG Arbeit und Ausbildung"),
                                           ("teilhabe", "AG Ehrenamt und Teilhabe"))):
            chosen = sorted(rng.choice(ids, size=min(len(ids), int(rng.integers(3, 9))),
                                       replace=False))
            gid = f"AG-{district}-{j + 1}"
            groups.append((gid, name, field, district, "; ".join(chosen)))
            for q in quarter_range(FIRST, LAST):
                if rng.random() < 0.6:
                    day = q.start + timedelta(days=int(rng.integers(10, 80)))
                    who = sorted(rng.choice(chosen, size=max(1, int(len(chosen) * 0.7)),
                                            replace=False))
                    meetings.append((f"TR-{gid}-{q}", day, f"Sitzung {name}", gid, district,
                                     "; ".join(who)))
        for q in quarter_range(FIRST, LAST):
            if rng.random() < 0.8 or (district in THIN_DISTRICTS and rng.random() < 0.5):
                day = q.start + timedelta(days=int(rng.integers(10, 80)))
                share = 0.3 if district in THIN_DISTRICTS else 0.6
                who = sorted(rng.choice(ids, size=max(1, int(len(ids) * share)), replace=False))
                meetings.append((f"TR-{district}-{q}", day, "Netzwerktreffen", None, district,
                                 "; ".join(who)))
    return {
        "Akteure": akteure, "Standorte": standorte, "Angebote": angebote,
        "Arbeitsgruppen": pd.DataFrame(groups, columns=["AG-ID", "Name der Arbeitsgruppe",
                                                        "Handlungsfeld", "Gebietsschlüssel",
                                                        "Mitglieder (Akteur-IDs)"]),
        "Treffen": pd.DataFrame(meetings, columns=["Treffen-ID", "Datum", "Anlass", "AG-ID",
                                                   "Gebietsschlüssel",
                                                   "Teilnehmende (Akteur-IDs)"]),
    }


_VARIANTS = {"Deutschkurs A1": "Sprachkurs A1", "Sprachkurs A1": "Deutschkurs A1",
             "Sprachcafé": "Sprach-Café", "Deutsch-Lerntreff": "Deutschlerntreff",
             "Begegnungscafé": "Begegnungs-Café international", "Bewerbungstraining":
             "Bewerbungstraining für Zugewanderte"}


def inventory_update(sheets: dict[str, pd.DataFrame], rng: np.random.Generator) -> pd.DataFrame:
    """The offers sheet as delivered again on `UPDATE_DAY`: some places more, some offers ended,
    and in most districts a new offer that duplicates an existing one (another provider, same
    place, similar title) so that the overlap list has something to show."""
    offers = sheets["Angebote"].copy()
    actors = sheets["Akteure"]
    running = offers["Ende"].isna() & (pd.to_datetime(offers["Beginn"]).dt.date
                                       < UPDATE_DAY - timedelta(days=31))
    pick = rng.random(len(offers))
    more = running & (pick < 0.06)
    offers.loc[more, "Plätze"] = offers.loc[more, "Plätze"] + 5
    ended = running & (pick > 0.96)
    offers["Ende"] = offers["Ende"].astype(object)
    offers.loc[ended, "Ende"] = UPDATE_DAY - timedelta(days=1)
    new: list[pd.Series] = []
    sited = offers[running & ~more & ~ended & offers["Titel"].isin(list(_VARIANTS))
                   & offers["Standort-ID"].notna()]
    for district, part in sited.groupby(sited["Gebietsschlüssel"].str[:5], sort=True):
        base = part.iloc[int(rng.integers(len(part)))].copy()
        others = actors[(actors["Gemeindeschlüssel (Sitz)"].str[:5] == district)
                        & (actors["Akteur-ID"] != base["Akteur-ID"])]
        if others.empty:
            continue
        base["Akteur-ID"] = others["Akteur-ID"].iloc[int(rng.integers(len(others)))]
        base["Angebots-ID"] = f"AN-{district}-N{len(new) + 1:03d}"
        base["Titel"] = _VARIANTS[base["Titel"]]
        base["Beginn"], base["Ende"] = UPDATE_DAY, None
        new.append(base)
    return pd.concat([offers, pd.DataFrame(new)], ignore_index=True)


def _esf_projects(districts: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One fictitious ESF project per district (80 % co-financing, as in ThILIK).

    Structure as in the funding database (e.g. a real Erfurt project 2016-09-01 … 2017-12-31:
    eligible 76,041.45 €, total 95,051.81 €, rate 80 %); every value here is invented.
    """
    rows = []
    for i, code in enumerate(sorted(districts["area_code"])):
        total = round(float(rng.uniform(150_000, 260_000)), 2)
        rows.append((f"DEMO-ESF-{i + 1:03d}", code, "Kommunales Integrationsmanagement (Demo)",
                     date(2024, 1, 1), date(2026, 12, 31), round(total * 0.8, 2), total, 0.8,
                     DEMO_SOURCE))
    return pd.DataFrame(rows, columns=["project_id", "area_code", "title", "start_date",
                                       "end_date", "eligible_cost", "total_cost",
                                       "cofinancing_rate", "source"])

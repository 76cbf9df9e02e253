"""Demo actors and offers, and the inventory sheets (the template's form) through which they
reach the store: the first delivery and an update in November 2025 (changed, ended and
duplicated offers). Everything here is fictitious."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from monitoring.demo.population import latest_values
from monitoring.demo.scope import DATA_STAND, DEMO_SOURCE, FIRST, LAST, SEED, UPDATE_DAY
from monitoring.periods import quarter_range
from monitoring.vocab import FIELDS

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


def generate_actors(gemeinden: pd.DataFrame, population: pd.DataFrame,
                    rng: np.random.Generator) -> pd.DataFrame:
    """Actors per district, seated in municipalities with many foreign nationals (fewer in
    `THIN_DISTRICTS`)."""
    foreign = latest_values(population, "auslaender")
    g = gemeinden[["area_code", "parent_code", "name"]].copy()
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


def generate_offers(actors: pd.DataFrame, gemeinden: pd.DataFrame,
                    population: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One to six offers per actor: field, target groups, languages, form, site and places."""
    foreign = latest_values(population, "auslaender")
    geoms = gemeinden.set_index("area_code").geometry
    by_district = {d: part for d, part in gemeinden.groupby("parent_code", sort=True)}  # noqa: C416
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

"""Demo population: real district totals of 31.12.2024, spread (fictitiously) over
municipalities, quarters and the groups foreign nationals and protection seekers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitoring.demo.scope import ANCHOR, DEMO_SOURCE, FIRST, LAST
from monitoring.periods import quarter_range
from monitoring.vocab import DEMO_LABEL

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


def _district_foreigners(rng: np.random.Generator) -> dict[str, float]:
    known = sum(REAL_FOREIGNERS_2024.values())
    rest = [k for k in REAL_POPULATION_2024 if k not in REAL_FOREIGNERS_2024]
    weights = np.array([REAL_POPULATION_2024[k] for k in rest]) * rng.lognormal(0, 0.2, len(rest))
    shares = weights / weights.sum() * (REAL_FOREIGNERS_STATE_2024 - known)
    out: dict[str, float] = dict(REAL_FOREIGNERS_2024)
    out.update({k: float(v) for k, v in zip(rest, shares, strict=True)})
    return out


def generate_population(gemeinden: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Population, foreign nationals and protection seekers per municipality and quarter."""
    g = gemeinden[["area_code", "parent_code", "name", "kind"]].copy()
    g["area_km2"] = gemeinden.geometry.area.to_numpy() / 1e6
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


def latest_values(population: pd.DataFrame, group: str) -> pd.Series:
    """The values of one population group in the last demo quarter, by area code."""
    rows = population[(population["population_group"] == group)
                      & (population["period"] == str(LAST))]
    return rows.set_index("area_code")["value"]

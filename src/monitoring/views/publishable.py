"""Every published table about persons, defined once: which columns are person counts, which
rates rest on them, which groups have a published total.

Each function takes the computed frame and the run's disclosure rule
(``ctx.settings.disclosure``) and returns the `privacy.Publishable` that tables, maps, the
PDF, the deck, the exports and the state comparison show. Notebooks, the publication and the
exports call these functions instead of spelling out `privacy.protect` themselves, so a table
is protected the same way in every format. The indicator panel is protected where it is built
(`views.panel.protected_panel`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from monitoring.core import coverage, privacy
from monitoring.core.privacy import DisclosureRule, Publishable

PER_1000 = {"offers_per_1000": (None, "population")}
ACCESS_PER_1000 = {"access_per_1000": (None, "population")}
"""E2SFCA places per 1,000 rest on the municipality's target population (the demand): like
every rate they are withheld below the rule's minimum denominator (``mindestnenner``)."""


def coverage_by_district(districts: pd.DataFrame, rule: DisclosureRule) -> Publishable:
    """Offers per district (`views.coverage_tables` ``districts``): target population and
    offers per 1,000 (map of all districts)."""
    return privacy.protect(districts, rule=rule, counts=["population"], rates=PER_1000)


def coverage_by_municipality(municipalities: pd.DataFrame, rule: DisclosureRule, *,
                             district_name: str) -> Publishable:
    """Offers per municipality of one district (``municipalities``), with the district's
    total published (one group, column ``kreis``)."""
    return privacy.protect(municipalities.assign(kreis=district_name), rule=rule,
                           counts=["population"], rates=PER_1000, groups=["kreis"])


def coverage_by_field(fields: pd.DataFrame, rule: DisclosureRule,
                      labels: Mapping[str, str]) -> Publishable:
    """Offers and places per Handlungsfeld (``fields``), with the German label (``label``)."""
    return privacy.protect(fields.assign(label=fields["field"].map(labels)), rule=rule,
                           counts=["population"],
                           rates={"capacity_per_1000": (None, "population")})


def coverage_gaps(municipalities: pd.DataFrame, rule: DisclosureRule, *,
                  min_population: int = 50) -> Publishable:
    """Municipalities with at least `min_population` of the target group and no offer with a
    fixed site, largest first."""
    gaps = coverage.without_offer(municipalities, min_population=min_population,
                                  reason="kein Angebot mit festem Standort")
    return privacy.protect(gaps.sort_values("population", ascending=False), rule=rule,
                           counts=["population"])


def inventory_gaps(gaps: pd.DataFrame, rule: DisclosureRule, *,
                   limit: int | None = None) -> Publishable:
    """Possible gaps of the inventory (municipality × target group × field; the first
    `limit` rows), each row's persons on its own."""
    return privacy.protect(gaps if limit is None else gaps.head(limit), rule=rule,
                           counts=["population"])


def accessibility_by_field(fields: pd.DataFrame, rule: DisclosureRule) -> Publishable:
    """Accessibility per Handlungsfeld: target population, places per 1,000 in the district
    and the share with an offer near by."""
    return privacy.protect(fields, rule=rule, counts=["population"],
                           rates={**ACCESS_PER_1000,
                                  "share_within_pct": (None, "population")})


def accessibility_map(municipalities: pd.DataFrame, rule: DisclosureRule,
                      ) -> dict[str, Publishable]:
    """Accessibility per municipality, one frame per Handlungsfeld label (the class map);
    places per 1,000 withheld for a municipality with fewer persons than the minimum
    denominator (`small_demand_note`)."""
    return {label: privacy.protect(part, rule=rule, counts=["population"],
                                   rates=ACCESS_PER_1000)
            for label, part in municipalities.groupby("label", sort=False)}


def accessibility_gaps(gaps: pd.DataFrame, rule: DisclosureRule) -> Publishable:
    """Municipalities below half the district mean of accessibility; places per 1,000 and
    the share of the district mean (which gives them back with the district mean) withheld
    for a municipality with fewer persons than the minimum denominator."""
    return privacy.protect(gaps, rule=rule, counts=["population"],
                           rates={**ACCESS_PER_1000, "relative_pct": (None, "population")})


def small_demand_note(rule: DisclosureRule, *, persons: str = "ausländischen "
                      "Staatsangehörigen") -> str:
    """The footnote under accessibility tables and maps: why „Plätze je 1.000“ is withheld."""
    return (f"„Plätze je 1.000“ wird für Gemeinden mit weniger als {rule.min_denominator:g} "
            f"{persons} nicht ausgewiesen („.“), wie jede Quote mit zu kleinem Nenner "
            "(Geheimhaltungsregel).")


def state_comparison(frame: pd.DataFrame, rule: DisclosureRule, *,
                     land: str | pd.Series) -> Publishable:
    """All districts of the state (coverage with lights and index group), with the state total
    of the target population published (one group per Land, column ``land``: the Land's name,
    or one per row in a national comparison)."""
    return privacy.protect(frame.assign(land=land), rule=rule, counts=["population"],
                           rates=PER_1000, groups=["land"])

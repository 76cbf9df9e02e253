from datetime import date

import numpy as np
import pandas as pd
import pytest

from monitoring.core import coverage

AREAS = pd.DataFrame({
    "area_code": ["16", "16001", "16002", "16001001", "16001002", "16002001"],
    "name": ["Land", "Kreis A", "Kreis B", "Ort A1", "Ort A2", "Ort B1"],
    "parent_code": [None, "16", "16", "16001", "16001", "16002"],
})
OFFERS = pd.DataFrame({
    "offer_id": ["o1", "o2", "o3", "o4", "o5"],
    "fields": [["sprache"], ["sprache", "arbeit"], ["arbeit"], ["sprache"], ["sprache"]],
    "area_code": ["16001001", "16001001", "16001002", "16001", "16002001"],  # o4 kreisweit
    "capacity": [20, 10, 30, 15, 12],
    "valid_from": [date(2020, 1, 1)] * 4 + [date(2026, 1, 1)],
    "valid_to": [None, None, date(2023, 12, 31), None, None],
})
POPULATION = pd.DataFrame({"area_code": ["16001001", "16001002", "16002001"],
                           "value": [2000.0, 500.0, 0.0]})


def test_active_on_reference_date() -> None:
    assert coverage.active(OFFERS, date(2025, 12, 31))["offer_id"].tolist() == ["o1", "o2", "o4"]
    assert coverage.active(OFFERS, date(2023, 12, 31))["offer_id"].tolist() == [
        "o1", "o2", "o3", "o4"]


def test_hand_computed_coverage_by_district_and_municipality() -> None:
    offers = coverage.active(OFFERS, date(2025, 12, 31))
    kreise = AREAS[AREAS["area_code"].str.len() == 5]
    out = coverage.by_area(offers, kreise, POPULATION, fields=["sprache", "arbeit"],
                           hierarchy=AREAS).set_index(["area_code", "field"])
    # Kreis A: sprache o1, o2, o4 (kreisweit counts for the Kreis) = 3 offers, 45 places;
    # population 2500 → 1.2 offers and 18 places per 1,000.
    assert out.loc[("16001", "sprache"), "offers"] == 3
    assert out.loc[("16001", "sprache"), "capacity"] == 45
    assert out.loc[("16001", "sprache"), "offers_per_1000"] == pytest.approx(1.2)
    assert out.loc[("16001", "sprache"), "capacity_per_1000"] == pytest.approx(18.0)
    assert out.loc[("16001", "arbeit"), "offers"] == 1  # o2 only; o3 ended
    # Kreis B: nothing active, population 0 → per-1,000 undefined, not zero.
    assert out.loc[("16002", "sprache"), "offers"] == 0
    assert np.isnan(out.loc[("16002", "sprache"), "offers_per_1000"])

    gemeinden = AREAS[AREAS["area_code"].str.len() == 8]
    local = coverage.by_area(offers, gemeinden, POPULATION, fields=["sprache"],
                             hierarchy=AREAS).set_index("area_code")
    assert local.loc["16001001", "offers"] == 2  # o4 has no site: not counted in a Gemeinde
    assert local.loc["16001002", "offers"] == 0
    gaps = coverage.without_offer(local.reset_index(), min_population=100)
    assert gaps["area_code"].tolist() == ["16001002"]


def test_inputs_are_not_mutated() -> None:
    offers, population = OFFERS.copy(deep=True), POPULATION.copy()
    coverage.by_area(offers, AREAS, population, fields=["sprache"])
    pd.testing.assert_frame_equal(offers, OFFERS)
    pd.testing.assert_frame_equal(population, POPULATION)

"""Key messages of the evaluation PDF and the Kreistag deck (pure text from computed facts)."""

from __future__ import annotations

import pandas as pd

from monitoring.report.publish.evaluation import DistrictFacts


def _facts(municipalities: int, without: int) -> DistrictFacts:
    summary = {"offers": 42.0, "offers_per_1000": 3.25, "municipalities": float(municipalities),
               "municipalities_without_offer": float(without), "fields_without_offer": 2.0}
    overview = pd.DataFrame({"status": ["green", "red", "amber"], "name": ["a", "b", "c"]})
    return DistrictFacts(ctx=None, summary=summary, tables={}, figures={}, overview=overview,
                         esf=pd.DataFrame(), network=pd.DataFrame(), measures=pd.DataFrame(),
                         controlling_summary=[], activity={}, rule="")


def test_landkreis_names_municipalities_without_offer() -> None:
    messages = _facts(28, 5).key_messages()
    assert messages[1] == ("5 von 28 Gemeinden ohne Angebot mit festem Standort; "
                           "2 Handlungsfelder ohne Angebot.")
    assert messages[2] == "Ziele: 1 im Plan, 1 gefährdet, 1 nicht im Plan (u. a. b)."


def test_kreisfreie_stadt_is_not_counted_as_one_of_one_municipality() -> None:
    messages = _facts(1, 0).key_messages()
    assert "Gemeinden" not in messages[1]
    assert messages[1] == "2 Handlungsfelder ohne Angebot."

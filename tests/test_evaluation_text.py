"""Key messages of the evaluation PDF and the Kreistag deck: German sentences from the
counts, the place named by the area's kind (pure text from computed facts)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from monitoring.report.publish.evaluation import DistrictFacts


def _facts(municipalities: int, without: int, *, kind: str = "Landkreis", empty_fields: int = 2,
           offers: int = 42, without_site: int = 0,
           status: tuple[str, ...] = ("green", "red", "amber")) -> DistrictFacts:
    summary = {"offers": float(offers), "offers_per_1000": 3.26,
               "municipalities": float(municipalities),
               "municipalities_without_offer": float(without),
               "fields_without_offer": float(empty_fields), "fields": 9.0,
               "without_site": float(without_site)}
    overview = pd.DataFrame({"status": list(status), "name": list("abcdefg"[:len(status)])})
    return DistrictFacts(ctx=SimpleNamespace(area_kind=kind),  # type: ignore[arg-type]
                         summary=summary, tables={}, figures={}, overview=overview,
                         esf=pd.DataFrame(), network=pd.DataFrame(), measures=pd.DataFrame(),
                         controlling_summary=[], activity={}, rule="")


def test_landkreis_messages_are_sentences_from_counts() -> None:
    messages = _facts(28, 5, without_site=3).key_messages()
    assert messages == [
        "Im Kreis laufen am Stichtag 42 Angebote, 3,3 je 1.000 ausländische "
        "Staatsangehörige. 3 davon sind mobil, online oder ohne festen Standort.",
        "In 2 von 9 Handlungsfeldern gibt es im Kreis kein Angebot. 5 von 28 Gemeinden "
        "haben kein Angebot mit festem Standort.",
        "Von 3 bewerteten Zielen ist 1 im Plan, 1 gefährdet und 1 nicht im Plan (u. a. b).",
    ]


def test_kreisfreie_stadt_is_not_counted_as_one_of_one_municipality() -> None:
    messages = _facts(1, 0, kind="Kreisfreie Stadt", empty_fields=0, offers=1,
                      status=("green", "none")).key_messages()
    assert messages[0].startswith("In der Stadt läuft am Stichtag ein Angebot, ")
    assert messages[1] == "In allen 9 Handlungsfeldern gibt es in der Stadt mindestens ein Angebot."
    assert "Gemeinde" not in " ".join(messages)
    assert messages[2] == ("Von einem bewerteten Ziel ist 1 im Plan, 0 gefährdet und 0 nicht "
                           "im Plan.")


def test_singular_and_no_rated_goal() -> None:
    messages = _facts(12, 1, empty_fields=1, without_site=1, status=("none",)).key_messages()
    assert messages[0].endswith(" Eines davon ist mobil, online oder ohne festen Standort.")
    assert messages[1] == ("In einem von 9 Handlungsfeldern gibt es im Kreis kein Angebot. "
                           "Eine von 12 Gemeinden hat kein Angebot mit festem Standort.")
    assert messages[2] == "Für keines der Ziele liegt eine Bewertung nach dem Zielpfad vor."

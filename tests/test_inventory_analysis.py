"""Pure inventory analyses on tiny hand-made worlds (expected values computed by hand)."""

from datetime import date

import pandas as pd

from monitoring.core import coverage, network, overlap


def _offer(oid, title, area, fields, groups, langs, start="2024-01-01", end=None, actor="A1"):
    return {"offer_id": oid, "title": title, "actor_id": actor, "area_code": area,
            "fields": fields, "target_groups": groups, "languages": langs,
            "valid_from": pd.Timestamp(start), "valid_to": pd.Timestamp(end) if end else pd.NaT,
            "mode": "standort", "capacity": 10, "x": None, "y": None}


def test_overlap_pair_with_reason_and_title_similarity() -> None:
    offers = pd.DataFrame([
        _offer("A", "Deutschkurs A1", "16070029", ["sprache"], ["gefluechtete"], ["de", "ar"]),
        _offer("B", "Sprachkurs A1", "16070029", ["sprache"], ["gefluechtete", "frauen"], ["ar"],
               actor="A2"),
        _offer("C", "Deutschkurs A1", "16070004", ["sprache"], ["gefluechtete"], ["ar"]),
        _offer("D", "Deutschkurs A1", "16070029", ["sprache"], ["gefluechtete"], ["ar"],
               start="2020-01-01", end="2023-12-31"),
        _offer("E", "Deutschkurs A1", "16070029", ["arbeit"], ["gefluechtete"], ["ar"]),
    ])
    pairs = overlap.candidates(offers, labels={"language": {"ar": "Arabisch"}})
    assert list(zip(pairs["offer_a"], pairs["offer_b"], strict=True)) == [("A", "B")]
    # "deutschkurs a1" (14) vs "sprachkurs a1" (13): longest common subsequence "schkurs a1"
    # (10 characters); Indel similarity = 2 * 10 / (14 + 13) = 0.741
    assert abs(pairs.loc[0, "similarity"] - 20 / 27) < 1e-9
    assert pairs.loc[0, "languages"] == ["ar"]
    assert "gleiche Sprache (Arabisch)" in pairs.loc[0, "reason"]
    assert "74 %" in pairs.loc[0, "reason"]
    assert overlap.candidates(offers, min_similarity=0.75).empty


def test_gaps_by_field_and_by_language() -> None:
    areas = pd.DataFrame({"area_code": ["m1", "m2"], "name": ["Eins", "Zwei"],
                          "parent_code": ["k", "k"]})
    population = pd.DataFrame({"area_code": ["m1", "m2", "m1"],
                               "population_group": ["auslaender", "auslaender", "schutzsuchende"],
                               "value": [200.0, 50.0, 150.0]})
    offers = pd.DataFrame([
        _offer("S", "Sprachcafé", "m1", ["sprache"], ["zugewanderte"], ["de"]),
        _offer("K", "Jobcoaching", "k", ["arbeit"], ["gefluechtete"], ["de", "uk"]),
    ])
    gaps = coverage.gaps(offers, areas, population, fields=["sprache", "arbeit"],
                         target_groups={"auslaender": "zugewanderte",
                                        "schutzsuchende": "gefluechtete"},
                         min_size=100, languages={"schutzsuchende": ["uk"]},
                         labels={"language": {"uk": "Ukrainisch"}})
    got = set(zip(gaps["area_code"], gaps["population_group"], gaps["field"], strict=True))
    assert got == {("m1", "auslaender", "arbeit"), ("m1", "schutzsuchende", "sprache")}
    reason = gaps.set_index("population_group").loc["schutzsuchende", "reason"]
    assert reason.endswith("aber keines auf Ukrainisch")


def test_changes_between_reference_dates() -> None:
    versions = pd.DataFrame([
        _offer("old", "Ende", "m1", ["sprache"], ["frauen"], ["de"], "2020-01-01", "2025-10-31"),
        _offer("new", "Neu", "m1", ["sprache"], ["frauen"], ["de"], "2025-11-01"),
        _offer("chg", "Kurs", "m1", ["sprache"], ["frauen"], ["de"], "2020-01-01", "2025-10-31"),
        {**_offer("chg", "Kurs", "m1", ["sprache"], ["frauen"], ["de", "uk"], "2025-11-01"),
         "capacity": 15},
        _offer("same", "Gleich", "m1", ["sprache"], ["frauen"], ["de"], "2020-01-01"),
    ])
    got = overlap.changes(versions, date(2025, 9, 30), date(2025, 12, 31))
    assert dict(zip(got["offer_id"], got["change"], strict=True)) == {
        "new": "neu", "old": "beendet", "chg": "geändert"}
    assert got.set_index("offer_id").loc["chg", "what"] == "languages, capacity"


def test_network_indicators() -> None:
    actors = pd.DataFrame({"actor_id": ["a", "b", "c", "d"],
                           "network_member": [True, True, True, False],
                           "volunteers": [10, 5, None, 3]})
    meetings = pd.DataFrame({"meeting_id": ["m1", "m2", "m3"],
                             "meeting_date": pd.to_datetime(["2025-03-01", "2024-06-01",
                                                             "2025-11-20"]),
                             "group_id": [None, "AG", "AG"]})
    participants = pd.DataFrame({"meeting_id": ["m1", "m2", "m3", "m3"],
                                 "actor_id": ["a", "b", "a", "d"]})
    share = network.active_share(actors, meetings, participants, date(2025, 12, 31))
    # members a, b, c; in the year up to 31.12.2025 only a took part (b's meeting is older,
    # d is no member): 1 of 3
    assert share == {"members": 3.0, "active": 1.0, "share": 1 / 3}
    assert network.volunteers_per_100(actors, 900)["per_100"] == 18 / 900 * 100
    from monitoring.periods import Quarter
    per_q = network.meetings_per_quarter(meetings, Quarter(2025, 1), Quarter(2025, 4))
    assert list(per_q["meetings"]) == [1, 0, 0, 1]
    assert list(per_q["group_meetings"]) == [0, 0, 0, 1]

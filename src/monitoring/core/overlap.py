"""Overlap candidates (Doppelstrukturen): pairs of offers that may duplicate each other.

A pair is a candidate when both offers share a Handlungsfeld, a target group and a language,
are recorded for the same area and run at the same time. Each pair carries the reason in German
and a title similarity (0–1, rapidfuzz's normalised Indel ratio on lower-cased titles, e.g.
"Deutschkurs A1" vs "Sprachkurs A1" = 0.74), so a reader can judge it. Candidates are a list
to talk about in the network, not a verdict. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

OVERLAP_COLUMNS = ["offer_a", "offer_b", "title_a", "title_b", "actor_a", "actor_b", "area_code",
                   "fields", "target_groups", "languages", "similarity", "reason"]


def title_similarity(a: str, b: str) -> float:
    """Similarity of two titles between 0 and 1 (case and extra spaces ignored)."""
    return fuzz.ratio(" ".join(a.lower().split()), " ".join(b.lower().split())) / 100


def _overlaps_in_time(a_from: object, a_to: object, b_from: object, b_to: object) -> bool:
    far = pd.Timestamp.max
    a_end = far if pd.isna(a_to) else pd.Timestamp(a_to)
    b_end = far if pd.isna(b_to) else pd.Timestamp(b_to)
    return pd.Timestamp(a_from) <= b_end and pd.Timestamp(b_from) <= a_end


def candidates(offers: pd.DataFrame, *, min_similarity: float = 0.0,
               labels: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """All candidate pairs among `offers` (one row per pair, most similar first).

    `offers` needs ``offer_id, title, actor_id, area_code, fields, target_groups, languages,
    valid_from, valid_to``. `labels` maps "field"/"target_group"/"language" to {code: label}
    for the reason text. Pairs with a title similarity below `min_similarity` are left out.
    """
    labels = labels or {}

    def named(kind: str, codes: list[str]) -> str:
        names = labels.get(kind, {})
        return ", ".join(names.get(c, c) for c in codes)

    rows = []
    records = offers.to_dict("records")
    by_area: dict[str, list[dict]] = {}
    for rec in records:
        by_area.setdefault(str(rec["area_code"]), []).append(rec)
    for area, group in by_area.items():
        group.sort(key=lambda r: r["offer_id"])
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                fields = [f for f in a["fields"] if f in set(b["fields"])]
                groups = [g for g in a["target_groups"] if g in set(b["target_groups"])]
                langs = [x for x in a["languages"] if x in set(b["languages"])]
                if not (fields and groups and langs):
                    continue
                if not _overlaps_in_time(a["valid_from"], a["valid_to"], b["valid_from"],
                                         b["valid_to"]):
                    continue
                score = title_similarity(str(a["title"]), str(b["title"]))
                if score < min_similarity:
                    continue
                same_actor = " beim selben Träger" if a["actor_id"] == b["actor_id"] else ""
                reason = (f"gleiches Handlungsfeld ({named('field', fields)}), gleiche Zielgruppe "
                          f"({named('target_group', groups)}), gleiche Sprache "
                          f"({named('language', langs)}), gleiches Gebiet, zeitgleich"
                          f"{same_actor}; Titel zu {round(score * 100)} % ähnlich")
                rows.append((a["offer_id"], b["offer_id"], a["title"], b["title"],
                             a["actor_id"], b["actor_id"], area, fields, groups, langs, score,
                             reason))
    out = pd.DataFrame(rows, columns=OVERLAP_COLUMNS)
    return out.sort_values(["similarity", "offer_a", "offer_b"],
                           ascending=[False, True, True]).reset_index(drop=True)


def changes(versions: pd.DataFrame, before: date, after: date) -> pd.DataFrame:
    """What changed between two reference dates: new, ended and changed offers.

    `versions` holds all rows of the offer table (every version). An offer is ``neu`` when it
    runs at `after` but not at `before`, ``beendet`` in the opposite case and ``geändert`` when
    it runs at both dates in different versions; ``what`` names the changed attributes.
    """
    compared = ["title", "fields", "target_groups", "languages", "mode", "area_code",
                "capacity", "actor_id", "x", "y"]

    def at(day: date) -> pd.DataFrame:
        # compared as timestamps: with no ended offer at all `valid_to` is all NaT, and
        # `.dt.date` of that stays datetime64, which cannot be compared with a date
        start = pd.to_datetime(versions["valid_from"])
        end = pd.to_datetime(versions["valid_to"])
        stamp = pd.Timestamp(day)
        keep = (start <= stamp) & (end.isna() | (end >= stamp))
        return versions.loc[keep.to_numpy()].set_index("offer_id")

    old, new = at(before), at(after)
    rows = []
    for offer_id in sorted(set(new.index) - set(old.index)):
        rows.append((offer_id, new.loc[offer_id, "title"], "neu", ""))
    for offer_id in sorted(set(old.index) - set(new.index)):
        rows.append((offer_id, old.loc[offer_id, "title"], "beendet", ""))
    for offer_id in sorted(set(old.index) & set(new.index)):
        a, b = old.loc[offer_id], new.loc[offer_id]
        if pd.Timestamp(a["valid_from"]) == pd.Timestamp(b["valid_from"]):
            continue
        diff = [c for c in compared if c in versions.columns and not _equal(a[c], b[c])]
        if diff:
            rows.append((offer_id, b["title"], "geändert", ", ".join(diff)))
    return pd.DataFrame(rows, columns=["offer_id", "title", "change", "what"])


def _equal(a: Any, b: Any) -> bool:
    if hasattr(a, "__len__") and not isinstance(a, str):
        return list(a) == list(b)
    if pd.isna(a) and pd.isna(b):
        return True
    return bool(a == b)

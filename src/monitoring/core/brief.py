"""„Das Wichtigste in Kürze“: a short plain-language summary of a district report (issue 15).

Three to five short sentences in plain German (short words, no technical terms: „Themen“
for Handlungsfelder, „Menschen mit ausländischem Pass“ for ausländische Staatsangehörige),
computed from counts only: offers, fields and municipalities without an offer, the traffic
lights of the targets, delayed measures. None of them is a count of persons; the one rate
(offers per 1,000) is passed in only where disclosure control published it, and the lights
come from the disclosure-controlled panel (a withheld value has no light). Pure: no store,
no files. The Kreistag deck's key messages (`report.publish.evaluation`) use the same place
phrase and light counts (`where_de`, `status_counts`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from monitoring import fmt

LIGHT_KEYS = ("green", "amber", "red", "none")


def where_de(kind: str) -> str:
    """Where something is, by the area's kind, for German sentences: „im Kreis“ (Landkreis),
    „in der Stadt“ (kreisfreie Stadt, Stadt), „in der Gemeinde“, else „im Gebiet“."""
    kind = kind.casefold()
    if "kreis" in kind and "stadt" not in kind:
        return "im Kreis"
    if "stadt" in kind:
        return "in der Stadt"
    if "gemeinde" in kind:
        return "in der Gemeinde"
    return "im Gebiet"


def status_counts(statuses: Iterable[object]) -> dict[str, int]:
    """How many traffic lights of each status (``green``, ``amber``, ``red``; anything else,
    also a missing status, counts as ``none``: not rated)."""
    counts = dict.fromkeys(LIGHT_KEYS, 0)
    for status in statuses:
        key = str(status) if str(status) in LIGHT_KEYS else "none"
        counts[key] += 1
    return counts


@dataclass(frozen=True)
class BriefCounts:
    """The counts the summary is made of (None: that part of the report has no data)."""

    area_kind: str
    offers: int | None = None
    offers_per_1000: float | None = None    # None: not published (or no target group)
    fields: int = 0
    fields_without_offer: int = 0
    municipalities: int = 0
    municipalities_without_offer: int = 0
    lights: Mapping[str, int] = field(default_factory=dict)  # `status_counts` of the targets
    measures: int = 0
    measures_delayed: int = 0


def _n(value: float) -> str:
    return fmt.number(value, 0)


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def in_brief(counts: BriefCounts) -> list[str]:
    """Three to five plain German sentences for the top of a district report, e.g.
    „Im Kreis gibt es zurzeit 29 Angebote. Das sind 4,1 Angebote für je 1.000 Menschen mit
    ausländischem Pass.“ – „Zu 2 von 9 Themen gibt es noch kein Angebot.“ – „Von 6 Zielen
    sind 3 im Plan, 2 gefährdet und 1 nicht im Plan.“"""
    where = where_de(counts.area_kind)
    place = where[0].upper() + where[1:]
    out: list[str] = []
    if counts.offers is None:
        out.append(f"Für den Bericht fehlen noch Daten zu den Angeboten {where}.")
    else:
        offers = int(counts.offers)
        first = (f"{place} gibt es zurzeit "
                 f"{'ein Angebot' if offers == 1 else _n(offers) + ' Angebote'}.")
        rate = counts.offers_per_1000
        if rate is not None and math.isfinite(rate) and offers > 0:
            first += (f" Das sind {fmt.number(rate, 1)} Angebote für je 1.000 Menschen mit "
                      "ausländischem Pass.")
        out.append(first)
        if counts.fields:
            empty = int(counts.fields_without_offer)
            out.append(f"Zu allen {_n(counts.fields)} Themen gibt es Angebote." if empty == 0
                       else f"Zu {_n(empty)} von {_n(counts.fields)} Themen gibt es noch kein "
                            "Angebot.")
        if counts.municipalities > 1:  # a kreisfreie Stadt is one Gemeinde: nothing to say
            none = int(counts.municipalities_without_offer)
            total = _n(counts.municipalities)
            out.append(f"In allen {total} Gemeinden gibt es ein Angebot vor Ort." if none == 0
                       else f"In {_n(none)} von {total} Gemeinden gibt es kein Angebot vor Ort.")
    lights = {k: int(counts.lights.get(k, 0)) for k in LIGHT_KEYS}
    targets = sum(lights.values())
    if targets:
        rated = targets - lights["none"]
        if rated == 0:
            out.append(f"Für die {_n(targets)} {_plural(targets, 'Ziel', 'Ziele')} gibt es "
                       "noch keine Bewertung.")
        else:
            parts = [f"{_n(lights['green'])} im Plan", f"{_n(lights['amber'])} gefährdet",
                     f"{_n(lights['red'])} nicht im Plan"]
            if lights["none"]:
                parts.append(f"{_n(lights['none'])} noch ohne Bewertung")
            verb = "ist" if lights["green"] == 1 else "sind"
            out.append(f"Von {_n(targets)} {_plural(targets, 'Ziel', 'Zielen')} {verb} "
                       + ", ".join(parts[:-1]) + " und " + parts[-1] + ".")
    if counts.measures:
        delayed = int(counts.measures_delayed)
        out.append(f"Von {_n(counts.measures)} {_plural(counts.measures, 'Maßnahme', 'Maßnahmen')}"
                   f" {'ist' if delayed == 1 else 'sind'} {_n(delayed)} verzögert."
                   if delayed else
                   f"Keine der {_n(counts.measures)} Maßnahmen ist verzögert."
                   if counts.measures > 1 else "Die Maßnahme ist nicht verzögert.")
    return out[:5]

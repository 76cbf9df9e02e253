"""German number and date formatting for reports (Babel; no operating-system locale needed)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LOCALE = "de_DE"
SUPPRESSED = "."  # official sign: "Zahlenwert unbekannt oder geheim zu halten"
MISSING = "–"
NBSP = "\u00a0"  # no-break space: keeps „Q4 2025“ on one line in a narrow table cell


def quarter_short(year: int, quarter: int, *, in_table: bool = False) -> str:
    """``Q4 2025``: the short German quarter label of axes and tables. `in_table` joins the
    two parts with a no-break space, so a narrow cell or header never wraps between „Q4“ and
    „2025“ (issue 14); chart axes keep the plain space (plotly breaks no tick label)."""
    return f"Q{quarter}{NBSP if in_table else ' '}{year}"


def number(value: float | int | None, decimals: int = 0) -> str:
    """``1234.5`` → ``1.234,5``; missing values become an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def numbers(values: Iterable[object], decimals: int = 0) -> list[str]:
    """`number` for many values: the same texts, without Babel per value (≈ 50× faster; maps
    of 11,000 areas format tens of thousands of numbers).

    Like Babel, a value is read as the decimal of its ``str``, rounded half-even to `decimals`
    and grouped by thousands; what that cannot take goes through `number` (and its error).
    """
    quantum = Decimal(1).scaleb(-decimals)
    out: list[str] = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(MISSING)
            continue
        try:
            exact = value if isinstance(value, Decimal) else Decimal(str(value))  # as Babel
            text = f"{exact.quantize(quantum, rounding=ROUND_HALF_EVEN):,f}"
        except ArithmeticError:
            out.append(number(value, decimals))  # type: ignore[arg-type]  # Babel's own error
            continue
        out.append(text.translate(_GERMAN))
    return out


_GERMAN = str.maketrans({",": ".", ".": ","})


COUNT_UNITS = frozenset({"anzahl", "personen"})
"""Units of whole counts (compared case-insensitively; as `indicators.COUNT_UNITS`)."""


def decimals_for(unit: object, default: int = 1) -> int:
    """Decimals to show for a value in `unit`: 0 for counts („Anzahl“, „Personen“).

    A count of 605 persons is shown as ``605``, not ``605,0``; other units keep `default`.
    """
    text = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit)
    return 0 if text.strip().casefold() in COUNT_UNITS else default


def signed(value: float | None, decimals: int = 1) -> str:
    """A change with an explicit sign: ``+1,2`` / ``−0,4``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = number(abs(value), decimals)
    if round(value, decimals) == 0:
        return "±" + text
    return ("+" if value > 0 else "−") + text


def day(value: date) -> str:
    """``31.12.2025``."""
    return format_date(value, "dd.MM.yyyy", locale=LOCALE)


def timestamp(value: datetime) -> str:
    """``21.11.2026, 14:03 Uhr``."""
    return format_datetime(value, "dd.MM.yyyy, HH:mm", locale=LOCALE) + " Uhr"


def sort_key(text: str) -> tuple[str, str]:
    """Key for listing names in German order, independent of the operating-system locale:
    umlauts sort as their base letter and ß as „ss“ (DIN 5007, dictionary order), case is
    ignored – „Sömmerda“ before „Suhl“, „Übersicht“ among the U. Ties keep a fixed order."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base, text


def in_area(name: str) -> str:
    """„in Bayern“, „im Saarland“: the preposition (with article where German needs one)
    before the name of a Land or a country."""
    return f"im {name}" if name == "Saarland" else f"in {name}"


_WITH_ARTICLE = {"Region": "in der Region", "Städteregion": "in der Städteregion",
                 "Regionalverband": "im Regionalverband", "Kreis": "im Kreis",
                 "Landkreis": "im Landkreis"}
_TOWNS = frozenset({"Kreisfreie Stadt", "Stadt", "Gemeinde", "Stadtkreis", "Markt",
                    "Ortsteil", "Stadtteil", "Planungsraum", "Verbandsgemeinde"})


def in_place(name: str, kind: str | None) -> str:
    """Where something is, in German, by the kind of area: „in Erfurt“ (a town),
    „im Ilm-Kreis“ / „im Wartburgkreis“ (a Kreis whose name says Kreis), „im Landkreis
    Sonneberg“ (a Landkreis named after its seat), „in der Region Hannover“, „in Thüringen“
    (a Land, `in_area`). Unknown kinds get „im Gebiet …“, which is never wrong."""
    text = str(name).strip()
    kind = str(kind or "").strip()
    first, _, rest = text.partition(" ")
    if first in _WITH_ARTICLE and rest:  # the name already carries its kind
        text, prefix = rest, _WITH_ARTICLE[first]
    elif kind in _TOWNS:
        prefix = "in"
    elif kind in ("Land", "Bundesland", "Freistaat"):
        return in_area(text)
    elif kind in ("Landkreis", "Kreis") and text.casefold().endswith("kreis"):
        prefix = "im"
    else:
        prefix = _WITH_ARTICLE.get(kind, "im Gebiet")
    return f"{prefix} {text}"

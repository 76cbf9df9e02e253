"""German number and date formatting for reports (Babel; no operating-system locale needed)."""

from __future__ import annotations

import math
from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LOCALE = "de_DE"
SUPPRESSED = "."  # official sign: "Zahlenwert unbekannt oder geheim zu halten"
MISSING = "–"


def number(value: float | int | None, decimals: int = 0) -> str:
    """``1234.5`` → ``1.234,5``; missing values become an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


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

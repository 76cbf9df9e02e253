"""Parsing single cells as partners type them (pure functions, no I/O).

Each parser returns ``(value, problem, note)``: the parsed value (None when empty), the German
text of what is allowed when the cell is invalid, and a note when the cell was repaired (e.g.
an AGS that lost its leading zero in Excel). Accepted forms are documented per function.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from monitoring.core import inventory_spec as spec

Parsed = tuple[Any, str | None, str | None]

EXCEL_ERRORS = {"#NV", "#N/A", "#WERT!", "#VALUE!", "#DIV/0!", "#BEZUG!", "#REF!", "#NAME?",
                "#ZAHL!", "#NUM!", "#NULL!", "#ÜBERLAUF!", "#SPILL!", "#KALK!", "#CALC!"}
_INT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$|^[+-]?\d+$")
_DE_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def excel_error(value: Any) -> bool:
    """True for Excel error values (German and English spelling), e.g. ``#NV``, ``#WERT!``."""
    return isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS


def text(value: Any) -> Parsed:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().startswith("="):
        return None, "ein Wert statt einer Formel (Formel wurde nicht berechnet)", None
    return " ".join(str(value).split()), None, None


def ags(value: Any) -> Parsed:
    """Official area code as a string: 2 (Land), 5 (Kreis) or 8 (Gemeinde) digits.

    Repair: Excel turns ``01001000`` into the number 1001000; a 7-digit code (or a 4-digit
    district code) gets its leading zero back, with a note. Thuringian codes start with 16 and
    never lose a zero.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = str(value).strip().replace(" ", "")
    if not raw.isdigit():
        return None, "Ziffern (5-stelliger Kreis- oder 8-stelliger Gemeindeschlüssel)", None
    if len(raw) in (7, 4, 1):
        return "0" + raw, None, (f"führende Null ergänzt: {raw} → 0{raw} (Excel hatte den "
                                 "Schlüssel als Zahl gespeichert)")
    if len(raw) not in (2, 5, 8):
        return None, "5-stelliger Kreis- oder 8-stelliger Gemeindeschlüssel", None
    return raw, None, None


def integer(value: Any) -> Parsed:
    """Whole number ≥ 0; accepts ``12``, ``12.0`` (Excel), ``"1.200"`` (German thousands)."""
    if isinstance(value, bool):
        return None, "eine ganze Zahl ≥ 0", None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            return None, "eine ganze Zahl ≥ 0 (ohne Nachkommastellen)", None
        number = int(value)
    else:
        raw = str(value).strip().replace(" ", "")
        if raw.endswith(",0"):
            raw = raw[:-2]
        if not _INT.match(raw):
            return None, "eine ganze Zahl ≥ 0, z. B. 12", None
        number = int(raw.replace(".", ""))
    if number < 0:
        return None, "eine ganze Zahl ≥ 0 (keine negative Anzahl)", None
    return number, None, None


def number(value: Any) -> Parsed:
    """Decimal number; German ``50,97`` and ``1.234,5`` as well as ``50.97``."""
    if isinstance(value, bool):
        return None, "eine Zahl, z. B. 50,97", None
    if isinstance(value, (int, float)):
        return float(value), None, None
    raw = str(value).strip().replace(" ", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    try:
        parsed = float(raw)
    except ValueError:
        return None, "eine Zahl, z. B. 50,97", None
    if not math.isfinite(parsed):
        return None, "eine Zahl, z. B. 50,97", None
    return parsed, None, None


def day(value: Any) -> Parsed:
    """A date: an Excel date cell, ``31.12.2025`` or ``2025-12-31``."""
    if isinstance(value, datetime):
        return value.date(), None, None
    if isinstance(value, date):
        return value, None, None
    raw = str(value).strip()
    match = _DE_DATE.match(raw)
    parts: tuple[str, ...] | None = (
        (match.group(3), match.group(2), match.group(1)) if match else None)
    if parts is None and (iso := _ISO_DATE.match(raw)):
        parts = iso.groups()
    if parts is None:
        return None, "ein Datum TT.MM.JJJJ, z. B. 31.12.2025", None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2])), None, None
    except ValueError:
        return None, "ein gültiges Datum TT.MM.JJJJ (Tag oder Monat existiert nicht)", None


def boolean(value: Any) -> Parsed:
    raw = str(value).strip().lower()
    if raw in spec.YES or value is True:
        return True, None, None
    if raw in spec.NO or value is False:
        return False, None, None
    return None, "ja oder nein", None


def id_list(value: Any) -> Parsed:
    items = [p.strip() for p in re.split(r"[;,\n]", str(value)) if p.strip()]
    return items, None, None


def normalise_term(value: Any) -> str:
    """Lower-case, single spaces: how vocabulary labels and codes are matched."""
    return " ".join(str(value).lower().split())


def vocab_term(value: Any, lookup: dict[str, str], allowed: str) -> Parsed:
    """A vocabulary term given by its code or German label (case-insensitive)."""
    code = lookup.get(normalise_term(value))
    if code is None:
        return None, allowed, None
    return code, None, None


def header_key(value: Any) -> str:
    """A header cell reduced for matching: lower case, no ``*``, no spaces or punctuation."""
    return re.sub(r"[^0-9a-zäöüß]", "", str(value).lower()) if value is not None else ""


PARSERS = {spec.ID: text, spec.TEXT: text, spec.REF: text, spec.AGS: ags, spec.INT: integer,
           spec.NUMBER: number, spec.DATE: day, spec.BOOL: boolean, spec.ID_LIST: id_list}

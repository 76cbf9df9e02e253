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

def decode(content: bytes) -> tuple[str, str]:
    """Text of a file and the name of its encoding, as German offices save them: BOMs first,
    then strict UTF-8, then Windows-1252 („ “ – € decode correctly), and Latin-1 for the few
    bytes Windows-1252 leaves undefined."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace"), "UTF-8 mit BOM"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace"), "UTF-16 mit BOM"
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "ISO-8859-1"


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


_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: Any) -> Parsed:
    """A text cell, runs of white space as one space. Control characters (invisible, and
    not storable in an Excel file) become a space, with a note; a NUL character – a sign of
    a damaged or binary file – is refused."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().startswith("="):
        return None, "ein Wert statt einer Formel (Formel wurde nicht berechnet)", None
    raw = str(value)
    if "\x00" in raw:
        return None, ("Text ohne das Steuerzeichen NUL (die Datei ist vermutlich beschädigt; "
                      "Zelle neu eintippen)"), None
    cleaned, count = _CONTROL.subn(" ", raw)
    note = (f"{count} unsichtbare(s) Steuerzeichen durch Leerzeichen ersetzt" if count
            else None)
    return " ".join(cleaned.split()), None, note


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


# -- numbers in German (or consistently English) notation ------------------------------------
_SIGNED = re.compile(r"^([+-]?)(.+)$")
_SPACE_GROUPED = re.compile(r"^[1-9]\d{0,2}(?:\s\d{3})+(?:[.,]\d+)?$")
_DIGITS = re.compile(r"^\d+$")
_DOT_GROUPS = re.compile(r"^[1-9]\d{0,2}(?:\.\d{3})+$")                # 1.234 / 1.234.567
_DE_DECIMAL = re.compile(r"^(?:[1-9]\d{0,2}(?:\.\d{3})+|\d*),\d+$")     # 12,5 / 1.234,5
_EN_GROUPS = re.compile(r"^[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")         # 1,234 / 1,234.5
_DOT_DECIMAL = re.compile(r"^\d*\.\d+$")                                # 12.5 / 0.234
_COMMA_THREE = re.compile(r"^[1-9]\d{0,2},\d{3}$")                      # 1,234 (either)
MAX_FIGURE = 1e15
"""Largest magnitude `figure` accepts (a count of people is far below; larger is a typo)."""


def _number_body(value: Any) -> tuple[int, str] | None:
    """(sign, digits and separators) of a typed number; spaces as thousands separators
    (``1 234``) removed; None when it is no candidate for a number at all."""
    raw = str(value).strip().replace("\u2212", "-")
    match = _SIGNED.match(raw)
    if match is None or len(raw) > 40:
        return None
    sign, body = (-1 if match.group(1) == "-" else 1), match.group(2)
    if re.search(r"\s", body):
        if not _SPACE_GROUPED.match(body):
            return None
        body = re.sub(r"\s", "", body)
    return sign, body


def number_notation(value: Any) -> str | None:
    """Which notation a typed number can only be read in: ``"de"`` for ``1,5``, ``1.234,5``
    and ``1.234.567``; ``"en"`` for ``1,234.5`` and ``1,234,567``; None for everything that
    reads the same in both or is no number (``1234``, ``12.5``, ``1.234``, ``1,234``)."""
    if isinstance(value, (int, float)):
        return None
    parts = _number_body(value)
    if parts is None:
        return None
    body = parts[1]
    if _COMMA_THREE.match(body):
        return None
    if _DE_DECIMAL.match(body) or (_DOT_GROUPS.match(body) and body.count(".") > 1):
        return "de"
    if _EN_GROUPS.match(body) and (body.count(",") > 1 or "." in body):
        return "en"
    return None


def figure(value: Any, *, whole: bool = False, english: bool = False) -> Parsed:
    """A number as typed in a German table (`english`: one that consistently uses English
    notation), read without guessing.

    German: ``1234``, ``1.234.567`` (thousands), ``12,5``, ``1.234,5``, ``12.5`` (a point
    followed by other than three digits can only be a decimal point), spaces as thousands
    separators (``1 234``). ``1.234`` (a point followed by exactly three digits) is 1234 for a
    count (`whole`) and refused otherwise (1234 or 1,234?); ``1,234.5`` is refused (English).
    English: ``1,234`` is 1234, ``1,234.5``, ``12.5``; a point always a decimal point.
    `whole` (counts): an integer ≥ 0 (``12,0`` is 12), returned as int.
    """
    whole_text = "eine ganze Zahl ≥ 0"
    if isinstance(value, bool):
        number_, problem = None, (whole_text if whole else "eine Zahl, z. B. 12,5")
    elif isinstance(value, (int, float)):
        number_, problem = float(value), None
    else:
        number_, problem = _typed_figure(str(value), whole=whole, english=english)
    if number_ is None:
        return None, problem, None
    if not math.isfinite(number_) or abs(number_) > MAX_FIGURE:
        return None, "eine Zahl mit höchstens 15 Stellen vor dem Komma", None
    if not whole:
        return number_ + 0.0, None, None  # + 0.0: no negative zero
    if not number_.is_integer():
        comma_three = not english and isinstance(value, str) and bool(
            _COMMA_THREE.match(value.strip().lstrip("+-")))
        hint = (" – „1,234“ ist in deutscher Schreibweise eine Dezimalzahl; Tausender "
                "schreiben Sie 1234 oder 1.234") if comma_three else (
            " (eine Anzahl hat keine Nachkommastellen)")
        return None, whole_text + hint, None
    if number_ < 0:
        return None, f"{whole_text} (keine negative Anzahl)", None
    return int(number_), None, None


def _typed_figure(value: str, *, whole: bool, english: bool) -> tuple[float | None, str | None]:
    """(number, None) or (None, what is expected) for a number typed as text (`figure`)."""
    invalid = {(True, False): "eine ganze Zahl ≥ 0, z. B. 1234 oder 1.234",
               (True, True): "eine ganze Zahl ≥ 0, z. B. 1234 oder 1,234",
               (False, False): "eine Zahl, z. B. 12,5 oder 1.234,5",
               (False, True): "eine Zahl, z. B. 12.5 oder 1,234.5"}[(whole, english)]
    parts = _number_body(value)
    if parts is None:
        return None, invalid
    sign, body = parts
    plain: str | None = None
    if english:
        if _DIGITS.match(body) or _EN_GROUPS.match(body) or _DOT_DECIMAL.match(body):
            plain = body.replace(",", "")
        else:
            invalid += (" – wie im Rest der Datei in englischer Schreibweise (Komma für "
                        "Tausender, Punkt für Dezimalstellen)")
    elif _DOT_GROUPS.match(body) and body.count(".") == 1 and not whole:
        digits, comma = body.replace(".", ""), body.replace(".", ",")
        invalid = (f"eine eindeutige Zahl: „{body}“ kann {digits} oder {comma} bedeuten – "
                   f"schreiben Sie {digits} (ohne Tausenderpunkt) oder {comma} (mit "
                   "Dezimalkomma)")
    elif _DOT_GROUPS.match(body) or _DE_DECIMAL.match(body):
        plain = body.replace(".", "").replace(",", ".")
    elif _DIGITS.match(body) or _DOT_DECIMAL.match(body):
        plain = body
    elif _EN_GROUPS.match(body):
        german = body.replace(",", " ").replace(".", ",").replace(" ", ".")
        invalid = (f"eine Zahl in deutscher Schreibweise: „{body}“ ist englisch geschrieben "
                   f"(deutsch: {german})")
    if plain is None:
        return None, invalid
    return sign * float(plain), None

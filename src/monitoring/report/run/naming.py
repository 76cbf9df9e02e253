"""File names of published outputs: ``<area code>_<name without umlauts and spaces>``."""

from __future__ import annotations

__all__ = ["area_stem", "report_filename", "slug"]

_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                        "Ü": "Ue", " ": "-", "/": "-"})


def slug(name: str) -> str:
    """`name` for a file name: umlauts spelled out, spaces and slashes as ``-``, only letters,
    digits, ``-`` and ``_`` (``"Saale-Holzland-Kreis"``, ``"Weimarer-Land"``)."""
    return "".join(ch for ch in name.translate(_ASCII) if ch.isalnum() or ch in "-_")


def area_stem(area_code: str, name: str) -> str:
    """The common start of an area's file names: ``16070_Ilm-Kreis``."""
    return f"{area_code}_{slug(name)}"


def report_filename(area_code: str, name: str) -> str:
    """The report's file name: ``<code>_<name without umlauts and spaces>.html``."""
    return f"{area_stem(area_code, name)}.html"

"""German texts for argparse's own words: usage line, section titles, -h, error messages.

argparse takes these from `gettext` (English unless a German catalogue is installed, which
Python does not ship). While a `monitoring` parser is built, prints help or parses, the
lookup is pointed at the table below; afterwards the previous lookup is back, so nothing
else in the process is affected. Messages without a German entry stay English rather than
being lost.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

GERMAN = {
    "usage: ": "Aufruf: ",
    "positional arguments": "Argumente",
    "options": "Optionen",
    "show this help message and exit": "diese Hilfe zeigen und beenden",
    "argument %(argument_name)s: %(message)s": "Angabe %(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "unbekannte Angaben: %s",
    "the following arguments are required: %s": "diese Angaben fehlen: %s",
    "one of the arguments %s is required": "eine der Angaben %s ist nötig",
    "not allowed with argument %s": "nicht zusammen mit %s erlaubt",
    "expected one argument": "erwartet einen Wert",
    "expected at most one argument": "erwartet höchstens einen Wert",
    "expected at least one argument": "erwartet mindestens einen Wert",
    "ambiguous option: %(option)s could match %(matches)s":
        "mehrdeutige Angabe: %(option)s passt zu %(matches)s",
    "invalid %(type)s value: %(value)r": "ungültiger Wert %(value)r (erwartet: %(type)s)",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "ungültige Auswahl %(value)r (möglich: %(choices)s)",
    "ignored explicit argument %r": "der Wert %r ist hier nicht erlaubt",
    "unexpected option string: %s": "unerwartete Angabe: %s",
}
PLURALS = {"expected %s argument": ("erwartet %s Wert", "erwartet %s Werte")}
TYPE_NAMES = {"(erwartet: int)": "(erwartet: ganze Zahl)", "(erwartet: float)": "(erwartet: Zahl)"}


def _gettext(message: str) -> str:
    return GERMAN.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    german = PLURALS.get(singular)
    if german is None:
        return singular if n == 1 else plural
    return german[0] if n == 1 else german[1]


@contextlib.contextmanager
def german() -> Iterator[None]:
    """argparse's words in German while the block runs (re-entrant: subparsers nest)."""
    module = vars(argparse)
    before = module["_"], module["ngettext"]
    module["_"], module["ngettext"] = _gettext, _ngettext
    try:
        yield
    finally:
        module["_"], module["ngettext"] = before


def type_names(message: str) -> str:
    """Python type names in an error message as German words („ganze Zahl“)."""
    for english, word in TYPE_NAMES.items():
        message = message.replace(english, word)
    return message

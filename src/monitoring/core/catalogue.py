"""The indicator catalogue as data (pure parsing and checking; files are read by `ingest`).

The catalogue ships as ``data/indicators.csv`` (40 candidates A01–A28, B01–B12 of the
project's domain notes). Users add their own indicators in a file with the same columns —
no code changes. An indicator is computable when it names a numerator series (and, for a
rate, a denominator series); the rest are defined and marked ``needs_input`` (differences of
rates, indices, accessibility measures, figures only the Land publishes).
"""

from __future__ import annotations

import pandas as pd

from monitoring.core import genesis
from monitoring.errors import DataValidationError

COLUMNS = ["indicator_id", "name_de", "name_en", "definition", "numerator_series",
           "denominator_series", "unit", "scale", "direction", "source", "availability", "field"]
DIRECTIONS = {"up": "↑ höher ist besser", "down": "↓ niedriger ist besser",
              "context": "Kontext (keine Richtung)"}
STORE_COLUMNS = [*COLUMNS, "needs_input"]


def parse_catalogue(text: str, name: str, *, known_fields: set[str],
                    reserved: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """Parse and check a catalogue CSV (``;``-separated, UTF-8); all problems at once.

    `reserved` ids (the shipped catalogue) may not be redefined by a user file: silently
    changing a shipped definition would make districts incomparable.
    """
    frame = genesis.text_table(text.lstrip("\ufeff"), name, expected=(
        "die Spalten (mit „;“ getrennt) " + ";".join(COLUMNS)))
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"Im Indikatorkatalog {name} fehlen die Spalten {', '.join(missing)}. Erwartet "
            f"werden (mit „;“ getrennt): {';'.join(COLUMNS)}.",
            [{"datei": name, "zeile": 1, "spalte": c, "wert": "—", "erwartet": "Spalte vorhanden"}
             for c in missing])
    problems: list[dict[str, object]] = []

    def add(row: int, column: str, value: object, expected: str) -> None:
        problems.append({"datei": name, "zeile": row, "spalte": column, "wert": value,
                         "erwartet": expected})

    for i, r in enumerate(frame.itertuples(index=False), start=2):
        if not r.indicator_id.strip():
            add(i, "indicator_id", r.indicator_id, "eine Kennung")
        if r.indicator_id in reserved:
            add(i, "indicator_id", r.indicator_id,
                "eine neue Kennung (A01–B12 sind Teil des mitgelieferten Katalogs)")
        if r.direction not in DIRECTIONS:
            add(i, "direction", r.direction, "up, down oder context")
        try:
            if float(r.scale.replace(",", ".")) <= 0:
                raise ValueError
        except ValueError:
            add(i, "scale", r.scale, "eine positive Zahl (100 für %, 1000 für ‰)")
        if r.field and r.field not in known_fields:
            add(i, "field", r.field,
                "leer oder ein Handlungsfeld: " + ", ".join(sorted(known_fields)))
        if r.denominator_series and not r.numerator_series:
            add(i, "numerator_series", "", "eine Zählerreihe, wenn eine Nennerreihe angegeben ist")
    duplicated = frame["indicator_id"][frame["indicator_id"].duplicated()]
    for value in duplicated:
        add(int(frame.index[frame["indicator_id"] == value][-1]) + 2, "indicator_id", value,
            "jede Kennung nur einmal")
    if problems:
        raise DataValidationError(
            f"Der Indikatorkatalog {name} enthält {len(problems)} Fehler; nichts wurde "
            "übernommen.", problems)
    out = frame[COLUMNS].copy()
    out["scale"] = out["scale"].str.replace(",", ".").astype(float)
    for col in ("numerator_series", "denominator_series", "field", "availability"):
        out[col] = out[col].str.strip().replace("", None)
    out["needs_input"] = out["numerator_series"].isna()
    return out

"""Demo additions for controlling: full indicator catalogue and fictitious measures.

Kept apart from `monitoring.demo.build` (which builds population, actors and offers) so that both
can change independently; `demo._fill` calls `fill` once at the end. Everything here is fictitious
("Demodaten – fiktiv").
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from monitoring.io import import_catalogue
from monitoring.store.database import Store

_MEASURES = {
    "arbeit": ["Jobcoaching für Zugewanderte ausbauen", "Anerkennungsberatung im Jobcenter",
               "Ausbildungsbörse mit Betrieben"],
    "beratung": ["Migrationsberatung vor Ort in den Gemeinden", "Lotsenprojekt Leistungsbezug",
                 "Mehrsprachige Erstinformation"],
    "wohnen": ["Wohnraumakquise bei Vermietern", "Auszugsmanagement aus Gemeinschaftsunterkünften"],
    "sprache": ["Zusätzliche Kursplätze A1/A2", "Kinderbetreuung während Sprachkursen"],
    "teilhabe": ["Ehrenamtsbörse aufbauen", "Qualifizierung von Integrationslotsen"],
}
_ACTORS = ["Integrationsmanagement Landratsamt", "Jobcenter", "Ausländerbehörde",
           "Volkshochschule", "Ehrenamtskoordination", "Migrationsberatung (Wohlfahrtsverband)"]
_STATUS = ["abgeschlossen", "laufend", "laufend", "verzoegert", "geplant"]


def measures(goals: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Two or three fictitious measures per goal with actor, dates, status and budget."""
    rows = []
    for goal in goals.itertuples(index=False):
        titles = _MEASURES.get(goal.field, ["Maßnahme"])
        for i, title in enumerate(titles[: 2 + int(rng.random() < 0.5)], start=1):
            start = date(2023, 1, 1) + timedelta(days=int(rng.integers(0, 700)))
            end = start + timedelta(days=int(rng.integers(365, 1100)))
            status = str(rng.choice(_STATUS))
            rows.append((f"M-{goal.goal_id[2:]}-{i}", goal.goal_id, title,
                         str(rng.choice(_ACTORS)), start, end, status,
                         float(rng.integers(5, 120)) * 1000.0))
    return pd.DataFrame(rows, columns=["measure_id", "goal_id", "title", "actor", "start_date",
                                       "end_date", "status", "budget"])


def fill(store: Store, rng: np.random.Generator) -> None:
    """Load the full catalogue and add measures to the demo goals (one transaction each)."""
    import_catalogue.load_catalogue(store)
    frame = measures(store.read_goals(), rng)
    with store.transaction():
        store.write("measure", frame)

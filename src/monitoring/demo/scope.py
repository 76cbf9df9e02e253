"""What the demo covers: its seed, its quarters and dates, and the source line of everything
it invents (labelled "Demodaten – fiktiv")."""

from __future__ import annotations

from datetime import date

from monitoring.periods import Quarter
from monitoring.vocab import DEMO_LABEL

SEED = 2025
DEMO_SOURCE = f"{DEMO_LABEL} (Generator monitoring.demo.build, Seed {SEED})"
FIRST = Quarter(2023, 1)
LAST = Quarter(2025, 4)
LONG_FIRST = Quarter(2020, 1)
ANCHOR = Quarter(2024, 4)
DATA_STAND = LAST.end
UPDATE_DAY = date(2025, 11, 1)

"""Reporting periods (quarters such as ``2025-Q4``) and reference dates.

Pure functions: no I/O, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from monitoring.errors import PeriodError

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter; the canonical text form is ``YYYY-Qn``."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Parse ``2025-Q4``; anything else raises a `PeriodError` that names the allowed form."""
        match = _QUARTER.match(str(text).strip())
        if not match:
            raise PeriodError(
                f"Der Berichtszeitraum „{text}“ ist ungültig. Erlaubt ist ein Quartal in der Form "
                "JJJJ-Qn mit n = 1 bis 4, z. B. „2025-Q4“."
            )
        year = int(match.group(1))
        if not 1990 <= year <= 2100:
            raise PeriodError(
                f"Der Berichtszeitraum „{text}“ liegt außerhalb der Jahre 1990 bis 2100 "
                "(erwartet z. B. „2025-Q4“)."
            )
        return cls(year, int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter that contains `day`."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def start(self) -> date:
        """First day of the quarter."""
        return date(self.year, 3 * (self.quarter - 1) + 1, 1)

    @property
    def end(self) -> date:
        """Last day of the quarter (the usual reference date, Stichtag)."""
        return (self + 1).start - timedelta(days=1)

    def __add__(self, quarters: int) -> Quarter:
        index = self.year * 4 + (self.quarter - 1) + quarters
        return Quarter(index // 4, index % 4 + 1)

    def __sub__(self, quarters: int) -> Quarter:
        return self + (-quarters)

    def label_short(self) -> str:
        """Short German label for axes and table headers, e.g. ``Q4 2025``."""
        return f"Q{self.quarter} {self.year}"

    def label_de(self) -> str:
        """German label, e.g. ``4. Quartal 2025``."""
        return f"{self.quarter}. Quartal {self.year}"


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    """All quarters from `first` to `last`, both included."""
    out: list[Quarter] = []
    current = first
    while current <= last:
        out.append(current)
        current = current + 1
    return out


CENSUS_BREAK = "2022-Q2"
"""First quarter of the Fortschreibung on the Zensus 2022 basis (reference date 15.05.2022):
population-based series break here, and charts mark it."""

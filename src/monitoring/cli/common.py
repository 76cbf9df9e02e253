"""What the command modules share: exit codes, the demo defaults and the console."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_FAILED_REPORTS, EXIT_INPUT = 0, 1, 2
DEMO_STORE = Path("data") / "demo.duckdb"
DEMO_PERIOD = "2025-Q4"


def terminal() -> Console:
    """A console for the command's German output (rich, imported on first use)."""
    from rich.console import Console

    return Console(stderr=False, highlight=False)

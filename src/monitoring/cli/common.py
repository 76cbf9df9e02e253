"""What the command modules share: exit codes, the demo defaults and the console."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from monitoring.core.config import Settings

EXIT_OK, EXIT_FAILED_REPORTS, EXIT_INPUT = 0, 1, 2
EXIT_ENVIRONMENT = 1  # an unexpected error: disk, permissions, or the program itself
DEMO_STORE = Path("data") / "demo.duckdb"
DEMO_PERIOD = "2025-Q4"


def terminal() -> Console:
    """A console for the command's German output (rich, imported on first use)."""
    from rich.console import Console

    return Console(stderr=False, highlight=False)


def resolve_settings(args: argparse.Namespace) -> Settings:
    """The settings of this command, resolved once (`monitoring.io.settings.resolve`): flags,
    --settings / $MONITORING_SETTINGS, monitoring.toml in the working folder, the store,
    defaults. Printed, so that a log shows which rule a run applied."""
    from monitoring.io import settings
    from monitoring.store.database import open_store

    flags = {"geheimhaltung.schwelle": getattr(args, "schwelle", None),
             "geheimhaltung.mindestnenner": getattr(args, "mindestnenner", None),
             "ampel.toleranz": getattr(args, "ampel_toleranz", None),
             "ampel.gefaehrdet": getattr(args, "ampel_gefaehrdet", None)}
    with open_store(args.store, read_only=True) as store:
        resolved = settings.resolve(flags=flags, file=getattr(args, "settings", None),
                                    store=store)
    terminal().print(f"Einstellungen – {resolved.summary_de()}", markup=False, soft_wrap=True)
    return resolved

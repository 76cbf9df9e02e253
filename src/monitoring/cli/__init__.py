"""The `monitoring` command (German words and messages)."""

from monitoring.cli.main import main

__all__ = ["main"]

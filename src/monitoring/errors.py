"""Our exception types.

Every message is written for a municipal analyst, in German: what was wrong, the value received,
what is allowed, and how to fix it. The technical cause stays attached (``__cause__`` or
``detail``) for maintainers.
"""

from __future__ import annotations


class MonitoringError(Exception):
    """Base of every error raised by the `monitoring` package."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        if self.detail:
            return f"{self.message}\n(technische Ursache: {self.detail})"
        return self.message


class ConfigError(MonitoringError, ValueError):
    """A setting or a parameter has a value that is not allowed."""


class PeriodError(ConfigError):
    """A reporting period (quarter) is malformed."""


class AreaError(ConfigError):
    """An area code is unknown or not valid at the requested level or date."""


class StoreError(MonitoringError):
    """The store file is missing, corrupt, locked or of an unsupported schema version."""


class DataValidationError(MonitoringError, ValueError):
    """Input data broke one or more rules; ``problems`` lists them all."""

    def __init__(self, message: str, problems: list[dict[str, object]] | None = None,
                 *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.problems = problems or []


class InsufficientDataError(MonitoringError, ValueError):
    """Too few areas or values for a computation to mean anything (e.g. z-scores of 3 areas)."""


class CRSMismatchError(MonitoringError, ValueError):
    """Geometries are in a coordinate reference system that cannot be used here."""


class PrivacyError(MonitoringError):
    """Data about persons reached an output without passing disclosure control."""


class ReportError(MonitoringError):
    """A report notebook failed to execute or render."""

    def __init__(self, message: str, *, area_code: str | None = None,
                 notebook: str | None = None, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.area_code = area_code
        self.notebook = notebook


class OutputError(MonitoringError, OSError):
    """An output file cannot be written where it was asked for (e.g. its folder is missing).

    Also an `OSError`, so that code handling failed writes in general handles it too.
    """


class RunInterrupted(KeyboardInterrupt):
    """A report run was stopped by a signal (Ctrl-C, SIGTERM from a scheduler, SIGHUP).

    A `KeyboardInterrupt` (not a `MonitoringError`), so that no ``except Exception`` on the way
    swallows it; the run cleans up (workers stopped, staging folder removed, lock released)
    while it propagates. ``exit_code`` follows the shell convention 128 + signal number.
    """

    def __init__(self, signum: int) -> None:
        import signal

        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = str(signum)
        super().__init__(
            f"Berichtslauf abgebrochen (Signal {name}). Was der Lauf noch nicht an seinen "
            "Platz verschoben hatte, bleibt in der zuletzt veröffentlichten Fassung; "
            "Zwischendateien und Sperrdatei wurden entfernt. Starten Sie den Lauf erneut, um "
            "alle Berichte zu erstellen.")
        self.signum = signum
        self.exit_code = 128 + signum


class WriteFault(OutputError):
    """Writing failed because of the environment – a full disk, a read-only folder or file
    system, missing permissions – not because of what the user asked for: the command line
    exits with 1 (environment), not 2 (input). Nothing incomplete was put in place."""


class StoreWriteFault(StoreError, WriteFault):
    """Writing the store failed because of the environment (a full disk, a read-only file or
    folder): a `StoreError` for the code around the store, a `WriteFault` for the command line,
    which exits with 1 (environment). The store file is unchanged (copy-on-write)."""

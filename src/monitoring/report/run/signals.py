"""Stop signals of a report run: Ctrl-C, SIGTERM and SIGHUP become `RunInterrupted`."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, Self, TypeAlias

from monitoring.errors import RunInterrupted

__all__ = ["StopSignals"]

# A signal handler as `signal.signal` takes and returns it (typeshed's private `_HANDLER`).
_Handler: TypeAlias = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class StopSignals:
    """While active (main thread only): SIGINT, SIGTERM and SIGHUP raise `RunInterrupted`.

    Python's default for SIGTERM and SIGHUP is to die at once – no ``finally`` runs, so the
    lock, the staging folder and the workers would be left behind. After `defer()` (the files
    are being moved into place) a signal is only recorded in `pending`, so that the run
    finishes instead of leaving a half-updated folder; the same after the first signal, so
    that a second Ctrl-C does not interrupt the cleanup. Signals a caller ignores (``nohup``,
    a background job) stay ignored. Nested (a run inside a publication), a signal recorded by
    the inner one is passed on to the outer one when the inner block ends.

    A C extension may swallow the `RunInterrupted` raised while it runs: DuckDB stops its
    query and raises ``RuntimeError("Query interrupted")`` instead. The signal is kept in
    `received`; `check()` at the run's checkpoints and the end of the block raise it again.
    """

    def __init__(self) -> None:
        self.pending: int | None = None
        self.received: int | None = None
        self._deferring = False
        self._deferred_by_caller = False
        self._previous: dict[int, _Handler] = {}

    def __enter__(self) -> Self:
        if threading.current_thread() is not threading.main_thread():
            return self  # signal handlers can only be set in the main thread
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is None or signal.getsignal(signum) is signal.SIG_IGN:
                continue
            with contextlib.suppress(ValueError, OSError):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 *_: object) -> None:
        outer = self._previous.get(self.pending) if self.pending else None
        for signum, previous in self._previous.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()
        if self.received and not self._deferred_by_caller and (
                exc_type is None or not issubclass(exc_type, KeyboardInterrupt)):
            # the signal was swallowed, or came back as another error (DuckDB's "Query
            # interrupted"): it is still the stop
            raise RunInterrupted(self.received) from exc
        if (exc_type is None and self.pending
                and isinstance(getattr(outer, "__self__", None), StopSignals)):
            # Nested (a run inside a publication): the outer run stops now instead.
            signal.raise_signal(self.pending)

    def defer(self) -> None:
        self._deferring = True
        self._deferred_by_caller = True

    def check(self) -> None:
        """Raise `RunInterrupted` when a stop signal came and was swallowed on its way (see
        the class); nothing after `defer()`, where the run finishes on purpose."""
        if self.received and not self._deferred_by_caller:
            raise RunInterrupted(self.received)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self._deferring:
            self.pending = self.pending or signum
            return
        self._deferring = True
        self.received = signum
        raise RunInterrupted(signum)

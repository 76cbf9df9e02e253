"""The lock of a report run: one run (or publication) per output folder at a time.

The lock file (`LOCK_NAME` in the output folder) names the process holding it: PID, host,
boot, process start time and command line. A lock whose process no longer exists (a crash, a
reboot, a reused PID) is *stale* and is taken over; a live one – or one from another host,
which cannot be checked from here – stops the second run with a German message naming that
process and how to proceed.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Self

from monitoring.errors import ReportError

__all__ = ["LOCK_NAME", "LockHolder", "RunLock", "process_exists"]

LOCK_NAME = ".monitoring-run.lock"
_YOUNG_LOCK_S = 60.0  # a lock without readable content is being written, unless it is older


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock file, as written by `RunLock` (older versions wrote the PID only)."""

    pid: int | None
    host: str | None = None
    boot_id: str | None = None
    proc_start: str | None = None
    started: str | None = None
    command: str | None = None
    raw: str = ""

    def describe(self) -> str:
        """German description for messages: process, host, start time, command."""
        parts = [f"Prozess {self.pid}" if self.pid else "unbekannter Prozess"]
        if self.host:
            parts.append(f"auf dem Rechner {self.host}")
        if self.started:
            with contextlib.suppress(ValueError):
                parts.append(f"gestartet {datetime.fromisoformat(self.started):%d.%m.%Y %H:%M}")
        text = ", ".join(parts)
        return f"{text} ({self.command})" if self.command else text


def _boot_id() -> str | None:
    """Changes with every boot (Linux); None elsewhere."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def _proc_start(pid: int) -> str | None:
    """Start time of process `pid` in clock ticks since boot (Linux ``/proc``); None elsewhere.

    With the PID it identifies a process: after a crash or reboot the PID of a dead run may
    belong to an unrelated process, whose start time then differs.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # the name in (…) may contain spaces
    return fields[19] if len(fields) > 19 else None  # field 22 of proc(5)


def _pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists on this machine (without disturbing it)."""
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C (CTRL_C_EVENT == 0) on Windows
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]  # Windows only
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # type: ignore[attr-defined]  # Windows only; 5 = access denied
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to another user
    return True


def process_exists(pid: int) -> bool:
    """Whether a process with this PID exists on this machine (without disturbing it)."""
    return _pid_alive(pid)


def _identity() -> dict[str, object]:
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "boot_id": _boot_id(),
            "proc_start": _proc_start(pid),
            "started": datetime.now().isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200]
            if sys.argv and sys.argv[0] else None}


class RunLock:
    """An exclusive lock file in the output folder, naming the process that holds it.

    The file appears atomically with its content (written aside, then hard-linked into place),
    so a reader never sees an empty lock. A lock is *stale* when its process is gone: same host
    and the PID does not exist, or exists with a different start time (PID reused after a
    crash), or the machine has rebooted since. A stale lock is taken over (`taken_over` tells
    whose it was); a live one, or one from another host, stops the run with a German message
    naming the process and how to proceed.
    """

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.taken_over: LockHolder | None = None
        self._text: str | None = None

    def __enter__(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(_identity(), ensure_ascii=False)
        for _ in range(5):
            if self._create(text):
                self._text = text
                return self
            holder = self.holder()
            if holder is None:
                continue  # released between our attempt and the read: try again
            if not self._stale(holder):
                raise ReportError(self._busy_message(holder))
            if self._remove_stale(holder):
                self.taken_over = holder
        raise ReportError(
            f"Die Sperrdatei {self.path} konnte nicht angelegt werden: andere Läufe legen sie "
            "gerade gleichzeitig an. Starten Sie den Lauf in einigen Minuten erneut.")

    def __exit__(self, *exc: object) -> None:
        # Only our own lock is removed (never one another run created after taking ours over).
        with contextlib.suppress(OSError):
            if self._text is not None and self.path.read_text(encoding="utf-8") == self._text:
                self.path.unlink()
        self._text = None

    def _create(self, text: str) -> bool:
        tmp = self.path.with_name(f"{LOCK_NAME}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            try:
                os.link(tmp, self.path)  # atomic; fails if the lock exists
                return True
            except FileExistsError:
                return False
            except OSError:  # no hard links on this file system (FAT, some shares)
                try:
                    fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    return False
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                return True
        finally:
            tmp.unlink(missing_ok=True)

    def holder(self) -> LockHolder | None:
        """Who holds the lock now (None: no lock file)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError:
            raw = ""
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if isinstance(data, int):  # written by an older version: the PID only
            return LockHolder(pid=data, raw=raw)
        if not isinstance(data, dict):
            return LockHolder(pid=None, raw=raw)
        pid = data.get("pid")
        return LockHolder(pid=pid if isinstance(pid, int) else None, host=data.get("host"),
                          boot_id=data.get("boot_id"), proc_start=data.get("proc_start"),
                          started=data.get("started"), command=data.get("command"), raw=raw)

    def _stale(self, holder: LockHolder) -> bool:
        if holder.pid is None or holder.pid <= 0:  # unreadable: stale once it is not new
            try:
                return time.time() - self.path.stat().st_mtime > _YOUNG_LOCK_S
            except OSError:
                return False
        if holder.host and holder.host != socket.gethostname():
            return False  # cannot be checked from here
        if holder.boot_id and _boot_id() and holder.boot_id != _boot_id():
            return True  # the machine has rebooted since
        if not _pid_alive(holder.pid):
            return True
        start = _proc_start(holder.pid)
        return bool(holder.proc_start and start and start != holder.proc_start)

    def _remove_stale(self, holder: LockHolder) -> bool:
        """Move the stale lock aside; put it back if it was not the one judged stale."""
        aside = self.path.with_name(f"{LOCK_NAME}.stale-{os.getpid()}")
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:
            return False
        try:
            if aside.read_text(encoding="utf-8") != holder.raw:
                os.replace(aside, self.path)  # another run has just taken it: theirs
                return False
        except OSError:
            pass
        aside.unlink(missing_ok=True)
        return True

    def _busy_message(self, holder: LockHolder) -> str:
        folder = self.path.parent
        if holder.pid is None:
            return (f"Für {folder} wird gerade ein Berichtslauf gestartet (die Sperrdatei "
                    f"{self.path} ist noch leer oder unlesbar). Warten Sie einen Moment und "
                    "starten Sie den Lauf erneut; bleibt die Meldung länger als eine Minute, "
                    "löschen Sie die Sperrdatei.")
        if holder.host and holder.host != socket.gethostname():
            return (f"Für {folder} läuft bereits ein Berichtslauf: {holder.describe()}. Von "
                    "diesem Rechner aus lässt sich nicht prüfen, ob er noch läuft. Warten Sie, "
                    f"bis er fertig ist. Ist er sicher beendet (auf {holder.host} prüfen), "
                    f"löschen Sie die Sperrdatei {self.path} und starten Sie den Lauf erneut.")
        check = (f"im Task-Manager, PID {holder.pid}" if os.name == "nt"
                 else f"mit `ps -p {holder.pid}`")
        return (f"Für {folder} läuft bereits ein Berichtslauf: {holder.describe()}. Warten "
                f"Sie, bis er fertig ist. Läuft dieser Prozess nicht mehr ({check} prüfen), "
                f"löschen Sie die Sperrdatei {self.path} und starten Sie den Lauf erneut.")


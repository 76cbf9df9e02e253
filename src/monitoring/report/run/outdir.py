"""Checks before a run writes anything: the output folder and the number of workers.

Both run before the first file or folder is created, so that a refused call (exit 2: the
input; exit 1: the environment) leaves nothing behind – not even an empty output folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from monitoring.errors import ConfigError, WriteFault

__all__ = ["check_out_dir", "check_out_file", "usable_workers"]

_NAME_MAX = 255  # bytes of one path component on the usual file systems (ext4, xfs, NTFS)


def _path_max() -> int:
    try:
        return os.pathconf("/", "PC_PATH_MAX") if hasattr(os, "pathconf") else 260
    except (OSError, ValueError):
        return 4096


def check_out_dir(folder: str | os.PathLike[str], *, option: str = "--out") -> None:
    """Refuse an output folder that cannot be used, without creating anything.

    Input (`ConfigError`, exit 2): a path or a folder name too long for the file system, an
    existing file where the folder (or one of its parents) should be. Environment
    (`WriteFault`, exit 1): no permission or a read-only file system where the folder is or
    would be created, a full disk. The probe is a file created in the folder (or in its
    nearest existing parent) and removed at once.
    """
    path = Path(folder)
    absolute = path.absolute()
    encoded = os.fsencode(str(absolute))
    too_long = [part for part in absolute.parts if len(os.fsencode(part)) > _NAME_MAX]
    if too_long or len(encoded) >= _path_max():
        what = (f"der Name „{too_long[0][:40]}…“ hat {len(os.fsencode(too_long[0]))} Byte "
                f"(höchstens {_NAME_MAX})" if too_long else
                f"der Pfad hat {len(encoded)} Byte (höchstens {_path_max() - 1})")
        raise ConfigError(f"Der Ausgabeordner ({option}) ist zu lang: {what}. Wählen Sie einen "
                          "kürzeren Pfad; es wurde nichts geschrieben.",
                          detail=f"ENAMETOOLONG: {str(absolute)[:120]}…")
    existing = absolute
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():  # a dangling link: treat like a file in the way
            break
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(
            f"Der Ausgabeordner ({option}) {path} kann nicht angelegt werden: {existing} ist "
            "eine Datei, kein Ordner. Wählen Sie mit --out einen Ordner (oder einen noch nicht "
            "vorhandenen Namen); es wurde nichts geschrieben.",
            detail=f"not a directory: {existing}")
    probe = existing / f".schreibtest-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
    except OSError as err:
        full = err.errno in (errno.ENOSPC, errno.EDQUOT)
        cause = ("der Datenträger ist voll" if full else
                 "der Ordner ist schreibgeschützt oder liegt auf einem nur lesbaren Datenträger"
                 if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else
                 err.strerror or str(err))
        where = "" if existing == absolute else f" (angelegt würde er in {existing})"
        raise WriteFault(
            f"In den Ausgabeordner {path}{where} kann nicht geschrieben werden: {cause}. "
            + ("Geben Sie Speicherplatz frei" if full else
               "Geben Sie Ihrem Benutzer Schreibrechte") +
            " oder wählen Sie mit --out einen anderen Ordner; es wurde nichts geschrieben.",
            detail=f"{type(err).__name__}: {err}") from err
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


def check_out_file(file: str | os.PathLike[str], *, option: str = "--out") -> None:
    """Refuse an output file whose folder is missing (or a file) or whose name is too long
    (`ConfigError`, exit 2), before the command computes or writes anything."""
    path = Path(file)
    name = os.fsencode(path.name)
    if len(name) > _NAME_MAX or len(os.fsencode(str(path.absolute()))) >= _path_max():
        raise ConfigError(f"Die Ausgabedatei ({option}) {str(path)[:80]}… hat einen zu langen "
                          f"Namen oder Pfad (Dateiname höchstens {_NAME_MAX} Byte). Wählen Sie "
                          "einen kürzeren; es wurde nichts geschrieben.",
                          detail=f"ENAMETOOLONG: {len(name)} bytes")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise ConfigError(
            f"Der Ordner {folder} existiert nicht (oder ist kein Ordner), daher kann "
            f"„{path.name}“ ({option}) nicht geschrieben werden. Legen Sie den Ordner an oder "
            "wählen Sie einen anderen Speicherort; es wurde nichts geschrieben.",
            detail=f"no such directory: {folder}")


def usable_workers(requested: int) -> tuple[int, str | None]:
    """How many reports run at once: `requested`, at most the number of cores (more only
    compete for them and each holds a kernel in memory). Returns the number and, when it was
    capped, a German note for the user."""
    cores = os.cpu_count() or 1
    if requested < 1:
        raise ConfigError(f"--workers {requested}: erlaubt sind 1 bis {cores} (Anzahl der "
                          "Prozessorkerne).")
    if requested > cores:
        return cores, (f"--workers {requested} ist mehr als die {cores} Prozessorkerne dieses "
                       f"Rechners; es laufen höchstens {cores} Berichte gleichzeitig.")
    return requested, None

"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every file the package replaces in place (reports, manifests, workbooks, decks, PDFs, the
publication register and ZIP, GeoPackages, the demo store) goes through one of two helpers:

* `atomic_write(path, data)` for content we hold in memory (bytes or text);
* `atomic_path(path)`, a context manager yielding a temporary path in the target folder, for
  libraries that write to a path themselves (openpyxl ``book.save``, python-pptx ``prs.save``,
  zipfile, pyogrio, typst, a rendered file moved out of a work folder).

Both write to a hidden temporary file beside the target (``.<name>.<pid>-<n>.tmp``: same
folder, so the final rename never crosses file systems), flush it to disk (``fsync``, so that
after a power cut the target is not an empty file), then rename it over the target with
``os.replace`` (atomic on POSIX and Windows). On any error – also ``KeyboardInterrupt`` or a
stop signal – the temporary file is removed and the target stays as it was.

Moving a file that is complete already (written in a staging folder) into place is a plain
rename, `move_into_place`.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

from monitoring.errors import OutputError

__all__ = ["atomic_path", "atomic_write", "make_folder", "move_into_place"]

_COUNTER = itertools.count()  # unique temporary names for writes from several threads


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *,
                 encoding: str = "utf-8") -> Path:
    """Replace `path` with `data` atomically; text is encoded with `encoding` (line ends as
    given, also on Windows). Returns the path. The folder must exist (`OutputError`)."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding=encoding, newline="")
        else:
            tmp.write_bytes(data)
    return Path(path)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends without error, the file
    written there replaces `path` atomically.

    `suffix` is appended to the temporary name for libraries that choose the format by the
    file extension (``suffix=".gpkg"`` for pyogrio, ``".xlsx"`` for ``pandas.ExcelWriter``).
    The block must create the file; if it raises, the temporary file is removed and `path`
    stays as it was. The folder must exist (`OutputError`).
    """
    target = Path(path)
    tmp = _temporary(target, suffix)
    try:
        yield tmp
        _sync(tmp)
        os.replace(tmp, target)
    finally:
        _remove(tmp)


def make_folder(folder: str | os.PathLike[str]) -> Path:
    """Create `folder` (and its parents) for an output file; `OutputError` when a part of the
    path is a file or the name is too long, so that nothing is written."""
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as err:
        raise OutputError(
            f"Der Ordner {path} kann nicht angelegt werden: ein Teil des Pfades ist eine Datei, "
            "kein Ordner. Wählen Sie einen anderen Speicherort; es wurde nichts geschrieben.",
            detail=str(err)) from err
    except OSError as err:
        if err.errno != errno.ENAMETOOLONG:
            raise
        raise OutputError(
            f"Der Pfad {str(path)[:60]}… ist zu lang. Wählen Sie einen kürzeren Namen; es wurde "
            "nichts geschrieben.", detail=str(err)) from err
    return path


def move_into_place(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rename the finished file `source` over `target` in one step (``os.replace``; both on
    the same file system, e.g. a staging folder beside the output folder)."""
    os.replace(source, target)


def _temporary(target: Path, suffix: str) -> Path:
    """The temporary path beside `target`; `OutputError` for a target that cannot be a file
    (a folder, no name, a name too long for the file system) or a missing folder."""
    folder = target.parent
    limit = _name_max(folder)
    size = len(os.fsencode(target.name))
    if size > limit:
        raise OutputError(
            f"Der Dateiname „{target.name[:40]}…“ ist zu lang ({size} Bytes; erlaubt sind "
            f"{limit}). Wählen Sie einen kürzeren Namen; es wurde nichts geschrieben.",
            detail=f"name too long: {target.absolute()}")
    if target.name in ("", ".", "..") or target.is_dir():
        raise OutputError(
            f"„{target}“ ist ein Ordner, kein Dateiname. Geben Sie eine Datei an, z. B. "
            f"{target / 'Datei.xlsx'}; es wurde nichts geschrieben.",
            detail=f"is a directory: {target.absolute()}")
    if not folder.is_dir():
        raise OutputError(
            f"Der Ordner {folder} existiert nicht (oder ist kein Ordner), daher kann "
            f"„{target.name}“ nicht geschrieben werden. Legen Sie den Ordner an oder wählen "
            "Sie einen anderen Speicherort; es wurde nichts geschrieben.",
            detail=f"no such directory: {folder.absolute()}")
    name = f".{target.name}.{os.getpid()}-{next(_COUNTER)}.tmp{suffix}"
    if len(os.fsencode(name)) > limit:  # a long target name: the temporary one is shorter
        name = f".monitoring.{os.getpid()}-{next(_COUNTER)}.tmp{suffix}"
    return target.with_name(name)


def _name_max(folder: Path) -> int:
    """The longest file name the file system of `folder` allows (bytes; 255 if unknown)."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError):  # Windows has no pathconf; a missing folder
        return 255


def _sync(path: Path) -> None:
    """Flush a file another library has written and closed to disk."""
    # Windows commits only through a handle with write access; POSIX accepts a read-only one.
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(tmp: Path) -> None:
    """Remove the temporary file if it is still there (after an error); never raises, so that
    the original error is the one reported."""
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)

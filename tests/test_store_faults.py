"""A damaged or read-only store file (issue 12): a German message naming the file and what to
do, exit 2, no traceback – and the file unchanged. Real files: truncated with `os.truncate`,
made read-only with ``chmod 0o444`` (and, as root, for whom permissions do not count, with
the immutable attribute ``chattr +i``)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitoring.cli.main import main


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def truncated(demo_store_path: Path, tmp_path: Path) -> Path:
    """A copy of the demo store cut off in the middle, as an interrupted copy leaves it."""
    path = tmp_path / "abgeschnitten.duckdb"
    shutil.copy(demo_store_path, path)
    os.truncate(path, path.stat().st_size // 2)
    return path


@pytest.mark.parametrize("command", [
    ["info"], ["areas"], ["import", "zahlen", "{csv}"],
    ["export", "indikatoren", "--out", "{tmp}/panel.csv"],
    ["run", "--period", "2025-Q4", "--out", "{tmp}/out"],
    ["veroeffentlichen", "--period", "2025-Q4", "--out", "{tmp}/out"],
])
def test_truncated_store_is_named_damaged_by_every_command(
        truncated: Path, tmp_path: Path, command: list[str],
        capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "zahlen.csv"
    csv.write_text("reihe;gebiet;zeitraum;wert\n", encoding="utf-8")
    before = _digest(truncated)
    args = [a.format(csv=csv, tmp=tmp_path) for a in command]
    code = main([*args, "--store", str(truncated)])
    captured = capsys.readouterr()
    assert code == 2
    assert f"Die Datenbankdatei {truncated} ist beschädigt" in captured.err
    assert "Sicherung" in captured.err and "`monitoring neu`" in captured.err
    assert "Traceback" not in captured.err
    assert "Indikatorwerte" not in captured.out  # `info` printed counts before the error
    assert _digest(truncated) == before
    assert not (tmp_path / "panel.csv").exists() and not list((tmp_path / "out").glob("*/*.html"))


@pytest.fixture
def read_only_store(demo_store_path: Path, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "nur_lesen.duckdb"
    shutil.copy(demo_store_path, path)
    path.chmod(0o444)
    immutable = False
    if os.geteuid() == 0:  # root may write a 0444 file
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(path)],
                                            check=False, capture_output=True).returncode != 0:
            pytest.skip("as root, a read-only file needs `chattr +i` (not available here)")
        immutable = True
    try:
        yield path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


def test_read_only_store_import_says_read_only_and_reading_still_works(
        read_only_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "zahlen.csv"
    csv.write_text("reihe;gebiet;zeitraum;wert\n", encoding="utf-8")
    before = _digest(read_only_store)
    assert main(["import", "zahlen", str(csv), "--store", str(read_only_store)]) == 2
    err = capsys.readouterr().err
    assert f"Die Datenbankdatei {read_only_store} ist schreibgeschützt" in err
    assert "Schreibrechte" in err and "beschädigt" not in err and "Traceback" not in err
    assert _digest(read_only_store) == before
    assert main(["info", "--store", str(read_only_store)]) == 0
    assert "Indikatorwerte" in capsys.readouterr().out
    assert _digest(read_only_store) == before


@pytest.mark.slow
def test_report_run_works_on_a_read_only_store(read_only_store: Path, tmp_path: Path) -> None:
    before = _digest(read_only_store)
    assert main(["run", "--period", "2025-Q4", "--store", str(read_only_store),
                 "--out", str(tmp_path / "out"), "--area", "16072", "--workers", "1"]) == 0
    assert (tmp_path / "out" / "2025-Q4" / "16072_Sonneberg.html").is_file()
    assert _digest(read_only_store) == before


def test_unexpected_error_is_a_short_german_message(
        reference_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An OS error none of our checks anticipates (here: --out names an existing folder,
    IsADirectoryError) ends with a German message and its cause, exit 1, no traceback;
    ``--debug`` shows the traceback."""
    folder = tmp_path / "panel.csv"
    folder.mkdir()
    # the store without figures: the fault is in writing, not in the panel (which the demo
    # store would protect twice, seconds each)
    args = ["export", "indikatoren", "--store", str(reference_store), "--out", str(folder)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"Fehler: Eine Datei oder ein Ordner ({folder}) konnte nicht gelesen oder " \
        "geschrieben werden" in err
    assert "technische Ursache: IsADirectoryError" in err and "Traceback" not in err
    with pytest.raises(IsADirectoryError):
        main(["--debug", *args])


def _figures_file(store_path: Path, folder: Path) -> Path:
    """Own figures for every current Gemeinde and 24 years: enough rows to grow the store."""
    from monitoring.store.database import open_store

    with open_store(store_path) as store:
        codes = store.query("SELECT area_code FROM area WHERE level = 'gemeinde' "
                            "AND valid_to IS NULL ORDER BY 1")["area_code"].tolist()
    lines = ["reihe;gebiet;zeitraum;wert"] + [
        f"einbuergerungen;{code};{year};{(i * 7 + year) % 97}"
        for i, code in enumerate(codes) for year in range(2000, 2024)]
    path = folder / "zahlen.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.skipif(os.name == "nt", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("room", ["none", "store"])
def test_full_disk_during_import_leaves_the_store_byte_identical(
        demo_store_path: Path, tmp_path: Path, room: str) -> None:
    """A real write limit (``RLIMIT_FSIZE`` in the import's process, SIGXFSZ ignored, so a
    write beyond it fails with EFBIG as on a full disk): below the store's size (the copy of
    the store fails) or exactly its size (the import's checkpoint fails – today DuckDB's
    FatalException, with the store file's bytes changed)."""
    import sys

    store = tmp_path / "voll.duckdb"
    shutil.copy(demo_store_path, store)
    figures = _figures_file(store, tmp_path)
    before = _digest(store)
    limit = store.stat().st_size // 16 if room == "none" else store.stat().st_size
    script = ("import resource, signal, sys\n"
              "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
              f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
              "from monitoring.cli.main import main\n"
              f"sys.exit(main(['import', 'zahlen', {str(figures)!r}, '--store', "
              f"{str(store)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ})
    assert done.returncode == 1, done.stderr  # the environment, not the input
    assert f"Beim Schreiben in die Datenbank {store} ist ein Fehler aufgetreten: der " \
        "Datenträger ist voll" in done.stderr
    assert "nicht verändert" in done.stderr and "Traceback" not in done.stderr
    assert _digest(store) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["voll.duckdb", "zahlen.csv"]
    # with room, the same import goes through
    assert main(["import", "zahlen", str(figures), "--store", str(store)]) == 0
    assert _digest(store) != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["voll.duckdb", "zahlen.csv"]

"""Faults at the command line end cleanly (issue 12, item 4): bad input exits 2 and writes
nothing – not even the output folder or `lauf.log` –, a fault of the environment (read-only
folder, full disk) exits 1, both with a German message naming the cause and no traceback;
foreign store files are refused unchanged; readers are not blocked by an import; `--workers`
stays between 1 and the number of cores; the kernels' connection files do not outlive a run.

Every command here is a real `python -m monitoring` process on real files. The full disk is
a real one: a 4 MiB tmpfs mounted for the test (root only, skipped elsewhere).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitoring.report.run import kernels
from monitoring.report.run.outdir import usable_workers

CORES = os.cpu_count() or 1
MARK = "MONITORING_TEST_FAULT"


# -- helpers -----------------------------------------------------------------------------------
def cli(*args: str, env: dict[str, str] | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitoring", *args], capture_output=True,
                          text=True, timeout=timeout, check=False,
                          env={**os.environ, **(env or {})})


def tree(folder: Path) -> dict[str, str]:
    """Every file below `folder` with its SHA-256 (folders as „dir“): the whole state."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            if p.is_file() else "dir" for p in sorted(folder.rglob("*"))}


def clean(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    return done.stderr


@pytest.fixture
def root(demo_store_path: Path, tmp_path: Path) -> Path:
    """A working folder with a copy of the demo store and a few input files."""
    shutil.copy(demo_store_path, tmp_path / "demo.duckdb")
    (tmp_path / "leer").mkdir()
    (tmp_path / "gitter.csv").write_text("GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n",
                                         encoding="utf-8")
    (tmp_path / "datei").write_text("kein Ordner\n", encoding="utf-8")
    return tmp_path


# -- 1. --workers ------------------------------------------------------------------------------
# `run` and `veroeffentlichen` share the checks (`report.run.outdir`): the fast subset asks
# `run`, the full suite both
COMMANDS = ["run", pytest.param("veroeffentlichen", marks=pytest.mark.slow)]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("value", ["0", "-5", "zwei", "1.5"])
def test_workers_outside_one_to_cores_is_refused(root: Path, command: str, value: str) -> None:
    done = cli(command, "--period", "2025-Q4", "--store", str(root / "demo.duckdb"),
               "--out", str(root / "out"), f"--workers={value}")
    assert done.returncode == 2
    err = clean(done)
    assert "Fehler im Aufruf" in err and "--workers" in err
    assert f"erlaubt sind 1 bis {CORES}" in err
    assert not (root / "out").exists()


def test_more_workers_than_cores_are_capped_with_a_note() -> None:
    assert usable_workers(1) == (1, None)
    assert usable_workers(CORES) == (CORES, None)
    workers, note = usable_workers(99)
    assert workers == CORES
    assert note == (f"--workers 99 ist mehr als die {CORES} Prozessorkerne dieses Rechners; "
                    f"es laufen höchstens {CORES} Berichte gleichzeitig.")


# -- 2. exit 2 writes nothing ------------------------------------------------------------------
BAD_INPUT = [
    (["run", "--period", "2025-Q5"], "JJJJ-Qn"),
    (["run", "--period", "2025-Q4", "--area", "99999"], "nicht vorhanden"),
    (["run", "--period", "2025-Q4", "--notebooks", "{root}/leer"], "Notebook"),
    (["veroeffentlichen", "--period", "2025-Q5"], "JJJJ-Qn"),
    (["veroeffentlichen", "--period", "2019-Q1"], "Verfügbare Quartale"),
    (["veroeffentlichen", "--period", "2025-Q4", "--area", "99999"], "nicht vorhanden"),
    (["veroeffentlichen", "--period", "2025-Q4", "--area", "16056"], "gehört heute zu 16063"),
    (["veroeffentlichen", "--period", "2025-Q4", "--notebooks", "{root}/leer"], "Notebook"),
    (["veroeffentlichen", "--period", "2025-Q4", "--schwelle", "0"], "schwelle"),
    (["export", "bestand", "--format", "xlsx", "--area", "99999", "--out",
      "{root}/b.xlsx"], "99999"),
    (["export", "bestand", "--format", "xlsx", "--period", "2025-Q9", "--out",
      "{root}/b.xlsx"], "JJJJ-Qn"),
    (["export", "indikatoren", "--out", "{root}/out/p.csv"], "existiert nicht"),
    (["erreichbarkeit", "--gitter", "{root}/gitter.csv", "--area", "99999", "--period",
      "2025-Q4", "--out", "{root}/e.xlsx"], "99999"),
    (["import", "zahlen", "{root}/fehlt.csv"], "fehlt.csv"),
    (["areas", "--level", "bezirk"], "bezirk"),
    (["neu", "--store", "{root}/out/neu.duckdb", "--kreis", "99999"], "99999"),
    (["import-areas", "{root}/gitter.csv", "--level", "kreis", "--valid-from", "2024-13-01"],
     "JJJJ-MM-TT"),
]


def _bad_input_params() -> list[object]:
    """Each case a process of its own: the fast subset runs the first case of each command,
    the full suite all of them."""
    seen: set[str] = set()
    params: list[object] = []
    for i, (args, message) in enumerate(BAD_INPUT):
        command = " ".join(args[:2]) if args[0] in ("export", "import") else args[0]
        marks = [pytest.mark.slow] if command in seen else []
        seen.add(command)
        params.append(pytest.param(args, message, marks=marks, id=" ".join(args[:2]) + f"-{i}"))
    return params


@pytest.mark.parametrize(("args", "message"), _bad_input_params())
def test_bad_input_exits_2_and_writes_nothing(root: Path, args: list[str], message: str) -> None:
    before = tree(root)
    argv = [a.format(root=root) for a in args]
    if "--store" not in argv:
        argv += ["--store", str(root / "demo.duckdb")]
    if argv[0] in ("run", "veroeffentlichen"):
        argv += ["--out", str(root / "out"), "--fazit", str(root / "fazit")][
            : 2 if argv[0] == "run" else 4]
    done = cli(*argv)
    assert done.returncode == 2, done.stderr
    err = clean(done)
    assert "Fehler" in err, err
    assert message.lower() in err.lower(), err
    assert tree(root) == before  # no folder, no lauf.log, no lock, the store byte-identical


# -- 4. --out: a file, too long, read-only ------------------------------------------------------
def _out_cases(root: Path) -> list[tuple[str, str, int, str]]:
    return [("datei", str(root / "datei"), 2, "ist eine Datei, kein Ordner"),
            ("unter-datei", str(root / "datei" / "berichte"), 2, "ist eine Datei, kein Ordner"),
            ("langer-name", str(root / ("b" * 300)), 2, "300 Byte (höchstens 255)"),
            ("langer-pfad", str(root / "/".join(["ordner" + "x" * 200] * 25)), 2, "zu lang")]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", ["datei", "unter-datei", "langer-name", "langer-pfad"])
def test_unusable_out_is_refused_before_anything_is_written(root: Path, command: str,
                                                             case: str) -> None:
    _, out, code, message = next(c for c in _out_cases(root) if c[0] == case)
    before = tree(root)
    done = cli(command, "--period", "2025-Q4", "--area", "16072",
               "--store", str(root / "demo.duckdb"), "--out", out)
    assert done.returncode == code, done.stderr
    err = clean(done)
    assert "Ausgabeordner" in err and message in err, err
    assert "es wurde nichts geschrieben" in err
    assert tree(root) == before


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write to: for root (who ignores permissions) a read-only tmpfs."""
    folder = tmp_path / "nur_lesen"
    folder.mkdir()
    if os.geteuid() == 0:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(folder)],
                          capture_output=True, check=False).returncode != 0:
            pytest.skip("as root, a read-only folder needs `mount -o ro` (not permitted here)")
        try:
            yield folder
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)


@pytest.mark.parametrize("command", COMMANDS)
def test_read_only_out_is_an_environment_fault(root: Path, read_only_folder: Path,
                                               command: str) -> None:
    before = tree(root)
    done = cli(command, "--period", "2025-Q4", "--area", "16072",
               "--store", str(root / "demo.duckdb"), "--out", str(read_only_folder / "berichte"))
    assert done.returncode == 1, done.stderr
    err = clean(done)
    assert f"In den Ausgabeordner {read_only_folder / 'berichte'}" in err
    assert "schreibgeschützt" in err and "technische Ursache" in err
    assert tree(root) == before


# -- 5. foreign store files; readers not blocked ------------------------------------------------
def _foreign(kind: str, path: Path) -> None:
    if kind == "sqlite":
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE angebote (id INTEGER, titel TEXT)")
        con.execute("INSERT INTO angebote VALUES (1, 'Sprachcafé')")
        con.commit()
        con.close()
    elif kind == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("daten.csv", "a;b\n1;2\n")
    elif kind == "text":
        path.write_text("reihe;gebiet;zeitraum;wert\n", encoding="utf-8")
    else:
        path.write_bytes(b"")


FOREIGN_COMMANDS = [["info"], ["areas"], ["upgrade"], ["import", "zahlen", "{root}/z.csv"],
                    ["export", "indikatoren", "--out", "{root}/p.csv"],
                    ["run", "--period", "2025-Q4", "--out", "{root}/out"],
                    ["veroeffentlichen", "--period", "2025-Q4", "--out", "{root}/out"]]


# a text file is refused as the ZIP file is (neither starts with DuckDB's header): full suite
@pytest.mark.parametrize("kind", ["sqlite", "zip", pytest.param("text", marks=pytest.mark.slow),
                                  "leer"])
def test_foreign_store_file_is_refused_unchanged(tmp_path: Path, kind: str) -> None:
    store = tmp_path / "fremd.duckdb"
    _foreign(kind, store)
    (tmp_path / "z.csv").write_text("reihe;gebiet;zeitraum;wert\n", encoding="utf-8")
    before = tree(tmp_path)
    for command in FOREIGN_COMMANDS:
        done = cli(*[a.format(root=tmp_path) for a in command], "--store", str(store))
        assert done.returncode == 2, (command, done.stderr)
        err = clean(done)
        assert str(store) in err and "Datenbank" in err, (command, err)
        # never an attempt to fetch an extension from the internet (SQLite: DuckDB's scanner)
        assert "download" not in err.lower(), (command, err)
        assert tree(tmp_path) == before, command


def _hold(code: str, mark: str) -> subprocess.Popen[str]:
    """A process that opens the store as `code` says and keeps it open until killed."""
    proc = subprocess.Popen([sys.executable, "-c", code + "\nprint('bereit', flush=True)\n"
                             "import time; time.sleep(300)"], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, MARK: mark})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "bereit"
    return proc


@pytest.mark.slow  # three processes on a demo store copy, one exporting the whole panel
def test_readers_are_not_blocked_by_an_import_and_imports_not_by_readers(root: Path) -> None:
    store = root / "demo.duckdb"
    figures = root / "zahlen.csv"
    figures.write_text("reihe;gebiet;zeitraum;wert\neinbuergerungen;16072;2024;17\n",
                       encoding="utf-8")
    importing = _hold("from monitoring.store.database import open_store\n"
                      f"s = open_store({str(store)!r}, read_only=False, copy_on_write=True)",
                      uuid.uuid4().hex)
    try:
        for command in (["info"], ["areas"],
                        ["export", "indikatoren", "--out", str(root / "panel.csv")]):
            done = cli(*command, "--store", str(store))
            assert done.returncode == 0, (command, done.stderr)
    finally:
        importing.kill()
        importing.wait()
    # a second import meanwhile would copy the same original and drop the first one's changes
    importing = _hold("from monitoring.store.database import open_store\n"
                      f"s = open_store({str(store)!r}, read_only=False, copy_on_write=True)",
                      uuid.uuid4().hex)
    try:
        before = tree(root)
        done = cli("import", "zahlen", str(figures), "--store", str(store))
        assert done.returncode == 2, done.stderr
        assert f"In die Datenbank {store} schreibt gerade ein anderer Import" in clean(done)
        assert tree(root) == before
    finally:
        importing.kill()
        importing.wait()
    reading = _hold("from monitoring.store.database import open_store\n"
                    f"s = open_store({str(store)!r})", uuid.uuid4().hex)
    try:
        done = cli("import", "zahlen", str(figures), "--store", str(store))
        assert done.returncode == 0, done.stderr
        assert "1 Zeilen übernommen" in done.stdout
    finally:
        reading.kill()
        reading.wait()


@pytest.mark.slow
def test_report_run_while_an_import_writes(root: Path) -> None:
    store = root / "demo.duckdb"
    importing = _hold("from monitoring.store.database import open_store\n"
                      f"s = open_store({str(store)!r}, read_only=False, copy_on_write=True)",
                      uuid.uuid4().hex)
    try:
        done = cli("run", "--period", "2025-Q4", "--area", "16072", "--workers", "1",
                   "--store", str(store), "--out", str(root / "out"))
    finally:
        importing.kill()
        importing.wait()
    assert done.returncode == 0, done.stderr
    assert (root / "out" / "2025-Q4" / "16072_Sonneberg.html").is_file()


# -- 6. kernel connection files ----------------------------------------------------------------
def test_private_runtime_dir_is_removed_on_error_and_stale_ones_of_dead_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "eigener"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f"{kernels.PREFIX}{int(dead.stdout)}-abc"
    stale.mkdir()
    (stale / "kernel-1.json").write_text('{"key": "geheim"}', encoding="utf-8")
    live = tmp_path / f"{kernels.PREFIX}1-abc"  # PID 1 is alive: another user's run
    live.mkdir()
    with pytest.raises(RuntimeError), kernels.private_runtime_dir() as folder:
        assert os.environ["JUPYTER_RUNTIME_DIR"] == os.environ["TMPDIR"] == str(folder)
        assert tempfile.gettempdir() == str(folder)
        assert folder.parent == tmp_path and oct(folder.stat().st_mode)[-3:] == "700"
        (folder / "kernel-2.json").write_text('{"key": "geheim"}', encoding="utf-8")
        raise RuntimeError("Zelle fehlgeschlagen")
    assert os.environ["JUPYTER_RUNTIME_DIR"] == str(tmp_path / "eigener")
    assert tempfile.gettempdir() == str(tmp_path)
    assert not folder.exists() and not stale.exists() and live.exists()


def _kernel_pids(base: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"ipykernel" in cmdline and os.fsencode(str(base)) in cmdline:
            pids.append(int(entry.name))
    return pids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rfind(")") + 2:][:1] not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self").exists(), reason="finds the kernels through /proc")
def test_sigterm_removes_kernel_files_and_kernels(demo_store_path: Path, tmp_path: Path) -> None:
    """A real run with two workers (asked for 99: capped) stopped by SIGTERM while its kernels
    execute: exit 143, no connection file (``tmp….json`` in the temporary folder,
    ``kernel-….json`` in the runtime folder) left anywhere, no kernel process left."""
    temp = tmp_path / "tmp"
    user_runtime = tmp_path / "runtime"
    temp.mkdir()
    out = tmp_path / "out"
    with (tmp_path / "stdout.txt").open("wb") as stdout, \
            (tmp_path / "stderr.txt").open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitoring", "run", "--period", "2025-Q4", "--store",
             str(demo_store_path), "--out", str(out), "--area", "16051", "--area", "16052",
             "--workers", "99"], stdout=stdout, stderr=stderr,
            env={**os.environ, "TMPDIR": str(temp), "JUPYTER_RUNTIME_DIR": str(user_runtime)})
        try:
            deadline = time.monotonic() + 240
            while not (pids := _kernel_pids(temp)) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert pids, "no kernel of the run started"
            files = list(temp.glob(f"{kernels.PREFIX}{proc.pid}-*/*.json"))
            assert files  # the connection files are in the run's private folder
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert code == 143, (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert "Hinweis: --workers 99 ist mehr als die" in (tmp_path / "stdout.txt").read_text(
        encoding="utf-8")
    assert not list(temp.rglob("*.json")) and not list(temp.glob(f"{kernels.PREFIX}*"))
    assert not user_runtime.exists() or not list(user_runtime.rglob("*.json"))
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in pids if _alive(pid)]


# -- 3. full disk during run and publication ---------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB file system (tmpfs; needs root)."""
    folder = tmp_path / "klein"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
            capture_output=True, check=False).returncode != 0:
        pytest.skip("a small tmpfs needs root and `mount`")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _last_publication(out: Path) -> None:
    folder = out / "2025-Q4"
    folder.mkdir(parents=True)
    for name in ("16072_Sonneberg.html", "index.html", "Landesvergleich.html"):
        (folder / name).write_text(f"<html>zuletzt veröffentlicht: {name}</html>\n",
                                   encoding="utf-8")
    (folder / "manifest.json").write_text('{"period": "2025-Q4", "reports": []}\n',
                                          encoding="utf-8")
    (folder / "veroeffentlichung.json").write_text('{"artefacts": []}\n', encoding="utf-8")
    (folder / "lauf.log").write_text("2026-01-01T00:00:00 Ende\n", encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "veroeffentlichen"])
def test_full_disk_ends_cleanly_and_keeps_store_and_last_publication(
        demo_store_path: Path, tmp_path: Path, small_disk: Path, command: str) -> None:
    store = tmp_path / "demo.duckdb"
    shutil.copy(demo_store_path, store)
    out = small_disk / "berichte"
    _last_publication(out)
    published = tree(out)
    store_bytes = hashlib.sha256(store.read_bytes()).hexdigest()
    done = cli(command, "--period", "2025-Q4", "--area", "16072", "--workers", "1",
               "--store", str(store), "--out", str(out),
               *(["--fazit", str(tmp_path / "fazit")] if command == "veroeffentlichen" else []))
    assert done.returncode == 1, done.stdout + done.stderr
    err = clean(done)
    assert f"Kein Speicherplatz mehr auf dem Datenträger von {out}" in err, err
    assert "technische Ursache" in err and "No space left on device" in err
    assert hashlib.sha256(store.read_bytes()).hexdigest() == store_bytes
    if command == "run":
        assert tree(out) == published
    else:  # the publication notes start and abort in its log, nothing else changes
        after = tree(out)
        assert {k: v for k, v in after.items() if k != "2025-Q4/lauf.log"} == \
            {k: v for k, v in published.items() if k != "2025-Q4/lauf.log"}
    assert not list(out.glob(".2025-Q4.*")) and not (out / "2025-Q4" / "_fehler").exists()

"""Publish only what passed, and one lock per quarter folder for `run` and `veroeffentlichen`
(issue 12): a disclosure finding leaves the last good publication byte for byte as it was,
and a run and a publication of the same quarter never write its folder at once."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from monitoring.cli.main import main
from monitoring.report.run.compose import notebooks_dir
from monitoring.report.run.lock import LOCK_NAME, RunLock

AREA = "16072"  # Sonneberg: the smallest district of the demo


def _files(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below `folder` except the run log (which records every attempt)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "lauf.log"}


def _publish(root: Path, *extra: str) -> int:
    return main(["veroeffentlichen", "--period", "2025-Q4", "--store", str(root / "s.duckdb"),
                 "--out", str(root / "out"), "--fazit", str(root / "fazit"), "--area", AREA,
                 "--workers", "1", *extra])


def _leaking_notebooks(tmp_path: Path) -> Path:
    """The report notebooks with one cell that prints a person count of 2 (below the
    threshold of 3) – as a careless edit of a section notebook would."""
    target = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), target)
    path = target / "10_angebote_abdeckung.ipynb"
    nb = nbformat.read(path, as_version=4)
    position = next(i for i, c in enumerate(nb.cells) if "setup" in c.metadata.get("tags", []))
    nb.cells.insert(position + 1, nbformat.v4.new_code_cell('print("Teilnehmende: 2")'))
    nbformat.write(nb, path)
    return target


@pytest.mark.slow
def test_a_finding_leaves_the_last_publication_untouched(
        demo_store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(demo_store_path, tmp_path / "s.duckdb")
    (tmp_path / "fazit").mkdir()
    assert _publish(tmp_path) == 0
    folder = tmp_path / "out" / "2025-Q4"
    before = _files(folder)
    report = f"{AREA}_Sonneberg.html"
    assert {report, "index.html", "manifest.json", "veroeffentlichung.json",
            "Integrationsmonitor_2025-Q4.zip"} <= before.keys()
    capsys.readouterr()

    assert _publish(tmp_path, "--notebooks", str(_leaking_notebooks(tmp_path))) == 1
    printed = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
    assert "Fallzahl unter der Geheimhaltungsschwelle" in printed
    assert "Nichts veröffentlicht" in printed
    assert _files(folder) == before  # not one file replaced, none added
    assert not list((tmp_path / "out").glob(".2025-Q4.*"))  # staging removed
    assert not (folder / LOCK_NAME).exists()
    # register and ZIP still describe exactly the files in the folder
    register = json.loads((folder / "veroeffentlichung.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(folder / "Integrationsmonitor_2025-Q4.zip") as archive:
        for entry in register["artefacts"]:
            data = (folder / entry["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
            assert archive.read(entry["file"]) == data, entry["file"]
        assert "Teilnehmende: 2" not in archive.read(report).decode("utf-8")


@pytest.mark.parametrize("command", ["run", "veroeffentlichen"])
def test_run_and_publication_share_the_quarter_lock(
        demo_store_path: Path, tmp_path: Path, command: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    """While the other command holds the lock of ``<out>/2025-Q4`` (taken here by this
    process, as a running `run` or `veroeffentlichen` holds it), the second is refused with a
    German message and writes no report."""
    out = tmp_path / "out"
    folder = out / "2025-Q4"
    with RunLock(folder):
        code = main([command, "--period", "2025-Q4", "--store", str(demo_store_path),
                     "--out", str(out), "--area", AREA, "--workers", "1",
                     "--fazit", str(tmp_path / "fazit")] if command == "veroeffentlichen" else
                    [command, "--period", "2025-Q4", "--store", str(demo_store_path),
                     "--out", str(out), "--area", AREA, "--workers", "1"])
        err = capsys.readouterr().err
        assert code == 2
        assert f"Für {folder} läuft bereits ein Berichtslauf" in err
        assert "Traceback" not in err
        assert not list(folder.glob("*.html")) and not (folder / "manifest.json").exists()
    # another quarter is not blocked by it
    with RunLock(folder), RunLock(out / "2025-Q3") as other:
        assert other.path == out / "2025-Q3" / LOCK_NAME

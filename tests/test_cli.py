"""Bad input on the command line: clear German messages, exit code 2, nothing written."""

import re
from pathlib import Path

import duckdb
import pytest

from monitoring.cli.main import main
from monitoring.store import schema


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2025-Q5"], "JJJJ-Qn"),
    (["--period", "Q4/2025"], "JJJJ-Qn"),
    (["--period", "2019-Q1"], "Verfügbare Quartale: 2023-Q1 bis 2025-Q4"),
    (["--period", "2025-Q4", "--area", "99999"], "nicht vorhanden"),
    (["--period", "2025-Q4", "--area", "16056"], "gehört heute zu 16063"),
    (["--period", "2025-Q4", "--area", "160"], "kein gültiger amtlicher Gebietsschlüssel"),
])
def test_bad_run_input(args: list[str], message: str, demo_store_path: Path, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    code = main(["run", "--store", str(demo_store_path), "--out", str(out), *args])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_missing_and_newer_store(tmp_path: Path, writable_store: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--period", "2025-Q4", "--store", str(tmp_path / "x.duckdb")]) == 2
    assert "nicht gefunden" in capsys.readouterr().err
    con = duckdb.connect(str(writable_store))
    newer = schema.SCHEMA_VERSION + 1
    con.execute("UPDATE meta SET value=? WHERE key='schema_version'", [str(newer)])
    con.close()
    assert main(["run", "--period", "2025-Q4", "--store", str(writable_store)]) == 2
    assert f"Schema-Version {newer}" in capsys.readouterr().err


def test_usage_errors_are_german(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Aufruf: monitoring run") and "usage" not in err
    assert "Fehler im Aufruf: diese Angaben fehlen: --period" in err
    for argv, german in ((["export", "blah"], "ungültige Auswahl 'blah' (möglich: "),
                         (["run", "--period", "2025-Q4", "--schwelle", "x"],
                          "Angabe --schwelle: ungültiger Wert 'x' (erwartet: ganze Zahl)"),
                         (["info", "--unbekannt"], "unbekannte Angaben: --unbekannt")):
        with pytest.raises(SystemExit):
            main(argv)
        assert german in capsys.readouterr().err, argv


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["import", "angebote", "-h"]])
def test_help_has_no_english_boilerplate(argv: list[str],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("Aufruf: monitoring") and "Optionen:" in out
    assert "diese Hilfe zeigen und beenden" in out
    for english in ("usage:", "options:", "show this help", "positional arguments",
                    "show program's version"):
        assert english not in out, english


def test_info_and_areas(demo_store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--store", str(demo_store_path)]) == 0
    out = capsys.readouterr().out
    assert "Demodaten – fiktiv" in out and "Datenstand: 31.12.2025" in out
    assert "Werte statistischer Reihen: " in out and "Akteure: " in out
    assert not re.search(r"\b(area|actor|offer|series_value|target|area_change):", out), out
    assert not re.search(r"\d{4}-\d{2}-\d{2}", out), out  # German dates only
    assert main(["areas", "--store", str(demo_store_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 22 and lines[0].split()[:2] == ["16051", "Erfurt"]


def test_lab_as_root_adds_allow_root_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """Jupyter refuses to start as root without --allow-root (containers, fresh VMs)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "tasks", Path(__file__).resolve().parents[1] / "tasks.py")
    assert spec is not None and spec.loader is not None
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    as_root = [str(a) for a in tasks.lab_command(["--port", "8899"], euid=0)]
    assert as_root[-3:] == ["--port", "8899", "--allow-root"] and as_root[1:3] == ["lab",
                                                                                  "notebooks"]
    assert "--allow-root" in capsys.readouterr().out
    assert "--allow-root" not in [str(a) for a in tasks.lab_command([], euid=1000)]
    given = [str(a) for a in tasks.lab_command(["--allow-root"], euid=0)]
    assert given.count("--allow-root") == 1


def test_areas_of_every_gemeinde_streamed_complete_and_in_order(
        demo_store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`monitoring areas --level gemeinde` streams plain lines: every current Gemeinde of the
    Thuringia store exactly once, by code, code/name/kind tab-separated – checked against
    the area table read directly, and against facts of the packaged geography."""
    assert main(["areas", "--level", "gemeinde", "--store", str(demo_store_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    con = duckdb.connect(str(demo_store_path), read_only=True)
    expected = con.execute("SELECT area_code, name, kind FROM area WHERE level = 'gemeinde' "
                           "AND valid_to IS NULL").fetchall()
    ended = {code for (code,) in con.execute(
        "SELECT area_code FROM area WHERE level = 'gemeinde' AND valid_to IS NOT NULL "
        "EXCEPT SELECT area_code FROM area WHERE level = 'gemeinde' AND valid_to IS NULL"
    ).fetchall()}
    con.close()
    rows = [tuple(line.split("\t")) for line in lines]
    assert len(rows) == len(expected) > 600  # Thuringia has ≈ 600 Gemeinden
    assert sorted(rows) == sorted(expected) and rows == sorted(rows)  # all, once, by code
    assert all(len(code) == 8 and code.startswith("16") for code, _, _ in rows)
    assert any(code == "16051000" and name == "Erfurt" for code, name, _ in rows)
    assert ended and not ended & {code for code, _, _ in rows}  # merged-away: not listed


def test_areas_starts_without_the_heavy_libraries(demo_store_path: Path) -> None:
    """`monitoring areas` in a fresh interpreter lists the Gemeinden without importing pandas,
    geopandas, shapely or plotly (their imports were most of its start: issue #16, < 2 s);
    ``--version`` still answers."""
    import subprocess
    import sys

    probe = ("import sys, runpy; sys.argv = ['monitoring', 'areas', '--level', 'gemeinde', "
             f"'--store', {str(demo_store_path)!r}]\n"
             "try:\n    runpy.run_module('monitoring', run_name='__main__')\n"
             "except SystemExit as end:\n    assert end.code == 0, end.code\n"
             "heavy = ('pandas', 'geopandas', 'shapely', 'plotly', 'babel', 'rich')\n"
             "print('LOADED', [m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[-1] == "LOADED []" and len(out) - 1 > 600 and out[0].startswith("16")
    version = subprocess.run([sys.executable, "-m", "monitoring", "--version"],
                             capture_output=True, text=True, check=True).stdout
    assert re.fullmatch(r"monitoring \d+\.\d+\S*\n", version)

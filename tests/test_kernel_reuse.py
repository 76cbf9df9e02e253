"""A worker keeps its kernel from one report to the next (`monitoring.report.run.warm`):
nothing of one district reaches the next, and a failed report's kernel is not reused.

Runs with ``workers=1``: the reports execute one after another in this process, all through
the same kept kernel – the situation of every worker of a quarter with more districts than
workers. Real papermill kernels throughout.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from monitoring.report import run_quarter
from test_run_robustness import _tiny_sections

pytestmark = pytest.mark.slow

# what one report leaves behind, and the line with which the next one reports what it finds
PROBE = [
    "import os, signal, sys, warnings\n"
    "print('ZUSTAND', os.getpid(), globals().get('geheim'), os.environ.get('MON_LEAK'),\n"
    "      os.path.basename(os.getcwd()), 'leck' in sys.path,\n"
    "      get_ipython().execution_count,\n"
    "      getattr(signal.getsignal(signal.SIGTERM), '__name__', 'standard'),\n"
    "      signal.getitimer(signal.ITIMER_REAL)[0] == 0, sep='|')",
    "geheim = area_code\n"
    "os.environ['MON_LEAK'] = area_code\n"
    "sys.path.append('leck')\n"
    "os.chdir('/')\n"
    "def eigener_handler(*args):\n"
    "    pass\n"
    "signal.signal(signal.SIGTERM, eigener_handler)\n"
    "signal.setitimer(signal.ITIMER_REAL, 3600)\n"
    "if area_code == '16052':\n"
    "    raise RuntimeError('Testfehler')",
]


def _state(report: Path) -> list[str]:
    """The ZUSTAND line a report printed: kernel pid, leaked variable, leaked environment
    variable, working folder, leaked sys.path entry, the cell's number, the SIGTERM handler,
    whether no alarm is pending."""
    [line] = re.findall(r"ZUSTAND\|[^<\n]*", html.unescape(report.read_text(encoding="utf-8")))
    return line.split("|")[1:]


def test_a_kept_kernel_starts_each_report_like_a_new_one(
        demo_store_path: Path, tmp_path: Path) -> None:
    source = _tiny_sections(tmp_path / "notebooks", PROBE)
    summary = run_quarter("2025-Q4", store_path=demo_store_path, out_dir=tmp_path / "out",
                          areas=["16051", "16052", "16053", "16054"], workers=1,
                          notebooks=source)
    status = {r.area_code: r for r in summary.results}
    assert [status[c].status for c in sorted(status)] == ["ok", "failed", "ok", "ok"]
    # the failing cell is numbered as in a kernel of its own: In [1] parameters, [2] injected
    # parameters, [3] probe, [4] the cell that raises
    assert status["16052"].error == "Fehler im Notebook (Zelle 4): RuntimeError: Testfehler"
    folder = tmp_path / "out" / "2025-Q4"
    erfurt, jena, suhl = (_state(next(folder.glob(f"{code}_*.html")))
                          for code in ("16051", "16053", "16054"))
    # Erfurt ran in a new kernel; the probe is In [3], while it runs IPython's counter says 4
    fresh = ["None", "None", "notebooks", "False", "4", "standard", "True"]
    assert erfurt[1:] == jena[1:] == suhl[1:] == fresh
    # Gera failed: Jena got a new kernel; Suhl got Jena's, reset
    assert jena[0] != erfurt[0]
    assert suhl[0] == jena[0]


_VOLATILE = [
    # plotly's div ids and the CSP hashes of the scripts that name them
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    re.compile(r"'sha256-[A-Za-z0-9+/=]+'"),
    re.compile(r'id="cell-id=[0-9a-f]+"'),  # papermill's injected-parameters cell
    re.compile(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr"),  # „erstellt …“: runs may straddle a minute
]


def _comparable(report: Path) -> str:
    text = report.read_text(encoding="utf-8")
    for pattern in _VOLATILE:
        text = pattern.sub("…", text)
    return text


def test_a_report_in_a_kept_kernel_is_the_report_of_a_new_kernel(
        demo_store_path: Path, tmp_path: Path) -> None:
    """Gera's report after Erfurt's in the same kernel equals Gera's report in a kernel of its
    own (apart from random ids): with its own copy of plotly.js, the same figures, tables and
    texts."""
    kept = run_quarter("2025-Q4", store_path=demo_store_path, out_dir=tmp_path / "kept",
                       areas=["16051", "16052"], workers=1)
    alone = run_quarter("2025-Q4", store_path=demo_store_path, out_dir=tmp_path / "alone",
                        areas=["16052"], workers=1, reuse_kernels=False)
    assert kept.ok and alone.ok, [r.error for r in [*kept.failed, *alone.failed]]
    gera = "16052_Gera.html"
    reused = _comparable(tmp_path / "kept" / "2025-Q4" / gera)
    assert reused == _comparable(tmp_path / "alone" / "2025-Q4" / gera)
    assert reused.count("window.PlotlyConfig") == 1

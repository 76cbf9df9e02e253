#!/usr/bin/env python3
"""Set-up-and-run entry points that need nothing but Python 3.11+ and a package index.

    python3 tasks.py demo    # virtual environment + install + demo store + reports for 2025-Q4
    python3 tasks.py test    # … + test tools + Chromium, then ruff, mypy and pytest
    python3 tasks.py lab     # … + JupyterLab, opened on notebooks/

Only the standard library is used here, so this file runs on a fresh machine (Linux, macOS,
Windows). Extra arguments after the task are passed on (to `monitoring demo` or to pytest;
`python3 tasks.py test -m "not slow" -n 2` is the quick inner loop).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if platform.system() == "Windows" else "bin")
PYTHON = BIN / ("python.exe" if platform.system() == "Windows" else "python")


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def run(*command: str | Path, **kwargs: object) -> int:
    return subprocess.call([str(c) for c in command], cwd=ROOT, **kwargs)  # type: ignore[arg-type]


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 oder neuer wird benötigt.")
    if not PYTHON.exists():
        say(f"Lege die virtuelle Umgebung {VENV} an")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("Installiere den Integrationsmonitor und seine Abhängigkeiten (einmalig, 1–2 Minuten)")
    target = f".[{extras}]" if extras else "."
    if run(PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target):
        sys.exit("Die Installation ist fehlgeschlagen (siehe Meldungen oben).")
    stamp.write_text(digest)


# Debian tools the tests drive for real: command → (package, what needs it).
TEST_TOOLS = {
    "chromium": ("chromium", "Browser-Test der HTML-Berichte"),
    "soffice": ("libreoffice-impress", "Folien-Test (PowerPoint in LibreOffice öffnen)"),
    "pdftoppm": ("poppler-utils", "PDF-Seiten als Bild prüfen"),
}


def ensure_test_tools() -> None:
    """Install missing Debian tools with apt when we may; otherwise say which tests will skip."""
    missing = {cmd: spec for cmd, spec in TEST_TOOLS.items() if not shutil.which(cmd)}
    apt = shutil.which("apt-get")
    if missing and apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        packages = sorted({package for package, _ in missing.values()})
        say(f"Installiere für die Tests: {', '.join(packages)} (apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(apt, "update", "-qq", env=env, stdout=subprocess.DEVNULL)
        for package in packages:  # LibreOffice without its (large) recommended extras
            lean = ["--no-install-recommends"] if package.startswith("libreoffice") else []
            run(apt, "install", "-y", "-qq", *lean, package, env=env, stdout=subprocess.DEVNULL)
    for cmd, (package, purpose) in TEST_TOOLS.items():
        if not shutil.which(cmd):
            say(f"{cmd} fehlt: {purpose} wird übersprungen "
                f"(Debian/Ubuntu: sudo apt-get install {package})")


# Paths ruff lints (mypy checks `src`, configured in pyproject.toml).
LINT_PATHS = ("src", "tests", "benchmarks", "scripts", "notebooks", "tasks.py")


def test(pytest_args: list[str]) -> int:
    """Lint, type check, then pytest; the first failing step ends the run with its exit code."""
    say("Prüfe den Code mit ruff (Stil und typische Fehler)")
    if code := run(PYTHON, "-m", "ruff", "check", *LINT_PATHS):
        say("ruff hat Befunde gemeldet (siehe oben); erst beheben, dann laufen die Tests")
        return code
    say("Prüfe die Typen mit mypy (src)")
    if code := run(PYTHON, "-m", "mypy"):
        say("mypy hat Typfehler gemeldet (siehe oben); erst beheben, dann laufen die Tests")
        return code
    say("Starte die Tests (pytest)")
    # the 25 slowest tests at the end: where the suite's time goes, in every CI log
    return run(PYTHON, "-m", "pytest", "--durations=25", *pytest_args)


def lab_command(rest: list[str], *, euid: int) -> list[str | Path]:
    """The JupyterLab command line. Jupyter refuses to run as root („Running as root is not
    recommended. Use --allow-root to bypass.“) – common in containers and on a fresh VM –
    so as root `--allow-root` is added, and said."""
    extra = list(rest)
    if euid == 0 and "--allow-root" not in extra:
        say("Als root gestartet: JupyterLab läuft mit --allow-root (besser als normaler "
            "Benutzer starten)")
        extra.append("--allow-root")
    return [BIN / "jupyter", "lab", "notebooks", *extra]


def main(argv: list[str]) -> int:
    task, rest = (argv[0] if argv else "help"), argv[1:]
    if task == "demo":
        ensure_venv("")
        return run(BIN / "monitoring", "demo", *rest)
    if task == "test":
        ensure_venv("test")
        ensure_test_tools()
        return test(rest)
    if task == "lab":
        ensure_venv("lab")
        return run(*lab_command(rest, euid=getattr(os, "geteuid", lambda: -1)()))
    print(__doc__)
    return 0 if task == "help" else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Set-up-and-run entry points that need nothing but Python 3.11+ and a package index.

    python3 tasks.py demo    # virtual environment + install + demo store + reports for 2025-Q4
    python3 tasks.py test    # virtual environment + install with test tools + Chromium + pytest
    python3 tasks.py lab     # … + JupyterLab, opened on notebooks/

Only the standard library is used here, so this file runs on a fresh machine (Linux, macOS,
Windows). Extra arguments after the task are passed on (to `monitoring demo` or to pytest).
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


def ensure_chromium() -> None:
    """The browser test uses Debian's Chromium; install it with apt when we may."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("Installiere Chromium für den Browser-Test (apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(apt, "update", "-qq", env=env, stdout=subprocess.DEVNULL)
        run(apt, "install", "-y", "-qq", "chromium", env=env, stdout=subprocess.DEVNULL)
    if not shutil.which("chromium"):
        say("Chromium ist nicht installiert: der Browser-Test wird übersprungen "
            "(Debian/Ubuntu: sudo apt-get install chromium)")


def ensure_office_tools() -> None:
    """The publishing tests open the deck in LibreOffice and look at PDF pages (pdftoppm)."""
    if shutil.which("soffice") and shutil.which("pdftoppm"):
        return
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("Installiere LibreOffice Impress und poppler-utils für die Veröffentlichungs-Tests")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(apt, "update", "-qq", env=env, stdout=subprocess.DEVNULL)
        run(apt, "install", "-y", "-qq", "--no-install-recommends", "libreoffice-impress",
            "poppler-utils", env=env, stdout=subprocess.DEVNULL)
    if not shutil.which("soffice"):
        say("LibreOffice ist nicht installiert: der Folien-Test wird übersprungen "
            "(Debian/Ubuntu: sudo apt-get install libreoffice-impress poppler-utils)")


def main(argv: list[str]) -> int:
    task, rest = (argv[0] if argv else "help"), argv[1:]
    if task == "demo":
        ensure_venv("")
        return run(BIN / "monitoring", "demo", *rest)
    if task == "test":
        ensure_venv("test")
        ensure_chromium()
        ensure_office_tools()
        return run(PYTHON, "-m", "pytest", *rest)
    if task == "lab":
        ensure_venv("lab")
        return run(BIN / "jupyter", "lab", "notebooks", *rest)
    print(__doc__)
    return 0 if task == "help" else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

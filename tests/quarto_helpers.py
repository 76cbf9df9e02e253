"""Helpers shared by the Quarto tests: a copy of the Quarto project, ``quarto render`` run as a
user would, a period folder of published files, and the browser check of rendered pages."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTION = "10_angebote_abdeckung.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def quarto_project(tmp_path: Path) -> Path:
    """The project files a user renders with: notebooks, _quarto.yml, its scripts, .gitignore."""
    project = tmp_path / "projekt"
    shutil.copytree(ROOT / "notebooks", project / "notebooks")
    (project / "scripts").mkdir()
    for name in ("_quarto.yml", ".gitignore", "pyproject.toml",
                 "scripts/quarto_keep_sources.py", "scripts/quarto_one_title.lua"):
        shutil.copyfile(ROOT / name, project / name)
    return project


def quarto(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUARTO_PYTHON": sys.executable,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "src"),
                                                      os.environ.get("PYTHONPATH")) if p)}
    return subprocess.run(["quarto", "render", *args], cwd=project, env=env,
                          capture_output=True, text=True, check=False, timeout=600)


def period_folder(out: Path) -> Path:
    period = out / "2025-Q4"
    period.mkdir(parents=True)
    reports = [("16071", "Weimarer Land"), ("16054", "Suhl"), ("16068", "Sömmerda"),
               ("16064", "Unstrut-Hainich-Kreis"), ("16051", "Erfurt")]
    for code, name in reports:
        (period / f"{code}_{name}.html").write_text(f"<html><body>{name}</body></html>")
    (period / "index.html").write_text("<html><body>Übersicht</body></html>")
    (period / "manifest.json").write_text(json.dumps({"reports": [
        {"area_code": c, "name": n, "file": f"{c}_{n}.html"} for c, n in reports]}))
    # the register lists the overview first, as `veroeffentlichen` writes it
    (period / "veroeffentlichung.json").write_text(json.dumps({"artefacts": [
        {"file": "index.html", "format": "html", "area_code": "16"}] + [
        {"file": f"{c}_{n}.html", "format": "html", "area_code": c} for c, n in reports]}))
    return period


# emoji and pictographs (🟢🟡🔴⚪ need an emoji font; without one they show as empty boxes)
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")

# what a page may load from elsewhere: nothing (links a reader clicks, <a href>, are fine)
_LOADED = re.compile(r"<(?:script|img|iframe|source|embed)\b[^>]*\bsrc=\"(https?:[^\"]*)\"|"
                     r"<link\b[^>]*\bhref=\"(https?:[^\"]*)\"|url\(['\"]?(https?:[^)'\"]*)",
                     re.IGNORECASE)


def external_resources(html: str) -> list[str]:
    """Every http(s) address `html` would load by itself (scripts, styles, images, fonts)."""
    return [next(g for g in m.groups() if g) for m in _LOADED.finditer(html)]

"""Keep the report notebooks unchanged when Quarto renders them (``_quarto.yml`` pre/post-render).

``quarto render notebooks/x.ipynb --execute -P …`` executes a notebook *in place*: Quarto's
Jupyter engine writes the executed notebook – outputs and an ``injected-parameters`` cell –
back into the source file, and no Quarto option prevents that. So the project runs this script
before and after every render:

    python scripts/quarto_keep_sources.py vorher    # copy each notebook to be rendered
    python scripts/quarto_keep_sources.py nachher   # put the copies back, byte for byte

The copies live in ``.quarto/monitoring-quellen/`` (Quarto's scratch folder, git-ignored).
``nachher`` also makes the rendered HTML files work offline: Quarto puts require.js and jQuery
from a CDN (or, on a machine that is online, embedded) into every notebook page with an HTML
output; the reports need neither – with require.js, plotly.js would not even set
``window.Plotly`` – so both go (as in ``monitoring.report.run.render.without_cdn_scripts``).
A render that fails leaves its copies behind; the next ``vorher`` puts such a copy back only if
the notebook was written by that render (it carries an ``injected-parameters`` cell) and
otherwise keeps the notebook as it is (an edit made since wins). Standard library only: Quarto
runs it with its own Python.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STASH = ROOT / ".quarto" / "monitoring-quellen"


def _listed(kind: str, suffix: str) -> list[Path]:
    listing = os.environ.get(f"QUARTO_PROJECT_{kind}_FILES", "")
    named = os.environ.get(f"QUARTO_USE_FILE_FOR_PROJECT_{kind}_FILES")
    if named and Path(named).is_file():
        listing = Path(named).read_text(encoding="utf-8")
    return [ROOT / line.strip() for line in listing.splitlines()
            if line.strip().endswith(suffix)]


def _inputs() -> list[Path]:
    return _listed("INPUT", ".ipynb")


_SCRIPT_TAG = re.compile(r'<script\b[^>]*\bsrc="([^"]*)"[^>]*>\s*</script>\s*')
_CDN_LIBRARY = re.compile(r"^https?://cdn\.jsdelivr\.net/npm/(requirejs|jquery)@")
_EMBEDDED_LIBRARY = ("@license RequireJS", "jQuery v", "jQuery JavaScript Library")
_JQUERY_AMD_SHIM = re.compile(r'<script type="application/javascript">\s*define\(\s*'
                              r"'jquery',[^<]*</script>\s*")


def _widget_library(src: str) -> bool:
    if _CDN_LIBRARY.match(src):
        return True
    if src.startswith("data:application/javascript;base64,"):
        head = src.split(",", 1)[1][:400]
        try:
            text = base64.b64decode(head[: len(head) // 4 * 4]).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return False
        return any(marker in text for marker in _EMBEDDED_LIBRARY)
    return False


def without_cdn_scripts(html: str) -> str:
    """`html` without the require.js/jQuery scripts Quarto adds for notebook outputs."""
    cleaned = _SCRIPT_TAG.sub(lambda m: "" if _widget_library(m.group(1)) else m.group(0), html)
    return _JQUERY_AMD_SHIM.sub("", cleaned) if cleaned != html else html


def _make_offline() -> None:
    for page in _listed("OUTPUT", ".html"):
        if not page.is_file():
            continue
        html = page.read_text(encoding="utf-8")
        cleaned = without_cdn_scripts(html)
        if cleaned != html:
            page.write_text(cleaned, encoding="utf-8")


def _was_rendered(path: Path) -> bool:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any("injected-parameters" in c.get("metadata", {}).get("tags", [])
               for c in nb.get("cells", []))


def _restore() -> list[Path]:
    restored = []
    for copy in sorted(STASH.rglob("*.ipynb")) if STASH.is_dir() else []:
        source = ROOT / copy.relative_to(STASH)
        shutil.copyfile(copy, source)
        copy.unlink()
        restored.append(source)
    return restored


def before() -> None:
    for copy in sorted(STASH.rglob("*.ipynb")) if STASH.is_dir() else []:
        source = ROOT / copy.relative_to(STASH)
        if source.exists() and _was_rendered(source):
            shutil.copyfile(copy, source)
            print(f"Notebook {source.relative_to(ROOT)} nach abgebrochenem Quarto-Lauf "
                  "wiederhergestellt.", file=sys.stderr)
        copy.unlink()
    for source in _inputs():
        if source.is_file():
            copy = STASH / source.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)


def after() -> None:
    _restore()
    _make_offline()


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step == "vorher":
        before()
    elif step == "nachher":
        after()
    else:
        sys.exit("Aufruf: python scripts/quarto_keep_sources.py vorher|nachher")

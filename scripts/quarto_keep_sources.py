"""Keep the report notebooks unchanged when Quarto renders them (``_quarto.yml`` pre/post-render).

``quarto render notebooks/x.ipynb --execute -P …`` executes a notebook *in place*: Quarto's
Jupyter engine writes the executed notebook – outputs and an ``injected-parameters`` cell –
back into the source file, and no Quarto option prevents that. So the project runs this script
before and after every render:

    python scripts/quarto_keep_sources.py vorher    # copy each notebook to be rendered
    python scripts/quarto_keep_sources.py nachher   # put the copies back, byte for byte

The copies live in ``.quarto/monitoring-quellen/`` (Quarto's scratch folder, git-ignored).
A render that fails leaves its copies behind; the next ``vorher`` puts such a copy back only if
the notebook was written by that render (it carries an ``injected-parameters`` cell) and
otherwise keeps the notebook as it is (an edit made since wins). Standard library only: Quarto
runs it with its own Python.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STASH = ROOT / ".quarto" / "monitoring-quellen"


def _inputs() -> list[Path]:
    listing = os.environ.get("QUARTO_PROJECT_INPUT_FILES", "")
    named = os.environ.get("QUARTO_USE_FILE_FOR_PROJECT_INPUT_FILES")
    if named and Path(named).is_file():
        listing = Path(named).read_text(encoding="utf-8")
    return [ROOT / line.strip() for line in listing.splitlines()
            if line.strip().endswith(".ipynb")]


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


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step == "vorher":
        before()
    elif step == "nachher":
        after()
    else:
        sys.exit("Aufruf: python scripts/quarto_keep_sources.py vorher|nachher")

"""Rebuild the plotly.js partial bundle the reports inline (`src/monitoring/data/plotly/`).

The reports draw only bar, scatter and choropleth traces, yet inlined the whole plotly.js
(4.8 MB of every report). This script builds plotly.js with only those trace types – the
same plotly.js version as the one plotly.py ships, so figures look and behave the same – and
writes it as package data with its MIT licence and a manifest (version, trace types, hash):

    .venv/bin/python scripts/build_plotly_bundle.py             # needs node and npm
    .venv/bin/python scripts/build_plotly_bundle.py --traces bar,choropleth,pie

What it does: installs the pinned npm packages (``plotly.js`` of the version in plotly.py's
own bundle, ``esbuild``, ``acorn``) into a temporary folder without running install scripts,
bundles ``plotly.js/lib/core`` with the named trace modules (`plotly_bundle.mjs`, next to
this file), minified, and puts plotly.js's licence header on top – Quarto recognises the
library by that header and moves it into the page head. The trace types the bundle
registers are read back from the built file and must be exactly the requested ones plus
``scatter`` (always in plotly.js's core). Two packages only used for features the reports
never use are left out (country names as locations, projections beyond d3-geo's; see
`plotly_bundle.mjs`); the manifest lists the map projections that remain.
``tests/test_plotly_bundle.py`` checks that every trace type and projection our figures
produce is among them: a new trace type means rebuilding here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "monitoring" / "data" / "plotly"
BUNDLE = "plotly-berichte.min.js"
ESBUILD = "0.28.2"
ACORN = "8.15.0"
REGISTERED = re.compile(r'moduleType:"trace",name:"([a-z0-9]+)"')


def plotly_py_version() -> str:
    """The plotly.js version inside the installed plotly.py (its bundle's licence header)."""
    from plotly.offline import get_plotlyjs

    found = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", get_plotlyjs()[:400])
    if found is None:
        raise SystemExit("plotly.py's bundle has no plotly.js version header")
    return found.group(1)


def registered_traces(bundle: str) -> list[str]:
    """The trace types a built bundle registers (the `moduleType: 'trace'` modules)."""
    return sorted(set(REGISTERED.findall(bundle)))


def _run(command: list[str], cwd: Path) -> None:
    print("$", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def build(version: str, traces: list[str]) -> dict[str, object]:
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        raise SystemExit("node and npm are needed to build the bundle")
    with tempfile.TemporaryDirectory(prefix="plotly-bundle-") as tmp:
        work = Path(tmp)
        (work / "package.json").write_text(json.dumps({
            "name": "monitoring-plotly-bundle", "private": True,
            "dependencies": {"plotly.js": version, "esbuild": ESBUILD, "acorn": ACORN}}))
        _run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts"], work)
        shutil.copy(Path(__file__).with_name("plotly_bundle.mjs"), work)
        _run([node, "plotly_bundle.mjs", "out.js", *traces], work)
        package = work / "node_modules" / "plotly.js"
        header = (package / "dist" / "plotly.min.js").read_text("utf-8").split("*/", 1)[0]
        if f"plotly.js v{version}" not in header:
            raise SystemExit(f"unexpected licence header in plotly.js {version}: {header!r}")
        note = (f"/* Partial bundle for the Integrationsmonitor reports: traces "
                f"{', '.join(['scatter', *traces])}, without country names and extra "
                f"projections; built by scripts/build_plotly_bundle.py with esbuild {ESBUILD}. "
                "The licences of the bundled packages are at the end. */")
        extra = json.loads((work / "out.js.json").read_text("utf-8"))
        text = header + "*/\n" + note + "\n" + (work / "out.js").read_text("utf-8")
        found = registered_traces(text)
        if found != sorted({"scatter", *traces}):
            raise SystemExit(f"the bundle registers {found}, expected scatter + {traces}")
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / BUNDLE).write_text(text, encoding="utf-8")
        shutil.copy(package / "LICENSE", OUT / "LICENSE.txt")
    manifest: dict[str, object] = {
        "file": BUNDLE, "plotly_js": version, "traces": found,
        "projections": sorted(extra["projections"]), "left_out": extra["left_out"],
        "bytes": len(text.encode("utf-8")),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "built_with": {"esbuild": ESBUILD, "acorn": ACORN,
                       "script": "scripts/build_plotly_bundle.py"},
    }
    (OUT / "bundle.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", help="plotly.js version (default: plotly.py's own)")
    parser.add_argument("--traces", default="bar,choropleth",
                        help="trace modules besides scatter, comma-separated")
    args = parser.parse_args(argv)
    traces = [t.strip() for t in args.traces.split(",") if t.strip()]
    manifest = build(args.version or plotly_py_version(), traces)
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

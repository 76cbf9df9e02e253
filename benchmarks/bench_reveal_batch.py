"""Benchmark: the revealjs Kreistag decks, one `quarto render` each vs. one batched render.

    export PATH="$(../shared/quarto/setup-quarto.sh):$PATH"
    .venv/bin/python benchmarks/bench_reveal_batch.py [--areas N] [--rounds R]

Issue 13 asked whether batching the decks of a quarter into one Quarto project render (Deno,
Sass and Pandoc start once instead of once per deck) would close the gap between the Quarto
and the built-in publication. In one process it builds a demo store, collects the deck content
of the first N districts (`evaluation.collect`) and then, R times in turn:

1. baseline – `reveal.render_deck` per district, as `veroeffentlichen` does today (serially
   here, in the format workers there);
2. batched – the same decks written into one Quarto project (a folder per district with its
   `folien.qmd`, map and style sheet) and rendered with one ``quarto render --to revealjs``.

It prints both times per round, their ratio (batched/baseline) and the load. A measurement,
not a test: it asserts nothing. The machine is shared, so timings are noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monitoring.demo.build import build_demo_store
from monitoring.io import settings
from monitoring.report.publish import evaluation
from monitoring.report.publish.reveal import CSS_FILE, MAP_FILE, deck_css, deck_qmd, render_deck
from monitoring.store.database import open_store
from monitoring.views.scope import districts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    if shutil.which("quarto") is None:
        print("Quarto fehlt im PATH / Quarto not on PATH")
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-reveal-") as tmp:
        root = Path(tmp)
        store = build_demo_store(root / "demo.duckdb")
        with open_store(store) as s:
            codes = list(districts(s)["area_code"])[: args.areas]
            resolved = settings.resolve(store=s)
            facts = {c: evaluation.collect(s, c, "2025-Q4", settings=resolved) for c in codes}
        print(f"{len(codes)} Foliensätze / decks ({', '.join(codes)}), {os.cpu_count()} CPUs")
        (root / "einzeln").mkdir()
        ratios = []
        for round_ in range(1, args.rounds + 1):
            started = time.perf_counter()
            for code in codes:
                render_deck(deck_qmd(facts[code]), facts[code].figures["map"],
                            root / "einzeln" / f"{code}.html")
            single = time.perf_counter() - started
            project = root / f"projekt{round_}"
            project.mkdir()
            (project / "_quarto.yml").write_text("project:\n  type: default\n")
            for code in codes:
                folder = project / code
                folder.mkdir()
                (folder / "folien.qmd").write_text(deck_qmd(facts[code]), encoding="utf-8")
                (folder / MAP_FILE).write_bytes(facts[code].figures["map"])
                (folder / CSS_FILE).write_text(deck_css(), encoding="utf-8")
            started = time.perf_counter()
            result = subprocess.run(["quarto", "render", "--to", "revealjs"], cwd=project,
                                    capture_output=True, text=True, check=False)
            batched = time.perf_counter() - started
            made = len(list(project.glob("*/folien.html")))
            if result.returncode != 0 or made != len(codes):
                print("Quarto-Fehler / error:", result.stderr[-1500:])
                return 1
            ratios.append(batched / single)
            print(f"  Runde / round {round_}: einzeln / one render per deck {single:6.1f} s, "
                  f"gebündelt / one batched render {batched:6.1f} s, ratio {ratios[-1]:.2f}; "
                  "load " + " / ".join(f"{v:.1f}" for v in os.getloadavg()), flush=True)
        print(f"RESULT decks={len(codes)} ratio_batched_single={min(ratios):.2f}"
              f"..{max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

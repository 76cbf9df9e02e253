"""Benchmark: the revealjs Kreistag decks, one `quarto render` each vs. one batched render.

    export PATH="$(../shared/quarto/setup-quarto.sh):$PATH"
    .venv/bin/python benchmarks/bench_reveal_batch.py [--areas N] [--rounds R]

Issue 13 asked whether batching the decks of a quarter into one Quarto project render (Deno,
Sass and Pandoc start once instead of once per deck) would close the gap between the Quarto
and the built-in publication. In one process it builds a demo store, collects the deck content
of the first N districts (`evaluation.collect`) and then, R times in turn:

1. baseline – `reveal.render_deck` per district: one Quarto process per deck (serially);
2. batched – the same decks as `veroeffentlichen` renders them: one `reveal.DeckBatch` (one
   ``quarto render --to revealjs`` for all decks), each deck then made one self-contained
   file by `run.embed` (as in the baseline).

It prints both times per round, their ratio (batched/baseline) and the load. A measurement,
not a test: it asserts nothing. The machine is shared, so timings are noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from monitoring.demo.build import build_demo_store
from monitoring.errors import ReportError
from monitoring.io import settings
from monitoring.report.publish import evaluation
from monitoring.report.publish.reveal import DeckBatch, deck_qmd, render_batches, render_deck
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
            batch = DeckBatch(root / f"stapel{round_}")
            for code in codes:
                batch.add(code, lambda map_file, c=code: deck_qmd(facts[c], map_file=map_file),
                          facts[code].figures["map"])
            (root / f"gebuendelt{round_}").mkdir()
            started = time.perf_counter()
            try:
                made = render_batches([batch], root / f"gebuendelt{round_}")
            except ReportError as err:
                print("Quarto-Fehler / error:", err, err.detail)
                return 1
            batched = time.perf_counter() - started
            if len(made) != len(codes):
                print("Quarto-Fehler / error: decks missing")
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

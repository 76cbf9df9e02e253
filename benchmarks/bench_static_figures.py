"""What the static PNG next to every plotly figure costs a district report (issue 13 item 4).

Executes the composed quarterly report of one district once with papermill (as `monitoring
run` does: no PNGs, they are for print targets only), then, in the same process, draws every
figure of the executed notebook again: once as the HTML fragment the report renderer already
makes (`plotly.io.to_html`, the baseline) and once as the static PNG
(`monitoring.present.static_figure.png`). Prints the execution time, the time of the PNGs,
their share of the execution and the ratio to the HTML fragments. Asserts nothing.

    .venv/bin/python benchmarks/bench_static_figures.py [--area 16070] 2>/dev/null
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm
import plotly.io as pio

from monitoring.demo.build import build_demo_store
from monitoring.present import static_figure
from monitoring.present.notebook import PLOTLY_CONFIG
from monitoring.report.run.compose import REPORTS, compose, notebooks_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--area", default="16070")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = build_demo_store(folder / "demo.duckdb")
        source = notebooks_dir()
        nbformat.write(compose(REPORTS["quartalsbericht"], source), folder / "bericht.ipynb")
        started = time.perf_counter()
        pm.execute_notebook(str(folder / "bericht.ipynb"), str(folder / "aus.ipynb"),
                            kernel_name="python3", cwd=str(source), progress_bar=False,
                            parameters={"area_code": args.area, "period": "2025-Q4",
                                        "store_path": str(store), "settings_json": ""})
        executed = time.perf_counter() - started
        nb = nbformat.read(folder / "aus.ipynb", as_version=4)
        figures = [o["data"]["application/vnd.plotly.v1+json"] for c in nb.cells
                   if c.cell_type == "code" for o in c.get("outputs", [])
                   if "application/vnd.plotly.v1+json" in o.get("data", {})]
        static_figure.png(figures[0])  # import matplotlib outside the timing
        started = time.perf_counter()
        for fig in figures:
            pio.to_html(fig, full_html=False, include_plotlyjs=False, include_mathjax=False,
                        config=PLOTLY_CONFIG, validate=False)
        html = time.perf_counter() - started
        started = time.perf_counter()
        sizes = [len(static_figure.png(fig)) for fig in figures]
        png = time.perf_counter() - started
    print(f"district {args.area}: {len(figures)} figures")
    print(f"execution of the report (with PNGs): {executed:7.1f} s")
    print(f"HTML fragments (baseline):           {html:7.2f} s")
    print(f"static PNGs:                         {png:7.2f} s "
          f"({png / len(figures):.2f} s per figure, {sum(sizes) / 1e6:.1f} MB in the notebook)")
    print(f"PNGs / execution: {png / executed:.1%};  PNGs / HTML fragments: {png / html:.1f}x")


if __name__ == "__main__":
    main()

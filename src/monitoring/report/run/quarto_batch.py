"""Quarto renders the reports of a run in batches: one Quarto process for several reports.

A Quarto process spends more than a second starting (Deno, Sass, Pandoc's Lua filters) before
it renders anything; one process per report made Quarto the slowest part of a run. So a
worker hands its executed report over as Quarto will read it (`render.prepare_for_batch`:
the outputs held back, `render.held_outputs`, and the report's front matter), and the run's
main process (`Batches`) starts one ``quarto render`` as soon as `BATCH_SIZE` reports are
ready – while the workers execute the next ones – and splits the rest between the workers'
cores at the end. Each page is then finished as a single report's is
(`render.quarto_report_page`) and written into the staging folder.

A batch Quarto could not render is rendered again report by report, so that only the report
that fails is reported as failed, with its own cause.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from monitoring.errors import ReportError
from monitoring.io.files import atomic_path
from monitoring.report.run.embed import EmbedError, embedded
from monitoring.report.run.render import (
    INCOMING,
    quarto_css,
    quarto_report_page,
    render_html,
    start_quarto_batch,
)
from monitoring.report.run.worker import ReportResult, describe, disk_full

BATCH_SIZE = 6  # reports per Quarto process: the start is shared, the run still overlaps


@dataclass
class _Batch:
    folder: Path
    results: list[ReportResult]
    jobs: list[dict[str, str]]
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.perf_counter)


class Batches:
    """The run's Quarto batches: `add` each executed report, `finish` at the end.

    `root` is the folder the workers prepare into, `staging` the run's staging folder for
    the finished pages."""

    def __init__(self, root: Path, staging: Path, size: int = BATCH_SIZE,
                 parallel: int = 1) -> None:
        self.root, self.staging, self.size = root, staging, size
        self.parallel = max(1, parallel)  # Quarto processes for the rest (the workers' cores)
        self.waiting: list[tuple[ReportResult, dict[str, str]]] = []
        self.running: list[_Batch] = []
        self.count = 0

    def add(self, result: ReportResult, job: dict[str, str]) -> list[ReportResult]:
        """Queue a report executed and prepared by a worker; returns the reports of batches
        that finished meanwhile (their pages written, or failed)."""
        self.waiting.append((result, job))
        if len(self.waiting) >= self.size:
            self._start()
        return self.done()

    def done(self) -> list[ReportResult]:
        """The reports of every batch whose Quarto has ended."""
        finished = [b for b in self.running if b.process.poll() is not None]
        self.running = [b for b in self.running if b not in finished]
        return [r for batch in finished for r in self._collect(batch)]

    def finish(self) -> list[ReportResult]:
        """Render what still waits and wait for every batch; returns their reports. The
        workers are done: the rest is split between `parallel` Quarto processes."""
        waiting, parts = self.waiting, min(self.parallel, len(self.waiting))
        for part in range(parts):
            self.waiting = waiting[part::parts]
            self._start()
        out: list[ReportResult] = []
        for batch in self.running:
            batch.process.wait()
            out += self._collect(batch)
        self.running = []
        return out

    def stop(self) -> None:
        """Stop every running Quarto at once (the run was interrupted)."""
        for batch in self.running:
            batch.process.kill()
            batch.process.wait()
        self.running = []

    def _start(self) -> None:
        self.count += 1
        folder = self.root / f"stapel-{self.count}"
        folder.mkdir(parents=True)
        (folder / "bericht.css").write_text(quarto_css(), encoding="utf-8")
        results, jobs = [r for r, _ in self.waiting], [j for _, j in self.waiting]
        for job in jobs:
            for suffix in (".ipynb", ".held.json"):
                name = job["area_code"] + suffix
                (self.root / INCOMING / name).rename(folder / name)
        self.waiting = []
        self.running.append(_Batch(folder, results, jobs,
                                   start_quarto_batch(folder, "*.ipynb", "html")))

    def _collect(self, batch: _Batch) -> list[ReportResult]:
        """Write the pages of an ended batch; a report without its page is rendered alone."""
        share = (time.perf_counter() - batch.started) / len(batch.results)
        for result, job in zip(batch.results, batch.jobs, strict=True):
            result.rendering = False
            try:
                html = _page(batch, job["area_code"])
                if html is not None:
                    with atomic_path(self.staging / job["file"]) as tmp:
                        tmp.write_text(html, encoding="utf-8")
                else:  # alone, so that its own error is named
                    executed = nbformat.read(self.staging / "_notebooks"
                                             / f"{job['area_code']}.ipynb", as_version=4)
                    render_html(executed, self.staging / job["file"], title=job["title"],
                                renderer="quarto")
                result.bytes = (self.staging / job["file"]).stat().st_size
                result.seconds += share
            except (OSError, ValueError, ReportError) as err:
                result.status, result.file, result.bytes = "failed", None, None
                result.error = describe(err)
                result.disk_full = disk_full(err)
        shutil.rmtree(batch.folder, ignore_errors=True)
        return batch.results


def _page(batch: _Batch, name: str) -> str | None:
    """The finished page of report `name` from its batch – None when Quarto did not render
    it or its scripts cannot be written into it (`embed.EmbedError`)."""
    page = batch.folder / f"{name}.html"
    if batch.process.returncode != 0 or not page.is_file():
        return None
    held = json.loads((batch.folder / f"{name}.held.json").read_text(encoding="utf-8"))
    try:
        return quarto_report_page(embedded(page.read_text(encoding="utf-8"), batch.folder),
                                  held)
    except EmbedError:
        return None

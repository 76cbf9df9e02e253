"""The scheduled quarterly publication: every district, every format, checked, then shared.

`publish_quarter` is one idempotent command (``monitoring veroeffentlichen``):

Under the quarter's lock (`lock.RunLock` of ``<out>/<period>/``, the same lock `monitoring
run` takes, so a run and a publication never write the folder at once), everything is built
in one staging folder ``<out>/.<period>.publish-<pid>/``:

0. the quarter snapshot (`monitoring.views.snapshot`): the state-wide results – indicator
   panel, protected panel, accessibility of every municipality, districts – computed once and
   read by every HTML report and every format worker below;
1. the HTML quarterly reports, ``_fehler/``, the manifest and the index
   (`runner.run_quarter` with ``stage_into``, parallel papermill);
2. per district the printable evaluation PDF, the Kreistag deck (PPTX) and the exported
   tables (CSV, Excel), and the state-wide comparison (HTML);
3. the disclosure scanner reads every staged artefact back (and the reports of earlier runs
   that stay published), solves for every withheld cell from what is published (tables with
   their totals, the comparison charts of all reports with the state value, chart precision;
   `scan`, `core.disclosure_check`); any finding stops publication and leaves the published
   folder as it was – not one file of it is replaced;
4. the publication register ``veroeffentlichung.json`` (what was published where, with the
   sizes and SHA-256 of the staged files) and a ZIP for the network are written in staging;
5. only then are the files moved into ``<out>/<period>/`` with atomic renames (reports,
   formats, manifest and index, register and ZIP last), and a line goes to ``lauf.log``.

The settings (disclosure rule, traffic light, index) are resolved once, at the start
(`monitoring.io.settings.resolve`), and used by every step: the HTML reports get them as a
notebook parameter, the format workers as an argument; the scanner checks against the same
threshold, and the register records the rule with where it came from.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitoring import views
from monitoring.core.config import Settings
from monitoring.errors import OutputError
from monitoring.io import settings as settings_file
from monitoring.io.files import atomic_path, atomic_write, move_into_place
from monitoring.periods import Quarter
from monitoring.present.page import STATEMENT_FILE
from monitoring.report.publish import (
    compare,
    deck,
    evaluation,
    pdf,
    reveal,
    scan,
    site,
    table_formats,
)
from monitoring.report.run import index as index_page
from monitoring.report.run.lock import RunLock
from monitoring.report.run.naming import area_stem
from monitoring.report.run.outdir import check_out_dir, usable_workers
from monitoring.report.run.pool import (
    POOL_METHOD,
    born_ignoring_interrupts,
    stop_pool,
    take_interrupts_ignored,
)
from monitoring.report.run.render import quarto_available
from monitoring.report.run.runner import (
    RunSummary,
    check_sources,
    run_quarter,
    write_error,
    write_quarter_snapshot,
)
from monitoring.report.run.signals import StopSignals
from monitoring.store.database import open_store, resolve_path
from monitoring.views import snapshot as quarter_snapshot
from monitoring.views.scope import context, report_areas, scope_label

if TYPE_CHECKING:
    import pandas as pd

    from monitoring.store.database import Store



@dataclass
class PublishSummary:
    period: str
    folder: Path
    html_ok: int = 0
    html_failed: list[str] = field(default_factory=list)
    files: list[dict[str, object]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    findings: list[scan.Finding] = field(default_factory=list)
    zip_file: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.html_failed and not self.findings


def _log(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lauf.log").open("a", encoding="utf-8") as handle:
        handle.write(f"{datetime.now().isoformat(timespec='seconds')} {text}\n")


def publish_quarter(period: str, *, store_path: str | os.PathLike[str] | None = None,
                    out_dir: str | os.PathLike[str] = "reports",
                    areas: Sequence[str] | None = None, workers: int = 2,
                    conclusions_dir: str | os.PathLike[str] = "fazit",
                    notebooks: str | os.PathLike[str] | None = None, renderer: str = "auto",
                    on_step: Callable[[str], None] | None = None,
                    settings: Settings | None = None) -> PublishSummary:
    """Publish `period` in all formats; see the module docstring.

    `settings`: the resolved settings of this publication; None resolves them here
    (`monitoring.io.settings.resolve`: ``monitoring.toml`` in the working folder, the store).
    """
    quarter = Quarter.parse(period)
    store_file = resolve_path(store_path).resolve()
    with open_store(store_file, read_only=True) as store:
        settings = settings or settings_file.resolve(store=store)
        # every input is checked before anything is created (exit 2 writes nothing, not
        # even the folder or `lauf.log`)
        wanted, _ = report_areas(store, list(areas) if areas else None)
        for code in wanted:
            context(store, code, str(quarter), settings)
    check_sources(notebooks, renderer)
    check_out_dir(out_dir)
    workers, _capped = usable_workers(workers)
    out = Path(out_dir)
    target = out / str(quarter)
    summary = PublishSummary(str(quarter), target)
    say = on_step or (lambda _text: None)
    site.check_config(out)  # a broken website config stops the run before anything changes
    _log(target, f"Start Veröffentlichung {quarter} ({settings.summary_de()}; Datenbank "
                 f"{store_file})")

    with StopSignals() as stop:  # Ctrl-C / SIGTERM: clean up, then raise RunInterrupted
        published = _publish_steps(quarter, summary, stop, store_file=store_file, out=out,
                                   areas=areas, workers=workers, conclusions_dir=conclusions_dir,
                                   notebooks=notebooks, renderer=renderer, settings=settings,
                                   say=say)
    if not published:
        return summary
    site.write_sources(out, settings)
    if quarto_available():
        say("Quarto-Website")
        t = time.perf_counter()
        site.render(out)
        summary.seconds["website"] = time.perf_counter() - t
    if stop.pending:
        _log(target, f"Hinweis: Abbruchsignal {signal.Signals(stop.pending).name} kam beim "
                     "Verschieben der Dateien; die Veröffentlichung wurde noch abgeschlossen.")
    _log(target, f"Ende: {summary.html_ok} HTML-Berichte, {len(summary.html_failed)} Fehler, "
                 f"{len(summary.files)} Dateien, ZIP {summary.zip_file}")
    return summary


def _publish_steps(quarter: Quarter, summary: PublishSummary, stop: StopSignals, *,
                   store_file: Path, out: Path, areas: Sequence[str] | None, workers: int,
                   conclusions_dir: str | os.PathLike[str],
                   notebooks: str | os.PathLike[str] | None, renderer: str,
                   settings: Settings, say: Callable[[str], None]) -> bool:
    """Steps 1–4 of the module docstring (under `publish_quarter`'s signal handling); False
    when the disclosure scan found something and nothing was published."""
    target = out / str(quarter)
    rule = settings.disclosure
    with RunLock(target) as lock:
        if lock.taken_over:
            _log(target, "Hinweis: Sperrdatei eines nicht mehr laufenden Laufs übernommen "
                         f"({lock.taken_over.describe()}).")
        for stale in out.glob(f".{quarter}.publish-*"):  # left by a run that died
            shutil.rmtree(stale, ignore_errors=True)
        staging = out / f".{quarter}.publish-{os.getpid()}"
        try:
            staging.mkdir(parents=True)
            say("Landesweite Werte des Quartals (Snapshot)")
            started = time.perf_counter()
            # beside the staged files, not among them: it is never published
            snapshot = write_quarter_snapshot(store_file, str(quarter), settings,
                                              staging / "_snapshot" / "quartal.duckdb")
            summary.seconds["snapshot"] = time.perf_counter() - started
            started = time.perf_counter()
            say("HTML-Quartalsberichte")
            run = run_quarter(str(quarter), store_path=store_file, out_dir=out, areas=areas,
                              workers=workers, notebooks=notebooks, renderer=renderer,
                              settings=settings, stage_into=staging, snapshot=snapshot)
            summary.html_ok = len(run.results) - len(run.failed)
            summary.html_failed = [f"{r.area_code} {r.name}: {r.error}" for r in run.failed]
            summary.seconds["html"] = time.perf_counter() - started
            for note in run.notes:
                _log(target, f"Hinweis: {note}")
            entries = _write_formats(staging, quarter, store_file, areas, Path(conclusions_dir),
                                     summary, say, settings=settings, workers=workers,
                                     snapshot=snapshot)
            # the index as the front door: every artefact of this publication linked
            if run.index_args:
                atomic_write(staging / "index.html", index_page.render(
                    **run.index_args, artefacts=[*entries, *_html_entries(staging, target,
                                                                          run.land)],
                    zip_name=f"Integrationsmonitor_{quarter}.zip"))
            say("Geheimhaltungsprüfung aller Dateien")
            t = time.perf_counter()
            registers = [tbl for e in entries for tbl in e["tables"]]
            for entry in entries:
                summary.findings += scan.scan_file(staging / str(entry["file"]),
                                                   threshold=rule.threshold, register=registers)
            html_entries = _html_entries(staging, target, run.land)
            for entry in html_entries:
                summary.findings += scan.scan_file(_staged(staging, target, entry),
                                                   threshold=rule.threshold)
            # count families spanning files: a count indicator's districts in the comparison
            # charts of all reports against the state value shown in each
            summary.findings += scan.scan_families(
                [_staged(staging, target, e) for e in [*entries, *html_entries]],
                threshold=rule.threshold)
            summary.seconds["pruefung"] = time.perf_counter() - t
            if summary.findings:
                _log(target, f"ABBRUCH: {len(summary.findings)} Geheimhaltungsbefunde; nichts "
                             "veröffentlicht. " + "; ".join(map(str, summary.findings[:5])))
                return False
            summary.files = entries + html_entries
            zip_file = _register_and_zip(staging, target, quarter, summary, settings)
            stop.defer()  # from here on finish: a half-moved folder is worse
            _move_into_place(staging, target, summary.files, run)
            summary.zip_file = target / zip_file.name
        except OutputError:
            raise
        except OSError as err:
            raise write_error(err, out, "Die Veröffentlichung") from err
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return True


# Per-process state of the format workers: the open store and the indicator panel, which is
# the same for every district and the most expensive input, are built once per process.
_WORKER: dict[str, Any] = {}


def _init_worker(store_file: str, settings: Settings, snapshot: str = "") -> None:
    """Remember the store, the run's settings and its quarter snapshot, forget any older state
    (pool initializer, or called directly for a run without pool)."""
    _WORKER.clear()
    _WORKER["store_file"] = store_file
    _WORKER["settings"] = settings
    _WORKER["snapshot"] = snapshot


def _init_pool_worker(store_file: str, settings: Settings, snapshot: str = "") -> None:
    """Pool initializer: as `_init_worker`, and ignore Ctrl-C – the main process stops the pool
    (see `runner.init_worker`)."""
    take_interrupts_ignored()
    _init_worker(store_file, settings, snapshot)


def _worker_inputs() -> tuple[Store, pd.DataFrame]:
    """The open store and the indicator panel; the quarter snapshot of the publication is
    installed first (`views.snapshot`), so every district takes the state-wide results from it.
    A snapshot that does not fit the store or the settings is not used (German warning): the
    districts then compute the state-wide results themselves."""
    if "store" not in _WORKER:
        store = open_store(str(_WORKER["store_file"]), read_only=True)
        _WORKER["store"] = store
        if _WORKER.get("snapshot"):
            try:
                snapshot = quarter_snapshot.read_snapshot(_WORKER["snapshot"])
                quarter_snapshot.install(quarter_snapshot.check(
                    snapshot, store, snapshot.period, _WORKER["settings"],
                    _WORKER["snapshot"]))
            except quarter_snapshot.SnapshotError as err:
                warnings.warn(err.message, quarter_snapshot.SnapshotWarning, stacklevel=1)
        _WORKER["panel"] = views.indicator_panel(store)
    return _WORKER["store"], _WORKER["panel"]


def _district_formats(job: dict[str, str]) -> tuple[list[dict[str, object]], dict[str, float],
                                                     evaluation.DistrictFacts]:
    """Worker: content, PDF, deck and tables of one district, written into the staging folder.

    Returns the register entries, the time per step and the facts without their figures (the
    state comparison needs context and traffic lights only; PNG bytes need not travel back).
    """
    store, panel = _worker_inputs()
    staging, code, conclusions_dir = Path(job["staging"]), job["area_code"], Path(job["fazit"])
    quarter = Quarter.parse(job["period"])
    timing: dict[str, float] = {}
    t = time.perf_counter()
    settings = _WORKER["settings"]
    facts = evaluation.collect(store, code, str(quarter), panel=panel, settings=settings)
    timing["inhalt"] = time.perf_counter() - t
    stem = area_stem(code, facts.ctx.area_name)
    text = evaluation.conclusions(conclusions_dir, code, quarter.year)
    t = time.perf_counter()
    md = evaluation.markdown(facts, conclusions_text=text)
    pdf.write_pdf(md, facts.figures, staging / f"{stem}_Evaluation.pdf", alt=facts.alt,
                  style=settings.style)
    timing["pdf"] = time.perf_counter() - t
    t = time.perf_counter()
    deck.write_deck(facts, staging / f"{stem}_Kreistag.pptx", conclusions_text=text)
    timing["pptx"] = time.perf_counter() - t
    t = time.perf_counter()
    tables = [facts.tables["municipalities"], facts.tables["fields"]]
    (staging / f"{stem}_Gemeinden.csv").write_bytes(table_formats.to_csv(tables[0]))
    table_formats.write_xlsx(tables, staging / f"{stem}_Tabellen.xlsx")
    timing["tabellen"] = time.perf_counter() - t
    register = [tbl.register() for tbl in tables]
    extra: list[dict[str, object]] = []
    if job.get("reveal") == "1":  # Quarto is installed: the deck also as revealjs
        # its source joins the worker's batch; `_write_formats` renders the batches
        reveal.DeckBatch(Path(job["decks"])).add(
            stem, lambda map_file: reveal.deck_qmd(facts, conclusions_text=text,
                                                   map_file=map_file),
            facts.figures["map"])
        extra.append({"file": f"{stem}_Kreistag.html", "format": "html", "area_code": code,
                      "tables": []})
    entries: list[dict[str, object]] = [
        {"file": f"{stem}_Evaluation.pdf", "format": "pdf", "area_code": code,
         "tables": [facts.tables[k].register() for k in ("municipalities", "fields")]},
        {"file": f"{stem}_Kreistag.pptx", "format": "pptx", "area_code": code, "tables": []},
        {"file": f"{stem}_Gemeinden.csv", "format": "csv", "area_code": code,
         "tables": register[:1]},
        {"file": f"{stem}_Tabellen.xlsx", "format": "xlsx", "area_code": code,
         "tables": register},
        *extra,
    ]
    return entries, timing, replace(facts, figures={})


def _write_formats(staging: Path, quarter: Quarter, store_file: Path,
                   areas: Sequence[str] | None, conclusions_dir: Path, summary: PublishSummary,
                   say: Callable[[str], None], *, settings: Settings,
                   workers: int = 2, snapshot: Path | None = None) -> list[dict[str, Any]]:
    """PDF, deck and tables per district in a pool of `workers` processes (like the HTML
    reports), then the state comparison in this process. Per-step times are summed over the
    districts (CPU seconds of the workers, not wall time)."""
    timing = dict.fromkeys(("inhalt", "pdf", "pptx", "tabellen", "vergleich"), 0.0)
    with open_store(store_file, read_only=True) as store:
        wanted, _ = report_areas(store, list(areas) if areas else None)
    say(f"PDF, Folien und Tabellen für {len(wanted)} Gebiete")
    decks_root = Path(tempfile.mkdtemp(prefix="monitoring-folien-"))
    batches = [reveal.DeckBatch(decks_root / str(n)) for n in range(max(workers, 1))]
    jobs = [{"staging": str(staging), "area_code": code, "period": str(quarter),
             "fazit": str(conclusions_dir), "reveal": "1" if quarto_available() else "0",
             "decks": str(batches[i % len(batches)].folder)}
            for i, code in enumerate(wanted)]
    t_wall = time.perf_counter()
    try:
        if workers <= 1 or len(jobs) == 1:
            _init_worker(str(store_file), settings, str(snapshot or ""))
            try:
                results = [_district_formats(job) for job in jobs]
            finally:
                store = _WORKER.pop("store", None)
                if store is not None:
                    store.close()
                _WORKER.clear()
                quarter_snapshot.install(None)
        else:
            # "spawn", not fork: this process has used DuckDB's and BLAS's threads, and a forked
            # child can inherit one of their locks held (seen: workers stuck in futex_wait).
            pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_pool_worker,
                                       initargs=(str(store_file), settings, str(snapshot or "")),
                                       mp_context=multiprocessing.get_context(POOL_METHOD))
            try:
                with born_ignoring_interrupts():  # the workers start as the jobs are submitted
                    pending = pool.map(_district_formats, jobs)
                results = list(pending)  # keeps the districts' order
            except BaseException:  # Ctrl-C / SIGTERM: do not wait for the remaining districts
                stop_pool(pool)
                raise
            pool.shutdown(wait=True)
        if any(job["reveal"] == "1" for job in jobs):
            say("Kreistag-Folien mit Quarto (revealjs)")
            t = time.perf_counter()
            reveal.render_batches(batches, staging, suffix="_Kreistag")
            timing["revealjs"] = time.perf_counter() - t
    finally:
        shutil.rmtree(decks_root, ignore_errors=True)
    summary.seconds["formate_wand"] = time.perf_counter() - t_wall
    entries: list[dict[str, object]] = []
    for district_entries, district_timing, _ in results:
        entries += district_entries
        for key, seconds in district_timing.items():
            timing[key] = timing.get(key, 0.0) + seconds
    say("Landesweiter Vergleich")
    t = time.perf_counter()
    with open_store(store_file, read_only=True) as store:
        land, _ = scope_label(store)
        table = compare.write_comparison(store, [r[2] for r in results],
                                         staging / "Landesvergleich.html")
    timing["vergleich"] = time.perf_counter() - t
    entries.append({"file": "Landesvergleich.html", "format": "html", "area_code": land,
                    "tables": [table.register()]})
    summary.seconds.update(timing)
    return entries


def _staged(staging: Path, target: Path, entry: dict[str, Any]) -> Path:
    """Where the file of a register entry is now: staged by this publication, or published
    before and staying (the report of an area this run did not replace)."""
    staged = staging / str(entry["file"])
    return staged if staged.exists() else target / str(entry["file"])


def _move_into_place(staging: Path, target: Path, entries: list[dict[str, Any]],
                     run: RunSummary) -> None:
    """Move the checked files from staging into the published folder: failed notebooks,
    reports and formats, then manifest and index, register and ZIP last."""
    target.mkdir(parents=True, exist_ok=True)
    errors = target / "_fehler"
    for result in run.results:
        if result.status == "ok":
            (errors / f"{result.area_code}.ipynb").unlink(missing_ok=True)
    for failed in sorted((staging / "_fehler").glob("*.ipynb")):
        errors.mkdir(exist_ok=True)
        move_into_place(failed, errors / failed.name)
    last = ("index.html", "manifest.json", "veroeffentlichung.json")
    names = [str(e["file"]) for e in entries if str(e["file"]) not in last]
    zips = [p.name for p in staging.glob("Integrationsmonitor_*.zip")]
    for name in [*names, "manifest.json", "index.html", "veroeffentlichung.json", *zips]:
        if (staging / name).exists():  # earlier reports that stay are not staged
            move_into_place(staging / name, target / name)


def _report_files(target: Path) -> list[Path]:
    """The HTML files of areas in the period folder (``<code>_<name>….html``, any Land)."""
    return sorted(p for p in target.glob("[0-9]*_*.html") if p.name.split("_")[0].isdigit())


def _html_entries(staging: Path, target: Path, land: str) -> list[dict[str, Any]]:
    """Register entries of the HTML reports (staged now or published before and staying) and
    of the index and the accessibility statement (area: the store's Land)."""
    names = sorted({p.name for p in [*_report_files(staging), *_report_files(target)]
                    if not p.name.endswith("_Kreistag.html")})
    return [{"file": name, "format": "html", "area_code": name.split("_")[0], "tables": []}
            for name in names] + \
        [{"file": "index.html", "format": "html", "area_code": land, "tables": []},
         {"file": STATEMENT_FILE, "format": "html", "area_code": land, "tables": []}]


def _register_and_zip(staging: Path, target: Path, quarter: Quarter, summary: PublishSummary,
                      settings: Settings) -> Path:
    """Write ``veroeffentlichung.json`` (file, format, area, size, SHA-256, where shared) and
    the ZIP for the network into `staging`, from the files about to be published (staged, or
    staying in `target`); both atomically. Returns the staged ZIP."""
    zip_name = f"Integrationsmonitor_{quarter}.zip"
    for entry in summary.files:
        path = _staged(staging, target, entry)
        entry["bytes"] = path.stat().st_size
        entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        # the quarter folder by its name: the register travels in the ZIP, and the server's
        # absolute paths are none of the reader's business
        entry["veroeffentlicht"] = [f"Ordner {target.name}", f"ZIP {zip_name}"]
    register = {"period": str(quarter), "created_at": datetime.now().isoformat(timespec="seconds"),
                "geheimhaltung": {"schwelle": settings.disclosure.threshold,
                                  "mindestnenner": settings.disclosure.min_denominator,
                                  "regel": settings.disclosure_note_de(),
                                  "herkunft": {
                                      "schwelle": settings.origin("geheimhaltung.schwelle"),
                                      "mindestnenner":
                                          settings.origin("geheimhaltung.mindestnenner")}},
                "einstellungen": settings.record(),
                "artefacts": summary.files}
    atomic_write(staging / "veroeffentlichung.json",
                 json.dumps(register, ensure_ascii=False, indent=2))
    with atomic_path(staging / zip_name) as tmp_zip, \
            zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in summary.files:
            archive.write(_staged(staging, target, entry), str(entry["file"]))
        archive.write(staging / "veroeffentlichung.json", "veroeffentlichung.json")
    return staging / zip_name


def check_writable(folder: Path) -> None:
    """Refuse early, with a German message, an output folder that cannot be written – without
    creating anything (`monitoring.report.run.outdir.check_out_dir`)."""
    check_out_dir(folder)

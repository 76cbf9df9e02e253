"""Commands that produce results: `run`, `veroeffentlichen`, `demo`, `erreichbarkeit`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from monitoring.cli.common import EXIT_FAILED_REPORTS, EXIT_OK, resolve_settings, terminal

if TYPE_CHECKING:
    from rich.console import Console

    from monitoring.report.run.worker import ReportResult


def run(args: argparse.Namespace) -> int:
    """`monitoring run`: the quarter's HTML reports, with progress."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from monitoring import fmt
    from monitoring.report import run_quarter

    settings = resolve_settings(args)
    console = terminal()
    workers = _workers(args.workers, console)
    progress = Progress("[progress.description]{task.description}", BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=console)

    def started(n: int) -> None:
        progress.start()
        progress.add_task(f"Berichte {args.period}", total=n)

    def done(result: ReportResult) -> None:
        mark = "[green]✓[/]" if result.status == "ok" else "[red]✗[/]"
        progress.console.print(f"{mark} {result.area_code} {result.name} "
                               f"({fmt.number(result.seconds, 1)} s)")
        progress.advance(progress.task_ids[0])

    try:
        summary = run_quarter(args.period, store_path=args.store, out_dir=args.out,
                              areas=args.area, workers=workers, renderer=args.renderer,
                              notebooks=args.notebooks, on_result=done, on_start=started,
                              settings=settings)
    finally:
        progress.stop()
    ok = len(summary.results) - len(summary.failed)
    console.print(f"\n{ok} von {len(summary.results)} Berichten erstellt in "
                  f"{fmt.number(summary.seconds, 1)} s → {summary.out_dir / 'index.html'}")
    for failed in summary.failed:
        kept = " (die letzte erfolgreiche Fassung bleibt bestehen)" if failed.kept_previous else ""
        console.print(f"[red]Fehler[/] {failed.area_code} {failed.name}{kept}: {failed.error}")
    if summary.failed:
        console.print(f"Die fehlgeschlagenen Notebooks liegen in {summary.out_dir / '_fehler'}.")
    for result in summary.results:
        if result.missing:  # the reports' notices name the command that adds each
            labels = ", ".join(str(m["label"]) for m in result.missing)
            console.print(f"Fehlt {result.area_code} {result.name}: {labels}", markup=False)
    for note in summary.notes:
        console.print(f"Hinweis: {note}")
    return EXIT_OK if summary.ok else EXIT_FAILED_REPORTS


def _workers(requested: int, console: Console) -> int:
    """``--workers`` capped at the number of cores, with a „Hinweis“ when it was."""
    from monitoring.report.run.outdir import usable_workers

    workers, note = usable_workers(requested)
    if note:
        console.print(f"Hinweis: {note}", markup=False, soft_wrap=True)
    return workers


def publish(args: argparse.Namespace) -> int:
    """`monitoring veroeffentlichen`: every format of a quarter (scheduled run)."""
    from datetime import date

    from monitoring import fmt
    from monitoring.periods import Quarter
    from monitoring.report.publish.quarter import publish_quarter

    console = terminal()
    period = args.period or str(Quarter.of(date.today()) - 1)  # last completed quarter
    Quarter.parse(period)  # before anything else (publish_quarter checks the rest first)
    settings = resolve_settings(args)
    workers = _workers(args.workers, console)
    summary = publish_quarter(period, store_path=args.store, out_dir=args.out, areas=args.area,
                              workers=workers, conclusions_dir=args.fazit,
                              notebooks=args.notebooks, renderer=args.renderer,
                              on_step=lambda text: console.print(f"… {text}"),
                              settings=settings)
    console.print(f"\nVeröffentlichung {summary.period}: {summary.html_ok} HTML-Berichte, "
                  f"{len(summary.files)} Dateien → {summary.folder}")
    for name, seconds in summary.seconds.items():
        console.print(f"  {name}: {fmt.number(seconds, 1)} s")
    for failed in summary.html_failed:
        console.print(f"[red]Fehler[/] {failed}")
    for finding in summary.findings:
        console.print(f"[red]Geheimhaltung[/] {finding}")
    if summary.findings:
        console.print("[red]Nichts veröffentlicht:[/] die letzte gültige Fassung bleibt bestehen.")
    elif summary.zip_file:
        console.print(f"ZIP für das Netzwerk: {summary.zip_file}")
    return EXIT_OK if summary.ok else EXIT_FAILED_REPORTS


def demo(args: argparse.Namespace) -> int:
    """`monitoring demo`: build the demo store, then (unless --no-run) report a quarter."""
    from monitoring.demo.build import build_demo_store

    console = terminal()
    console.print(f"Erzeuge Demo-Datenbank {args.store} (Demodaten – fiktiv) …")
    build_demo_store(args.store)
    if args.no_run:
        return EXIT_OK
    return run(args)


def erreichbarkeit(args: argparse.Namespace) -> int:
    """`monitoring erreichbarkeit`: E2SFCA with the Zensus grid as demand."""
    from monitoring import fmt
    from monitoring.errors import ConfigError
    from monitoring.store.database import open_store
    from monitoring.views.accessibility import AccessSettings
    from monitoring.views.grid_accessibility import grid_access, write_tables

    if not Path(args.gitter).is_file():
        raise ConfigError(f"Die Gitterdatei „{args.gitter}“ gibt es nicht.")
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".xlsx"):
        raise ConfigError(f"Ausgabedatei „{args.out}“: erwartet die Endung .csv oder .xlsx.")
    settings = AccessSettings(catchment_m=args.einzugsbereich_km * 1000,
                              population_group=args.gruppe)
    with open_store(args.store, read_only=True) as store:
        result = grid_access(store, args.gitter, area_code=args.area, period=args.period,
                             fields=args.feld, settings=settings)
    console = terminal()

    def say(text: str) -> None:  # one line per message, no markup in names
        console.print(text, soft_wrap=True, markup=False)

    c = result.counts
    say(f"{result.method}. Gitterzellen: {fmt.number(c['cells'])}, davon "
        f"{fmt.number(c['withheld'])} ohne veröffentlichte Zahl und "
        f"{fmt.number(c['outside'])} außerhalb der Gemeinden nicht berücksichtigt; "
        f"{fmt.number(c['district_cells'])} im Kreis.")
    say(f"Lückenliste (unter {fmt.number(settings.gap_fraction * 100)} % des "
        f"Kreismittels): {len(result.gaps)} Einträge")
    for row in result.gaps.itertuples(index=False):
        say("  " + " · ".join(fmt.number(v, 1) if isinstance(v, float) else str(v)
                              for v in row))
    if args.out:
        for path in write_tables(result, args.out):
            say(f"Geschrieben: {path}")
    return EXIT_OK

"""The index page of a quarterly run: every district's report with its status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from importlib.resources import files
from typing import TYPE_CHECKING

from monitoring import fmt
from monitoring.periods import Quarter
from monitoring.present.markup import escape, with_csp
from monitoring.vocab import DEMO_LABEL

if TYPE_CHECKING:
    from monitoring.report.run.worker import ReportResult


def missing_text(missing: Sequence[dict[str, object]]) -> str:
    """„Fehlt: Angebote, Steuerungsindikatoren“ for a report's missing inputs ("vollständig"
    when none); the notices with the commands are in the report's sections."""
    if not missing:
        return "vollständig"
    return "Fehlt: " + ", ".join(str(m["label"]) for m in missing)


def render(*, period: Quarter, results: Sequence[ReportResult], snapshot: str, is_demo: bool,
           data_stand: str | None, created: datetime, versions: dict[str, str],
           land_name: str, geo_attribution: str) -> str:
    """A self-contained German HTML page linking all reports of `period`; `land_name` is what
    the store reports on (its Land, or Deutschland), `geo_attribution` where its boundaries
    come from (`views.scope.geo_attribution`)."""
    css = files("monitoring").joinpath("templates", "report", "report.css").read_text("utf-8")
    rows = []
    lacking = any(r.missing for r in results)
    missing_head = "<th>Fehlende Daten</th>" if lacking else ""
    for r in results:
        link = (f'<a href="{escape(r.file)}">{escape(r.name)}</a>'
                if r.file else escape(r.name))
        if r.status == "ok":
            state = "erstellt"
        elif r.kept_previous:
            state = "Fehler – letzte erfolgreiche Fassung bleibt verlinkt"
        else:
            state = "Fehler – kein Bericht"
        size = fmt.number((r.bytes or 0) / 1e6, 1) + "\u00a0MB" if r.bytes else fmt.MISSING
        error = f'<br><span class="mon-note">{escape(r.error or "")}</span>' if r.error else ""
        missing = f"<td>{escape(missing_text(r.missing))}</td>" if lacking else ""
        rows.append(f"<tr><td>{escape(r.area_code)}</td><td>{link}{error}</td>"
                    f'<td>{state}</td>{missing}<td class="num">{size}</td></tr>')
    failed = sum(r.status != "ok" for r in results)
    stand = fmt.day(date.fromisoformat(data_stand)) if data_stand else "unbekannt"
    demo = (f'<div class="mon-demo"><strong>{DEMO_LABEL}</strong> – die Berichte zeigen erfundene '
            "Angebote und Indikatorwerte auf echten Gebietsgrenzen.</div>") if is_demo else ""
    status = (f"{len(results)} Berichte erstellt." if not failed else
              f"{len(results) - failed} von {len(results)} Berichten erstellt, "
              f"{failed} mit Fehler.")
    return with_csp(f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Integrationsmonitoring – {period.label_de()}</title>
<style>{css}</style></head>
<body class="mon-report"><main>
<header class="mon-header"><p class="mon-kicker">Integrationsmonitoring {escape(land_name)}</p>
<h1>Quartalsberichte {period.label_de()}</h1>
<p class="mon-sub">Stichtag {fmt.day(period.end)} · Datenstand {stand} · {status}</p>{demo}</header>
<table class="mon-table"><thead><tr><th>Schlüssel</th><th>Kreis / kreisfreie Stadt</th>
<th>Status</th>{missing_head}<th>Größe</th></tr></thead><tbody>{''.join(rows)}</tbody></table>
<footer class="mon-footer"><p class="mon-repro">Berichtszeitraum {period} · Daten-Snapshot
{escape(snapshot)} · Integrationsmonitor {escape(versions.get('integrationsmonitor', ''))}
· erstellt {fmt.timestamp(created)} · {escape(geo_attribution)}</p></footer>
</main></body></html>
""")

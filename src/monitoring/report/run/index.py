"""The index page of a quarter – its front door: every district's report with its status,
and after a publication (`monitoring veroeffentlichen`) every artefact of the register
(PDF, Kreistag deck, tables), the Landesvergleich and the ZIP; a small map (inline SVG from
the store's district geometry) picks a district. Styled with the reports' ``report.css``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from monitoring import fmt
from monitoring.periods import Quarter
from monitoring.present.markup import escape
from monitoring.present.page import STATEMENT_FILE, STATEMENT_TITLE, feedback_line, page
from monitoring.vocab import DEMO_LABEL

if TYPE_CHECKING:
    import geopandas as gpd

    from monitoring.core.config import Accessibility, Style
    from monitoring.report.run.worker import ReportResult

# What each kind of artefact is called in the index (by file name ending), in column order.
ARTEFACT_KINDS: tuple[tuple[str, str, str], ...] = (
    ("_Evaluation.pdf", "PDF", "Evaluationsbericht (PDF)"),
    ("_Kreistag.pptx", "Folien", "Kreistagsfolien (PowerPoint)"),
    ("_Kreistag.html", "Folien (HTML)", "Kreistagsfolien (HTML-Präsentation)"),
    ("_Gemeinden.csv", "CSV", "Tabelle der Gemeinden (CSV)"),
    ("_Tabellen.xlsx", "Excel", "Tabellen (Excel)"),
)


def missing_text(missing: Sequence[dict[str, object]]) -> str:
    """„Fehlt: Angebote, Steuerungsindikatoren“ for a report's missing inputs ("vollständig"
    when none); the notices with the commands are in the report's sections."""
    if not missing:
        return "vollständig"
    return "Fehlt: " + ", ".join(str(m["label"]) for m in missing)


def district_map(areas: gpd.GeoDataFrame, links: Mapping[str, tuple[str, str | None]], *,
                 width: int = 420) -> str:
    """An inline SVG map of `areas` (columns ``area_code``, ``geometry``; any CRS): every
    area in `links` (code → (name, file)) is a link with its name (``<title>`` and
    ``aria-label``), reachable with the Tab key; areas without a file are drawn grey.

    Geometry is simplified to about a pixel, so 22 districts stay a few kilobytes."""
    import math

    shown = areas[areas["area_code"].isin(list(links))]
    shown = shown[shown.geometry.notna() & ~shown.geometry.is_empty]  # no shape: no area
    if shown.empty:
        return ""
    minx, miny, maxx, maxy = shown.total_bounds
    projected = shown.crs is not None and not shown.crs.is_geographic
    # metres (the store's projected CRS) as they are; lon/lat equirectangular at mid latitude
    scale_x = 1.0 if projected else math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = (maxx - minx) * scale_x, maxy - miny
    factor = width / max(span_x, 1e-9)
    height = max(1, round(span_y * factor))
    tolerance = 1 / factor  # one pixel in degrees

    def path(geom: Any) -> str:
        polygons = getattr(geom, "geoms", [geom])
        parts = []
        for polygon in polygons:
            for ring in (polygon.exterior, *polygon.interiors):
                points = " ".join(f"{(x - minx) * scale_x * factor:.1f},"
                                  f"{(maxy - y) * factor:.1f}" for x, y in ring.coords)
                parts.append(f"M{points}Z")
        return " ".join(parts)

    items = []
    for row in shown.sort_values("area_code").itertuples():
        name, file = links[row.area_code]
        geom = row.geometry.simplify(tolerance, preserve_topology=True)
        label = escape(f"{name} ({row.area_code})")
        shape = f'<path d="{path(geom)}"><title>{label}</title></path>'
        if file:
            items.append(f'<a href="{escape(file)}" aria-label="{label}" '
                         f'class="mon-map-area">{shape}</a>')
        else:
            items.append(f'<g class="mon-map-area mon-map-none">{shape}</g>')
    grey = ('<p class="mon-note">Grau: Gebiete ohne Bericht in dieser Übersicht.</p>'
            if any(file is None for _, file in links.values()) else "")
    return (f'<svg class="mon-map" viewBox="0 0 {width} {height}" role="group" '
            f'aria-label="Karte: Kreis wählen" xmlns="http://www.w3.org/2000/svg">'
            + "".join(items) + "</svg>" + grey)


def _artefact_cells(code: str, artefacts: Sequence[Mapping[str, Any]],
                    kinds: Sequence[tuple[str, str, str]]) -> str:
    """One cell per artefact kind in `kinds` for the district `code`: links to its
    published files, „–“ where a kind was not published for it."""
    mine = [str(a["file"]) for a in artefacts if str(a.get("area_code")) == code]
    cells = []
    for suffix, short, long in kinds:
        found = [f for f in mine if f.endswith(suffix)]
        links = " ".join(f'<a href="{escape(f)}" title="{escape(long)}">{escape(short)}</a>'
                         for f in found)
        cells.append(f"<td>{links or fmt.MISSING}</td>")
    return "".join(cells)


def render(*, period: Quarter, results: Sequence[ReportResult], snapshot: str, is_demo: bool,
           data_stand: str | None, created: datetime, versions: dict[str, str],
           land_name: str, geo_attribution: str,
           artefacts: Sequence[Mapping[str, Any]] | None = None,
           zip_name: str | None = None, map_svg: str = "",
           style: Style | None = None, accessibility: Accessibility | None = None) -> str:
    """A self-contained German HTML page linking all reports of `period`; `land_name` is what
    the store reports on (its Land, or Deutschland), `geo_attribution` where its boundaries
    come from (`views.scope.geo_attribution`).

    After a publication `artefacts` (the register's entries, ``veroeffentlichung.json``)
    adds per district its PDF, deck and tables, plus the Landesvergleich, the ZIP
    `zip_name` and the register; `map_svg` (`district_map`) lets the reader pick a district
    on a map; `style` (``[darstellung]``) sets the colour and the publisher line;
    `accessibility` (``[barrierefreiheit]``) the feedback contact in the footer, beside the
    link to the accessibility statement of the folder (`monitoring.report.statement`)."""
    rows = []
    lacking = any(r.missing for r in results)
    missing_head = '<th scope="col">Fehlende Daten</th>' if lacking else ""
    published = artefacts is not None
    kinds = [k for k in ARTEFACT_KINDS
             if any(str(a["file"]).endswith(k[0]) for a in artefacts or [])]
    artefact_head = "".join(f'<th scope="col">{escape(k[1])}</th>' for k in kinds)
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
        extra = _artefact_cells(r.area_code, artefacts or [], kinds)
        rows.append(f"<tr><td>{escape(r.area_code)}</td><td>{link}{error}</td>"
                    f'<td>{state}</td>{missing}{extra}<td class="num">{size}</td></tr>')
    failed = sum(r.status != "ok" for r in results)
    stand = fmt.day(date.fromisoformat(data_stand)) if data_stand else "unbekannt"
    demo = (f'<div class="mon-demo"><strong>{DEMO_LABEL}</strong> – die Berichte zeigen erfundene '
            "Angebote und Indikatorwerte auf echten Gebietsgrenzen.</div>") if is_demo else ""
    status = (f"{len(results)} Berichte erstellt." if not failed else
              f"{len(results) - failed} von {len(results)} Berichten erstellt, "
              f"{failed} mit Fehler.")
    kicker = escape(style.publisher) + " · " if style and style.publisher else ""
    whole = _whole_land(artefacts or [], zip_name, land_name) if published else ""
    picker = (f'<section class="mon-pick" aria-labelledby="karte"><h2 id="karte">Kreis auf der '
              f"Karte wählen</h2>{map_svg}<p class=\"mon-note\">Jeder Kreis ist ein Link zu "
              f"seinem Quartalsbericht (auch mit der Tabulatortaste erreichbar). "
              f"{escape(geo_attribution)}</p></section>") if map_svg else ""
    kicker_line = (f'<p class="mon-kicker">{kicker}Integrationsmonitoring '
                   f"{escape(land_name)}</p>")
    header = (f"{kicker_line}<h1>Quartalsberichte {period.label_de()}</h1>"
              f'<p class="mon-sub">Stichtag {fmt.day(period.end)} · Datenstand {stand} · '
              f"{status}</p>{demo}")
    main = f"""{whole}{picker}
<h2 id="berichte">Alle Kreise und kreisfreien Städte</h2>
<table class="mon-table"><caption>Quartalsberichte {period.label_de()} je Kreis und kreisfreier \
Stadt</caption><thead><tr><th scope="col">Schlüssel</th>
<th scope="col">Kreis / kreisfreie Stadt (Quartalsbericht)</th>
<th scope="col">Status</th>{missing_head}{artefact_head}<th scope="col" class="num">Größe</th>
</tr></thead><tbody>{''.join(rows)}</tbody></table>"""
    footer = f"""{feedback_line(accessibility)}<p class="mon-repro">Berichtszeitraum {period} · \
Daten-Snapshot {escape(snapshot)} · Integrationsmonitor \
{escape(versions.get('integrationsmonitor', ''))} · erstellt {fmt.timestamp(created)} · \
{escape(geo_attribution)}</p>"""
    nav = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in (
        ("#berichte", "Alle Berichte"), (STATEMENT_FILE, STATEMENT_TITLE)))
    return page(title=f"Integrationsmonitoring – {period.label_de()}", header=header,
                nav=nav, main=main, footer=footer, style=style)


def _whole_land(artefacts: Sequence[Mapping[str, Any]], zip_name: str | None,
                land_name: str) -> str:
    """The links for the whole Land: the Landesvergleich (and any other page that is not a
    district's), the ZIP of everything and the register."""
    items = []
    for entry in artefacts:
        name = str(entry["file"])
        if (name.endswith(".html") and not name[:1].isdigit()
                and name not in ("index.html", STATEMENT_FILE)):
            title = "Landesvergleich" if name == "Landesvergleich.html" else name
            items.append(f'<li><a href="{escape(name)}">{escape(title)}</a> – alle Kreise '
                         f"{escape(fmt.in_area(land_name))} im Vergleich</li>")
    if zip_name:
        items.append(f'<li><a href="{escape(zip_name)}">{escape(zip_name)}</a> – alle Dateien '
                     "dieses Quartals in einem ZIP-Archiv (für das Netzwerk)</li>")
    items.append('<li><a href="veroeffentlichung.json">veroeffentlichung.json</a> – '
                 "Verzeichnis aller veröffentlichten Dateien mit Größe und Prüfsumme</li>")
    return (f'<section class="mon-downloads" aria-labelledby="land"><h2 id="land">Für das '
            f"ganze Land</h2><ul>{''.join(items)}</ul></section>")

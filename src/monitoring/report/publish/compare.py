"""The state-wide comparison: all districts in one self-contained HTML page.

A map of offers per 1,000 foreign nationals (plotly, inline, offline) and one table per
district: foreign nationals (disclosure-controlled, with the state total), offers, offers per
1,000, the traffic lights of its goals and its group in the Status-Dynamik-Index (computed on
the disclosure-controlled panel over all districts, as in the reports). Built from the same
`DistrictFacts` as the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd

from monitoring import fmt, views
from monitoring.io.files import atomic_write
from monitoring.present import describe, figures, plotlyjs
from monitoring.present.markup import escape
from monitoring.present.notebook import PLOTLY_CONFIG
from monitoring.present.page import STATEMENT_FILE, STATEMENT_TITLE, feedback_line, page
from monitoring.present.tables import integer, one_decimal, text
from monitoring.report.publish import table_formats
from monitoring.report.publish.evaluation import DistrictFacts
from monitoring.store.database import Store
from monitoring.views import publishable
from monitoring.views.scope import scope_label
from monitoring.vocab import DEMO_LABEL


def _index_note(facts: Sequence[DistrictFacts]) -> str:
    """What the index column means, and why a district has no group (HTML)."""
    position = facts[0].position
    note = str(position.get("note", ""))
    missing = [f"{f.ctx.area_name}: {row['reason']}" for f in facts
               if (row := f.index_row()) is not None and not bool(row["assessed"])]
    if position.get("result") is None:
        missing = [" ".join(map(str, position.get("summary", [])))]
    items = "".join(f"<li>{escape(m)}</li>" for m in missing)
    return (
        '<p class="mon-note">Status-Dynamik-Index: Gruppe „Statusklasse/Dynamikklasse“ '
        "(Status 1 hoch bis 4 sehr niedrig, Dynamik 1 positiv bis 3 negativ), berechnet über "
        "alle Kreise und kreisfreien Städte aus den Werten nach der Geheimhaltung. Die Klassen "
        "beschreiben die Lage relativ zu den anderen Gebieten, keinen absoluten Zustand, und "
        f"sagen nichts über Ursachen. {escape(note)}</p>"
        + (f'<p class="mon-note">Nicht bewertet oder nicht berechnet:</p><ul>{items}</ul>'
           if items else ""))


def write_comparison(store: Store, facts: Sequence[DistrictFacts],
                     out: Path) -> table_formats.PublishedTable:
    """Write the comparison page to `out`; returns its published table (for the register)."""
    import plotly.io as pio

    if not facts:
        raise ValueError("no districts")
    ctx = facts[0].ctx
    # one context per Land (a national store compares the districts of several Länder)
    per_land = {f.ctx.state_code: f.ctx for f in facts}
    cov = pd.concat([views.coverage_tables(store, c)["districts"] for c in per_land.values()],
                    ignore_index=True)
    _, land_name = scope_label(store)
    where = fmt.in_area(land_name)
    lights = pd.DataFrame([{
        "area_code": f.ctx.area_code,
        **{k: int((f.overview["status"] == k).sum()) for k in ("green", "amber", "red")},
        "index_group": f.index_group_de()}
        for f in facts])
    frame = cov.merge(lights, on="area_code", how="inner")
    names = {c.state_code: c.state_name for c in per_land.values()}
    pub = publishable.state_comparison(frame, ctx.settings.disclosure,
                                       land=frame["area_code"].str[:2].map(names))
    demo = f" ({DEMO_LABEL})" if ctx.is_demo else ""
    table = table_formats.build(pub, {
        "name": ("Kreis / kreisfreie Stadt", text),
        "population": ("Ausländische Staatsangehörige", integer),
        "offers": ("Angebote", integer), "offers_per_1000": ("Angebote je 1.000", one_decimal),
        "green": ("Ziele im Plan", integer), "amber": ("gefährdet", integer),
        "red": ("nicht im Plan", integer),
        "index_group": ("Status-Dynamik-Index: Gruppe", text)},
        caption=f"Die Kreise {where} im Vergleich, Stichtag {fmt.day(ctx.period.end)}",
        source="Bestandsaufnahme der Angebote; ausländische Staatsangehörige; "
               "Controlling-Indikatoren" + demo)
    districts = pd.concat([views.area_layers(store, c)[0] for c in per_land.values()])
    fig = figures.coverage_map(pub, districts, value="offers_per_1000", label="Angebote",
                               unit="je 1.000 Ausländer/-innen",
                               extra={"offers": "Angebote",
                                      "population": "Ausländische Staatsangehörige"})
    alternative, plot = describe.detach(fig.to_plotly_json())
    figure = figures.OFFLINE_GEO_SCRIPT + plotlyjs.library_script() + describe.figure_html(
        pio.to_html(plot, full_html=False, include_plotlyjs=False, include_mathjax=False,
                    config=PLOTLY_CONFIG, validate=False), alternative)
    style = ctx.settings.style
    kicker = escape(style.publisher) + " · " if style.publisher else ""
    banner = (f'<div class="mon-demo" role="note"><strong>{DEMO_LABEL}</strong></div>'
              if ctx.is_demo else "")
    header = (f'<p class="mon-kicker">{kicker}Integrationsmonitoring {escape(land_name)}</p>'
              f"<h1>Vergleich der Kreise {escape(where)}</h1>"
              f'<p class="mon-sub">{escape(ctx.period.label_de())} · Stichtag '
              f"{fmt.day(ctx.period.end)}</p>{banner}")
    nav = "".join(f'<li><a href="{href}">{escape(text)}</a></li>' for href, text in (
        ("index.html", f"Übersicht aller Berichte {ctx.period.label_de()}"),
        (STATEMENT_FILE, STATEMENT_TITLE)))
    main = f"""<h2 id="karte">Angebote je 1.000 ausländische Staatsangehörige</h2>{figure}
<p class="mon-source">Quelle: Bestandsaufnahme der Angebote; ausländische Staatsangehörige
{escape(demo)}; {escape(ctx.geo_attribution)}</p>
<h2 id="kreise">Alle Kreise und kreisfreien Städte</h2>{table_formats.to_html(table)}
{_index_note(facts)}"""
    footer = f"""<p>„.“ = geheim zu halten (zu kleine Fallzahl).
{escape(ctx.settings.disclosure_note_de())}</p>{feedback_line(ctx.settings.accessibility)}
<p class="mon-repro">Berichtszeitraum {ctx.period} · Daten-Snapshot {ctx.snapshot_id} ·
Schema-Version {ctx.schema_version} · Integrationsmonitor {ctx.package_version} · erstellt
{fmt.timestamp(datetime.now())}</p>"""
    html = page(title=f"Landesvergleich {ctx.period.label_de()}", header=header, nav=nav,
                main=main, footer=footer, style=style)
    atomic_write(out, html)
    return table

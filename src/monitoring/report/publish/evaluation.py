"""Content of the annual evaluation report and the Kreistag deck for one district.

`collect` reads the store once and computes everything both formats show (disclosure-
controlled); `markdown` writes the evaluation report as pandoc Markdown with static figures,
which `report.pdf` turns into the printable PDF. What the store does not hold for an area
(no measures, no network meetings) is named as not available, never invented.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from monitoring import fmt, views
from monitoring.core import indicators, privacy
from monitoring.core.brief import status_counts, where_de
from monitoring.core.composite_index import dynamic_reading, status_reading
from monitoring.core.config import Settings
from monitoring.periods import Quarter
from monitoring.present import alt_text
from monitoring.present.markup import markdown as md
from monitoring.present.notebook import stale_note
from monitoring.present.tables import indicator_change, indicator_value, integer, one_decimal, text
from monitoring.report.publish import static, table_formats
from monitoring.store.database import Store
from monitoring.store.inventory import read_esf_projects
from monitoring.views import publishable
from monitoring.vocab import DEMO_LABEL

STATUS_DE = {"green": "im Plan", "amber": "gefährdet", "red": "nicht im Plan",
             "none": "ohne Bewertung"}
ACTOR_TYPES_DE = {"verein": "Vereine", "wohlfahrtsverband": "Wohlfahrtsverbände",
                  "bildungstraeger": "Bildungsträger", "migrantenorganisation":
                  "Migrantenorganisationen", "ehrenamtsinitiative": "Ehrenamtsinitiativen",
                  "amt": "Ämter", "unternehmen": "Unternehmen"}

# relative column widths of the goals table (Indikator, value, change, target, Stand,
# Stichtag): indicator names on one line (issue 14), „ohne Bewertung“ unbroken
GOAL_WIDTHS = (34, 11, 11, 10, 17, 17)


def _peers_de(level: str) -> str:
    """The peer set of the Status-Dynamik-Index in the dative plural (as `views` says it)."""
    return ("Kreisen und kreisfreien Städten" if level == "kreis"
            else f"Gebieten der Ebene „{level}“")


def quarter_short(period: object) -> str:
    """„Q4 2025“ for ``2025-Q4`` (as the HTML reports write a quarter in narrow places);
    anything that is not a quarter as it is."""
    try:
        return Quarter.parse(str(period)).label_short()
    except ValueError:
        return str(period)


def _count(value: float, one: str, many: str, *, article: str = "ein") -> str:
    """„ein Angebot“ / „12 Angebote“: a count with its noun in the right number."""
    n = int(value)
    return f"{article} {one}" if n == 1 else f"{integer(n)} {many}"


@dataclass
class DistrictFacts:
    ctx: views.ReportContext
    summary: dict[str, float]
    tables: dict[str, table_formats.PublishedTable]
    figures: dict[str, bytes]
    overview: pd.DataFrame          # indicators with status (rates already protected)
    esf: pd.DataFrame
    network: pd.DataFrame
    measures: pd.DataFrame           # the area's measures of the integration concept
    controlling_summary: list[str]   # German sentences that only state counts
    activity: dict[str, Any]         # network meetings, active share, working groups
    rule: str                        # the disclosure rule applied and where it came from
    # `views.composite_index` for the area (computed on the disclosure-controlled panel)
    position: dict[str, Any] = field(default_factory=dict)
    created: datetime = field(default_factory=datetime.now)
    # the text alternative of each figure (`present.alt_text`), by the key of `figures`:
    # the PDF's Typst ``alt``, the deck's picture description and the revealjs ``fig-alt``
    alt: dict[str, str] = field(default_factory=dict)

    def source(self, text_: str) -> str:
        return text_ + (f" ({DEMO_LABEL})" if self.ctx.is_demo else "")

    def repro(self) -> str:
        c = self.ctx
        return (f"Berichtszeitraum {c.period} · Daten-Snapshot {c.snapshot_id} · Schema-Version "
                f"{c.schema_version} · Integrationsmonitor {c.package_version} · erstellt "
                f"{fmt.timestamp(self.created)}")

    def index_row(self) -> pd.Series | None:
        """The area's row of the Status-Dynamik-Index table (None: no index computed)."""
        table = self.position.get("table")
        if not isinstance(table, pd.DataFrame) or self.position.get("result") is None:
            return None
        own = table[table["own"].astype(bool)]
        return None if own.empty else own.iloc[0]

    def index_group_de(self) -> str:
        """The area's group as one short German phrase (state-wide comparison, deck).

        ``2/2 mittel/stabil``, with ``, besonderer Aufmerksamkeitsbedarf`` where flagged;
        ``nicht bewertet`` or ``nicht berechnet`` otherwise (the reasons are stated where
        there is room for them).
        """
        row = self.index_row()
        if row is None:
            return "nicht berechnet"
        if not bool(row["assessed"]):
            return "nicht bewertet"
        text = f"{row['group']} {row['status_class']}/{row['dynamic_class']}"
        return text + (", besonderer Aufmerksamkeitsbedarf" if bool(row["attention"]) else "")

    def index_line(self) -> str:
        """One sentence on the area's position in the Status-Dynamik-Index, for the deck.

        Names the classes, the peer set and that they are relative; no causes.
        """
        row, name = self.index_row(), self.ctx.area_name
        if row is None:
            return "Status-Dynamik-Index: nicht berechnet (Grund im Evaluationsbericht)."
        if not bool(row["assessed"]):
            reasons = str(row["reason"]).split("; ")
            reason = reasons[0] + (" u. a." if len(reasons) > 1 else "")
            return (f"Status-Dynamik-Index: {name} wird nicht bewertet ({reason}); für "
                    "nicht bewertete Gebiete wird nichts geschätzt.")
        result = self.position["result"]
        count = result.assessed_count
        flag = (", „besonderer Aufmerksamkeitsbedarf“" if bool(row["attention"]) else "")
        return (f"Status-Dynamik-Index (Lage im Vergleich von {count} "
                f"{_peers_de(self.ctx.level)}): Status „{row['status_class']}“ "
                f"({status_reading(row['status_class'])}), "
                f"Dynamik „{row['dynamic_class']}“ ({dynamic_reading(row['dynamic_class'])}); "
                f"Gruppe {row['group']}{flag}. Die Klassen sind relativ zu den anderen "
                "Gebieten und sagen nichts über Ursachen.")

    def key_messages(self) -> list[str]:
        """Three key messages as German sentences, each computed from counts shown in the
        report; the place is named by the area's kind („im Kreis“, „in der Stadt“)."""
        s, o = self.summary, self.overview
        where = where_de(self.ctx.area_kind)
        offers = int(s["offers"])
        verb = "läuft" if offers == 1 else "laufen"
        first = (f"{where[0].upper()}{where[1:]} {verb} am Stichtag "
                 f"{_count(offers, 'Angebot', 'Angebote')}, "
                 f"{one_decimal(s['offers_per_1000'])} je 1.000 ausländische Staatsangehörige.")
        without_site = int(s.get("without_site", 0))
        if without_site:
            first += (" Eines davon ist" if without_site == 1 else
                      f" {integer(without_site)} davon sind") + \
                " mobil, online oder ohne festen Standort."
        fields, empty = int(s.get("fields", 0)), int(s["fields_without_offer"])
        if empty == 0:
            second = (f"In allen {integer(fields)} Handlungsfeldern gibt es {where} mindestens "
                      "ein Angebot.")
        else:
            second = (f"In {'einem' if empty == 1 else integer(empty)} von {integer(fields)} "
                      f"Handlungsfeldern gibt es {where} kein Angebot.")
        if s["municipalities"] > 1:  # a kreisfreie Stadt is one Gemeinde: nothing to say
            places = int(s["municipalities_without_offer"])
            second += (f" {'Eine' if places == 1 else integer(places)} von "
                       f"{integer(s['municipalities'])} Gemeinden "
                       f"{'hat' if places == 1 else 'haben'} kein Angebot mit festem "
                       "Standort." if places else
                       f" Alle {integer(s['municipalities'])} Gemeinden haben mindestens ein "
                       "Angebot mit festem Standort.")
        counts = status_counts(o["status"])  # as „Das Wichtigste in Kürze“ counts them
        rated = int(sum(counts[k] for k in ("green", "amber", "red")))
        worst = o[o["status"] == "red"]["name"].tolist()
        if rated == 0:
            third = "Für keines der Ziele liegt eine Bewertung nach dem Zielpfad vor."
        else:
            green, amber, red = (counts[k] for k in ("green", "amber", "red"))
            third = (f"Von {_count(rated, 'bewerteten Ziel', 'bewerteten Zielen', article='einem')}"
                     f" {'ist' if green == 1 else 'sind'} {integer(green)} im Plan, "
                     f"{integer(amber)} gefährdet und {integer(red)} nicht im Plan"
                     + (f" (u. a. {worst[0]})." if worst else "."))
        return [first, second, third]


def collect(store: Store, area_code: str, period: str, *, settings: Settings,
            panel: pd.DataFrame | None = None) -> DistrictFacts:
    """Everything the evaluation report and the deck show, disclosure-controlled under the
    run's `settings` (`monitoring.io.settings.resolve`).

    `panel` (`views.indicator_panel`) can be passed in when many districts are collected:
    it is the same for all of them and the most expensive part.
    """
    ctx = views.context(store, area_code, period, settings)
    rule = settings.disclosure
    cov = views.coverage_tables(store, ctx)
    districts, _ = views.area_layers(store, ctx)
    fields = store.read_vocabulary("field")
    by_district = publishable.coverage_by_district(cov["districts"], rule)
    municipalities = publishable.coverage_by_municipality(cov["municipalities"], rule,
                                                          district_name=ctx.area_name)
    by_field = publishable.coverage_by_field(cov["fields"], rule, fields)
    panel = views.indicator_panel(store) if panel is None else panel
    protected = views.indicator_overview(store, ctx, panel)
    overview = protected.frame.assign(status=protected.frame["status"].fillna("none")).merge(
        store.read_indicators()[["indicator_id", "definition"]], on="indicator_id", how="left")
    overview = overview.sort_values("status", key=lambda s: s.eq("none"), kind="stable")
    goal_rows = privacy.Publishable(
        overview.assign(status_de=overview["status"].map(STATUS_DE)),
        protected.suppressed.reindex(overview.index), protected.rule, protected.columns)
    demo = f" ({DEMO_LABEL})" if ctx.is_demo else ""
    pop_source = "ausländische Staatsangehörige am Stichtag (Bevölkerungsstatistik, AZR)" + demo
    tables = {
        "municipalities": table_formats.build(municipalities, {
            "name": ("Gemeinde", text), "population": ("Ausländische Staatsangehörige", integer),
            "offers": ("Angebote", integer)},
            caption=f"Ausländische Staatsangehörige und Angebote nach Gemeinden, "
                    f"{fmt.day(ctx.period.end)}", source=pop_source),
        "fields": table_formats.build(by_field, {
            "label": ("Handlungsfeld", text), "offers": ("Angebote", integer),
            "capacity": ("Plätze", integer),
            "capacity_per_1000": ("Plätze je 1.000", one_decimal)},
            caption="Aktive Angebote nach Handlungsfeld",
            source="Bestandsaufnahme der Angebote" + demo,
            totals=False),
        "goals": table_formats.build(goal_rows, {
            "name": ("Indikator", text), "value": (ctx.period.label_short(), indicator_value),
            "vs_year_ago": ("zum Vorjahr", indicator_change),
            "target_value": ("Zielwert", indicator_value),
            "status_de": ("Stand", text), "stand": ("Stichtag des Werts", text)},
            caption="Ziele und Indikatoren mit Stand", source="Controlling-Indikatoren" + demo,
            totals=False),
    }
    figures = {"map": static.choropleth(by_district, districts, value="offers_per_1000",
                                        label="Angebote je 1.000", highlight=ctx.area_code)}
    drawn = districts[["area_code", "name"]].merge(
        by_district.frame[["area_code", "offers_per_1000"]], on="area_code", how="left")
    alt = {"map": alt_text.map_alt(drawn, value="offers_per_1000",
                                   label="Angebote je 1.000 ausländische Staatsangehörige",
                                   where=ctx.in_state, highlight=ctx.area_code)}
    defs = store.read_indicators().set_index("indicator_id")
    targets = store.read_targets()
    safe_panel = views.protected_panel(store, panel, rule=rule).frame
    for indicator_id in overview["indicator_id"][:4]:
        series = indicators.series(safe_panel, indicator_id, ctx.area_code,
                                   state_code=ctx.state_code)
        if series.empty:
            continue
        target = targets[(targets.indicator_id == indicator_id)
                         & (targets.area_code == ctx.area_code)]
        title = f"{indicator_id} {defs.loc[indicator_id, 'name_de']}"
        figures[f"ind_{indicator_id}"] = static.indicator_chart(
            series, unit=defs.loc[indicator_id, "unit"], area_name=ctx.area_name,
            state_name=ctx.state_name, title=title,
            target=None if target.empty else target.iloc[0])
        alt[f"ind_{indicator_id}"] = alt_text.indicator_alt(
            series, title=title, unit=defs.loc[indicator_id, "unit"], area_name=ctx.area_name,
            state_name=ctx.state_name, target=None if target.empty else target.iloc[0])
    esf = read_esf_projects(store, ctx.area_code)
    actors = store.read_actors()
    mine = actors[actors["area_code"].str[:5] == ctx.area_code[:5]]
    network = (mine.groupby("actor_type").agg(actors=("actor_id", "size"),
                                              members=("network_member", "sum"))
               .reset_index().sort_values("actors", ascending=False))
    from monitoring.views.inventory import network_figures

    controlling = views.controlling(store, ctx, panel)
    # The index is computed on the disclosure-controlled panel (inside the view), over all
    # areas of the report area's level, exactly as in the HTML report's controlling section.
    position = views.composite_index(store, ctx, panel)
    if position["result"] is not None:
        bounds = position["settings"]
        figures["index"] = static.index_chart(
            position["table"], status_bounds=bounds.status_bounds,
            dynamic_bounds=bounds.dynamic_bounds,
            area_name=ctx.area_name)
        alt["index"] = alt_text.index_alt(position["table"], area_name=ctx.area_name)
    summary = {**views.coverage_summary(cov, ctx), "fields": float(len(cov["fields"])),
               "offers_with_site": float(cov["municipalities"]["offers"].sum())}
    return DistrictFacts(ctx, summary, tables, figures, overview, esf,
                         network, controlling["measures"], controlling["summary"],
                         network_figures(store, ctx), settings.disclosure_note_de(), position,
                         alt=alt)


def _measures_markdown(facts: DistrictFacts) -> str:
    summary = md(" ".join(facts.controlling_summary))
    if facts.measures.empty:
        return (f"{summary}\n\n**Maßnahmen:** Für dieses Gebiet sind keine Maßnahmen des "
                "Integrationskonzepts erfasst.\n")
    rows = []
    budgets = facts.measures["budget"].notna().any()
    for m in facts.measures.sort_values(["field", "title"]).itertuples():
        # the dash stays with the first date: never a dash alone on a line of a narrow cell
        period = "\u00a0–\n".join(fmt.day(pd.Timestamp(d).date()) if pd.notna(d) else "offen"
                                  for d in (m.start_date, m.end_date)).replace("\n", " ")
        budget = (f" | {_money(m.budget)}" if pd.notna(m.budget) else " | –") if budgets else ""
        rows.append(f"| {md(m.title)} | {md(m.actor or 'nicht benannt')} | {period} | "
                    f"{md(m.status_label)}{budget} |")
    head = "| Maßnahme | verantwortlich | Zeitraum | Stand |" + (" Budget |" if budgets else "")
    # the dashes set the relative widths (pandoc pipe tables): room for names and dates
    rule = "|:" + "-" * 26 + "|:" + "-" * 24 + "|:" + "-" * 22 + "|:" + "-" * 14 + "|" + (
        "-" * 14 + ":|" if budgets else "")
    return (f"{summary}\n\n{head}\n{rule}\n" + "\n".join(rows)
            + f"\n\n: Maßnahmen des Integrationskonzepts\n\n"
              f"*Quelle: {facts.source('Integrationskonzept (Maßnahmenplanung)')}*\n")


def _activity_markdown(facts: DistrictFacts) -> str:
    activity = facts.activity
    per_quarter = activity["per_quarter"]
    if per_quarter.empty or per_quarter["meetings"].sum() == 0:
        return "Für dieses Gebiet sind keine Netzwerktreffen erfasst."
    rows = "\n".join(f"| {r.period} | {integer(r.meetings)} |"
                      for r in per_quarter.itertuples())
    active = activity["active"]
    return (f"Arbeitsgruppen: {integer(activity['groups'])}; Anteil der Netzwerkmitglieder mit "
            f"mindestens einer Teilnahme in den letzten zwölf Monaten: "
            f"{one_decimal(active['share'] * 100)} %.\n\n| Quartal | Treffen |\n|:---|---:|\n"
            f"{rows}\n\n: Netzwerk- und Arbeitsgruppentreffen je Quartal\n\n"
            f"*Quelle: {facts.source('Netzwerkdokumentation der Bestandsaufnahme')}*")


def _index_markdown(facts: DistrictFacts) -> str:
    """The section on the Status-Dynamik-Index: what it is, the area's classes (the view's
    sentences, which say that classes are relative and name no causes), the area's index
    indicators and the status/dynamic figure. Without an index only the reason is given."""
    c, position = facts.ctx, facts.position
    peers = _peers_de(c.level)
    earlier = quarter_short(position.get("earlier_period", ""))
    now = quarter_short(c.period)
    intro = (f"Der Status-Dynamik-Index ordnet {md(c.area_name)} unter den {peers} ein: nach "
             "dem Stand der Indexindikatoren im Berichtsquartal (Status) und nach "
             f"ihrer Veränderung seit {earlier} (Dynamik), jeweils standardisiert über alle "
             "bewerteten Gebiete; höhere Indexwerte bedeuten mehr Aufmerksamkeitsbedarf. Das "
             "Verfahren lehnt sich an das Berliner Monitoring Soziale Stadtentwicklung an.")
    summary = md(" ".join(position.get("summary", [])))
    parts = [f"\n# Lage im Landesvergleich: Status-Dynamik-Index\n\n{intro}\n\n{summary}\n"]
    own = position.get("own")
    if position.get("result") is None or not isinstance(own, pd.DataFrame) or own.empty:
        return "".join(parts)
    rows = "\n".join(
        f"| {table_formats.md_escape(f'{r.indicator_id} {r.name} ({r.unit}; {r.direction_label})')}"
        f" | {fmt.number(r.value, 1)} | {fmt.number(r.earlier_value, 1)} | "
        f"{fmt.signed(r.change, 1)} | {fmt.number(r.mean, 1)} | {fmt.signed(r.status_z, 2)} | "
        f"{fmt.signed(r.dynamic_z, 2)} |"
        for r in own.itertuples())
    parts.append(
        # the dashes set the relative column widths (pandoc pipe tables): a wide first column
        f"\n| Indikator | {now} | {earlier} | Veränderung | Mittel der bewerteten Gebiete "
        "| z-Wert Status | z-Wert Dynamik |\n|:" + "-" * 33 + "|" + "|".join(
            "-" * n + ":" for n in (8, 8, 10, 11, 8, 8)) + "|\n"
        f"{rows}\n\n: {md(c.area_name)}: Indexindikatoren\n\n"
        "*Mittel: ungewichtet, jedes Gebiet zählt einmal (nicht der Landeswert). z-Werte mit "
        "Vorzeichen: positiv = mehr Aufmerksamkeitsbedarf als im Mittel (bei „höher ist "
        "besser“ also ein niedrigerer Wert). Veränderung bei Quoten in Prozentpunkten. "
        f"Quelle: {facts.source('Controlling-Indikatoren nach der Geheimhaltung')}*\n")
    row = facts.index_row()
    shown = row is not None and bool(row["assessed"])
    where = (f"{md(c.area_name)} hervorgehoben" if shown
             else f"{md(c.area_name)} nicht bewertet, daher ohne Punkt")
    if "index" in facts.figures:
        parts.append(f"\n![Status- und Dynamikindex der bewerteten Gebiete; {where}; gepunktete "
                     f"Linien: Klassengrenzen](index.png){{width=68%}}\n\n"
                     f"*Quelle: {facts.source('Controlling-Indikatoren; Status-Dynamik-Index')}*\n")
    parts.append(f"\n*Verfahren:* {md(position.get('note', ''))}\n")
    return "".join(parts)


def conclusions(folder: Path, area_code: str, year: int) -> str | None:
    """The manager's conclusions: ``<folder>/<area_code>_<year>.md`` if it exists."""
    path = folder / f"{area_code}_{year}.md"
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def _money(value: Any) -> str:
    return f"{fmt.number(float(value), 2)} €"


def markdown(facts: DistrictFacts, *, conclusions_text: str | None) -> str:
    """The evaluation report as pandoc Markdown (figures referenced as ``<name>.png``)."""
    c, s = facts.ctx, facts.summary
    year = c.period.year
    demo = (f"\n::: {{.demo}}\n**{DEMO_LABEL}** – Angebote, Akteure, Indikatorwerte, Ziele und "
            "ESF-Kennzahlen sind erfunden; amtlich sind nur Gebietsgrenzen und Kreissummen der "
            "Bevölkerung.\n:::\n") if c.is_demo else ""
    stand = fmt.day(c.data_stand) if c.data_stand else "unbekannt"
    stale = f"\n\n**{stale_note(c)}**" if not c.fresh_data else ""
    population = f" (Stand {fmt.day(c.population_stand)})" if c.population_stand else ""
    # YAML metadata is read as Markdown: escaped for Markdown, then quoted for YAML (JSON)
    title = json.dumps(md(f"Evaluationsbericht {year}: {c.area_name}"), ensure_ascii=False)
    publisher = c.settings.style.publisher
    subtitle = json.dumps(md((f"{publisher} · " if publisher else "")
                             + "Kommunales Integrationsmanagement – Jahresauswertung · "
                             f"{c.area_kind} {c.in_state}"), ensure_ascii=False)
    messages = "\n".join(f"- {md(m)}" for m in facts.key_messages())
    sited, without_site = int(s.get("offers_with_site", 0)), int(s.get("without_site", 0))
    site_note = (f"\nDie Tabelle zählt die {integer(sited)} Angebote mit festem Standort in "
                 f"einer Gemeinde. {integer(without_site)} weitere Angebote sind mobil, online "
                 "oder ohne festen Standort und keiner Gemeinde zugeordnet; mit ihnen laufen "
                 f"{where_de(c.area_kind)} {integer(s['offers'])} Angebote.\n"
                 if without_site else "")
    places = (f"; {integer(s['municipalities_without_offer'])} von "
              f"{integer(s['municipalities'])} Gemeinden haben kein Angebot mit festem Standort"
              if s["municipalities"] > 1 else "")
    parts = [f"""---
title: {title}
subtitle: {subtitle}
date: "{fmt.day(facts.created.date())}"
lang: de
region: DE
papersize: a4
---
{demo}
Berichtszeitraum {year} (Stand {c.period.label_de()}, Stichtag {fmt.day(c.period.end)}),
Datenstand {stand}. {c.area_kind}.{stale}

# Das Wichtigste in Kürze

{messages}

# Kontext und Bedarfe

Die Tabelle zeigt je Gemeinde die ausländischen Staatsangehörigen Ende {year}{population}
und die Angebote mit festem Standort. Gemeinden mit sehr wenigen Personen werden nicht
ausgewiesen („.“).

{table_formats.to_markdown(facts.tables["municipalities"])}
{site_note}
{_index_markdown(facts)}
# Angebote und Abdeckung

Am Stichtag laufen **{integer(s["offers"])}** Angebote ({one_decimal(s["offers_per_1000"])} je
1.000 ausländische Staatsangehörige){places}. In {integer(s["fields_without_offer"])} von
{integer(s.get("fields", 0))} Handlungsfeldern gibt es {where_de(c.area_kind)} kein Angebot.

![Angebote je 1.000 ausländische Staatsangehörige {md(c.in_state)}; {md(c.area_name)} umrandet](map.png){{width=85%}}

*Quelle: {facts.source("Bestandsaufnahme der Angebote; ausländische Staatsangehörige am Stichtag")}; {md(c.geo_attribution)}*

{table_formats.to_markdown(facts.tables["fields"])}

# Ziele und Maßnahmen

Stand der Ziele des Integrationskonzepts: Abstand zum geradlinigen Pfad vom Ausgangs- zum
Zielwert (im Plan bis 10 %, gefährdet bis 30 % zurück).

{table_formats.to_markdown(facts.tables["goals"], widths=GOAL_WIDTHS)}
"""]  # noqa: E501 - a Markdown image and its source line cannot be wrapped
    for name in facts.figures:
        if name.startswith("ind_"):
            row = facts.overview[facts.overview["indicator_id"] == name[4:]].iloc[0]
            parts.append(f"![{md(row['name'])}]({name}.png){{width=80%}}\n\n"
                         f"*Quelle: {facts.source('Controlling-Indikatoren')}*\n")
    parts.append(_measures_markdown(facts))
    rows = "\n".join(f"| {ACTOR_TYPES_DE.get(r.actor_type, r.actor_type)} | {r.actors} | "
                     f"{int(r.members)} |" for r in facts.network.itertuples())
    parts.append(f"""
# Netzwerkarbeit

| Akteurstyp | Akteure | davon im Netzwerk |
|:---|---:|---:|
{rows}

: Akteure mit Angeboten {where_de(c.area_kind)}

*Quelle: {facts.source("Akteursverzeichnis der Bestandsaufnahme")}*

{_activity_markdown(facts)}

# ESF-Projektkennzahlen
""")
    if facts.esf.empty:
        parts.append("Für dieses Gebiet ist kein ESF-Projekt erfasst.\n")
    for p in facts.esf.itertuples():
        parts.append(f"""| Kennzahl | Wert |
|:---|---:|
| Projekt | {md(p.project_id)} |
| Laufzeit | {fmt.day(p.start_date)} – {fmt.day(p.end_date)} |
| Zuwendungsfähige Ausgaben (ESF-Zuschuss) | {_money(p.eligible_cost)} |
| Gesamtkosten | {_money(p.total_cost)} |
| Kofinanzierungssatz | {fmt.number(p.cofinancing_rate * 100, 0)} % |

: {md(p.title)}

*Quelle: {md(facts.source(str(p.source)))}*
""")
    if conclusions_text:  # the manager's own words, or no section at all (never a placeholder)
        parts.append("\n# Fazit\n\n" + conclusions_text + "\n")
    definitions = "\n".join(f"- **{md(r['name'])}** ({md(r['unit'])}): "
                            f"{md(r.get('definition', ''))}"
                            for _, r in facts.overview.iterrows())
    sources = "\n".join(f"- {md(src)}" for src in [*c.sources, c.geo_attribution])
    parts.append(f"""
# Anhang

## Definitionen

{definitions}

## Zeichenerklärung und Geheimhaltung

„.“ = Zahlenwert geheim zu halten (zu kleine Fallzahl) · „–“ = keine Angabe.
{facts.rule} Zahlen aus amtlichen Tabellen werden mit ihrer veröffentlichten Rundung übernommen.

## Quellen und Datenstand

{sources}

Datenstand {stand}.

## Reproduzierbarkeit

{facts.repro()}
""")
    return "\n".join(parts)

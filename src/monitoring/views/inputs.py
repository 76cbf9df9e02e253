"""What each report section needs from the store, and which of it a report lacks.

A store made for real data starts with geography and population; offers, the network, the
controlling indicators and the integration concept come later, or never. Every section of the
report therefore asks first what it lacks (`missing_inputs`), shows a German notice naming the
missing data and the command or template that adds it (`MissingInput.notice`), and leaves out
only the parts that need it. The run's index and manifest list the same per report
(`report_missing`), so an analyst sees at a glance which data to add.

The inputs (`INPUTS`) and which section needs which (`SECTIONS`) are defined here once; the
command names are those of ``monitoring --help``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from monitoring import fmt
from monitoring.core import coverage
from monitoring.core.areas import located_today
from monitoring.store.inventory import read_meetings, read_working_groups
from monitoring.views.panel import indicator_panel

if TYPE_CHECKING:
    from monitoring.store.database import Store
    from monitoring.views.scope import ReportContext

TARGET_GROUP = "auslaender"
"""The population group the offer sections relate offers to (places per 1,000 of it)."""

OFFER_TEMPLATE = ("Vorlage mit `monitoring template angebote --out Bestandserhebung.xlsx` "
                  "erzeugen, von den Trägern ausfüllen lassen und mit "
                  "`monitoring import angebote Bestandserhebung.xlsx` einlesen")
FIGURES = ("amtliche Tabellen mit `monitoring import statistik DATEI` oder eigene Zahlen mit "
           "`monitoring import zahlen DATEI` einlesen")
CONCEPT = "mit `monitoring import konzept Integrationskonzept.xlsx` einlesen"


@dataclass(frozen=True)
class Input:
    """One kind of data a report section needs: a short German label (for „Fehlt: …“), what
    the notice says is missing, and which command or template adds it."""

    key: str
    label: str
    missing: str
    remedy: str

    def notice(self) -> str:
        return f"{self.missing} – {self.remedy}."


INPUTS: dict[str, Input] = {i.key: i for i in (
    Input("angebote", "Angebote", "Keine Angebote erfasst", OFFER_TEMPLATE),
    Input("standorte", "Angebote mit Standort und Plätzen",
          "Kein Angebot mit festem Standort und Platzzahl erfasst",
          "im Blatt „Angebote“ der Vorlage (`monitoring template angebote`) Angebotsform "
          "„an einem festen Standort“, Standort-ID (Blatt „Standorte“ mit Koordinaten) und "
          "Plätze eintragen und mit `monitoring import angebote DATEI.xlsx` einlesen"),
    Input("zielgruppe", "Zahl der ausländischen Staatsangehörigen",
          "Keine Zahl der ausländischen Staatsangehörigen (Reihe `auslaender`) für das Gebiet",
          "die Bevölkerung nach Staatsangehörigkeit (Tabelle 12411) mit `monitoring import "
          "statistik DATEI` oder eigene Zahlen mit `monitoring import zahlen DATEI` einlesen"),
    Input("zielgruppe_gemeinden", "ausländische Staatsangehörige je Gemeinde",
          "Keine Zahlen der ausländischen Staatsangehörigen je Gemeinde (Reihe `auslaender`, "
          "8-stelliger Gemeindeschlüssel)",
          "z. B. Zensus-Zahlen oder das Melderegister je Gemeinde mit `monitoring import "
          "zahlen DATEI` (Spalten reihe; gebiet; zeitraum; wert) oder `monitoring import "
          "statistik DATEI` einlesen"),
    Input("netzwerk", "Netzwerkdaten",
          "Keine Arbeitsgruppen und Netzwerktreffen erfasst",
          "in die Blätter „Arbeitsgruppen“ und „Treffen“ der Vorlage (`monitoring template "
          "angebote`) eintragen und mit `monitoring import angebote DATEI.xlsx` einlesen"),
    Input("indikatoren", "Indikatorwerte",
          "Keine Indikatorwerte für das Gebiet", FIGURES),
    Input("steuerungsindikatoren", "Steuerungsindikatoren",
          "Keine Steuerungsindikatoren (Arbeitsmarkt, Leistungsbezug, Bildung, Einbürgerung …) "
          "für das Gebiet, nur Kontextindikatoren",
          FIGURES + "; welche Reihe welchen Indikator speist, steht im Indikatorkatalog "
          "(Spalten numerator_series, denominator_series)"),
    Input("zielwerte", "Zielwerte des Integrationskonzepts",
          "Keine Zielwerte des Integrationskonzepts für das Gebiet erfasst",
          "Blatt „Zielwerte“ (indikator, gebiet, ziel, ausgangsquartal, ausgangswert, "
          "zielquartal, zielwert) " + CONCEPT),
    Input("massnahmen", "Maßnahmen des Integrationskonzepts",
          "Keine Maßnahmen des Integrationskonzepts für das Gebiet erfasst",
          "Blätter „Ziele“ und „Massnahmen“ " + CONCEPT),
    Input("indexindikatoren", "Indikatoren des Status-Dynamik-Index",
          "Keine Werte der Indikatoren des Status-Dynamik-Index für die verglichenen Quartale",
          FIGURES + " (Statistik der Bundesagentur für Arbeit) oder in `monitoring.toml` unter "
          "[status_dynamik_index] andere `indikatoren` wählen"),
)}


@dataclass(frozen=True)
class Section:
    """A report section (one notebook in ``notebooks/``) and the inputs it needs."""

    key: str
    title: str
    notebook: str
    needs: tuple[str, ...]


SECTIONS: dict[str, Section] = {s.key: s for s in (
    Section("abdeckung", "Angebote und Abdeckung", "10_angebote_abdeckung.ipynb",
            ("angebote", "zielgruppe", "zielgruppe_gemeinden")),
    Section("bestand", "Bestandsaufnahme", "15_bestand.ipynb",
            ("angebote", "zielgruppe_gemeinden", "netzwerk")),
    Section("indikatoren", "Indikatoren", "20_indikatoren.ipynb",
            ("indikatoren", "steuerungsindikatoren")),
    Section("erreichbarkeit", "Erreichbarkeit", "30_erreichbarkeit.ipynb",
            ("angebote", "standorte", "zielgruppe_gemeinden")),
    Section("controlling", "Controlling", "40_controlling.ipynb",
            ("zielwerte", "massnahmen", "indexindikatoren")),
)}

# An input that only matters once a broader one is there: without any offer, "no offer with a
# site" says nothing new; without any indicator value, "no steering indicator" neither.
IMPLIED_BY = {"standorte": "angebote", "steuerungsindikatoren": "indikatoren"}


@dataclass(frozen=True)
class MissingInput:
    """An input a report lacks: the `Input`, the German notice for this report, and the
    sections (German titles) that leave something out because of it."""

    input: Input
    notice: str
    sections: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.input.key

    @property
    def label(self) -> str:
        return self.input.label

    def record(self) -> dict[str, object]:
        """Plain data for the run's manifest."""
        return {"key": self.key, "label": self.label, "notice": self.notice,
                "sections": list(self.sections)}


@dataclass(frozen=True)
class SectionInputs:
    """What one section lacks for one report (empty: the section is complete)."""

    section: Section
    missing: tuple[MissingInput, ...]

    def lacks(self, *keys: str) -> tuple[MissingInput, ...]:
        """The missing inputs among `keys` (empty: all there). An input counts as missing
        also when the broader input it depends on (`IMPLIED_BY`) is missing."""
        wanted = set(keys) | {IMPLIED_BY[k] for k in keys if k in IMPLIED_BY}
        return tuple(m for m in self.missing if m.key in wanted)

    @property
    def complete(self) -> bool:
        return not self.missing


class _Checks:
    """The store's answers for one report, read once and only when a check asks."""

    def __init__(self, store: Store, ctx: ReportContext) -> None:
        self.store, self.ctx = store, ctx
        self._offers: pd.DataFrame | None = None
        self._population: pd.DataFrame | None = None
        self._panel: pd.DataFrame | None = None

    def offers(self) -> pd.DataFrame:
        """Offers running on the Stichtag, where their place lies today."""
        if self._offers is None:
            on = self.ctx.period.end
            self._offers = located_today(coverage.active(self.store.read_offers(on=on), on),
                                         self.store.read_area_changes())
        return self._offers

    def population(self) -> pd.DataFrame:
        if self._population is None:
            pop = self.store.read_population(population_group=TARGET_GROUP,
                                             periods=[str(self.ctx.period)])
            self._population = pop[pop["value"].notna()]
        return self._population

    def panel(self) -> pd.DataFrame:
        if self._panel is None:
            panel = indicator_panel(self.store)
            self._panel = panel[panel["value"].notna()]
        return self._panel

    def own_panel(self) -> pd.DataFrame:
        panel = self.panel()
        return panel[(panel["area_code"].astype(str) == self.ctx.area_code)
                     & (panel["period"].astype(str) <= str(self.ctx.period))]

    def inside(self, codes: pd.Series) -> pd.Series:
        return codes.astype(str).str.startswith(self.ctx.area_code)

    def present(self, key: str) -> bool:  # noqa: PLR0911 - one branch per input
        ctx, store = self.ctx, self.store
        if key == "angebote":
            offers = self.offers()
            return bool(self.inside(offers["area_code"]).any())
        if key == "standorte":
            offers = self.offers()
            sited = (offers["mode"] == "standort") & offers["x"].notna() \
                & offers["y"].notna() & offers["capacity"].notna()
            return bool(sited.any())
        if key == "zielgruppe":
            return bool(self.inside(self.population()["area_code"]).any())
        if key == "zielgruppe_gemeinden":
            codes = self.population()["area_code"].astype(str)
            if ctx.level == "gemeinde":
                return bool((codes == ctx.area_code).any())
            return bool((self.inside(codes) & (codes.str.len() == 8)).any())
        if key == "netzwerk":
            return bool(self.inside(read_meetings(store)["area_code"]).any()
                        or self.inside(read_working_groups(store)["area_code"]).any())
        if key == "indikatoren":
            return not self.own_panel().empty
        if key == "steuerungsindikatoren":
            steering = store.read_indicators()
            steering = steering.loc[steering["direction"].isin(["up", "down"]), "indicator_id"]
            return bool(self.own_panel()["indicator_id"].isin(list(steering)).any())
        if key == "zielwerte":
            return bool((store.read_targets()["area_code"] == ctx.area_code).any())
        if key == "massnahmen":
            goals = store.read_goals()
            own = goals.loc[goals["area_code"] == ctx.area_code, "goal_id"]
            return bool(store.read_measures()["goal_id"].isin(list(own)).any())
        if key == "indexindikatoren":
            return self.index_values_present()
        raise KeyError(key)

    def index_values_present(self) -> bool:
        """True when some index indicator has a value in some area of the report's level for
        the status quarter and for the quarter the dynamic compares it with (the condition
        without which `core.composite_index.compute` computes nothing)."""
        settings = self.ctx.settings.index
        quarters = {str(self.ctx.period), str(self.ctx.period - settings.span)}
        areas = set(self.store.read_areas(level=self.ctx.level)["area_code"].astype(str))
        panel = self.panel()
        rows = panel[panel["indicator_id"].isin(list(settings.indicators))
                     & panel["area_code"].astype(str).isin(areas)
                     & panel["period"].astype(str).isin(quarters)]
        per_indicator = rows.groupby("indicator_id")["period"].nunique()
        return bool((per_indicator == len(quarters)).any())


def _notice(item: Input, ctx: ReportContext) -> str:
    """The notice, made specific to the report where that helps the reader."""
    if item.key == "angebote":
        return (f"Keine Angebote im Gebiet {ctx.area_name} am {fmt.day(ctx.period.end)} "
                f"erfasst – {item.remedy}.")
    if item.key == "indexindikatoren":
        settings = ctx.settings.index
        names = ", ".join(settings.indicators)
        return (f"Keine Werte der Indikatoren des Status-Dynamik-Index ({names}) für "
                f"{ctx.period} und {ctx.period - settings.span} – {item.remedy}.")
    return item.notice().replace("für das Gebiet", f"für {ctx.area_code} {ctx.area_name}")


def _evaluate(checks: _Checks, keys: list[str]) -> dict[str, bool]:
    """Which of `keys` are present; an input implied by a missing broader one is not asked."""
    found: dict[str, bool] = {}
    for key in keys:
        broader = IMPLIED_BY.get(key)
        if broader is not None and broader in keys and not found.get(broader, True):
            continue  # the broader input's notice says it already
        found[key] = checks.present(key)
    return found


def missing_inputs(store: Store, ctx: ReportContext, section: str) -> SectionInputs:
    """What the section `section` (a key of `SECTIONS`) lacks for the report `ctx`."""
    if section not in SECTIONS:
        raise KeyError(f"Unbekannter Berichtsabschnitt „{section}“; bekannt: "
                       f"{', '.join(SECTIONS)}.")
    spec = SECTIONS[section]
    found = _evaluate(_Checks(store, ctx), list(spec.needs))
    return SectionInputs(spec, tuple(
        MissingInput(INPUTS[k], _notice(INPUTS[k], ctx), (spec.title,))
        for k in spec.needs if k in found and not found[k]))


def report_missing(store: Store, ctx: ReportContext,
                   sections: tuple[str, ...] | None = None) -> list[MissingInput]:
    """Everything the report `ctx` lacks over its sections (default: all), each input once
    with the sections that leave something out because of it, in the order of `INPUTS`."""
    chosen = [SECTIONS[s] for s in (sections or tuple(SECTIONS))]
    keys = list(dict.fromkeys(k for s in chosen for k in s.needs))
    found = _evaluate(_Checks(store, ctx), keys)
    out = []
    for key, item in INPUTS.items():
        if key in found and not found[key]:
            titles = tuple(s.title for s in chosen if key in s.needs)
            out.append(MissingInput(item, _notice(item, ctx), titles))
    return out


def sections_of(notebooks: tuple[str, ...]) -> tuple[str, ...]:
    """The section keys of a report composed of the notebook files `notebooks` (unknown
    notebooks need nothing listed here)."""
    by_file = {s.notebook: s.key for s in SECTIONS.values()}
    return tuple(by_file[n] for n in notebooks if n in by_file)

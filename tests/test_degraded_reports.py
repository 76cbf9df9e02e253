"""Reports on a real-data store that lacks most inputs: every section runs and says what is
missing and which command adds it; the run's index and manifest list the same.

The stores are made as a new user makes them, through the real commands: `monitoring neu`
for the Ilm-Kreis, `monitoring import zahlen` for the population (Stichtag 31.12.2024), and –
in the second variant – the offer template filled as a partner fills it and read with
`monitoring import angebote`. Neither store has controlling indicators, a concept, a grid or
network data.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from monitoring import views
from monitoring.cli.main import main
from monitoring.core import coverage
from monitoring.periods import Quarter
from monitoring.report.run import index as index_page
from monitoring.report.run.worker import ReportResult
from monitoring.store.database import open_store
from monitoring.views import inputs
from portal_files import filled_offer_template

KREIS = "16070"  # Ilm-Kreis
PERIOD = "2025-Q4"
# Kreis figures (invented, plausible): population and foreign nationals on 31.12.2024
FIGURES = [("bevoelkerung", KREIS, "106.000"), ("auslaender", KREIS, "7.400")]
# foreign nationals in two Gemeinden of the Ilm-Kreis: Arnstadt and Ilmenau
GEMEINDE_FIGURES = [("auslaender", "16070004", "2.100"), ("auslaender", "16070029", "3.300")]

ACTORS = [["P-1", "Sprachbrücke Arnstadt e. V.", "Verein", "16070004", "ja", 8],
          ["P-2", "Jobwerk Ilmenau gGmbH", "Bildungsträger", "16070029", "nein", 0]]
LOCATIONS = [["S-1", "Rathaus", "Markt 1, 99310 Arnstadt", "16070004", "10,9464", "50,8347",
              "WGS84"],
             ["S-2", "Jobwerk", None, "16070029", 635302.3, 5616413.1, None]]
OFFERS = [
    ["O-1", "P-1", "Deutschkurs A1", "Sprache", None, "Geflüchtete / Schutzsuchende", None,
     "Deutsch", "Arabisch", None, None, "an einem festen Standort", "Gemeinde", "16070004", "S-1",
     15, "01.02.2025", None],
    ["O-2", "P-2", "Bewerbungstraining", "Arbeitsmarkt/Wirtschaft", None, "Arbeitsuchende", None,
     "Deutsch", None, None, None, "an einem festen Standort", "Gemeinde", "16070029", "S-2", 12,
     "01.03.2025", "31.12.2026"],
    ["O-3", "P-1", "Sprach-Lotsen online", "Sprache", None, "Zugewanderte allgemein", None,
     "Ukrainisch", None, None, None, "online", "Kreis / kreisfreie Stadt", "16070", None, None,
     "01.01.2025", None],
]

# A distinctive part of each input's notice (`views.inputs.INPUTS`), as it appears in the HTML.
NOTICES = {
    "angebote": "Keine Angebote im Gebiet Ilm-Kreis am 31.12.2025 erfasst",
    "standorte": "Kein Angebot mit festem Standort und Platzzahl erfasst",
    "zielgruppe": "Keine Zahl der ausländischen Staatsangehörigen",
    "zielgruppe_gemeinden": "Keine Zahlen der ausländischen Staatsangehörigen je Gemeinde",
    "netzwerk": "Keine Arbeitsgruppen und Netzwerktreffen erfasst",
    "indikatoren": "Keine Indikatorwerte für 16070 Ilm-Kreis",
    "steuerungsindikatoren": "Keine Steuerungsindikatoren",
    "zielwerte": "Keine Zielwerte des Integrationskonzepts für 16070 Ilm-Kreis erfasst",
    "massnahmen": "Keine Maßnahmen des Integrationskonzepts für 16070 Ilm-Kreis erfasst",
    "indexindikatoren": "Keine Werte der Indikatoren des Status-Dynamik-Index",
}
# neither variant has indicators other than A01 (context), a concept, or network data
ALWAYS_MISSING = {"netzwerk", "steuerungsindikatoren", "zielwerte", "massnahmen",
                  "indexindikatoren"}


def _figures_file(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["reihe;gebiet;zeitraum;wert", *(f"{r};{g};31.12.2024;{w}" for r, g, w in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _new_store(folder: Path, rows: list[tuple[str, str, str]]) -> Path:
    """`monitoring neu` for the Ilm-Kreis, then the own figures with `import zahlen`."""
    store = folder / "monitoring.duckdb"
    assert main(["neu", "--store", str(store), "--kreis", KREIS]) == 0
    assert main(["import", "zahlen", str(_figures_file(folder / "zahlen.csv", rows)),
                 "--store", str(store)]) == 0
    return store


def _offer_workbook(folder: Path, store: Path) -> Path:
    """The template from `monitoring template angebote`, filled as a partner fills it: the
    example rows replaced, no working groups and no meetings."""
    template = folder / "Bestandserhebung.xlsx"
    assert main(["template", "angebote", "--out", str(template), "--store", str(store)]) == 0
    filled = folder / "Bestandserhebung_Traeger.xlsx"
    filled_offer_template(template, filled, actors=ACTORS, sites=LOCATIONS, offers=OFFERS)
    return filled


@pytest.fixture(scope="module")
def population_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """(a) geography + population of the Kreis."""
    return _new_store(tmp_path_factory.mktemp("nur_bevoelkerung"), FIGURES)


@pytest.fixture(scope="module")
def with_offers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """(b) geography + population (Kreis and two Gemeinden) + offers."""
    folder = tmp_path_factory.mktemp("mit_angeboten")
    store = _new_store(folder, FIGURES + GEMEINDE_FIGURES)
    assert main(["import", "angebote", str(_offer_workbook(folder, store)),
                 "--store", str(store), "--as-of", "2025-01-01"]) == 0
    return store


def _missing_keys(store_path: Path) -> set[str]:
    with open_store(store_path) as store:
        ctx = views.context(store, KREIS, PERIOD)
        return {m.key for m in views.report_missing(store, ctx)}


def test_population_only_lacks_offers_network_indicators_and_concept(
        population_only: Path) -> None:
    assert _missing_keys(population_only) == ALWAYS_MISSING | {"angebote",
                                                                "zielgruppe_gemeinden"}


def test_after_the_offer_import_offers_are_no_longer_missing(with_offers: Path) -> None:
    assert _missing_keys(with_offers) == ALWAYS_MISSING


def test_sections_list_only_their_own_inputs(population_only: Path) -> None:
    with open_store(population_only) as store:
        ctx = views.context(store, KREIS, PERIOD)
        lacks = {name: [m.key for m in views.missing_inputs(store, ctx, name).missing]
                 for name in inputs.SECTIONS}
    assert lacks == {
        "abdeckung": ["angebote", "zielgruppe_gemeinden"],
        "bestand": ["angebote", "zielgruppe_gemeinden", "netzwerk"],
        "indikatoren": ["steuerungsindikatoren"],  # A01 (context) is there
        "erreichbarkeit": ["angebote", "zielgruppe_gemeinden"],  # no site notice on top
        "controlling": ["zielwerte", "massnahmen", "indexindikatoren"],
    }


def test_own_kreis_figure_is_not_added_to_its_gemeinden() -> None:
    """A store with the Kreis figure (official table) and some Gemeinden (own figures): the
    Kreis counts with its own figure, a Kreis without one with the sum of its Gemeinden."""
    areas = pd.DataFrame({"area_code": ["16001", "16002", "16001001", "16001002", "16002001"],
                          "name": ["A", "B", "A1", "A2", "B1"],
                          "parent_code": ["16", "16", "16001", "16001", "16002"]})
    population = pd.DataFrame({"area_code": ["16001", "16001001", "16001002", "16002001"],
                               "value": [7400.0, 2100.0, 3300.0, 500.0]})
    offers = pd.DataFrame({"offer_id": ["o1", "o2", "o3"], "fields": [["sprache"]] * 3,
                           "area_code": ["16001001", "16001", "16002001"],
                           "capacity": [15, 12, 10]})
    out = coverage.by_area(offers, areas[areas["area_code"].str.len() == 5], population,
                           fields=["sprache"], hierarchy=areas).set_index("area_code")
    assert out.loc["16001", "population"] == 7400  # not 7400 + 2100 + 3300
    assert out.loc["16001", "offers_per_1000"] == pytest.approx(2 / 7.4)
    assert out.loc["16002", "population"] == 500  # no own figure: its Gemeinde


def test_demo_report_lacks_nothing(demo_store_path: Path) -> None:
    with open_store(demo_store_path) as store:
        for code in ("16051", "16063", "16070"):
            assert views.report_missing(store, views.context(store, code, PERIOD)) == []


def test_index_lists_what_each_report_lacks() -> None:
    missing = [{"key": "angebote", "label": "Angebote", "notice": "…", "sections": []},
               {"key": "zielwerte", "label": "Zielwerte des Integrationskonzepts",
                "notice": "…", "sections": []}]
    page = index_page.render(
        period=Quarter.parse(PERIOD), snapshot="abc", is_demo=False, data_stand=None,
        created=datetime(2026, 1, 5, 9, 0), versions={}, land_name="Thüringen",
        geo_attribution="© GeoBasis-DE / BKG",
        results=[ReportResult("16070", "Ilm-Kreis", "ok", 1.0, "16070_Ilm-Kreis.html", 10,
                              missing=missing),
                 ReportResult("16051", "Erfurt", "ok", 1.0, "16051_Erfurt.html", 10)])
    assert "<th scope=\"col\">Fehlende Daten</th>" in page
    assert "<td>Fehlt: Angebote, Zielwerte des Integrationskonzepts</td>" in page
    assert "<td>vollständig</td>" in page


# -- real runs: one per store variant ---------------------------------------------------------
def _run(store: Path, out: Path) -> tuple[str, dict[str, object], str]:
    assert main(["run", "--period", PERIOD, "--store", str(store), "--out", str(out),
                 "--workers", "1"]) == 0
    folder = out / PERIOD
    report = (folder / "16070_Ilm-Kreis.html").read_text(encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return report, manifest, (folder / "index.html").read_text(encoding="utf-8")


def _check_degraded(report: str, manifest: dict[str, object], index: str,
                    missing: set[str]) -> None:
    for key, text in NOTICES.items():
        assert (text in report) == (key in missing), key
    # no failed cell, no stderr output, no NaN in any text or table (plotly.js in <script>
    # and the stylesheet have their own NaN, Error and stderr)
    text = re.sub(r"<(script|style).*?</\1>", "", report, flags=re.DOTALL)
    assert "Traceback" not in text and "application/vnd.jupyter.stderr" not in text
    assert "Error" not in text
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    entry = manifest["reports"][0]  # type: ignore[index]
    assert entry["status"] == "ok"
    assert {m["key"] for m in entry["missing"]} == missing
    labels = [inputs.INPUTS[k].label for k in inputs.INPUTS if k in missing]
    assert f"Fehlt: {', '.join(labels)}" in index


@pytest.mark.slow
def test_report_on_population_only(population_only: Path, tmp_path: Path) -> None:
    report, manifest, index = _run(population_only, tmp_path / "reports")
    _check_degraded(report, manifest, index,
                    ALWAYS_MISSING | {"angebote", "zielgruppe_gemeinden"})
    assert "Entfällt – es fehlen: Angebote" in report
    assert "Ausländeranteil" in report  # A01 from the imported figures is shown


@pytest.mark.slow
def test_report_with_offers(with_offers: Path, tmp_path: Path) -> None:
    report, manifest, index = _run(with_offers, tmp_path / "reports")
    _check_degraded(report, manifest, index, ALWAYS_MISSING)
    with open_store(with_offers) as store:
        active = int(store.query("SELECT count(DISTINCT offer_id) n FROM offer")["n"][0])
    assert active == len(OFFERS)
    kpi = re.search(r'<div class="mon-kpi-value">([^<]*)</div><div class="mon-kpi-label">'
                    r"aktive Angebote</div>", report)
    assert kpi is not None and kpi.group(1) == str(len(OFFERS))
    # 3 offers per 7,400 foreign nationals of the Kreis (its own figure, not the Kreis plus
    # its Gemeinden): 0.405… per 1,000 → „0,4“
    assert ('<div class="mon-kpi-value">0,4</div><div class="mon-kpi-label">Angebote je 1.000 '
            "Ausländer/-innen</div>") in report
    assert "Übersicht nach Handlungsfeld" in report and "Standorte im Kreis" in report

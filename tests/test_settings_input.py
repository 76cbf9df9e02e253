"""Settings are an explicit input of every run (issue 10).

A ``monitoring.toml`` in the working folder must reach every output: the HTML report of
``monitoring run``, the PDF, deck and tables of ``monitoring veroeffentlichen``, the export of
the indicator panel, and a notebook run by hand below the project folder. No test here sets a
``MONITORING_*`` variable: the settings travel as arguments and notebook parameters.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from monitoring.cli.main import main
from monitoring.core import privacy
from monitoring.core.config import Settings
from monitoring.errors import ConfigError
from monitoring.io import settings as mon_settings
from monitoring.store.database import open_store

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = str(ROOT / "notebooks")
AREA = "16070"  # Ilm-Kreis
STRICT = "[geheimhaltung]\nschwelle = 50\n"
LABEL = "Ausländische Staatsangehörige"


@pytest.fixture(autouse=True)
def _no_settings_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MONITORING_SETTINGS", "MONITORING_THRESHOLD", "MONITORING_MIN_DENOMINATOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def small_municipality(demo_store_path: Path) -> tuple[str, int]:
    """A municipality of the Ilm-Kreis whose foreign population (3 … 49) the default rule
    shows and a threshold of 50 withholds."""
    from monitoring import views
    from monitoring.views import publishable

    with open_store(demo_store_path) as store:
        ctx = views.context(store, AREA, "2025-Q4", mon_settings.resolve(store=store,
                                                                         environ={}))
        municipalities = views.coverage_tables(store, ctx)["municipalities"]
    shown = publishable.coverage_by_municipality(municipalities, privacy.DisclosureRule(),
                                                 district_name="Ilm-Kreis")
    strict = publishable.coverage_by_municipality(municipalities, privacy.DisclosureRule(50),
                                                  district_name="Ilm-Kreis")
    frame = shown.frame.assign(strict=strict.is_suppressed("population"),
                               default=shown.is_suppressed("population"))
    small = frame[(frame["population"] >= 3) & (frame["population"] < 50) & ~frame["default"]
                  & frame["strict"]].sort_values("population", ascending=False)
    assert not small.empty
    row = small.iloc[0]
    return str(row["name"]), int(row["population"])


def _unescape(text: str) -> str:
    """Plotly JSON in the HTML escapes ``<``, umlauts and ``/`` as ``\\uXXXX``."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _hover(html: str, name: str) -> str:
    """The map's hover label of one municipality as the browser shows it (from the trace's
    ``hovertemplate`` and point data, or its literal ``text``)."""
    from monitoring.report.publish import scan

    labels = [label for figure in scan.plotly_figures(html)
              for trace in figure["data"]  # type: ignore[union-attr]
              for label in (scan.hover_texts(trace)
                            or [str(t) for t in trace.get("text") or []])]
    found = [label for label in labels if f"<b>{name}</b>" in label]
    assert found, f"kein Hover-Text für {name}"
    return found[0]


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# -- the resolver -------------------------------------------------------------------------------
def test_precedence_flag_file_working_folder_store_default(tmp_path: Path) -> None:
    here, other = tmp_path / "work", tmp_path / "other"
    here.mkdir(), other.mkdir()
    named = other / "prod.toml"
    meta = {"ampel_toleranz": "0,15"}
    local = here / "monitoring.toml"

    def resolve(**options: object) -> Settings:
        return mon_settings.resolve(cwd=here, environ={}, **options)  # type: ignore[arg-type]

    default = resolve()
    assert default.traffic_light.tolerance == 0.10 and default.disclosure.threshold == 3
    assert default.origin("ampel.toleranz") == "Voreinstellung"
    from_store = resolve(meta=meta)
    assert from_store.traffic_light.tolerance == 0.15
    assert from_store.origin("ampel.toleranz") == "Einstellung in der Datenbank"
    local.write_text("[geheimhaltung]\nschwelle = 5\n[ampel]\ntoleranz = 0.2\n", encoding="utf-8")
    from_cwd = resolve(meta=meta)
    assert (from_cwd.traffic_light.tolerance, from_cwd.disclosure.threshold) == (0.2, 5)
    assert from_cwd.origin("geheimhaltung.schwelle") == "monitoring.toml im Arbeitsordner"
    assert from_cwd.traffic_light.at_risk == 0.30  # not in any layer: the default
    named.write_text("[geheimhaltung]\nschwelle = 7\n[ampel]\ntoleranz = 0.25\n",
                     encoding="utf-8")
    from_file = resolve(meta=meta, file=named)
    assert (from_file.traffic_light.tolerance, from_file.disclosure.threshold) == (0.25, 7)
    assert from_file.origin("geheimhaltung.schwelle") == "Einstellungsdatei prod.toml (--settings)"
    # $MONITORING_SETTINGS is the same layer as --settings; --settings wins over it
    via_env = mon_settings.resolve(cwd=here, environ={"MONITORING_SETTINGS": str(named)})
    assert via_env.disclosure.threshold == 7
    assert "$MONITORING_SETTINGS" in via_env.origin("geheimhaltung.schwelle")
    flagged = resolve(meta=meta, file=named, flags={"geheimhaltung.schwelle": 11,
                                                    "ampel.toleranz": 0.28,
                                                    "geheimhaltung.mindestnenner": None})
    assert (flagged.traffic_light.tolerance, flagged.disclosure.threshold) == (0.28, 11)
    assert flagged.origin("geheimhaltung.schwelle") == "Befehlszeile (--schwelle)"
    assert flagged.disclosure.min_denominator == 20  # None = flag not given
    # per value: the file's threshold stays when only the tolerance is flagged
    assert resolve(file=named, flags={"ampel.toleranz": 0.28}).disclosure.threshold == 7
    # the settings survive the trip to a report kernel unchanged
    assert Settings.from_json(flagged.to_json()) == flagged


def test_broken_settings_file_is_a_german_config_error_naming_the_file(
        tmp_path: Path, demo_store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "kaputt.toml"
    bad.write_text("[geheimhaltung\nschwelle = 50\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"kaputt\.toml ist kein gültiges TOML") as err:
        mon_settings.resolve(file=bad, cwd=tmp_path, environ={})
    assert err.value.detail  # the parser's message stays attached
    bad.write_text("[geheimhaltung]\nschwele = 50\n", encoding="utf-8")  # typo: not ignored
    with pytest.raises(ConfigError, match=r"kaputt\.toml.*unbekannter Schlüssel `schwele`"):
        mon_settings.resolve(file=bad, cwd=tmp_path, environ={})
    bad.write_text("[geheimhaltung]\nschwelle = \"viele\"\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"kaputt\.toml.*„viele“ ist keine Zahl"):
        mon_settings.resolve(file=bad, cwd=tmp_path, environ={})
    with pytest.raises(ConfigError, match=r"fehlt\.toml \(--settings\) gibt es nicht"):
        mon_settings.resolve(file=tmp_path / "fehlt.toml", cwd=tmp_path, environ={})
    with pytest.raises(ConfigError, match="MONITORING_THRESHOLD wird nicht mehr gelesen"):
        mon_settings.resolve(cwd=tmp_path, environ={"MONITORING_THRESHOLD": "50"})
    # the command line: exit code 2, the file named, nothing written
    bad.write_text("[geheimhaltung\n", encoding="utf-8")
    out = tmp_path / "panel.csv"
    assert main(["export", "indikatoren", "--out", str(out), "--settings", str(bad),
                 "--store", str(demo_store_path)]) == 2
    assert "kaputt.toml ist kein gültiges TOML" in capsys.readouterr().err
    assert not out.exists()


def test_protect_requires_the_rule() -> None:
    frame = pd.DataFrame({"persons": [3, 10, 40]})
    with pytest.raises(TypeError):
        privacy.protect(frame, counts=["persons"])  # type: ignore[call-arg]
    assert not hasattr(privacy, "configure") and not hasattr(privacy, "_RULE")
    with pytest.raises(ConfigError, match="ab 2"):
        privacy.DisclosureRule(1)


# -- (c) the export of the indicator panel --------------------------------------------------------
@pytest.mark.slow  # exports the whole demo panel twice (secondary suppression across it)
def test_export_uses_the_working_folders_settings(demo_store_path: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monitoring.toml").write_text(STRICT, encoding="utf-8")
    store = str(demo_store_path)
    assert main(["export", "indikatoren", "--out", "streng.csv", "--store", store]) == 0
    assert main(["export", "indikatoren", "--out", "standard.csv", "--store", store,
                 "--schwelle", "3"]) == 0  # the flag beats the file

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(tmp_path / name, sep=";", decimal=",", encoding="utf-8-sig",
                           dtype={"Gebietsschlüssel": str})

    strict, standard = read("streng.csv"), read("standard.csv")
    small = standard["Zähler"].between(3, 49)
    assert small.sum() > 0  # shown with the default rule …
    assert strict.loc[small, "Zähler"].isna().all()  # … withheld with schwelle = 50
    assert strict.loc[small, "Kennzeichen"].str.contains("gesperrt").all()
    shown = strict["Zähler"].dropna()
    assert not ((shown > 0) & (shown < 50)).any()


# -- (a) the HTML report of `monitoring run` ------------------------------------------------------
@pytest.mark.slow
def test_run_report_uses_the_working_folders_settings(
        demo_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        small_municipality: tuple[str, int]) -> None:
    from monitoring.report.publish import scan

    name, count = small_municipality
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monitoring.toml").write_text(STRICT, encoding="utf-8")
    assert main(["run", "--period", "2025-Q4", "--area", AREA, "--store", str(demo_store_path),
                 "--out", "reports", "--workers", "1", "--notebooks", NOTEBOOKS]) == 0
    folder = tmp_path / "reports" / "2025-Q4"
    html = next(folder.glob(f"{AREA}_*.html")).read_text(encoding="utf-8")
    hover = _hover(html, name)
    assert f"{LABEL}: ." in hover and f"{LABEL}: {count}" not in hover
    assert scan.scan_file(next(folder.glob(f"{AREA}_*.html")), threshold=50) == []
    footer = _words(_unescape(html[html.index('class="mon-rule"'):]).split("</p>")[0])
    assert "Fallzahlen von 1 bis 49 Personen" in footer
    assert "Schwelle 50 (monitoring.toml im Arbeitsordner)" in footer
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["einstellungen"]["geheimhaltung"]["schwelle"] == 50
    assert manifest["einstellungen"]["herkunft"]["geheimhaltung.schwelle"] == \
        "monitoring.toml im Arbeitsordner"


# -- (b) PDF, deck and tables of `monitoring veroeffentlichen` ------------------------------------
@pytest.mark.slow
def test_publication_uses_the_working_folders_settings(
        demo_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        small_municipality: tuple[str, int]) -> None:
    from pptx import Presentation
    from pypdf import PdfReader

    name, count = small_municipality
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monitoring.toml").write_text(STRICT, encoding="utf-8")
    (tmp_path / "fazit").mkdir()
    assert main(["veroeffentlichen", "--period", "2025-Q4", "--area", AREA,
                 "--store", str(demo_store_path), "--out", "reports", "--fazit", "fazit",
                 "--workers", "1", "--notebooks", NOTEBOOKS]) == 0
    folder = tmp_path / "reports" / "2025-Q4"
    stem = next(folder.glob(f"{AREA}_*_Evaluation.pdf")).name.removesuffix("_Evaluation.pdf")

    pdf_text = _words(" ".join(page.extract_text() or ""
                               for page in PdfReader(folder / f"{stem}_Evaluation.pdf").pages))
    assert "Fallzahlen von 1 bis 49 Personen" in pdf_text
    assert "monitoring.toml im Arbeitsordner" in pdf_text
    row = re.search(rf"{re.escape(name)} (\S+)", pdf_text)
    assert row is not None and row.group(1) == "."  # the municipality's count withheld

    deck = Presentation(str(folder / f"{stem}_Kreistag.pptx"))
    deck_text = _words(" ".join(shape.text_frame.text for slide in deck.slides
                                for shape in slide.shapes if shape.has_text_frame))
    assert "Fallzahlen von 1 bis 49 Personen" in deck_text
    assert "monitoring.toml im Arbeitsordner" in deck_text

    table = list(csv.reader(io.StringIO(
        (folder / f"{stem}_Gemeinden.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    start = next(i for i, r in enumerate(table) if r and r[0] == "Gemeinde")  # below the caption
    header = table[start]
    population = header.index(LABEL)
    by_name = {r[0]: r[population] for r in table[start + 1:] if len(r) > population}
    assert by_name[name] == "."
    assert str(count) not in by_name.values()

    register_text = (folder / "veroeffentlichung.json").read_text(encoding="utf-8")
    register = json.loads(register_text)
    assert register["geheimhaltung"]["schwelle"] == 50
    assert register["geheimhaltung"]["herkunft"]["schwelle"] == "monitoring.toml im Arbeitsordner"
    assert str(tmp_path) not in register_text  # no absolute server paths in the register


# -- (d) a notebook run by hand below the project folder ------------------------------------------
@pytest.mark.slow
def test_notebook_without_parameter_finds_the_project_settings_upwards(
        demo_store_path: Path, tmp_path: Path, small_municipality: tuple[str, int]) -> None:
    import nbformat
    import papermill as pm

    name, count = small_municipality

    def run(cwd: Path) -> str:
        out = cwd / "out.ipynb"
        pm.execute_notebook(str(ROOT / "notebooks" / "10_angebote_abdeckung.ipynb"), str(out),
                            kernel_name="python3", cwd=str(cwd), progress_bar=False,
                            parameters={"area_code": AREA, "period": "2025-Q4",
                                        "store_path": str(demo_store_path)})
        nb = nbformat.read(out, as_version=4)
        return "".join(o.get("data", {}).get("text/html", "") for c in nb.cells
                       if c.cell_type == "code" for o in c.outputs)

    project = tmp_path / "projekt"
    (project / "notebooks").mkdir(parents=True)
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    (project / "monitoring.toml").write_text(STRICT, encoding="utf-8")
    strict = run(project / "notebooks")
    hover = _hover(strict, name)
    assert f"{LABEL}: ." in hover and f"{LABEL}: {count}" not in hover
    footer = _words(_unescape(strict[strict.index('class="mon-rule"'):]).split("</p>")[0])
    assert "Fallzahlen von 1 bis 49 Personen" in footer
    assert "../monitoring.toml" in footer

    # The search stops at the project folder: a notebook folder of another project (marked by
    # its pyproject.toml) below a folder with monitoring.toml uses the defaults, and shows
    # the count.
    other = tmp_path / "anderes"
    (other / "notebooks").mkdir(parents=True)
    (other / "notebooks" / "pyproject.toml").write_text("", encoding="utf-8")
    (other / "monitoring.toml").write_text(STRICT, encoding="utf-8")
    default = run(other / "notebooks")
    assert f"{LABEL}: {count}" in _hover(default, name)
    shutil.rmtree(other)

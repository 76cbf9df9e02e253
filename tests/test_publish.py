"""The all-formats publication of a quarter, end to end, for two districts (once per module)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from monitoring.cli.main import main
from monitoring.core.composite_index import dynamic_reading, status_reading
from monitoring.io import settings as mon_settings
from monitoring.report.publish import evaluation, scan
from monitoring.report.run.lock import RunLock
from monitoring.store.database import open_store

pytestmark = pytest.mark.slow
AREAS = ["16070", "16072"]  # Ilm-Kreis; Sonneberg (thin on offers)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")


def _publish(root: Path, *extra: str) -> int:
    args = ["veroeffentlichen", "--period", "2025-Q4", "--store", str(root / "demo.duckdb"),
            "--out", str(root / "out"), "--fazit", str(root / "fazit")]
    for code in AREAS:
        args += ["--area", code]
    return main([*args, *extra])


@pytest.fixture(scope="module")
def published(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("publish")
    shutil.copy(demo_store_path, root / "demo.duckdb")
    (root / "fazit").mkdir()
    (root / "fazit" / "16072_2025.md").write_text(
        "Das Angebot in Sonneberg bleibt dünn.\n\n## Nächste Schritte\n\n"
        "- Sprachkurs in Neuhaus am Rennweg ausschreiben\n- Netzwerktreffen im Mai\n",
        encoding="utf-8")
    assert _publish(root) == 0
    return root


def scan_folder(folder: Path, *, threshold: int) -> tuple[list[scan.Finding], int]:
    """Scan every artefact below `folder` with the register in its ``veroeffentlichung.json``;
    returns the findings and the number of files scanned."""
    register: list[dict[str, object]] = []
    for reg in folder.rglob("veroeffentlichung.json"):
        data = json.loads(reg.read_text(encoding="utf-8"))
        for entry in data.get("artefacts", []):
            register.extend(entry.get("tables", []))
    files = [p for p in sorted(folder.rglob("*")) if p.suffix.lower() in scan.SUFFIXES
             and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)]
    found: list[scan.Finding] = []
    for path in files:
        found.extend(scan.scan_file(path, threshold=threshold, register=register))
    return found, len(files)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir() if p.suffix in (".pdf", ".pptx", ".csv", ".xlsx")}


def test_every_format_is_published_registered_and_zipped(published: Path) -> None:
    folder = published / "out" / "2025-Q4"
    expected = {"16070_Ilm-Kreis.html", "16070_Ilm-Kreis_Evaluation.pdf",
                "16070_Ilm-Kreis_Kreistag.pptx", "16070_Ilm-Kreis_Gemeinden.csv",
                "16070_Ilm-Kreis_Tabellen.xlsx", "16072_Sonneberg_Evaluation.pdf",
                "Landesvergleich.html", "index.html"}
    register = json.loads((folder / "veroeffentlichung.json").read_text(encoding="utf-8"))
    files = {a["file"] for a in register["artefacts"]}
    assert expected <= files
    assert register["geheimhaltung"]["schwelle"] == 3
    with zipfile.ZipFile(folder / "Integrationsmonitor_2025-Q4.zip") as archive:
        assert files | {"veroeffentlichung.json"} == set(archive.namelist())
    assert "Ende: 2 HTML-Berichte, 0 Fehler" in (folder / "lauf.log").read_text(encoding="utf-8")
    findings, scanned = scan_folder(folder, threshold=3)
    assert findings == [] and scanned >= 12
    # The same artefacts with a much higher threshold: the scanner does see the counts.
    strict, _ = scan_folder(folder, threshold=10_000)
    assert {Path(f.file).suffix for f in strict} >= {".pdf", ".csv", ".xlsx", ".html"}


def test_register_in_the_zip_names_no_absolute_path(published: Path) -> None:
    """veroeffentlichung.json travels in the ZIP: it names files and the quarter folder
    relatively, never the server's paths (issue 12)."""
    folder = published / "out" / "2025-Q4"
    with zipfile.ZipFile(folder / "Integrationsmonitor_2025-Q4.zip") as archive:
        text = archive.read("veroeffentlichung.json").decode("utf-8")
    strings: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(json.loads(text))
    assert str(published) not in text and str(Path.home()) not in text
    assert not [s for s in strings if re.search(r"(^|\s)(/[\w.-]+/|[A-Za-z]:\\)", s)]
    entry = json.loads(text)["artefacts"][0]
    assert entry["veroeffentlicht"] == ["Ordner 2025-Q4", "ZIP Integrationsmonitor_2025-Q4.zip"]


def test_evaluation_pdf_pages(published: Path, artifacts: Path) -> None:
    from pypdf import PdfReader

    folder = published / "out" / "2025-Q4"
    reader = PdfReader(folder / "16072_Sonneberg_Evaluation.pdf")
    pages = [p.extract_text() for p in reader.pages]
    text = "\n".join(pages)
    assert len(pages) >= 5
    assert "Evaluationsbericht 2025: Sonneberg" in pages[0] and "Demodaten – fiktiv" in pages[0]
    assert f"Seite 1 von {len(pages)}" in pages[0].replace("\n", " ")
    for heading in ("Kontext und Bedarfe", "Angebote und Abdeckung", "Ziele und Maßnahmen",
                    "Netzwerkarbeit", "ESF-Projektkennzahlen", "Fazit", "Anhang",
                    "Reproduzierbarkeit", "Kofinanzierungssatz", "80 %", "31.12.2025"):
        assert heading in text, heading
    assert "Das Angebot in Sonneberg bleibt dünn." in text  # the manager's conclusions
    assert text.count("Quelle:") >= 5  # a source line under every figure and table
    other = "\n".join(p.extract_text() for p in PdfReader(
        folder / "16070_Ilm-Kreis_Evaluation.pdf").pages)
    assert "Das Fazit schreibt das Integrationsmanagement" in other
    if PDFTOPPM:
        subprocess.run([PDFTOPPM, "-r", "40", "-png", "-f", "1", "-l", "3",
                        str(folder / "16072_Sonneberg_Evaluation.pdf"),
                        str(artifacts / "evaluation_16072")], check=True)
        _assert_drawn(sorted(artifacts.glob("evaluation_16072-*.png")), 3)


# The Status-Dynamik-Index's sentence on the area, as a reader sees it in every format.
POSITION = re.compile(r"beim Status in der Klasse „([a-z ]+)“ \(Indexwert ([−+±][\d,]+): "
                      r"[^()]*\) und bei der Dynamik in der Klasse „([a-z]+)“ \(Indexwert "
                      r"([−+±][\d,]+): [^()]*\); das ergibt die Gruppe (\d/\d)")


def _flat(text: str) -> str:
    """PDF text on one line: page footers dropped (a sentence may run on to the next page),
    words hyphenated at a line end joined, whitespace collapsed."""
    text = re.sub(r"Seite \d+ von \d+", " ", text)
    return " ".join(re.sub(r"-\n", "", text).split())


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace("±", "").replace("+", "").replace(",", "."))


def _status_class(value: float) -> str:
    """Status class by the documented bounds (docs/composite_index.md), written out by hand."""
    if value < -1.0:
        return "hoch"
    if value <= 1.0:
        return "mittel"
    return "niedrig" if value <= 1.5 else "sehr niedrig"


def _dynamic_class(value: float) -> str:
    if value < -1.0:
        return "positiv"
    return "stabil" if value <= 1.0 else "negativ"


def test_evaluation_pdf_places_the_district_in_the_index(published: Path) -> None:
    """The PDF section: classes consistent with the index values and the documented bounds,
    the same position as the HTML report, the index indicators and the figure."""
    from pypdf import PdfReader

    folder = published / "out" / "2025-Q4"
    reader = PdfReader(folder / "16072_Sonneberg_Evaluation.pdf")
    pages = [p.extract_text() for p in reader.pages]
    text = _flat("\n".join(pages))
    assert "Lage im Landesvergleich: Status-Dynamik-Index" in text
    match = POSITION.search(text)
    assert match, "the district's classes are missing from the PDF"
    status, status_value, dynamic, dynamic_value, group = match.groups()
    assert status == _status_class(_number(status_value))
    assert dynamic == _dynamic_class(_number(dynamic_value))
    statuses, dynamics = ["hoch", "mittel", "niedrig", "sehr niedrig"], ["positiv", "stabil",
                                                                          "negativ"]
    assert group == f"{statuses.index(status) + 1}/{dynamics.index(dynamic) + 1}"
    # the quarterly HTML report (notebook path) says the same about Sonneberg
    html = (folder / "16072_Sonneberg.html").read_text(encoding="utf-8")
    assert POSITION.search(" ".join(html.split())).groups() == match.groups()
    # wording rules: relative, no causes
    assert "Die Klassen beschreiben die Lage relativ zu den anderen Gebieten" in text
    assert "Über Ursachen sagt der Index nichts" in text
    # the district's index indicators (A22 has no demo values: named as left out)
    assert "Sonneberg: Indexindikatoren" in text
    for name in ("A19 Arbeitslosenquote Ausländer", "A21 SGB-II-Hilfequote Ausländer",
                 "A16 Beschäftigungsquote Ausländer", "z-Wert Status", "z-Wert Dynamik"):
        assert name in text, name
    assert "Nicht im Index: A22" in text
    # the figure: an image on the page whose caption names it
    [page] = [p for p, t in zip(reader.pages, pages, strict=True)
              if "Status- und Dynamikindex der bewerteten Gebiete" in _flat(t)]
    assert len(page.images) >= 1
    assert "Sonneberg hervorgehoben" in _flat(page.extract_text())


def test_comparison_and_deck_name_each_districts_group(published: Path) -> None:
    """The state-wide comparison has a column with each district's group, the Kreistag deck
    one line under the key messages; both agree with the evaluation PDF."""
    from pptx import Presentation
    from pypdf import PdfReader

    folder = published / "out" / "2025-Q4"
    groups = {}
    for stem in ("16070_Ilm-Kreis", "16072_Sonneberg"):
        pdf = _flat("\n".join(p.extract_text() for p in PdfReader(
            folder / f"{stem}_Evaluation.pdf").pages))
        status, _, dynamic, _, group = POSITION.search(pdf).groups()
        groups[stem.split("_")[1]] = (group, status, dynamic)
    page = (folder / "Landesvergleich.html").read_text(encoding="utf-8")
    assert "Demodaten – fiktiv" in page
    header = re.search(r"<thead><tr>(.*?)</tr></thead>", page).group(1)
    assert re.findall(r"<th[^>]*>([^<]*)</th>", header)[-1] == "Status-Dynamik-Index: Gruppe"
    for name, (group, status, dynamic) in groups.items():
        row = re.search(rf'<tr><td class="txt">{name}</td>(.*?)</tr>', page).group(1)
        cell = re.findall(r"<td[^>]*>([^<]*)</td>", row)[-1]
        assert cell.startswith(f"{group} {status}/{dynamic}"), (name, cell)
    assert "relativ zu den anderen Gebieten" in page and "nichts über Ursachen" in page

    slides = Presentation(str(folder / "16072_Sonneberg_Kreistag.pptx")).slides
    assert len(slides) == 6  # one line on an existing slide, no new slide
    [messages] = [s for s in slides if s.shapes.title is not None
                  and s.shapes.title.text == "Drei Kernaussagen"]
    text = " ".join(shape.text_frame.text for shape in messages.shapes if shape.has_text_frame)
    group, status, dynamic = groups["Sonneberg"]
    assert (f"Status „{status}“ ({status_reading(status)}), Dynamik „{dynamic}“ "
            f"({dynamic_reading(dynamic)}); Gruppe {group}" in text
            and "relativ zu den anderen Gebieten" in text and "nichts über Ursachen" in text)


def test_evaluation_says_why_a_district_is_not_assessed(
        demo_store_path: Path, tmp_path: Path) -> None:
    """With a minimum denominator just above Sonneberg's smallest index denominator the
    district is "nicht bewertet" with the reason in the evaluation text (no class, no point
    in the figure), and so in the deck line and the comparison column."""
    from monitoring import views

    with open_store(demo_store_path) as store:
        panel = views.indicator_panel(store)
    rows = panel[panel["indicator_id"].isin(["A19", "A21", "A16"])
                 & panel["period"].isin(["2025-Q4", "2023-Q4"])]
    smallest = rows.groupby("area_code")["denominator"].min()
    limit = int(smallest["16072"]) + 1
    assert smallest["16070"] >= limit  # Ilm-Kreis stays assessed
    settings = tmp_path / "monitoring.toml"
    settings.write_text(f"[status_dynamik_index]\nmindestnenner = {limit}\n", encoding="utf-8")
    with open_store(demo_store_path) as store:
        facts = evaluation.collect(store, "16072", "2025-Q4", panel=panel,
                                   settings=mon_settings.resolve(file=settings, store=store))
    md = evaluation.markdown(facts, conclusions_text=None, conclusions_path=tmp_path / "f.md")
    section = md.split("# Lage im Landesvergleich: Status-Dynamik-Index")[1].split("\n# ")[0]
    assert "Sonneberg wird nicht bewertet: " in section
    assert "Bezugsgröße unter" in section and f"{limit // 1000}.{limit % 1000:03d}" in section
    assert "Sonneberg nicht bewertet, daher ohne Punkt" in section
    assert "beim Status in der Klasse" not in section  # no class for it
    assert facts.index_group_de() == "nicht bewertet"
    assert facts.index_line().startswith("Status-Dynamik-Index: Sonneberg wird nicht bewertet (")
    # More areas required than there are districts: no index at all, the reason instead.
    settings.write_text("[status_dynamik_index]\nmindestgebiete = 23\n", encoding="utf-8")
    with open_store(demo_store_path) as store:
        facts = evaluation.collect(store, "16072", "2025-Q4", panel=panel,
                                   settings=mon_settings.resolve(file=settings, store=store))
    md = evaluation.markdown(facts, conclusions_text=None, conclusions_path=tmp_path / "f.md")
    section = md.split("# Lage im Landesvergleich: Status-Dynamik-Index")[1].split("\n# ")[0]
    assert "Der Status-Dynamik-Index wird nicht berechnet: " in section
    assert "mindestens 23" in section
    assert "index.png" not in section and "index" not in facts.figures
    assert "Sonneberg: Indexindikatoren" not in section
    assert facts.index_group_de() == "nicht berechnet"


def _assert_drawn(pngs: list[Path], count: int) -> None:
    from PIL import Image

    assert len(pngs) == count
    for png in pngs:
        image = Image.open(png).convert("L")
        dark = sum(1 for v in image.tobytes() if v < 128)
        assert dark > 200, f"{png} looks empty"


@pytest.mark.skipif(SOFFICE is None or PDFTOPPM is None, reason=(
    "LibreOffice/poppler fehlen (Debian: libreoffice-impress, poppler-utils; "
    "`python3 tasks.py test` installiert sie als root)"))
def test_deck_opens_in_libreoffice(published: Path, artifacts: Path, tmp_path: Path) -> None:
    from pptx import Presentation

    deck = published / "out" / "2025-Q4" / "16072_Sonneberg_Kreistag.pptx"
    slides = Presentation(str(deck)).slides
    assert 1 <= len(slides) <= 8
    texts = "\n".join(s.shapes.title.text for s in slides if s.shapes.title is not None)
    assert {"Drei Kernaussagen", "Nächste Schritte", "Ziele im Überblick (Ampel)"} <= set(
        texts.splitlines())
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                   check=True, capture_output=True, timeout=180)
    subprocess.run([PDFTOPPM, "-r", "30", "-png", str(tmp_path / deck.with_suffix(".pdf").name),
                    str(artifacts / "deck_16072")], check=True)
    _assert_drawn(sorted(artifacts.glob("deck_16072-*.png")), len(slides))


def test_rerun_is_idempotent_and_failure_keeps_last_good(
        published: Path) -> None:
    folder = published / "out" / "2025-Q4"
    before = _digests(folder)
    # Missing section notebooks (a broken installation): clear error, nothing replaced.
    (published / "leer").mkdir(exist_ok=True)
    assert _publish(published, "--notebooks", str(published / "leer")) == 2
    assert _digests(folder) == before
    with RunLock(folder):  # a publication already running
        assert _publish(published) == 2
    assert _digests(folder) == before
    assert _publish(published) == 0  # the same run again: same set of files
    assert _digests(folder).keys() == before.keys()


def test_unwritable_output_folder_is_a_clear_error(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "datei"
    blocker.write_text("kein Ordner")
    assert main(["veroeffentlichen", "--period", "2025-Q4", "--out", str(blocker)]) == 2
    assert "Fehler:" in capsys.readouterr().err


def test_quarto_website_sources_list_the_published_files(published: Path) -> None:
    """The website sources are written without Quarto; every listing entry is a real file."""
    import yaml

    out = published / "out"
    config = yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["project"]["type"] == "website" and config["lang"] == "de"
    page = (out / "2025-Q4" / "uebersicht.qmd").read_text(encoding="utf-8")
    front = yaml.safe_load(page.split("---\n")[1])
    assert front["title"] == "Integrationsmonitoring – 4. Quartal 2025"
    assert front["listing"]["contents"] == "berichte.yml"
    items = yaml.safe_load((out / "2025-Q4" / "berichte.yml").read_text(encoding="utf-8"))
    paths = [item["path"] for item in items]
    assert all((out / "2025-Q4" / p).is_file() for p in paths)
    register = json.loads((out / "2025-Q4" / "veroeffentlichung.json").read_text("utf-8"))
    assert {a["file"] for a in register["artefacts"]} | {
        "Integrationsmonitor_2025-Q4.zip"} == set(paths)
    by_path = {item["path"]: item for item in items}
    assert by_path["16072_Sonneberg_Evaluation.pdf"]["title"] == "Sonneberg (16072)"
    assert by_path["16072_Sonneberg_Evaluation.pdf"]["description"] == "Evaluationsbericht (PDF)"
    index = yaml.safe_load((out / "index.qmd").read_text(encoding="utf-8").split("---\n")[1])
    assert sorted(out.glob(index["listing"]["contents"])) == [out / "2025-Q4" / "uebersicht.qmd"]


def test_broken_quarto_config_stops_before_anything_changes(
        published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = published / "out" / "2025-Q4"
    config = published / "out" / "_quarto.yml"
    good = config.read_text(encoding="utf-8")
    before = _digests(folder)
    html_before = (folder / "16070_Ilm-Kreis.html").stat().st_mtime_ns
    try:
        config.write_text("project:\n  type: website\n  render: [index.qmd\n", encoding="utf-8")
        capsys.readouterr()
        assert _publish(published) == 2
        err = capsys.readouterr().err
        assert "Quarto-Projektdatei" in err and "kein gültiges YAML (Zeile" in err
        assert "Traceback" not in err
        config.write_text("project:\n  type: book\n", encoding="utf-8")
        assert _publish(published) == 2
        assert "beschreibt keine Website" in capsys.readouterr().err
    finally:
        config.write_text(good, encoding="utf-8")
    assert _digests(folder) == before
    assert (folder / "16070_Ilm-Kreis.html").stat().st_mtime_ns == html_before


def test_full_disk_while_writing_keeps_the_last_good_outputs(
        published: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """ENOSPC at the OS boundary: the file write of the state comparison (in this process;
    the format workers are spawned and would not see a patch)."""
    import errno

    folder = published / "out" / "2025-Q4"
    before = _digests(folder)
    register = (folder / "veroeffentlichung.json").read_bytes()
    real_write = Path.write_text

    def full_disk(self: Path, *args: object, **kwargs: object) -> int:
        if ".publish-" in str(self.parent):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", full_disk)
    capsys.readouterr()
    assert _publish(published) == 1  # the environment, not the input (issue 12, item 4)
    err = capsys.readouterr().err
    assert "Kein Speicherplatz mehr" in err and "bleiben unverändert" in err
    assert "Traceback" not in err
    assert _digests(folder) == before
    assert (folder / "veroeffentlichung.json").read_bytes() == register
    assert not list((published / "out").glob(".2025-Q4.publish-*"))  # staging removed

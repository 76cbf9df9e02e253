"""The all-formats publication of a quarter, end to end, for two districts (once per module)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from monitoring.cli import main
from monitoring.report import scan
from monitoring.report.runner import RunLock

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
    findings, scanned = scan.scan_folder(folder, threshold=3)
    assert findings == [] and scanned >= 12
    # The same artefacts with a much higher threshold: the scanner does see the counts.
    strict, _ = scan.scan_folder(folder, threshold=10_000)
    assert {Path(f.file).suffix for f in strict} >= {".pdf", ".csv", ".xlsx", ".html"}


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

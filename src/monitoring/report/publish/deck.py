"""The Kreistag deck as a PowerPoint file (python-pptx; opens in PowerPoint and LibreOffice).

Six slides (the issue allows eight): title, map, traffic-light table, three key messages,
next steps, sources with the reproducibility line. Person counts only in `PublishedTable`s.
Under the key messages one line places the district in the Status-Dynamik-Index (classes,
group, "relative, no causes"); the table, indicators and figure are in the evaluation PDF.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from monitoring import fmt
from monitoring.io.files import atomic_path
from monitoring.present.tables import indicator_value
from monitoring.report.publish.evaluation import STATUS_DE, DistrictFacts
from monitoring.report.publish.table_formats import PublishedTable
from monitoring.vocab import DEMO_LABEL

LIGHT_RGB = {"green": (0x2E, 0x7D, 0x32), "amber": (0xF3, 0x9C, 0x12), "red": (0xC0, 0x39, 0x2B),
             "none": (0x9E, 0x9E, 0x9E)}
TITLE_ONLY = 5  # layouts of python-pptx's default template
BLANK = 6


def next_steps(conclusions_text: str | None) -> list[str]:
    """Bullets under a ``## Nächste Schritte`` heading of the manager's conclusions file."""
    if not conclusions_text:
        return []
    match = re.search(r"^#+\s*Nächste Schritte\s*$(.*?)(?=^#|\Z)", conclusions_text,
                      flags=re.MULTILINE | re.DOTALL)
    if not match:
        return []
    return [line.strip()[2:].strip() for line in match.group(1).splitlines()
            if line.strip().startswith(("- ", "* "))]


def _text(slide: Any, text: str, left: float, top: float, width: float, height: float, *,
          size: int = 18, bold: bool = False, colour: tuple[int, int, int] | None = None) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Cm, Pt

    box = slide.shapes.add_textbox(Cm(left), Cm(top), Cm(width), Cm(height))
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size)
        paragraph.font.bold = bold
        if colour:
            paragraph.font.color.rgb = RGBColor(*colour)


def _titled(prs: Any, title: str, facts: DistrictFacts) -> Any:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    slide.shapes.title.text = title
    for p in slide.shapes.title.text_frame.paragraphs:
        from pptx.util import Pt

        p.font.size = Pt(28)
    footer = f"{facts.ctx.area_name} · {facts.ctx.period.label_de()}"
    if facts.ctx.is_demo:
        footer += f" · {DEMO_LABEL}"
    _text(slide, footer, 1.0, 17.8, 30.0, 0.8, size=10, colour=(0x55, 0x55, 0x55))
    return slide


def add_table(slide: Any, table: PublishedTable, left: float, top: float, width: float,
              *, lights: list[str] | None = None, size: int = 12) -> None:
    """A PowerPoint table with the published cells; optional traffic-light fill in the last
    column."""
    from pptx.dml.color import RGBColor
    from pptx.util import Cm, Pt

    rows, cols = len(table.rows) + 1, len(table.header)
    shape = slide.shapes.add_table(rows, cols, Cm(left), Cm(top), Cm(width),
                                   Cm(0.8 * rows))
    for j, head in enumerate(table.header):
        shape.table.cell(0, j).text = head
    for i, row in enumerate(table.rows, start=1):
        for j, value in enumerate(row):
            cell = shape.table.cell(i, j)
            cell.text = value
            if lights and j == cols - 1:
                cell.fill.solid()
                light = LIGHT_RGB.get(lights[i - 1], LIGHT_RGB["none"])
                cell.fill.fore_color.rgb = RGBColor(*light)
    for r in range(rows):
        for j in range(cols):
            for paragraph in shape.table.cell(r, j).text_frame.paragraphs:
                paragraph.font.size = Pt(size)


def write_deck(facts: DistrictFacts, out: Path, *, conclusions_text: str | None = None,
               conclusions_path: Path | None = None) -> int:
    """Write the deck to `out` (atomically); returns its size in bytes."""
    from pptx import Presentation
    from pptx.util import Cm

    c = facts.ctx
    prs = Presentation()
    prs.slide_width, prs.slide_height = Cm(33.867), Cm(19.05)  # 16:9

    slide = prs.slides.add_slide(prs.slide_layouts[BLANK])
    _text(slide, f"Integrationsmonitoring {c.area_name}", 2, 5, 30, 2.5, size=36, bold=True)
    _text(slide, f"Bericht im Kreistag · {c.area_kind} {c.in_state} · "
                 f"{c.period.label_de()} · Stichtag {fmt.day(c.period.end)}", 2, 8, 30, 1.5,
          size=20)
    if c.is_demo:
        _text(slide, f"{DEMO_LABEL}: alle Angebote, Indikatorwerte und Ziele sind erfunden.",
              2, 10.5, 30, 1.2, size=16, bold=True, colour=(0xC0, 0x39, 0x2B))

    slide = _titled(prs, "Angebote je 1.000 ausländische Staatsangehörige", facts)
    slide.shapes.add_picture(io.BytesIO(facts.figures["map"]), Cm(6), Cm(3.6),
                             height=Cm(12.6))
    _text(slide, f"Quelle: {facts.source('Bestandsaufnahme der Angebote')}; {c.geo_attribution}."
                 f" {c.area_name} schwarz umrandet.", 1.0, 16.4, 31, 1.2, size=10)

    slide = _titled(prs, "Ziele im Überblick (Ampel)", facts)
    goals = facts.overview[facts.overview["status"] != "none"].head(8)
    table = PublishedTable(
        "Ziele", ("Indikator", str(c.period), "Zielwert", "Stand"),
        tuple((r["name"],
               (indicator_value(r["value"], r) if r["value"] == r["value"] else fmt.SUPPRESSED)
               + (f" (Stand {r['stand']})" if r.get("carried") else ""),
               indicator_value(r["target_value"], r), STATUS_DE[r["status"]])
              for _, r in goals.iterrows()), ())
    add_table(slide, table, 1.5, 3.6, 30.5, lights=list(goals["status"]), size=14)
    _text(slide, f"Quelle: {facts.source('Controlling-Indikatoren')}. Ampel: Abstand zum Pfad "
                 "vom Ausgangs- zum Zielwert.", 1.0, 16.4, 31, 1.2, size=10)

    slide = _titled(prs, "Drei Kernaussagen", facts)
    _text(slide, "\n".join(f"{i}. {m}" for i, m in enumerate(facts.key_messages(), 1)),
          1.5, 4.0, 30.5, 9.2, size=22)
    # Context, not a fourth message: the district's place among its peers, said to be relative
    _text(slide, facts.index_line(), 1.5, 13.6, 30.5, 2.4, size=14, colour=(0x33, 0x33, 0x33))

    slide = _titled(prs, "Nächste Schritte", facts)
    steps = next_steps(conclusions_text)
    _text(slide, "\n".join(f"• {s}" for s in steps) if steps else (
        "Die nächsten Schritte trägt das Integrationsmanagement ein: Abschnitt "
        f"„## Nächste Schritte“ in {conclusions_path or 'der Fazit-Datei'}."), 1.5, 4.0, 30.5,
        10, size=22 if steps else 16)

    slide = _titled(prs, "Quellen und Datenstand", facts)
    sources = "\n".join(f"• {s}" for s in [*c.sources, c.geo_attribution])
    _text(slide, f"{sources}\n\n„.“ = geheim zu halten (zu kleine Fallzahl). {facts.rule}\n"
                 f"{facts.repro()}",
          1.5, 3.6, 30.5, 12, size=12)

    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        prs.save(str(tmp))
    return out.stat().st_size

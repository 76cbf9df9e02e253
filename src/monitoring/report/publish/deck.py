"""The Kreistag deck as a PowerPoint file (python-pptx; opens in PowerPoint and LibreOffice).

What a Landrat presents: a title slide (publisher, logo and colour of ``[darstellung]``),
the map, the traffic-light table (values with unit, the target with its year; white text on
the dark green and red fills, dark text on the light amber and grey ones – every text at
least 4.5:1 against its fill), three key messages as sentences from the counts, the
manager's own conclusions and next steps (``fazit/<code>_<year>.md``; without that file
there is no such slide, never a placeholder), and an appendix with the sources, the
disclosure rule and the technical provenance (snapshot, schema version). Every content slide
names its sources in one line at the bottom. Person counts only in `PublishedTable`s. Under
the key messages one line places the district in the Status-Dynamik-Index.

Accessible (issue 15): every slide's title is in its title placeholder (the title slide's
too), so a screen reader and PowerPoint's outline find it, and it is the first shape of the
slide (reading order: title, then the content from top to bottom); every picture has a text
alternative (``descr``: the map's message from `present.alt_text`, the logo named as such);
the coloured bars are marked decorative; the goals table has a header row.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pandas as pd

from monitoring import fmt
from monitoring.core.config import Style
from monitoring.io.files import atomic_path
from monitoring.present.tables import indicator_value
from monitoring.report.publish.evaluation import STATUS_DE, DistrictFacts
from monitoring.report.publish.table_formats import PublishedTable
from monitoring.vocab import DEMO_LABEL

# traffic-light fills and the text colour on each (contrast ≥ 4.5:1, tests/test_publish.py)
LIGHT_RGB = {"green": (0x1B, 0x5E, 0x20), "amber": (0xFF, 0xD5, 0x4F), "red": (0xB7, 0x1C, 0x1C),
             "none": (0xE0, 0xE0, 0xE0)}
LIGHT_TEXT = {"green": (0xFF, 0xFF, 0xFF), "amber": (0x1A, 0x1A, 0x1A),
              "red": (0xFF, 0xFF, 0xFF), "none": (0x1A, 0x1A, 0x1A)}
DARK_TEXT = (0x1A, 0x1A, 0x1A)
WHITE = (0xFF, 0xFF, 0xFF)
MUTED = (0x4D, 0x4D, 0x4D)
TITLE_SLIDE = 0  # layouts of python-pptx's default template
TITLE_ONLY = 5
BLANK = 6
# PowerPoint's "Mark as decorative" (Office 2019+): a shape a screen reader skips
DECORATIVE_URI = "{C183D7F6-B498-43B3-948B-1728B52AA6E4}"
DECORATIVE_NS = "http://schemas.microsoft.com/office/drawing/2017/decorative"
APPENDIX_TITLE = "Anhang: Quellen und technische Angaben"
SOURCE_SHAPE, FOOTER_SHAPE = "Quelle", "Fußzeile"  # shape names: read after the content


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


def conclusions_body(conclusions_text: str | None) -> str:
    """The manager's conclusions without the ``Nächste Schritte`` section, as plain text
    (headings and Markdown emphasis removed), for the slide."""
    if not conclusions_text:
        return ""
    body = re.split(r"^#+\s*Nächste Schritte\s*$", conclusions_text, flags=re.MULTILINE)[0]
    lines = [line for line in body.splitlines() if not line.lstrip().startswith("#")]
    return re.sub(r"[*_`]", "", "\n".join(lines)).strip()


def _font(paragraph: Any, *, size: int, bold: bool, colour: tuple[int, int, int]) -> None:
    """Size, weight and colour on every run of `paragraph` (the runs carry them, so every
    viewer shows the same colour – and the tests can read it back)."""
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    for run in paragraph.runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = RGBColor(*colour)


def _text(slide: Any, text: str, left: float, top: float, width: float, height: float, *,
          size: int = 18, bold: bool = False, colour: tuple[int, int, int] | None = None) -> Any:
    from pptx.util import Cm

    box = slide.shapes.add_textbox(Cm(left), Cm(top), Cm(width), Cm(height))
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        _font(paragraph, size=size, bold=bold, colour=colour or DARK_TEXT)
    return box


def describe(shape: Any, text: str) -> None:
    """Give `shape` (a picture) the text alternative `text` (``descr`` of its ``p:cNvPr``:
    PowerPoint's „Alternativtext“, what a screen reader reads)."""
    shape._element.xpath("./*[1]/p:cNvPr")[0].set("descr", text)


def decorative(shape: Any) -> None:
    """Mark `shape` as decorative (PowerPoint's „Als dekorativ markieren“): screen readers
    skip it and the accessibility check asks for no text alternative."""
    from pptx.oxml import parse_xml

    cnvpr = shape._element.xpath("./*[1]/p:cNvPr")[0]
    cnvpr.append(parse_xml(
        '<a:extLst xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        f'<a:ext uri="{DECORATIVE_URI}"><adec:decorative xmlns:adec="{DECORATIVE_NS}" '
        'val="1"/></a:ext></a:extLst>'))


def _band(slide: Any, style: Style, top: float, height: float, *,
          accent: bool = False) -> None:
    """A full-width bar in the style colour, or its accent colour (no outline; decorative)."""
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Cm

    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, Cm(top), Cm(33.867), Cm(height))
    bar.fill.solid()
    bar.fill.fore_color.rgb = RGBColor(*(style.accent_rgb if accent else style.rgb))
    bar.line.fill.background()
    decorative(bar)


def _logo(slide: Any, style: Style, *, height: float) -> None:
    from pptx.util import Cm

    if style.logo_file:
        picture = slide.shapes.add_picture(style.logo_file, 0, Cm(0.5), height=Cm(height))
        picture.left = Cm(33.867 - 0.8) - picture.width
        describe(picture, "Logo" + (f": {style.publisher}" if style.publisher else ""))


def _placeholder(shape: Any, text: str, left: float, top: float, width: float,
                 height: float, *, size: int, colour: tuple[int, int, int],
                 bold: bool = False) -> None:
    """Fill a layout placeholder (title, subtitle) with `text`, left-aligned, at the given
    place and in the given type."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Cm

    shape.left, shape.top, shape.width, shape.height = Cm(left), Cm(top), Cm(width), Cm(height)
    shape.text = text
    shape.text_frame.word_wrap = True
    for p in shape.text_frame.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        _font(p, size=size, bold=bold, colour=colour)


def _titled(prs: Any, title: str, facts: DistrictFacts, *, source: str | None) -> Any:
    style = facts.ctx.settings.style
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    _placeholder(slide.shapes.title, title, 1.0, 0.6, 27.5, 2.4, size=28, bold=True,
                 colour=style.rgb)
    _band(slide, style, 3.0, 0.12, accent=True)  # the rule under the title
    _logo(slide, style, height=1.6)
    if source:  # one line: where the slide's figures come from
        _text(slide, source, 1.0, 16.6, 31.8, 0.7, size=10, colour=MUTED).name = SOURCE_SHAPE
    footer = f"{facts.ctx.area_name} · {facts.ctx.period.label_de()}"
    if style.publisher:
        footer = f"{style.publisher} · {footer}"
    if facts.ctx.is_demo:
        footer += f" · {DEMO_LABEL}"
    _text(slide, footer, 1.0, 17.8, 30.0, 0.8, size=10, colour=MUTED).name = FOOTER_SHAPE
    return slide


def _reading_order(slide: Any) -> None:
    """Source line and footer after the slide's content: a screen reader reads the shapes
    in the order of the slide's shape tree (title, content, source, footer)."""
    tree = slide.shapes._spTree
    for name in (SOURCE_SHAPE, FOOTER_SHAPE):
        for shape in [s for s in slide.shapes if s.name == name]:
            tree.remove(shape._element)
            tree.append(shape._element)


def add_table(slide: Any, table: PublishedTable, left: float, top: float, width: float,
              *, lights: list[str] | None = None, size: int = 12, style: Style | None = None,
              widths: list[float] | None = None) -> None:
    """A PowerPoint table with the published cells: header in the style colour with white
    text, body white with dark text; with `lights`, the last column filled with the traffic
    light and its readable text colour (`LIGHT_RGB`, `LIGHT_TEXT`)."""
    from pptx.dml.color import RGBColor
    from pptx.util import Cm

    style = style or Style()
    rows, cols = len(table.rows) + 1, len(table.header)
    shape = slide.shapes.add_table(rows, cols, Cm(left), Cm(top), Cm(width),
                                   Cm(0.8 * rows))
    if widths:
        for j, w in enumerate(widths):
            shape.table.columns[j].width = Cm(w)
    for r in range(rows):
        for j in range(cols):
            cell = shape.table.cell(r, j)
            if r == 0:
                cell.text, fill, colour = table.header[j], style.rgb, WHITE
            else:
                cell.text = table.rows[r - 1][j]
                fill, colour = WHITE, DARK_TEXT
                if lights and j == cols - 1:
                    light = lights[r - 1] if lights[r - 1] in LIGHT_RGB else "none"
                    fill, colour = LIGHT_RGB[light], LIGHT_TEXT[light]
            cell.fill.solid()
            cell.fill.fore_color.rgb = RGBColor(*fill)
            for paragraph in cell.text_frame.paragraphs:
                _font(paragraph, size=size, bold=r == 0 or bool(lights and j == cols - 1),
                      colour=colour)


def _with_unit(value: str, unit: object) -> str:
    """„12,3 %“, „605 Personen“: a formatted value with its unit (none for „.“ and „–“)."""
    if value in (fmt.SUPPRESSED, fmt.MISSING) or not isinstance(unit, str) or not unit:
        return value
    return f"{value}\u00a0{unit}"


def _target(row: pd.Series) -> str:
    """The target value with unit and target year: „13,2 % (2027)“."""
    if pd.isna(row["target_value"]):
        return fmt.MISSING
    year = str(row.get("target_period") or "")[:4]
    return _with_unit(indicator_value(row["target_value"], row), row["unit"]) + (
        f" ({year})" if year.isdigit() else "")


def write_deck(facts: DistrictFacts, out: Path, *, conclusions_text: str | None = None) -> int:
    """Write the deck to `out` (atomically); returns its size in bytes."""
    from pptx import Presentation
    from pptx.util import Cm

    c = facts.ctx
    style, light = c.settings.style, c.settings.traffic_light
    prs = Presentation()
    prs.slide_width, prs.slide_height = Cm(33.867), Cm(19.05)  # 16:9

    # the title slide: title and subtitle in the layout's placeholders (read first)
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_SLIDE])
    _placeholder(slide.shapes.title, f"Integrationsmonitoring {c.area_name}", 2, 5, 30, 2.5,
                 size=36, bold=True, colour=style.rgb)
    _placeholder(slide.placeholders[1], f"Bericht im Kreistag · {c.area_kind} {c.in_state} · "
                 f"{c.period.label_de()} · Stichtag {fmt.day(c.period.end)}", 2, 8, 30, 1.5,
                 size=20, colour=DARK_TEXT)
    _band(slide, style, 0, 0.6)
    _logo(slide, style, height=2.4)
    if style.publisher:
        _text(slide, style.publisher, 2, 3.2, 24, 1.2, size=20, colour=MUTED)
    if c.is_demo:
        _text(slide, f"{DEMO_LABEL}: alle Angebote, Indikatorwerte und Ziele sind erfunden.",
              2, 10.5, 30, 1.2, size=16, bold=True, colour=(0xB7, 0x1C, 0x1C))

    slide = _titled(prs, "Angebote je 1.000 ausländische Staatsangehörige", facts, source=(
        f"Quelle: {facts.source('Bestandsaufnahme der Angebote')}; {c.geo_attribution}. "
        f"{c.area_name} schwarz umrandet."))
    picture = slide.shapes.add_picture(io.BytesIO(facts.figures["map"]), Cm(6), Cm(3.5),
                                       height=Cm(12.8))
    describe(picture, facts.alt["map"])

    slide = _titled(prs, "Ziele im Überblick (Ampel)", facts, source=(
        f"Quelle: {facts.source('Controlling-Indikatoren')}. Ampel: Abstand zum Pfad vom "
        f"Ausgangs- zum Zielwert (im Plan bis {fmt.number(light.tolerance * 100)} %, "
        f"gefährdet bis {fmt.number(light.at_risk * 100)} % zurück)."))
    goals = facts.overview[facts.overview["status"] != "none"].head(8)
    table = PublishedTable(
        "Ziele", ("Indikator", f"Wert {c.period.label_de()}", "Ziel (Zieljahr)", "Stand"),
        tuple((r["name"],
               _with_unit(indicator_value(r["value"], r) if r["value"] == r["value"]
                          else fmt.SUPPRESSED, r["unit"])
               + (f" (Stand {r['stand']})" if r.get("carried") else ""),
               _target(r), STATUS_DE[r["status"]])
              for _, r in goals.iterrows()), ())
    add_table(slide, table, 1.5, 3.6, 30.8, lights=list(goals["status"]), size=14,
              style=style, widths=[13.8, 6.0, 6.0, 5.0])

    slide = _titled(prs, "Drei Kernaussagen", facts, source=(
        f"Quelle: {facts.source('Bestandsaufnahme der Angebote; Controlling-Indikatoren')}."))
    _text(slide, "\n".join(f"• {m}" for m in facts.key_messages()), 1.5, 3.8, 30.5, 9.4,
          size=22)
    # Context, not a fourth message: the district's place among its peers, said to be relative
    _text(slide, facts.index_line(), 1.5, 13.4, 30.5, 2.6, size=14, colour=(0x33, 0x33, 0x33))

    body, steps = conclusions_body(conclusions_text), next_steps(conclusions_text)
    if body or steps:  # the manager's own words; without them no slide at all
        slide = _titled(prs, "Fazit und nächste Schritte", facts, source=(
            f"Fazit des Integrationsmanagements {c.period.year}."))
        top = 3.8
        if body:
            short = body if len(body) <= 420 else body[:417].rsplit(" ", 1)[0] + " …"
            _text(slide, short, 1.5, top, 30.5, 4.5, size=18)
            top = 8.6
        if steps:
            _text(slide, "Nächste Schritte", 1.5, top, 30.5, 1.0, size=18, bold=True,
                  colour=style.rgb)
            _text(slide, "\n".join(f"• {s}" for s in steps[:6]), 1.5, top + 1.1, 30.5,
                  16.2 - top - 1.1, size=18)

    slide = _titled(prs, APPENDIX_TITLE, facts, source=None)
    sources = "\n".join(f"• {s}" for s in [*c.sources, c.geo_attribution])
    _text(slide, f"{sources}\n\n„.“ = geheim zu halten (zu kleine Fallzahl). {facts.rule}\n"
                 f"{facts.repro()}",
          1.5, 3.6, 30.5, 12, size=12)

    for slide in prs.slides:
        _reading_order(slide)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        prs.save(str(tmp))
    return out.stat().st_size

"""What a screen reader needs from a PDF and a PowerPoint deck (issue 15), read back from the
files themselves: pikepdf for the PDF's structure tree and metadata, python-pptx for the
slides. Shared by the publication tests (built-in PDF, PowerPoint deck) and the Quarto tests
(Quarto's Typst PDF). Each function returns the problems found (empty: none), so a failing
test names all of them at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PDFUA_NS = "http://www.aiim.org/pdfua/ns/id/"
# python-pptx describes a picture by its file name ("image.png"): that is no text alternative
FILE_NAME = re.compile(r"[\w.-]*\.(png|jpe?g|gif|bmp|tiff?|emf|wmf|svg)", re.IGNORECASE)


def _elements(node: Any) -> Iterator[Any]:
    """Every structure element below `node` (a /K entry), depth first, in reading order."""
    import pikepdf

    if isinstance(node, pikepdf.Array):
        for kid in node:
            yield from _elements(kid)
    elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
        yield node
        if "/K" in node:
            yield from _elements(node["/K"])


def structure(pdf_path: Path) -> list[tuple[str, str | None]]:
    """The structure elements of a tagged PDF as (type, alt text) in reading order."""
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return []
        return [(str(e["/S"]), str(e["/Alt"]) if "/Alt" in e else None)
                for e in _elements(root.get("/K"))]


def pdf_problems(pdf_path: Path, *, title: str, figures: int) -> list[str]:
    """What keeps `pdf_path` from being a tagged PDF/UA-1 file a screen reader can read:
    marked and with a structure tree, German (``/Lang``), `title` as its title and shown as
    the window title, PDF/UA-1 named in the XMP metadata, at least `figures` figures, each
    with a text alternative, and a header cell in every table."""
    import pikepdf

    problems = []
    with pikepdf.open(pdf_path) as pdf:
        root = pdf.Root
        if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
            problems.append("nicht getaggt: /MarkInfo /Marked fehlt")
        if "/StructTreeRoot" not in root:
            problems.append("kein /StructTreeRoot")
        if not str(root.get("/Lang", "")).startswith("de"):
            problems.append(f"/Lang ist {root.get('/Lang')!r}, nicht de")
        if str(pdf.docinfo.get("/Title", "")) != title:
            problems.append(f"/Title ist {pdf.docinfo.get('/Title')!r}, nicht {title!r}")
        if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
            problems.append("/ViewerPreferences /DisplayDocTitle fehlt")
        meta = pdf.open_metadata()
        if meta.get(f"{{{PDFUA_NS}}}part") != "1":
            problems.append("keine PDF/UA-1-Kennung (pdfuaid:part 1) in den XMP-Metadaten")
    elements = structure(pdf_path)
    shown = [alt for kind, alt in elements if kind == "/Figure"]
    if len(shown) < figures:
        problems.append(f"{len(shown)} /Figure-Elemente, erwartet mindestens {figures}")
    problems += [f"/Figure ohne /Alt (Nr. {i})" for i, alt in enumerate(shown, 1)
                 if not (alt or "").strip()]
    tables = [i for i, (kind, _) in enumerate(elements) if kind == "/Table"]
    if not tables:
        problems.append("keine getaggte Tabelle")
    for n, start in enumerate(tables, 1):
        # the cells of this table: up to the next table (tables are not nested here)
        end = next((t for t in tables if t > start), len(elements))
        if not any(kind == "/TH" for kind, _ in elements[start:end]):
            problems.append(f"Tabelle {n} ohne Kopfzelle (/TH)")
    return problems


def deck_problems(pptx_path: Path) -> list[str]:
    """What keeps a PowerPoint deck from being read in order by a screen reader: every slide
    has its title in the title placeholder, as the first shape; every picture has a text
    alternative (``descr``, not a file name); shapes without text and without a picture
    (bars) are marked decorative; tables have a header row."""
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    problems = []
    for number, slide in enumerate(Presentation(str(pptx_path)).slides, 1):
        title = slide.shapes.title
        if title is None or not title.text_frame.text.strip():
            problems.append(f"Folie {number}: kein Titel im Titelplatzhalter")
        elif next(iter(slide.shapes)).shape_id != title.shape_id:
            problems.append(f"Folie {number}: der Titel ist nicht das erste Element")
        for shape in slide.shapes:
            cnvpr = shape._element.xpath("./*[1]/p:cNvPr")[0]
            if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
                descr = (cnvpr.get("descr") or "").strip()
                if not descr or FILE_NAME.fullmatch(descr):
                    problems.append(f"Folie {number}: Bild {shape.name!r} ohne Alternativtext")
            elif shape.has_table:
                if not shape.table.first_row:
                    problems.append(f"Folie {number}: Tabelle ohne Kopfzeile")
            elif not (shape.has_text_frame and shape.text_frame.text.strip()) and \
                    not cnvpr.xpath(".//*[local-name()='decorative'][@val='1']"):
                problems.append(f"Folie {number}: {shape.name!r} ohne Text, nicht dekorativ")
    return problems

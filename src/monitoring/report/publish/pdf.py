"""The printable PDF without Quarto: pandoc (from the `pypandoc_binary` wheel) turns the
Markdown into Typst, the `typst` wheel compiles it. A4, German hyphenation (``lang: de``),
"Seite n von N" in the footer, static PNG figures with a source line under each.

Layout rules for a printed page a council member reads: table captions above their table
and kept with it (never alone at a page end), no justified text in table cells (narrow
columns would stretch), headings in the style colour of ``[darstellung]`` and the logo, if
one is set, at the top right of the first page.

Accessible (issue 15): the PDF is tagged PDF/UA-1 (Typst's ``pdf-standard`` ``ua-1``):
document title and language (``lang: de``) in the metadata, the title shown in the viewer,
headings, lists and tables tagged in reading order (the source order), every table with a
header row, every figure with its text alternative (`alt`, from `present.alt_text`). Typst
refuses to write a PDF/UA-1 file with a figure without alt text; so does `write_pdf`, before
Typst, with a German message naming the figure.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from monitoring.errors import ReportError
from monitoring.io.files import atomic_path

if TYPE_CHECKING:
    from monitoring.core.config import Style

# Typst set-up after pandoc's template: page footer with page numbers, smaller tables.
HEADER = r"""
#set page(footer: context [
  #set text(size: 8pt, fill: rgb("#555555"))
  #h(1fr) Seite #counter(page).display() von #counter(page).final().first()
])
#show table: set text(size: 8.5pt)
#show figure: set block(breakable: true)
#show figure.caption: set text(size: 9pt)
#show figure.where(kind: table): set figure.caption(position: top)
#show figure.caption: it => block(sticky: true, it)
#show figure.where(kind: image): set block(sticky: true)
#show table: set par(justify: false)
#show table.cell: set par(justify: false)
"""
LOGO_FILE = "logo-darstellung"
# tagged PDF/UA-1: what a screen reader needs (issue 15)
PDF_STANDARD: Literal["ua-1"] = "ua-1"
# a figure of the report (the logo of `style_header` has its text alternative already)
_IMAGE = re.compile(r'image\("(?!' + LOGO_FILE + r'\.)([^"]+)\.png"')


def typst_string(text: str) -> str:
    """`text` as a Typst string literal (printed as it is, never read as markup)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def style_header(style: Style | None) -> str:
    """Typst rules for `style`: heading colour and the logo on the first page (with its
    text alternative: „Logo“ and the publisher, if one is set)."""
    if style is None:
        return ""
    rules = [f'#show heading: set text(fill: rgb("{style.colour}"))']
    if style.logo_file:
        suffix = Path(style.logo_file).suffix.lower()
        logo = "Logo" + (f": {style.publisher}" if style.publisher else "")
        rules.append("#set page(header: context { if here().page() == 1 { align(right, "
                     f'image("{LOGO_FILE}{suffix}", height: 1.4cm, '
                     f"alt: {typst_string(logo)})) }} }})")
    return "\n".join(rules) + "\n"


def with_alt(source: str, alt: Mapping[str, str]) -> str:
    """The Typst `source` (from pandoc) with each figure's text alternative: pandoc's Typst
    writer drops an image's alt text, so ``image("map.png", …)`` gets ``alt: "…"`` from
    `alt` (by figure name). A figure without one is a `ReportError` – PDF/UA-1 has none."""
    missing = sorted({m.group(1) for m in _IMAGE.finditer(source)} - set(alt))
    if missing:
        raise ReportError("Für das PDF fehlt der Alternativtext einer Abbildung (PDF/UA).",
                          detail=", ".join(missing))
    return _IMAGE.sub(lambda m: f'image("{m.group(1)}.png", alt: '
                                f"{typst_string(alt[m.group(1)])}", source)



def write_pdf(markdown: str, figures: dict[str, bytes], out: Path, *,
              alt: Mapping[str, str] | None = None, style: Style | None = None) -> int:
    """Compile `markdown` (figures referenced as ``<name>.png``, their text alternatives in
    `alt` by name) to a tagged PDF/UA-1 file at `out` in the look of `style`
    (``[darstellung]``); returns bytes. The Markdown needs a ``title`` in its metadata:
    PDF/UA-1 has no document without one."""
    import pypandoc
    import typst

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="monitoring-pdf-") as tmpdir:
        work = Path(tmpdir)
        for name, png in figures.items():
            (work / f"{name}.png").write_bytes(png)
        if style is not None and style.logo_file:
            logo = Path(style.logo_file)
            (work / f"{LOGO_FILE}{logo.suffix.lower()}").write_bytes(logo.read_bytes())
        (work / "header.typ").write_text(HEADER + style_header(style), encoding="utf-8")
        try:
            source = pypandoc.convert_text(
                markdown, "typst", format="markdown", extra_args=[
                    "--standalone", "--include-in-header", str(work / "header.typ"),
                    "-V", "papersize=a4", "-V", "mainfont=Libertinus Serif"])
        except (RuntimeError, OSError) as err:
            raise ReportError("Pandoc konnte den Evaluationsbericht nicht umwandeln.",
                              detail=str(err)[-1500:]) from err
        (work / "bericht.typ").write_text(with_alt(source, alt or {}), encoding="utf-8")
        try:
            with atomic_path(out) as tmp:
                typst.compile(str(work / "bericht.typ"), output=str(tmp), root=str(work),
                              pdf_standards=PDF_STANDARD)
        except Exception as err:
            raise ReportError("Typst konnte das PDF nicht erzeugen.", detail=str(err)[-1500:]) \
                from err
    return out.stat().st_size

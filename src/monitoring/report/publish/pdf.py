"""The printable PDF without Quarto: pandoc (from the `pypandoc_binary` wheel) turns the
Markdown into Typst, the `typst` wheel compiles it. A4, German hyphenation (``lang: de``),
"Seite n von N" in the footer, static PNG figures with a source line under each.

Layout rules for a printed page a council member reads: table captions above their table
and kept with it (never alone at a page end), no justified text in table cells (narrow
columns would stretch), headings in the style colour of ``[darstellung]`` and the logo, if
one is set, at the top right of the first page.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

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


def style_header(style: Style | None) -> str:
    """Typst rules for `style`: heading colour and the logo on the first page."""
    if style is None:
        return ""
    rules = [f'#show heading: set text(fill: rgb("{style.colour}"))']
    if style.logo_file:
        suffix = Path(style.logo_file).suffix.lower()
        rules.append("#set page(header: context { if here().page() == 1 { align(right, "
                     f'image("{LOGO_FILE}{suffix}", height: 1.4cm)) }} }})')
    return "\n".join(rules) + "\n"



def write_pdf(markdown: str, figures: dict[str, bytes], out: Path, *,
              style: Style | None = None) -> int:
    """Compile `markdown` (figures referenced as ``<name>.png``) to `out` in the look of
    `style` (``[darstellung]``); returns bytes."""
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
        (work / "bericht.typ").write_text(source, encoding="utf-8")
        try:
            with atomic_path(out) as tmp:
                typst.compile(str(work / "bericht.typ"), output=str(tmp), root=str(work))
        except Exception as err:
            raise ReportError("Typst konnte das PDF nicht erzeugen.", detail=str(err)[-1500:]) \
                from err
    return out.stat().st_size

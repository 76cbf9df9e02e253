"""The printable PDF without Quarto: pandoc (from the `pypandoc_binary` wheel) turns the
Markdown into Typst, the `typst` wheel compiles it. A4, German hyphenation (``lang: de``),
"Seite n von N" in the footer, static PNG figures with a source line under each.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from monitoring.errors import ReportError
from monitoring.io.files import atomic_path

# Typst set-up after pandoc's template: page footer with page numbers, smaller tables.
HEADER = r"""
#set page(footer: context [
  #set text(size: 8pt, fill: rgb("#555555"))
  #h(1fr) Seite #counter(page).display() von #counter(page).final().first()
])
#show table: set text(size: 8.5pt)
#show figure: set block(breakable: true)
#show figure.caption: set text(size: 9pt)
"""


def write_pdf(markdown: str, figures: dict[str, bytes], out: Path) -> int:
    """Compile `markdown` (figures referenced as ``<name>.png``) to `out`; returns bytes."""
    import pypandoc
    import typst

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="monitoring-pdf-") as tmpdir:
        work = Path(tmpdir)
        for name, png in figures.items():
            (work / f"{name}.png").write_bytes(png)
        (work / "header.typ").write_text(HEADER, encoding="utf-8")
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

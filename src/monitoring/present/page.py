"""The accessible page shell of the stand-alone HTML pages (issue 15): the index of a quarter,
the Landesvergleich and the Erklärung zur Barrierefreiheit.

One shell for all three, so every page has what WCAG 2.1 AA asks of a page and a reader of one
finds the same in the others: ``lang="de"``, a skip link as the first element („Zum Inhalt
springen“), the landmarks ``header`` (banner), ``nav``, ``main`` and ``footer``
(contentinfo), exactly one ``h1`` (in the header), and in the footer the link to the
accessibility statement with the feedback contact (`feedback_line`). The district reports get
the same from their template (templates/report/index.html.j2) and `notebook.footer`.
"""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

from monitoring.present.markup import escape, with_csp

if TYPE_CHECKING:
    from monitoring.core.config import Accessibility, Style

STATEMENT_FILE = "barrierefreiheit.html"
"""The accessibility statement in every period folder (links are relative to it)."""
STATEMENT_TITLE = "Erklärung zur Barrierefreiheit"
SKIP_TEXT = "Zum Inhalt springen"


def css() -> str:
    """The reports' stylesheet (``report.css``), shared by every page."""
    return files("monitoring").joinpath("templates", "report", "report.css").read_text("utf-8")


def feedback_line(accessibility: Accessibility | None, *,
                  statement_href: str = STATEMENT_FILE) -> str:
    """The footer line every page carries: the link to the accessibility statement and,
    where ``[barrierefreiheit]`` names one, the feedback contact (HTML, escaped)."""
    parts = [f'<a href="{escape(statement_href)}">{STATEMENT_TITLE}</a>']
    if accessibility is not None and accessibility.email:
        mail = escape(accessibility.email)
        parts.append(f'Barrieren melden: <a href="mailto:{mail}">{mail}</a>')
    if accessibility is not None and accessibility.phone:
        parts.append(f"Telefon {escape(accessibility.phone)}")
    return f'<p class="mon-a11y">{" · ".join(parts)}</p>'


def page(*, title: str, header: str, main: str, footer: str, nav: str = "",
         style: Style | None = None) -> str:
    """A whole German HTML document: skip link, ``header`` (`header`, holding the page's one
    ``h1``), optional ``nav`` (`nav`: list items, labelled „Seitennavigation“), ``main``
    (`main`, the skip link's target) and ``footer`` (`footer`); all parts are HTML the caller
    has escaped. `style` sets the accent colour (``[darstellung] farbe``, checked for
    contrast ≥ 4.5:1 against white when the settings are read)."""
    colour = f"<style>:root {{ --mon-accent: {style.colour}; }}</style>" if style else ""
    links = (f'<nav class="mon-nav" aria-label="Seitennavigation"><ul>{nav}</ul></nav>'
             if nav else "")
    return with_csp(f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{escape(title)}</title>
<style>{css()}</style>{colour}</head>
<body class="mon-report mon-index">
<a class="mon-skip" href="#inhalt">{SKIP_TEXT}</a>
<div class="mon-page">
<header class="mon-header">{header}</header>
{links}
<main id="inhalt" tabindex="-1">
{main}
</main>
<footer class="mon-footer">{footer}</footer>
</div>
</body></html>
""")

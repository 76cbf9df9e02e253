"""Render an executed report notebook to one self-contained HTML file.

Quarto is used when the `quarto` executable is on PATH (``quarto render … --to html`` on the
already executed notebook, with embedded resources); otherwise the Jupyter-native path:
nbconvert with our template, code hidden, plotly.js inlined once, no external resources.
"""

from __future__ import annotations

import base64
import binascii
import errno
import html as html_lib
import json
import os
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

import nbformat

if TYPE_CHECKING:
    from nbconvert import HTMLExporter

from monitoring import __version__
from monitoring.errors import ReportError
from monitoring.io.files import atomic_path
from monitoring.present.markup import markdown, with_csp
from monitoring.report.run.embed import EmbedError, embedded
from monitoring.report.run.lab_css import without_unused_lab_css

# "0" (also "nein", "aus"): behave as on a machine without Quarto even where `quarto` is on
# PATH – `--renderer auto` renders with nbconvert, a publication makes no revealjs deck and no
# website. The test suite sets it for every test not marked `quarto` (tests/conftest.py).
QUARTO_SWITCH = "MONITORING_QUARTO"


def quarto_available() -> bool:
    if os.environ.get(QUARTO_SWITCH, "").strip().lower() in ("0", "nein", "aus"):
        return False
    return shutil.which("quarto") is not None


def choose_renderer(requested: str = "auto") -> str:
    """``quarto`` or ``nbconvert``; ``auto`` prefers Quarto when it is installed."""
    if requested == "auto":
        return "quarto" if quarto_available() else "nbconvert"
    if requested == "quarto" and shutil.which("quarto") is None:  # asked for: not switched off
        raise ReportError(
            "Quarto ist nicht installiert (kein `quarto` im Suchpfad). Installieren Sie Quarto "
            "oder lassen Sie `--renderer` weg: dann wird der eingebaute Jupyter-Renderer benutzt.")
    if requested not in ("quarto", "nbconvert"):
        raise ReportError(f"Unbekannter Renderer „{requested}“; erlaubt: auto, quarto, nbconvert.")
    return requested


# nbconvert's `HTMLExporter` makes these two edits with a BeautifulSoup pass over the whole
# page (a third of a report's rendering); `_ReportExporter` makes them on the start tags.
_NO_ALT_IMG = re.compile(r"<img\b(?![^>]*\balt=)", re.I)
_FOCUSABLE_DIV = re.compile(
    r'<div\b(?![^>]*\btabindex=)([^>]*\bclass="[^"]*\b(?:jp-OutputArea-output|'
    r'jp-Cell-inputWrapper)\b[^"]*")')
MISSING_ALT = "Abbildung ohne Beschreibung"


_CHAR_REF = re.compile(r"&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));")
_RAW_TEXT = re.compile(r"(<(script|style)\b.*?</\2\s*>)", re.S | re.I)
_MARKUP = {34, 38, 39, 60, 62}  # " & ' < > stay references


def focusable_outputs(page: str) -> str:
    """`page` with what nbconvert's exporter adds for assistive technology: every output (and
    code input) can take the keyboard focus, so a wide table can be scrolled with the keys,
    and an image without a text alternative says that it has none. Numeric character
    references (nbconvert writes headings as „&#220;bersicht“) become the characters, as its
    BeautifulSoup pass wrote them – outside scripts and style sheets, whose text is code."""
    page = _NO_ALT_IMG.sub(f'<img alt="{MISSING_ALT}"', page)
    page = _FOCUSABLE_DIV.sub(r'<div tabindex="0"\1', page)
    parts = _RAW_TEXT.split(page)
    # split() yields text, whole element, tag name, text, …: decode the text parts only
    return "".join(_CHAR_REF.sub(_character, part) if i % 3 == 0 else part
                   for i, part in enumerate(parts) if i % 3 != 2)


def _character(match: re.Match[str]) -> str:
    code = int(match.group(1)) if match.group(1) else int(match.group(2), 16)
    if code in _MARKUP or not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return match.group(0)
    return chr(code)


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class _ReportExporter(HTMLExporter):
        """`HTMLExporter` (nbconvert 7) without its final BeautifulSoup pass over the page:
        the same edits are made by `focusable_outputs`."""

        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[no-untyped-def]
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return focusable_outputs(page), resources

    templates = str(files("monitoring").joinpath("templates"))
    exporter = _ReportExporter(template_name="report", extra_template_basedirs=[templates])
    # validate once after the preprocessors, not after each of the twelve
    exporter.optimistic_validation = True
    exporter.exclude_input = True
    exporter.exclude_raw = True  # the Quarto front matter is for Quarto, not for readers
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    exporter.language_code = "de"  # <html lang="de">; the exporter's own default is "en"
    return exporter


def _css(name: str = "report.css") -> str:
    return files("monitoring").joinpath("templates", "report", name).read_text("utf-8")


def warm_renderer() -> None:
    """Load nbconvert's exporter and its templates now, by rendering an empty notebook: a
    worker does it while the run builds the quarter snapshot, not in its first report."""
    _exporter().from_notebook_node(
        nbformat.v4.new_notebook(), resources={"monitoring": {"css": "", "version": __version__},
                                               "language_code": "de"})


# A figure's plotly JSON beside its HTML fragment. The HTML page never shows it (nbconvert's
# display priority has no place for it), and its deeply nested lists made nbconvert's three
# deep copies of the notebook most of a report's render time (`page_view`).
PLOTLY_JSON = "application/vnd.plotly.v1+json"


def page_view(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """`nb` without the output data the HTML page does not show (`PLOTLY_JSON`, where
    the output also has its HTML); a new notebook sharing everything else with `nb`, which
    stays as it is (the executed notebook is kept whole, e.g. in ``_fehler/``)."""
    cells = []
    for cell in nb.cells:
        outputs = cell.get("outputs")
        if outputs and any(PLOTLY_JSON in o.get("data", {}) for o in outputs):
            lighter = nbformat.NotebookNode(cell)
            lighter["outputs"] = [_shown(o) for o in outputs]
            cells.append(lighter)
        else:
            cells.append(cell)
    view = nbformat.NotebookNode(nb)
    view["cells"] = cells
    return view


def _shown(output: nbformat.NotebookNode) -> nbformat.NotebookNode:
    data = output.get("data", {})
    if PLOTLY_JSON not in data or "text/html" not in data:
        return output
    output = nbformat.NotebookNode(output)
    output["data"] = nbformat.NotebookNode(
        {k: v for k, v in data.items() if k != PLOTLY_JSON})
    return output


def render_html(executed: nbformat.NotebookNode, out: Path, *, title: str,
                renderer: str = "nbconvert") -> int:
    """Write `executed` as one HTML file at `out` (atomically); returns the file size."""
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(out) as tmp:
            if renderer == "quarto":
                _render_quarto(executed, tmp, title)
            else:
                executed.metadata["title"] = title
                body, _ = _exporter().from_notebook_node(
                    page_view(executed),
                    resources={"monitoring": {"css": _css(), "version": __version__},
                               "language_code": "de"})
                tmp.write_text(with_csp(with_scroll_regions(with_landmarks(with_toc(
                    without_unused_lab_css(body))))),
                               encoding="utf-8")
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise ReportError(f"Kein Speicherplatz mehr auf dem Datenträger: {out.name} konnte "
                              "nicht geschrieben werden. Die zuletzt erstellte Fassung bleibt "
                              "unverändert; geben Sie Speicherplatz frei und starten Sie den "
                              "Lauf erneut.", detail=str(err)) from err
        raise
    return out.stat().st_size


TOC_MARK = "<!--mon-toc-->"
_HEADING = re.compile(r'<h([23])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")


def with_toc(page: str) -> str:
    """`page` with a table of contents (the report's h2/h3 headings that carry an id) in
    place of the template's ``<!--mon-toc-->`` mark.

    A report is nine screens long; the contents sit beside it (sticky, report.css) on a wide
    screen and above it on a narrow one, so a reader can jump to a section and back. Built
    from the rendered page, so it lists exactly the headings the reader sees; heading texts
    are already escaped HTML, tags inside them (the ¶ anchor link) are dropped."""
    if TOC_MARK not in page:
        return page
    items: list[tuple[int, str, str]] = []
    for level, anchor, inner in _HEADING.findall(page):
        label = _TAG.sub("", re.sub(r'<a class="anchor-link".*?</a>', "", inner, flags=re.S))
        label = " ".join(label.replace("¶", "").split())
        if label:
            items.append((int(level), anchor, label))
    if not items:
        return page.replace(TOC_MARK, "", 1)
    entries = "".join(f'<li class="mon-toc-h{level}"><a href="#{anchor}">{label}</a></li>'
                      for level, anchor, label in items)
    nav = ('<nav class="mon-toc" aria-label="Inhalt"><p class="mon-toc-title">Inhalt</p>'
           f"<ul>{entries}</ul></nav>")
    return page.replace(TOC_MARK, nav, 1)


BANNER_MARK = "<!--mon-banner-->"
CONTENTINFO_MARK = "<!--mon-contentinfo-->"
_REPORT_HEADER = re.compile(r'<header class="mon-header">.*?</header>', re.S)
_REPORT_FOOTER = re.compile(r'<footer class="mon-footer">.*?</footer>', re.S)


def with_landmarks(page: str) -> str:
    """`page` with the report's header (`notebook.header`, the H1) moved to the template's
    banner mark and its footer (`notebook.footer`: sources, statement link) to the
    contentinfo mark, both outside ``main``: a screen reader then lists the landmarks banner,
    navigation (contents), main and contentinfo, as on the index (WCAG 1.3.1, 2.4.1).
    A notebook output is a self-contained fragment, so moving it keeps the page valid."""
    if BANNER_MARK not in page:
        return page
    header = _REPORT_HEADER.search(page)
    if header is not None:
        page = page[:header.start()] + page[header.end():]
        page = page.replace(BANNER_MARK, header.group(0), 1)
    footers = list(_REPORT_FOOTER.finditer(page))
    footer = footers[-1] if footers else None  # the last one: the report's footer cell
    if footer is not None:
        page = page[:footer.start()] + page[footer.end():]
        page = page.replace(CONTENTINFO_MARK, footer.group(0), 1)
    return page.replace(BANNER_MARK, "", 1).replace(CONTENTINFO_MARK, "", 1)


# A wide table scrolls sideways in its output box; a keyboard user can only scroll a box
# that takes the focus (WCAG 2.1.1, axe "scrollable-region-focusable"). Only boxes that really
# overflow at the reader's window width get a tab stop, named after their table's caption.
SCROLL_REGIONS_SCRIPT = """<script>
(function () {
  function mark() {
    var boxes = document.querySelectorAll('.jp-OutputArea-output, .cell-output-display');
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i], wide = box.scrollWidth > box.clientWidth + 1;
      if (wide && !box.hasAttribute('tabindex')) {
        var caption = box.querySelector('caption');
        box.setAttribute('tabindex', '0');
        box.setAttribute('role', 'region');
        box.setAttribute('aria-label', (caption ? caption.textContent.trim() + ' – ' : '')
                         + 'Tabelle, waagerecht scrollbar');
      } else if (!wide && box.getAttribute('role') === 'region') {
        box.removeAttribute('tabindex'); box.removeAttribute('role');
        box.removeAttribute('aria-label');
      }
    }
  }
  window.addEventListener('load', mark);
  window.addEventListener('resize', mark);
})();
</script>"""


def with_scroll_regions(html: str) -> str:
    """`html` with `SCROLL_REGIONS_SCRIPT` before ``</body>``."""
    at = html.rfind("</body>")
    return html if at < 0 else html[:at] + SCROLL_REGIONS_SCRIPT + "\n" + html[at:]


_QUARTO_BODY = re.compile(r"<body\b[^>]*>")
_QUARTO_MAIN_ID = "quarto-document-content"


def with_skip_link(html: str) -> str:
    """Quarto HTML with a skip link („Zum Inhalt springen“) as the first element of the body,
    to Quarto's ``main`` (WCAG 2.4.1). A separate post-processing step: the table of contents
    Quarto adds (``toc``) is another step's business and unaffected."""
    if 'class="mon-skip"' in html or f'id="{_QUARTO_MAIN_ID}"' not in html:
        return html
    body = _QUARTO_BODY.search(html)
    if body is None:
        return html
    link = f'\n<a class="mon-skip" href="#{_QUARTO_MAIN_ID}">Zum Inhalt springen</a>'
    html = html[:body.end()] + link + html[body.end():]
    # focusable by the skip link only (not by Tab), so the focus really moves into main
    return html.replace(f'id="{_QUARTO_MAIN_ID}">', f'id="{_QUARTO_MAIN_ID}" tabindex="-1">', 1)


_QUARTO_CONTENT = re.compile(r'<div id="quarto-content"[^>]*>')
_QUARTO_MAIN_END = "</main>"


def with_quarto_landmarks(html: str) -> str:
    """Quarto HTML with the report's header and footer (`notebook.header`/`footer`, cell
    outputs inside ``main``) moved beside ``main`` in Quarto's content grid: the header
    before it (banner landmark), the footer after it (contentinfo), as `with_landmarks` does
    for the built-in report. quarto.css styles them there."""
    content = _QUARTO_CONTENT.search(html)
    if content is None or _QUARTO_MAIN_END not in html:
        return html
    header = _REPORT_HEADER.search(html, content.end())
    footers = list(_REPORT_FOOTER.finditer(html, content.end()))
    end = html.index(_QUARTO_MAIN_END, content.end())
    footer = footers[-1] if footers and footers[-1].end() <= end else None
    if header is None or header.end() > end:
        header = None
    pieces, last = [], 0
    for match in sorted((m for m in (header, footer) if m is not None), key=lambda m: m.start()):
        pieces.append(html[last:match.start()])
        last = match.end()
    pieces.append(html[last:])
    text = "".join(pieces)
    if footer is not None:
        at = text.index(_QUARTO_MAIN_END, content.end()) + len(_QUARTO_MAIN_END)
        text = text[:at] + "\n" + footer.group(0) + text[at:]
    if header is not None:
        text = text[:content.end()] + "\n" + header.group(0) + text[content.end():]
    return text


def _render_quarto(executed: nbformat.NotebookNode, out: Path, title: str) -> None:
    """Quarto HTML with the built-in report's look: report.css plus Quarto-specific rules
    (quarto.css), one title – the report header's H1: Quarto's title block (`title` and the
    first section's subtitle) is removed (`without_title_block`), `title` names the page.

    Quarto lays out the page (front matter, headings, contents, theme, scripts); the HTML
    outputs of the notebook – tables, figures, plotly.js – are held back (`held_outputs`)
    and put into its page afterwards, as they are: Quarto passes them through unchanged
    anyway, and each megabyte it carries costs about a second of its rendering. Quarto's
    scripts and styles are written into the page by `embed.embedded` (Quarto's own
    embedding, a second Pandoc pass, only where that cannot)."""
    light, held = held_outputs(executed)
    for embed in (False, True):
        with tempfile.TemporaryDirectory(prefix="monitoring-quarto-") as tmpdir:
            source = Path(tmpdir) / "bericht.ipynb"
            nbformat.write(with_front_matter(light, quarto_report_front_matter(
                title, embed=embed)), source)
            (Path(tmpdir) / "bericht.css").write_text(quarto_css(), encoding="utf-8")
            _quarto(tmpdir, source.name, "--to", "html", "--output", "bericht.html")
            if not (Path(tmpdir) / "bericht.html").is_file():
                raise ReportError(quarto_wrote_nothing(tmpdir))
            html = (Path(tmpdir) / "bericht.html").read_text(encoding="utf-8")
            if not embed:
                try:
                    html = embedded(html, Path(tmpdir))
                except EmbedError:
                    continue
            out.write_text(quarto_report_page(html, held), encoding="utf-8")
            return


INCOMING = "eingang"  # where the workers put the reports that wait for a Quarto batch


def prepare_for_batch(executed: nbformat.NotebookNode, folder: Path, name: str, title: str) -> None:
    """Write report `name` into `folder` (its `INCOMING` subfolder) as a Quarto batch will
    render it (`quarto_batch`): the notebook with stand-ins for its outputs and the report's
    front matter, and the outputs beside it."""
    light, held = held_outputs(executed)
    (folder / INCOMING).mkdir(parents=True, exist_ok=True)
    (folder / INCOMING / f"{name}.held.json").write_text(json.dumps(held), encoding="utf-8")
    # the notebook last: its presence says that the report is complete
    nbformat.write(with_front_matter(light, quarto_report_front_matter(title)),
                   folder / INCOMING / f"{name}.ipynb")


def quarto_wrote_nothing(folder: str | Path) -> str:
    """German message for a Quarto run that ended well but wrote no page: Quarto skips every
    file below a hidden folder (a name beginning with „.“), also a temporary folder there."""
    return (f"Quarto hat keine Seite geschrieben. Quarto übergeht Dateien in versteckten Ordnern "
            f"(Name beginnt mit „.“), und der temporäre Ordner {folder} liegt in einem solchen. "
            "Setzen Sie TMPDIR auf einen anderen Ordner, z. B. /tmp, und starten Sie den Lauf "
            "erneut.") if any(part.startswith(".") and part not in (".", "..")
                              for part in Path(folder).resolve().parts) else (
        "Quarto hat keine Seite geschrieben, aber auch keinen Fehler gemeldet.")


BATCH_LOG = "quarto.log"


def start_quarto_batch(folder: Path, inputs: str, to: str) -> subprocess.Popen[bytes]:
    """Start one ``quarto render --to <to>`` of every file `inputs` (a glob) in `folder`, its
    messages in `BATCH_LOG` there. The files are named in the project's render list: Quarto's
    own search skips every file below a hidden folder (a TMPDIR in ~/.cache) and still ends
    well, having rendered nothing."""
    (folder / "_quarto.yml").write_text(
        f'project:\n  type: default\n  render:\n    - "{inputs}"\n', encoding="utf-8")
    with (folder / BATCH_LOG).open("wb") as log:
        return subprocess.Popen(["quarto", "render", "--to", to], cwd=folder,
                                stdout=subprocess.DEVNULL, stderr=log)


def quarto_css() -> str:
    """The style sheet of a Quarto report (``bericht.css`` beside its source)."""
    return _css() + "\n" + _css("quarto.css")


def quarto_report_page(html: str, held: list[str]) -> str:
    """The finished report from Quarto's page of a `held_outputs` copy: the outputs put
    back, one title, the contents completed, landmarks, and as safe as the built-in report."""
    return quarto_page(with_scroll_regions(with_quarto_landmarks(with_skip_link(
        with_raw_headings_in_toc(without_title_block(with_outputs_returned(html, held)))))))


_HELD = re.compile(r'<div id="mon-held-(\d+)"></div>')


def held_outputs(executed: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[str]]:
    """A copy of `executed` whose HTML outputs are stand-ins (``<div id="mon-held-N">``), and
    the outputs by N. The plotly JSON of a figure is left out too: the HTML carries it."""
    light = nbformat.from_dict(executed)
    held: list[str] = []
    for cell in light.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data")
            if not data or "text/html" not in data:
                continue
            value = data["text/html"]
            held.append("".join(value) if isinstance(value, list) else str(value))
            data["text/html"] = f'<div id="mon-held-{len(held) - 1}"></div>'
            data.pop(PLOTLY_JSON, None)
    return light, held


def with_outputs_returned(html: str, held: list[str]) -> str:
    """`html` (Quarto's page of `held_outputs`' copy) with each stand-in replaced by its
    output; a stand-in Quarto lost is an error, never a silently missing table or figure."""
    found: set[int] = set()

    def back(match: re.Match[str]) -> str:
        number = int(match.group(1))
        found.add(number)
        return held[number]

    page = _HELD.sub(back, html)
    if len(found) != len(held):
        raise ReportError("Quarto hat Ausgaben des Berichts (Tabellen oder Grafiken) nicht in "
                          "die Seite übernommen; der Bericht wurde nicht geschrieben.",
                          detail=f"{len(held) - len(found)} von {len(held)} Ausgaben fehlen")
    return page


def quarto_report_front_matter(title: str, *, embed: bool = False) -> dict[str, object]:
    """The front matter of the report as Quarto renders it (in place of the first section's).

    The notebook is already executed: ``execute: enabled: false`` renders its outputs and
    runs nothing again (``echo: false``: no code, as in the sections' own front matter).
    Contents (#14): Quarto's own table of contents – the report's h2/h3 headings, as
    `with_toc` lists them for the built-in report – in Quarto's right margin, which stays in
    view while the reader scrolls (above the report on a narrow screen, quarto.css); headed
    „Inhalt“ like the built-in one. Set in the front matter because a notebook's
    ``format: html:`` options outrank ``-M``; the title escaped, as Quarto reads front matter
    as Markdown. `embed`: Quarto embeds its scripts and styles itself; without it they are
    written beside the page, for `embed.embedded`."""
    return {"title": markdown(title), "lang": "de",
            "execute": {"enabled": False, "echo": False, "warning": False},
            # the notebook's HTML tables as they are, as in the built-in report (Quarto would
            # parse each into a Pandoc table: the slowest part of its rendering)
            "html-table-processing": "none",
            "format": {"html": {"embed-resources": embed, "css": "bericht.css", "toc": True,
                                "toc-depth": 3, "toc-title": "Inhalt"}}}


def with_front_matter(notebook: nbformat.NotebookNode,
                      front: dict[str, object]) -> nbformat.NotebookNode:
    """A copy of `notebook` whose Quarto front matter (a leading raw cell ``---…---``) is
    `front`; the notebook itself is left as it is."""
    import yaml

    copy = nbformat.from_dict(notebook)
    cell = nbformat.v4.new_raw_cell(
        "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---")
    first = copy.cells[0] if copy.cells else None
    if first is not None and first.cell_type == "raw" and first.source.lstrip().startswith("---"):
        copy.cells[0] = cell
    else:
        copy.cells.insert(0, cell)
    return copy


_TOC_NAV = re.compile(r'<nav id="TOC"[^>]*>.*?</nav>', re.S)
_RAW_H2 = re.compile(r'<h2\b[^>]*\sid="([^"]+)"[^>]*>(.*?)</h2>', re.S)


def with_raw_headings_in_toc(html: str) -> str:
    """`html` with Quarto's table of contents also listing the h2 headings that a notebook
    output writes as HTML („Das Wichtigste in Kürze“, `notebook.in_brief`; the sources footer
    „Quellen und Methodik“, `notebook.sources_footer`): pandoc builds the contents from
    Markdown headings only. Each is listed where it stands in the report – before the first
    section that follows it – as the built-in contents list them."""
    nav = _TOC_NAV.search(html)
    if nav is None:
        return html
    block, body = nav.group(0), html[nav.end():]
    listed = set(re.findall(r'href="#([^"]+)"', block))
    extra = [(m.start(), m.group(1), " ".join(_TAG.sub("", m.group(2)).split()))
             for m in _RAW_H2.finditer(body) if m.group(1) not in listed]
    extra = [(at, anchor, label) for at, anchor, label in extra if label]
    if not extra:
        return html
    # the top-level entries (the h2 sections) of the contents: where each starts in `block`,
    # and where its heading stands in the page
    sections: list[tuple[int, int]] = []
    depth = 0
    for tag in re.finditer(r'<(/?)(ul|li)\b[^>]*>', block):
        closing, name = tag.group(1), tag.group(2)
        if name == "ul":
            depth += -1 if closing else 1
        elif not closing and depth == 1:
            link = re.compile(r'href="#([^"]+)"').search(block, tag.end())
            heading = body.find(f'id="{link.group(1)}"') if link else -1
            if heading >= 0:
                sections.append((tag.start(), heading))
    inserts: dict[int, str] = {}
    for at, anchor, label in extra:
        before = next((start for start, heading in sections if heading > at),
                      block.rindex("</ul>"))
        inserts[before] = inserts.get(before, "") + (
            f'<li><a href="#{anchor}" id="toc-{anchor}" class="nav-link" '
            f'data-scroll-target="#{anchor}">{label}</a></li>')
    for position in sorted(inserts, reverse=True):
        block = block[:position] + inserts[position] + block[position:]
    return html[:nav.start()] + block + body


def quarto_page(html: str) -> str:
    """A self-contained page rendered by Quarto, made as safe as the built-in report: without
    the require.js/jQuery Quarto adds (`without_cdn_scripts`), its ``data:`` scripts and style
    sheets written inline (`inline_data_resources`), and then the same Content-Security-Policy
    (`markup.with_csp`: only the page's own inline scripts, by their hashes, run)."""
    return with_csp(inline_data_resources(without_cdn_scripts(html)))


_DATA_SCRIPT = re.compile(r'<script\b([^>]*?)\s*\bsrc="data:(?:application|text)/javascript;'
                          r'base64,([^"]*)"([^>]*)>\s*</script>', re.I)
_DATA_STYLESHEET = re.compile(r'<link\b([^>]*?)\s*\bhref="data:text/css,([^"]*)"([^>]*)>', re.I)
_ID = re.compile(r'\bid="[^"]*"')


def inline_data_resources(html: str) -> str:
    """`html` with every ``<script src="data:…;base64,…">`` as an inline script (its other
    attributes, e.g. ``type="module"``, kept) and every ``<link rel="stylesheet"
    href="data:text/css,…">`` as a ``<style>`` element (its id kept).

    Quarto embeds its own scripts and Bootstrap's styles as ``data:`` URIs. The
    Content-Security-Policy of our reports allows inline scripts only by hash and no
    ``data:`` scripts or style sheets (a ``data:`` script could be anything); written inline
    they are hashed like every other script of the page. Text that would end its element
    early (``</script``, ``</style``) is escaped or, for a style sheet, left as a link."""

    def script(match: re.Match[str]) -> str:
        try:
            code = base64.b64decode(html_lib.unescape(match.group(2))).decode("utf-8")
        except (binascii.Error, ValueError):
            return match.group(0)
        attrs = " ".join(part.strip() for part in (match.group(1), match.group(3))
                         if part.strip())
        code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.I)
        return f"<script{' ' + attrs if attrs else ''}>{code}</script>"

    def stylesheet(match: re.Match[str]) -> str:
        attrs = match.group(1) + " " + match.group(3)
        if "stylesheet" not in attrs:
            return match.group(0)
        css = unquote(html_lib.unescape(match.group(2)))
        if "</style" in css.lower():
            return match.group(0)
        ident = _ID.search(attrs)
        return f"<style{' ' + ident.group(0) if ident else ''}>{css}</style>"

    return _DATA_STYLESHEET.sub(stylesheet, _DATA_SCRIPT.sub(script, html))


# Quarto's title block: the first section's title and subtitle above the report's own header
_TITLE_BLOCK = re.compile(r'<header id="title-block-header"[^>]*>.*?</header>\s*', re.DOTALL)


def without_title_block(html: str) -> str:
    """`html` without Quarto's title block: the report header (`notebook.header`, H1 = the
    area) is the report's one title, as in the built-in renderer; ``<title>`` stays."""
    return _TITLE_BLOCK.sub("", html, count=1)


def _quarto(folder: str, *args: str) -> None:
    result = subprocess.run(["quarto", "render", *args], cwd=folder, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise ReportError("Quarto konnte den Bericht nicht rendern.",
                          detail=result.stderr[-2000:])


def _typst_string(text: str) -> str:
    """`text` as a Typst string literal (printed as it is, never read as markup)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'



def with_figure_alt(executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of `executed` in which every cell with a static figure (``image/png``) names
    each figure's text alternative in a ``#| fig-alt: [...]`` cell option.

    Quarto takes an output image's alt text only from the cell's ``fig-alt`` option (one
    entry per output, by index), never from the output itself; the text is the one
    `present.alt_text.figure_alt` gives the plotly figure the PNG was drawn from (the
    figure's own message where the figure carries one). Without it a tagged PDF/UA-1 file
    cannot be written. The cells were already executed: the option changes no output.
    """
    import json

    from monitoring.present.alt_text import figure_alt

    copy = nbformat.from_dict(json.loads(json.dumps(executed)))
    for cell in copy.cells:
        outputs = cell.get("outputs", []) if cell.cell_type == "code" else []
        if not any("image/png" in o.get("data", {}) for o in outputs):
            continue
        alts = [figure_alt(o["data"].get(PLOTLY_JSON) or {}) if "image/png" in o.get("data", {})
                else "" for o in outputs]
        source = "".join(cell.source) if isinstance(cell.source, list) else cell.source
        cell.source = f"#| fig-alt: {json.dumps(alts, ensure_ascii=False)}\n{source}"
    return copy


def render_pdf(executed: nbformat.NotebookNode, out: Path, *, title: str) -> int:
    """Write `executed` as a printable PDF at `out` with Quarto's Typst format; returns the
    file size.

    Every table prints as a table and every figure as a picture: the report's outputs carry a
    Markdown twin of each HTML fragment and a static PNG of each plotly figure
    (`monitoring.present.notebook`; the PNGs only when executed with
    ``MONITORING_STATIC_FIGURES=1`` – without them a German `ReportError`). A4, German
    (hyphenation, „Abbildung“), `title` as the document title and in the page header,
    „Seite n von m“ in the footer. Needs Quarto.
    """
    plotly = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if PLOTLY_JSON in o.get("data", {})]
    if any("image/png" not in o["data"] for o in plotly):
        raise ReportError(
            "Das Notebook wurde ohne Druckfassung der Grafiken ausgeführt; im PDF stünde statt "
            "jeder Grafik ein Hinweis. Führen Sie es mit der Umgebungsvariable "
            "MONITORING_STATIC_FIGURES=1 aus und erzeugen Sie das PDF dann erneut.")
    if shutil.which("quarto") is None:
        raise ReportError("Für den PDF-Bericht über Typst wird Quarto benötigt (kein `quarto` "
                          "im Suchpfad).")
    out.parent.mkdir(parents=True, exist_ok=True)
    page = ("#set page(paper: \"a4\", header: context { if counter(page).get().first() > 1 "
            f"{{ align(right, text(size: 8pt, fill: luma(90), {_typst_string(title)})) }} }}, "
            "footer: context align(center, text(size: 8pt, fill: luma(90), "
            "[Integrationsmonitor #h(1fr) Seite #counter(page).display() von "
            "#counter(page).final().first()])))\n"
            "#set table.cell(breakable: false)\n")  # a table row never splits across pages
    with tempfile.TemporaryDirectory(prefix="monitoring-typst-") as tmpdir:
        source = Path(tmpdir) / "bericht.ipynb"
        nbformat.write(with_figure_alt(executed), source)
        (Path(tmpdir) / "seite.typ").write_text(page, encoding="utf-8")
        _quarto(tmpdir, source.name, "--to", "typst", "-M", f"title:{title}",
                "-M", "subtitle:", "-M", "lang:de", "-M", "region:DE", "-M", "papersize:a4",
                "-M", "include-in-header:seite.typ", "-M", "toc:false",
                "-M", "pdf-standard:ua-1", "--output", "bericht.pdf")
        with atomic_path(out) as tmp:
            shutil.copyfile(Path(tmpdir) / "bericht.pdf", tmp)
    return out.stat().st_size


# Quarto puts require.js and jQuery into the head of every notebook with an HTML output (for
# "JavaScript widgets" such as plotly's notebook mode) – as CDN links, or, where the render
# machine is online, fetched and embedded. The reports need neither: plotly.js is inlined on
# its own, and with require.js loaded plotly.js would register as an AMD module instead of
# `window.Plotly`. The same cleanup runs after a direct `quarto render` of the notebooks
# (scripts/quarto_keep_sources.py, which Quarto runs with its own Python: keep both in step).
_SCRIPT_TAG = re.compile(r'<script\b[^>]*\bsrc="([^"]*)"[^>]*>\s*</script>\s*')
_CDN_LIBRARY = re.compile(r"^https?://cdn\.jsdelivr\.net/npm/(requirejs|jquery)@")
_EMBEDDED_LIBRARY = ("@license RequireJS", "jQuery v", "jQuery JavaScript Library")
_JQUERY_AMD_SHIM = re.compile(r'<script type="application/javascript">\s*define\(\s*'
                              r"'jquery',[^<]*</script>\s*")


def _widget_library(src: str) -> bool:
    if _CDN_LIBRARY.match(src):
        return True
    if src.startswith("data:application/javascript;base64,"):
        head = src.split(",", 1)[1][:400]
        try:
            text = base64.b64decode(head[: len(head) // 4 * 4]).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return False
        return any(marker in text for marker in _EMBEDDED_LIBRARY)
    return False


def without_cdn_scripts(html: str) -> str:
    """`html` without the require.js/jQuery scripts Quarto adds for notebook outputs."""
    cleaned = _SCRIPT_TAG.sub(lambda m: "" if _widget_library(m.group(1)) else m.group(0), html)
    return _JQUERY_AMD_SHIM.sub("", cleaned) if cleaned != html else html

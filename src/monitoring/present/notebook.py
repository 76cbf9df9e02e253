"""Helpers for the first and last cells of report notebooks.

`open_report` validates the notebook parameters, opens the store read-only, builds the report
context with the run's settings (parameter ``settings_json``) and installs the plotly renderer
used in reports; `header` and `footer` state what the report is about, whether the data are
fictitious, the data stand, the sources, the disclosure rule applied and where it came from,
and how to reproduce it.
"""

from __future__ import annotations

import base64
import html
import os
import re
from datetime import date, datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from monitoring import fmt
from monitoring.core import stand
from monitoring.core.areas import code_from_parameter
from monitoring.present import describe, static_figure
from monitoring.present.figures import OFFLINE_GEO_SCRIPT
from monitoring.present.markup import escape, markdown
from monitoring.present.page import STATEMENT_FILE, STATEMENT_TITLE, feedback_line
from monitoring.store.database import Store, open_store
from monitoring.views.scope import ReportContext, context
from monitoring.vocab import DEMO_LABEL

if TYPE_CHECKING:
    from collections.abc import Sequence

    from IPython.display import HTML

    from monitoring.views.inputs import MissingInput, SectionInputs

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}


def use_report_renderer() -> None:
    """Make plotly figures self-contained: plotly.js inline once, no CDN, no MathJax.

    Each figure output carries the plotly JSON (for JupyterLab and Quarto), an HTML fragment
    (for the HTML reports: the plot inside a ``<figure>`` with its German text alternative
    and its data table, `describe.figure_html`) and, for print targets such as Quarto's
    Typst PDF, which cannot run plotly.js, a static PNG (`static_figure.png`, see
    `static_figures_wanted`). Before the first figure after each call (`open_report` calls
    it once per report) plotly.js itself goes out as an output of its own, so the rendered
    report works offline – on its own because Quarto moves an output carrying plotly.js
    into the page head, and a figure in the same output would jump above the title.
    """
    import plotly.io as pio
    from IPython.display import display
    from plotly.io.base_renderers import MimetypeRenderer

    from monitoring.present.plotlyjs import plotly_js as get_plotlyjs  # the partial bundle

    js_sent: list[bool] = []  # shared state: plotly copies the renderer for every figure

    class ReportRenderer(MimetypeRenderer):
        def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, Any]:
            if not js_sent:
                display({"text/html": OFFLINE_GEO_SCRIPT + '<script type="text/javascript">'
                         "window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
                         f'<script type="text/javascript">{get_plotlyjs()}</script>',
                         "text/markdown": ""},  # print targets: nothing in its place
                        raw=True)
            text, plot = describe.detach(fig_dict)  # the text goes out as HTML, once
            fragment = describe.figure_html(pio.to_html(
                plot, full_html=False, include_plotlyjs=False, include_mathjax=False,
                config=PLOTLY_CONFIG, validate=False), text)
            js_sent.append(True)
            bundle: dict[str, Any] = {"text/html": fragment}
            static = static_figures_wanted()
            if static or figure_json_wanted():
                bundle["application/vnd.plotly.v1+json"] = {**plot, "config": PLOTLY_CONFIG}
            if static:
                bundle["image/png"] = base64.b64encode(static_figure.png(fig_dict)).decode()
            return bundle

    # a new renderer each time, so plotly.js goes out again before the next figure: a report
    # run in a kernel that already ran one (`monitoring.report.run.warm`) carries its own copy
    pio.renderers["monitoring"] = ReportRenderer()
    pio.renderers.default = "monitoring"


# "0" (also "nein", "aus"): figures go out without their plotly JSON – only as the HTML
# fragment, which carries the same figure. `monitoring run` sets it for its kernels: its pages
# show the HTML, and the nested JSON was most of what kernel, papermill and the renderer
# serialised, copied and validated per report. JupyterLab (unset) gets both.
FIGURE_JSON_SWITCH = "MONITORING_FIGURE_JSON"


def figure_json_wanted() -> bool:
    """Whether figure outputs carry the plotly JSON beside their HTML (`FIGURE_JSON_SWITCH`;
    always when static twins are made: the PDF takes each figure's alt text from it)."""
    return os.environ.get(FIGURE_JSON_SWITCH, "").strip().lower() not in ("0", "nein", "aus")


# "1" (also "ja", "an"): every figure gets a static PNG twin, e.g. before executing a report
# for `monitoring.report.run.render.render_pdf`; "0" (also "nein", "aus"): never
STATIC_SWITCH = "MONITORING_STATIC_FIGURES"


def static_figures_wanted() -> bool:
    """Whether figures get a static PNG twin (print targets only: it costs 0.2–0.3 s per
    figure on a quiet machine, 4–6 % of a district's execution, see
    benchmarks/bench_static_figures.py). `STATIC_SWITCH` decides when set; otherwise Quarto
    does: it tells the kernel the figure format of its target (``QUARTO_FIG_FORMAT``: ``svg``
    for Typst, ``pdf`` for LaTeX PDF, ``png`` for HTML and revealjs)."""
    switch = os.environ.get(STATIC_SWITCH, "").strip().lower()
    if switch in ("1", "ja", "an"):
        return True
    if switch in ("0", "nein", "aus"):
        return False
    return os.environ.get("QUARTO_FIG_FORMAT", "") in ("svg", "pdf")


def open_report(store_path: str, area_code: str | int, period: str, settings_json: str = "",
                snapshot_path: str = "") -> tuple[Store, ReportContext]:
    """Validate the parameters and open the store read-only for one report.

    `settings_json` is the run's resolved settings (`Settings.to_json`), handed over by
    ``monitoring run`` as a notebook parameter. Empty – a notebook run interactively – means:
    resolve here, with ``monitoring.toml`` searched from the working folder upwards to the
    project folder (`monitoring.io.settings.interactive`). `area_code` may arrive as an
    integer (``quarto render -P area_code:16051`` passes YAML): see `code_from_parameter`.

    `snapshot_path` is the run's quarter snapshot (`monitoring.views.snapshot`), the state-wide
    results computed once for all reports of the quarter; the views then only filter them.
    Empty – a notebook run interactively – means: compute on demand (the same numbers). A
    snapshot that does not belong to this report (another store state, quarter or settings) is
    not used: a German warning names why, and everything is computed on demand.
    """
    import warnings

    import pandas as pd

    from monitoring.core.config import Settings
    from monitoring.io import settings as settings_file
    from monitoring.views import snapshot as quarter_snapshot

    code = code_from_parameter(area_code)  # before the store: a malformed code needs none
    use_report_renderer()
    pd.set_option("display.max_rows", 60)
    quarter_snapshot.install(None)  # never one of an earlier report of this kernel
    store = open_store(store_path or None, read_only=True)
    try:
        settings = (Settings.from_json(settings_json) if str(settings_json or "").strip()
                    else settings_file.interactive(store))
        ctx = context(store, code, str(period), settings)
        if str(snapshot_path or "").strip():
            try:
                quarter_snapshot.install(quarter_snapshot.check(
                    quarter_snapshot.load(snapshot_path), store, str(ctx.period),
                    settings, snapshot_path))
            except quarter_snapshot.SnapshotError as err:
                warnings.warn(err.message, quarter_snapshot.SnapshotWarning, stacklevel=2)
        return store, ctx
    except BaseException:
        store.close()
        raise


def _html(markup: str, text: str | None = None) -> HTML:
    """`markup` for HTML outputs, with `text` (pandoc Markdown, escaped by the caller) as its
    twin for print targets: Quarto's Typst/PDF renders an HTML fragment without a table as
    "<IPython.core.display.HTML object>". HTML renderers (nbconvert, Quarto HTML and
    revealjs, JupyterLab) prefer the HTML. Without `text` the Markdown is derived from
    `markup` (`_markdown_twin`)."""
    from IPython.display import HTML

    class Fragment(HTML):
        def _repr_markdown_(self) -> str:
            return twin

    twin = _markdown_twin(markup) if text is None else text
    return Fragment(markup)


class _Table(HTMLParser):
    """Reads one of our tables (`tables.html_table`: caption, header row, body rows, note)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.caption = ""
        self.rows: list[list[str]] = []
        self.numeric: list[bool] = []
        self.notes: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
            if len(self.rows) == 2:  # the first body row: its cells' alignment
                self.numeric.append(dict(attrs).get("class") == "num")
        elif tag in ("caption", "p"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._cell is None:
            return
        text = " ".join("".join(self._cell).split())
        if tag in ("td", "th") and self.rows:
            self.rows[-1].append(text)
        elif tag == "caption":
            self.caption = text
        elif tag == "p":
            self.notes.append(text)
        else:
            return
        self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _markdown_twin(markup: str) -> str:
    """Pandoc Markdown for an HTML fragment: a table as a pipe table with caption and note
    (every cell escaped with `markup.markdown`), anything else as its text."""
    if "<table" not in markup:
        return markdown(html.unescape(re.sub(r"<[^>]+>", " ", markup)))
    table = _Table()
    table.feed(markup)
    if not table.rows:
        return ""
    width = len(table.rows[0])
    numeric = table.numeric + [False] * (width - len(table.numeric))
    lines = ["| " + " | ".join(markdown(c) for c in table.rows[0]) + " |",
             "|" + "|".join("--:" if n else ":--" for n in numeric) + "|"]
    lines += ["| " + " | ".join(markdown(c) for c in row) + " |" for row in table.rows[1:]]
    # the caption as a bold line above: pandoc's "Table: …" caption is dropped in Typst
    parts = [f"**{markdown(table.caption)}**"] if table.caption else []
    parts.append("\n".join(lines))
    parts += [f"*{markdown(n)}*" for n in table.notes if n]
    return "\n\n".join(parts)


def header(ctx: ReportContext, *, report: str = "Quartalsbericht Integrationsmonitoring") -> HTML:
    """Title block with the demo banner and the data stand."""
    demo_text = ("alle Angebote, Akteure und Indikatorwerte sind erfunden; nur Gebietsgrenzen "
                 "und Kreissummen der Bevölkerung sind amtlich.")
    demo = (f'<div class="mon-demo" role="note"><strong>{DEMO_LABEL}</strong> – {demo_text}'
            "</div>") if ctx.is_demo else ""
    stand = fmt.day(ctx.data_stand) if ctx.data_stand else "unbekannt"
    stale = "" if ctx.fresh_data else (
        f'<p class="mon-stale" role="note">{escape(stale_note(ctx))}</p>')
    sub = (f"{ctx.area_kind} {ctx.in_state} · Berichtszeitraum {ctx.period.label_de()} · "
           f"Stichtag {fmt.day(ctx.period.end)} · Datenstand {stand}")
    # print: the document title names the report; the header is its data line, no 2nd title
    text = [f"**{markdown(ctx.area_name)}** · {markdown(report)}", markdown(sub)]
    if not ctx.fresh_data:
        text.append(f"> {markdown(stale_note(ctx))}")
    if ctx.is_demo:
        text.append(f"> **{markdown(DEMO_LABEL)}** – {markdown(demo_text)}")
    return _html(
        f'<header class="mon-header"><p class="mon-kicker">{escape(report)}</p>'
        f"<h1>{escape(ctx.area_name)}</h1>"
        f'<p class="mon-sub">{escape(sub)}</p>'
        f"{stale}{demo}</header>", "\n\n".join(text))


def stale_note(ctx: ReportContext) -> str:
    """The notice for a quarter without figures of its own (empty when it has some)."""
    if ctx.fresh_data:
        return ""
    stand = f" (Stand {fmt.day(ctx.figures_stand)})" if ctx.figures_stand else ""
    return ("Keine neuen Zahlen für dieses Quartal – es gelten die letzten verfügbaren "
            f"Werte{stand}.")


def source_note(text: str, *, ctx: ReportContext | None = None,
                stand: date | None = None) -> HTML:
    """The source line under a figure or table; `stand` (e.g. ``ctx.population_stand``, the
    reference date of the figures used) is added as „Stand 31.12.2024“."""
    demo = f" ({DEMO_LABEL})" if ctx is not None and ctx.is_demo else ""
    when = f"; Stand {fmt.day(stand)}" if stand else ""
    return _html(f'<p class="mon-source">Quelle: {escape(text + when)}{demo}</p>',
                 f"*Quelle: {markdown(text + when + demo)}*")


def footer(ctx: ReportContext) -> HTML:
    """Sources, the disclosure rule applied with where it came from (``ctx.settings``), and
    the reproducibility footer (period, snapshot, schema, version, run time)."""
    sources = "".join(f"<li>{escape(s)}</li>" for s in ctx.sources)
    rule = f'<p class="mon-rule">{escape(ctx.settings.disclosure_note_de())}</p>'
    repro = (f"Berichtszeitraum {ctx.period} · Daten-Snapshot {ctx.snapshot_id} · "
             f"Schema-Version {ctx.schema_version} · Integrationsmonitor {ctx.package_version} "
             f"· erstellt {fmt.timestamp(datetime.now())}")
    acc = ctx.settings.accessibility
    contact = f" – Barrieren melden: {acc.email}" if acc.email else ""
    text = ["## Quellen und Methodik",
            "\n".join(f"- {markdown(s)}" for s in [*ctx.sources, ctx.geo_attribution]),
            markdown(ctx.settings.disclosure_note_de()),
            markdown(f"{STATEMENT_TITLE} ({STATEMENT_FILE}){contact}"), markdown(repro)]
    # the statement link and feedback contact: every report links the accessibility
    # statement of its folder (issue 15; `monitoring.report.statement`)
    return _html(
        '<footer class="mon-footer"><h2 id="quellen-und-methodik">Quellen und Methodik</h2>'
        f"<ul>{sources}<li>{escape(ctx.geo_attribution)}</li></ul>{rule}"
        f"{feedback_line(acc)}"
        f'<p class="mon-repro">{escape(repro)}</p></footer>', "\n\n".join(text))


def notices(inputs: SectionInputs) -> HTML:
    """The German notice of what a section lacks and which command adds it
    (`monitoring.views.inputs.missing_inputs`); nothing when the section is complete."""
    if inputs.complete:
        return _html("", "")
    items = "".join(f"<li>{escape(m.notice)}</li>" for m in inputs.missing)
    lead = "Für diesen Abschnitt fehlen Daten; die betroffenen Teile entfallen."
    text = f"> **{lead}**\n>\n" + "\n".join(f"> - {markdown(m.notice)}"
                                               for m in inputs.missing)
    return _html(f'<div class="mon-missing" role="note"><strong>{lead}</strong><ul>{items}</ul>'
                 "</div>", text)


def omitted(missing: Sequence[MissingInput]) -> HTML:
    """One line in place of a table or chart left out for lack of `missing` (labels only:
    the notice at the top of the section says which command adds them)."""
    labels = ", ".join(m.label for m in missing)
    line = f"Entfällt – es fehlen: {labels} (siehe Hinweis am Anfang des Abschnitts)."
    return _html(f'<p class="mon-omitted">{escape(line)}</p>', f"*{markdown(line)}*")


def key_figures(items: dict[str, str]) -> HTML:
    """A row of key-figure boxes (label → already formatted value)."""
    boxes = "".join(f'<div class="mon-kpi"><div class="mon-kpi-value">{escape(v)}</div>'
                    f'<div class="mon-kpi-label">{escape(k)}</div></div>'
                    for k, v in items.items())
    text = "\n".join(f"- **{markdown(v)}** {markdown(k)}" for k, v in items.items())
    return _html(f'<div class="mon-kpis">{boxes}</div>', text)


def summary(sentences: list[str]) -> HTML:
    """A paragraph of German summary sentences (escaped)."""
    return _html('<p class="mon-summary">' + escape(" ".join(sentences)) + "</p>",
                 markdown(" ".join(sentences)))


BRIEF_TITLE = "Das Wichtigste in Kürze"
BRIEF_ID = "das-wichtigste-in-kuerze"


def in_brief(sentences: Sequence[str]) -> HTML:
    """„Das Wichtigste in Kürze“ at the top of a district report: the plain-language
    sentences of `views.in_brief` under their own heading (escaped; a heading of level 2,
    after the report's title)."""
    paragraphs = "".join(f"<p>{escape(s)}</p>" for s in sentences)
    text = "\n\n".join([f"## {BRIEF_TITLE}", *(markdown(s) for s in sentences)])
    return _html(f'<section class="mon-brief" aria-labelledby="{BRIEF_ID}">'
                 f'<h2 id="{BRIEF_ID}">{BRIEF_TITLE}</h2>{paragraphs}</section>', text)


def note(text: str) -> HTML:
    """A footnote under a figure or table (escaped)."""
    return _html(f'<p class="mon-note">{escape(text)}</p>', f"*{markdown(text)}*")


def show(markup: str) -> HTML:
    """Display an HTML fragment built by `monitoring.present.tables` (`tables.Markup`).

    Any other string is shown as text, escaped: names, labels and sentences from the store
    (an indicator name from `monitoring import katalog`, an offer title) must never reach the
    report as live HTML. Sentences go through `summary`. The print twin of a table is a
    pipe table (`_markdown_twin`)."""
    from monitoring.present.markup import Markup

    shown = escape(markup)  # a Markup stays as it is
    return _html(shown, None if isinstance(markup, Markup) else markdown(markup))


def carry_note(ctx: ReportContext, table: Any, *, prefix: str = "") -> str | None:
    """The note under an indicator table (`views.indicator_overview`, the controlling lights)
    when a value in it comes from an earlier Stichtag or is too old to be carried
    (`monitoring.core.stand`), after `prefix` (another note of the table); else `prefix`
    (None when empty)."""
    frame = getattr(table, "frame", table)
    earlier = "carried" in frame and bool(frame["carried"].fillna(False).astype(bool).any())
    too_old = "stand" in frame and bool(
        frame["stand"].fillna("").astype(str).str.startswith("kein Wert").any())
    text = stand.carry_note_de(ctx.settings.max_age_quarters) if earlier or too_old else ""
    if earlier and "expected" in frame:
        text += (" Bei einem früheren Wert beziehen sich „Soll laut Pfad“ und Ampel auf "
                 "seinen Stichtag.")
    return " ".join(t for t in (prefix, text) if t) or None

"""Helpers for the first and last cells of report notebooks.

`open_report` validates the notebook parameters, opens the store read-only, builds the report
context with the run's settings (parameter ``settings_json``) and installs the plotly renderer
used in reports; `header` and `footer` state what the report is about, whether the data are
fictitious, the data stand, the sources, the disclosure rule applied and where it came from,
and how to reproduce it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from monitoring import fmt
from monitoring.core import stand
from monitoring.core.areas import code_from_parameter
from monitoring.present.figures import OFFLINE_GEO_SCRIPT
from monitoring.present.markup import escape
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

    Each figure output carries the plotly JSON (for JupyterLab and Quarto) and an HTML
    fragment (for the Jupyter-native HTML report). Before the first figure of a kernel session
    plotly.js itself goes out as an output of its own, so the rendered report works offline –
    on its own because Quarto moves an output carrying plotly.js into the page head, and a
    figure in the same output would jump above the title.
    """
    import plotly.io as pio
    from IPython.display import display
    from plotly.io.base_renderers import MimetypeRenderer
    from plotly.offline import get_plotlyjs

    js_sent: list[bool] = []  # shared state: plotly copies the renderer for every figure

    class ReportRenderer(MimetypeRenderer):
        def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, Any]:
            if not js_sent:
                display({"text/html": OFFLINE_GEO_SCRIPT + '<script type="text/javascript">'
                         "window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
                         f'<script type="text/javascript">{get_plotlyjs()}</script>'},
                        raw=True)
            fragment = pio.to_html(fig_dict, full_html=False, include_plotlyjs=False,
                                   include_mathjax=False, config=PLOTLY_CONFIG, validate=False)
            js_sent.append(True)
            return {"text/html": fragment,
                    "application/vnd.plotly.v1+json": {**fig_dict, "config": PLOTLY_CONFIG}}

    if "monitoring" not in pio.renderers:
        pio.renderers["monitoring"] = ReportRenderer()
    pio.renderers.default = "monitoring"


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
                    quarter_snapshot.read_snapshot(snapshot_path), store, str(ctx.period),
                    settings, snapshot_path))
            except quarter_snapshot.SnapshotError as err:
                warnings.warn(err.message, quarter_snapshot.SnapshotWarning, stacklevel=2)
        return store, ctx
    except BaseException:
        store.close()
        raise


def _html(markup: str) -> HTML:
    from IPython.display import HTML

    return HTML(markup)


def header(ctx: ReportContext, *, report: str = "Quartalsbericht Integrationsmonitoring") -> HTML:
    """Title block with the demo banner and the data stand."""
    demo = (f'<div class="mon-demo" role="note"><strong>{DEMO_LABEL}</strong> – alle Angebote, '
            "Akteure und Indikatorwerte sind erfunden; nur Gebietsgrenzen und Kreissummen der "
            "Bevölkerung sind amtlich.</div>") if ctx.is_demo else ""
    stand = fmt.day(ctx.data_stand) if ctx.data_stand else "unbekannt"
    stale = "" if ctx.fresh_data else (
        f'<p class="mon-stale" role="note">{escape(stale_note(ctx))}</p>')
    return _html(
        f'<header class="mon-header"><p class="mon-kicker">{escape(report)}</p>'
        f"<h1>{escape(ctx.area_name)}</h1>"
        f'<p class="mon-sub">{escape(ctx.area_kind)} {escape(ctx.in_state)} · '
        f"Berichtszeitraum {ctx.period.label_de()} · Stichtag {fmt.day(ctx.period.end)} · "
        f"Datenstand {stand}</p>"
        f"{stale}{demo}</header>")


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
    return _html(f'<p class="mon-source">Quelle: {escape(text + when)}{demo}</p>')


def footer(ctx: ReportContext) -> HTML:
    """Sources, the disclosure rule applied with where it came from (``ctx.settings``), and
    the reproducibility footer (period, snapshot, schema, version, run time)."""
    sources = "".join(f"<li>{escape(s)}</li>" for s in ctx.sources)
    rule = f'<p class="mon-rule">{escape(ctx.settings.disclosure_note_de())}</p>'
    return _html(
        '<footer class="mon-footer"><h2>Quellen und Methodik</h2>'
        f"<ul>{sources}<li>{escape(ctx.geo_attribution)}</li></ul>{rule}"
        '<p class="mon-repro">'
        f"Berichtszeitraum {ctx.period} · Daten-Snapshot {ctx.snapshot_id} · "
        f"Schema-Version {ctx.schema_version} · Integrationsmonitor {ctx.package_version} · "
        f"erstellt {fmt.timestamp(datetime.now())}</p></footer>")


def notices(inputs: SectionInputs) -> HTML:
    """The German notice of what a section lacks and which command adds it
    (`monitoring.views.inputs.missing_inputs`); nothing when the section is complete."""
    if inputs.complete:
        return _html("")
    items = "".join(f"<li>{escape(m.notice)}</li>" for m in inputs.missing)
    return _html(f'<div class="mon-missing" role="note"><strong>Für diesen Abschnitt fehlen '
                 f"Daten; die betroffenen Teile entfallen.</strong><ul>{items}</ul></div>")


def omitted(missing: Sequence[MissingInput]) -> HTML:
    """One line in place of a table or chart left out for lack of `missing` (labels only:
    the notice at the top of the section says which command adds them)."""
    labels = ", ".join(m.label for m in missing)
    return _html(f'<p class="mon-omitted">Entfällt – es fehlen: {escape(labels)} '
                 "(siehe Hinweis am Anfang des Abschnitts).</p>")


def key_figures(items: dict[str, str]) -> HTML:
    """A row of key-figure boxes (label → already formatted value)."""
    boxes = "".join(f'<div class="mon-kpi"><div class="mon-kpi-value">{escape(v)}</div>'
                    f'<div class="mon-kpi-label">{escape(k)}</div></div>'
                    for k, v in items.items())
    return _html(f'<div class="mon-kpis">{boxes}</div>')


def summary(sentences: list[str]) -> HTML:
    """A paragraph of German summary sentences (escaped)."""
    return _html('<p class="mon-summary">' + escape(" ".join(sentences)) + "</p>")


def note(text: str) -> HTML:
    """A footnote under a figure or table (escaped)."""
    return _html(f'<p class="mon-note">{escape(text)}</p>')


def show(markup: str) -> HTML:
    """Display an HTML fragment built by `monitoring.present.tables` (`tables.Markup`).

    Any other string is shown as text, escaped: names, labels and sentences from the store
    (an indicator name from `monitoring import katalog`, an offer title) must never reach the
    report as live HTML. Sentences go through `summary`."""
    return _html(escape(markup))  # a Markup stays as it is


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

"""Issue 15, the report content: every figure states its message in German and carries its
data as a table (withheld values „gesperrt“, never a number); traffic lights speak in text,
symbol and colour; map palettes stay apart with a colour-vision deficiency and chart text
has enough contrast; tables have captions and header scopes; „Das Wichtigste in Kürze“
says the report's counts in plain words. Pure and fast: real figures and real disclosure
control on small frames; the rendered report is checked in test_run.py and
test_quarto_render.py.
"""

from __future__ import annotations

import io
import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from monitoring.core import brief, privacy
from monitoring.present import colours, describe, figures, notebook, static_figure, tables
from monitoring.report.publish import scan
from monitoring.views import accessibility as access_views
from monitoring.views import publishable

RULE = privacy.DisclosureRule(threshold=3, min_denominator=50)
KINDS = (None, "protanopia", "deuteranopia", "tritanopia")


def _areas(n: int) -> gpd.GeoDataFrame:
    x, y = 640_000, 5_640_000  # Thuringia, EPSG:25832
    return gpd.GeoDataFrame({"area_code": [str(i) for i in range(1, n + 1)]},
                            geometry=[box(x + i * 5000, y, x + (i + 1) * 5000, y + 5000)
                                      for i in range(n)], crs="EPSG:25832")


def _municipalities(offers_arnstadt: int = 5) -> privacy.Publishable:
    """Four municipalities; Stadtilm (2 persons) and Gräfenroda (30) below the rule."""
    frame = pd.DataFrame({
        "area_code": ["1", "2", "3", "4"],
        "name": ["Arnstadt", "Ilmenau", "Stadtilm", "Gräfenroda"],
        "offers": [offers_arnstadt, 0, 2, 0], "population": [1200, 800, 2, 30]})
    frame["offers_per_1000"] = frame["offers"] / frame["population"] * 1000
    return publishable.coverage_by_municipality(frame, RULE, district_name="Ilm-Kreis")


def _coverage(offers_arnstadt: int = 5) -> describe.FigureText:
    fig = figures.coverage_map(_municipalities(offers_arnstadt), _areas(4),
                               value="offers_per_1000", label="Angebote",
                               unit="je 1.000 Ausländer/-innen", highlight="2",
                               extra={"offers": "Angebote",
                                      "population": "Ausländische Staatsangehörige"})
    text = describe.text_of(fig)
    assert text is not None
    return text


def test_map_text_states_the_maps_message_from_its_data() -> None:
    text = _coverage()
    assert text.alt.startswith("Karte – Angebote je 1.000 Ausländer/-innen in 4 Gebieten.")
    assert "Am höchsten in Arnstadt (4,2), am niedrigsten in Ilmenau (0,0)." in text.alt
    assert "Hervorgehoben: Ilmenau mit 0,0, Rang 2 von 2" in text.alt
    assert "Für 2 Gebiete ist der Wert gesperrt (zu kleine Fallzahl)." in text.alt
    # a different count is a different text (the text is computed, not written)
    other = _coverage(offers_arnstadt=9)
    assert "Arnstadt (7,5)" in other.alt and other.alt != text.alt
    # the data table: one row per area, sorted by name; person counts marked for the scan
    assert text.header == ("Gebiet", "Angebote (je 1.000 Ausländer/-innen)", "Angebote",
                           "Ausländische Staatsangehörige")
    assert [r[0] for r in text.rows] == ["Arnstadt", "Gräfenroda", "Ilmenau", "Stadtilm"]
    assert text.rows[0] == ("Arnstadt", "4,2", "5", "1.200")
    assert text.persons == {3}


def test_withheld_values_read_gesperrt_never_a_number() -> None:
    text = _coverage()
    rows = {r[0]: r for r in text.rows}
    # Stadtilm: 2 persons, 2 offers → rate 1.000 per 1,000; Gräfenroda: 30 persons
    assert rows["Stadtilm"][1] == rows["Stadtilm"][3] == describe.WITHHELD
    assert rows["Gräfenroda"][1] == rows["Gräfenroda"][3] == describe.WITHHELD
    assert "1.000,0" not in text.alt and "Stadtilm" not in text.alt
    assert not re.search(r"\b30\b", text.alt) and "gesperrt" in text.note
    # the published table passes the disclosure scan (its person column is marked)
    html = describe.table_html(text)
    parsed = scan._HTMLTables()
    parsed.feed(html)
    [(header, body, persons, caption)] = parsed.tables
    assert header[3] == "Ausländische Staatsangehörige" and persons == {3}
    assert [r[0] for r in body] == ["Arnstadt", "Gräfenroda", "Ilmenau", "Stadtilm"]
    assert scan.check_table(header, body, persons, RULE.threshold, caption) == []
    # … and would catch a small count that slipped through
    leaked = [[*r[:3], "2" if r[0] == "Stadtilm" else r[3]] for r in body]
    assert scan.check_table(header, leaked, persons, RULE.threshold, caption)


def test_renderer_wraps_the_plot_in_a_figure_with_text_and_collapsed_data() -> None:
    import plotly.io as pio

    notebook.use_report_renderer()
    fig = figures.coverage_map(_municipalities(), _areas(4), value="offers_per_1000",
                               label="Angebote", unit="je 1.000 Ausländer/-innen")
    bundle = pio.renderers["monitoring"].to_mimebundle(fig.to_plotly_json())
    html = bundle["text/html"]
    assert html.startswith('<figure class="mon-figure"><figcaption id="')
    ident = re.search(r'<figcaption id="([^"]+)"', html).group(1)
    plot_id = re.search(r'<div id="([^"]+)" class="plotly-graph-div"', html).group(1)
    assert ident == f"{plot_id}-text" and html.count(f'id="{ident}"') == 1
    assert f'<div class="mon-figure-plot" aria-describedby="{ident}">' in html
    assert 'role="img"' not in html and "plotly-graph-div" in html
    assert ('<details class="mon-figure-data"><summary>Daten zur Abbildung</summary>'
            '<table class="mon-data"><caption>Daten zur Abbildung: Angebote je 1.000 '
            'Ausländer/-innen</caption>') in html
    assert "<details open" not in html  # collapsed by default
    # the text goes out once, as HTML – not again inside the plot's JSON
    assert describe.META_KEY not in html
    assert describe.META_KEY not in str(bundle["application/vnd.plotly.v1+json"])
    # the print twin carries the same text (PNG „Description“, for the PDF's alt text)
    from PIL import Image

    text = describe.text_of(fig)
    assert static_figure.alt_text(fig.to_plotly_json()) == text.alt
    image = Image.open(io.BytesIO(static_figure.png(fig.to_plotly_json())))
    assert image.text.get("Description") == text.alt


def test_a_run_s_figures_leave_out_the_plotly_json_but_print_twins_keep_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import plotly.io as pio

    notebook.use_report_renderer()
    fig = figures.coverage_map(_municipalities(), _areas(4), value="offers_per_1000",
                               label="Angebote", unit="je 1.000 Ausländer/-innen")
    plot = fig.to_plotly_json()

    def bundle(figure_json: str | None, static: str) -> dict[str, object]:
        if figure_json is None:
            monkeypatch.delenv(notebook.FIGURE_JSON_SWITCH, raising=False)
        else:
            monkeypatch.setenv(notebook.FIGURE_JSON_SWITCH, figure_json)
        monkeypatch.setenv(notebook.STATIC_SWITCH, static)
        return pio.renderers["monitoring"].to_mimebundle(plot)

    lab = bundle(None, "0")  # JupyterLab: the figure both ways
    assert set(lab) == {"text/html", "application/vnd.plotly.v1+json"}
    run = bundle("0", "0")  # `monitoring run`: the page shows the HTML, which is the same
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    assert set(run) == {"text/html"}
    assert uuid.sub("ID", str(run["text/html"])) == uuid.sub("ID", str(lab["text/html"]))
    printed = bundle("0", "1")  # the PDF takes each figure's alt text from the JSON
    assert set(printed) == {"text/html", "application/vnd.plotly.v1+json", "image/png"}


def _series() -> pd.DataFrame:
    return pd.DataFrame({"period": ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"],
                         "value": [5.04, np.nan, 5.5, 5.9, 6.21],
                         "state_value": [6.0, 6.1, 6.2, 6.3, 6.44]})


def test_time_series_text_names_start_end_state_and_target() -> None:
    target = pd.Series({"baseline_period": "2024-Q4", "baseline_value": 5.0,
                        "target_period": "2027-Q4", "target_value": 8.0})
    fig = figures.indicator_chart(_series(), unit="%", area_name="Ilm-Kreis",
                                  state_name="Thüringen", target=target,
                                  title="A19 Beschäftigungsquote")
    text = describe.text_of(fig)
    assert text.alt == (
        "Liniendiagramm: A19 Beschäftigungsquote. Ilm-Kreis: von 5,0 % (Q4 2024) auf 6,2 % "
        "(Q4 2025), gestiegen. Thüringen zuletzt 6,4 % (Q4 2025). Ziel: 8,0 % bis Q4 2027 "
        "(Ausgangswert 5,0 %, Q4 2024).")
    assert text.header == ("Quartal", "Ilm-Kreis (%)", "Thüringen (%)")
    assert text.rows[1] == ("Q1 2025", describe.NO_VALUE, "6,1")
    falling = _series().assign(value=[6.0, 5.0, 4.0, 3.0, 2.0])
    assert "gesunken" in describe.text_of(figures.indicator_chart(
        falling, unit="%", area_name="Ilm-Kreis")).alt


def test_peer_chart_text_ranks_the_own_district_and_withholds() -> None:
    frame = pd.DataFrame({"name": ["Gera", "Jena", "Suhl", "Thüringen"],
                          "value": [12.0, 20.0, 1.0, 15.0], "kind": ["Stadt"] * 3 + ["Land"],
                          "own": [True, False, False, False]})
    withheld = pd.DataFrame({"value": [False, False, True, False]}, index=frame.index)
    data = privacy.Publishable(frame, withheld, counts=("value",))
    fig = figures.peer_chart(data, name="Einbürgerungen", unit="Anzahl",
                             state_name="Thüringen")
    text = describe.text_of(fig)
    assert "Gera: 12 Anzahl, Rang 2 von 2" in text.alt
    assert "1 Gebiet gesperrt (zu kleine Fallzahl)." in text.alt
    assert dict(text.rows) == {"Gera": "12", "Jena": "20", "Suhl": describe.WITHHELD,
                               "Thüringen": "15"}
    assert text.persons == {1}  # a count indicator: the scan checks the column


def test_class_map_text_counts_areas_per_class() -> None:
    classes = access_views.map_classes()
    labels = [label for label, _ in classes]

    def layer(picks: list[int]) -> privacy.Publishable:
        frame = pd.DataFrame({"area_code": ["1", "2", "3"], "name": ["A", "B", "C"],
                              "category": [labels[i] for i in picks],
                              "population": [500, 400, 300]})
        return privacy.protect(frame, rule=RULE, counts=["population"])

    fig = figures.class_map({"Sprache": layer([0, 0, 5]), "Wohnen": layer([5, 5, 2])},
                            _areas(3), category="category", classes=classes,
                            hover={"population": ("Ausländische Staatsangehörige", 0)})
    text = describe.text_of(fig)
    assert "Auswahl zwischen 2 Ebenen: Sprache und Wohnen." in text.alt
    assert (f"Ebene „Sprache“: 2 Gebiete „{labels[0]}“ und 1 Gebiet „{labels[5]}“."
            in text.alt)
    assert f"„{labels[5]}“ am häufigsten in „Wohnen“ (2 Gebiete)." in text.alt
    assert text.header == ("Gebiet", "Sprache", "Wohnen")
    assert text.rows[2] == ("C", labels[5], labels[2])


def test_index_chart_text_names_the_own_position() -> None:
    table = pd.DataFrame({"name": ["Gera", "Jena", "Suhl"], "status_index": [1.234, -0.5, 0.1],
                          "dynamic_index": [0.4, -0.2, -1.0],
                          "status_class": ["niedrig", "hoch", "mittel"],
                          "dynamic_class": ["mittel", "stabil", "positiv"],
                          "own": [True, False, False], "attention": [True, False, False],
                          "assessed": [True, True, True]})
    text = describe.text_of(figures.index_chart(table, status_bounds=[0.5],
                                                dynamic_bounds=[0.5]))
    assert "von 3 bewerteten Gebieten" in text.alt and "Gera: Status +1,23" in text.alt
    assert "Besonderer Aufmerksamkeitsbedarf: Gera." in text.alt
    assert text.rows[0][0] == "Gera" and text.rows[0][-1] == "ja"


# -- nothing by colour alone ---------------------------------------------------------------

def test_traffic_lights_are_text_symbol_and_colour() -> None:
    frame = pd.DataFrame({"indicator": ["A", "B", "C", "D"],
                          "status": ["green", "amber", "red", None]})
    html = tables.html_table(frame, {"indicator": ("Indikator", tables.text),
                                     "status": ("Ampel", tables.traffic_light)}, persons=False,
                             caption="Zielerreichung (Ampel)")
    for status, words in (("green", "im Plan"), ("amber", "gefährdet"),
                          ("red", "nicht im Plan"), ("none", "ohne Bewertung")):
        symbol = tables.SYMBOLS[status]
        assert (f'aria-hidden="true">{symbol}</span> {words}' in html), status
        assert tables.light_text(status) == f"{symbol} {words}"
        assert colours.contrast_ratio(tables.SYMBOL_COLOURS[status], "#ffffff") >= 4.5
    assert len(set(tables.SYMBOLS.values())) == 4  # four different shapes
    # the print twin keeps symbol and words
    assert "▲ gefährdet" in notebook._markdown_twin(html)


def test_colour_vision_simulation_and_contrast() -> None:
    assert colours.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert colours.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    for kind in KINDS[1:]:
        assert colours.simulate("#ffffff", kind) == "#ffffff"
        assert colours.simulate("#000000", kind) == "#000000"
    # the classic confusion: red and green look alike to a deuteranope
    red, green = "#d7301f", "#1a9850"
    seen = [colours.simulate(c, "deuteranopia") for c in (red, green)]
    assert colours.delta_e(*seen) < colours.delta_e(red, green) / 2


def test_map_classes_stay_apart_with_colour_vision_deficiencies() -> None:
    palette = [c for _, c in access_views.map_classes()] + [figures.NO_VALUE_COLOUR]
    for kind in KINDS:
        assert colours.smallest_difference(palette, kind) >= 10, kind
    # the red-to-green palette used before fails the same check (deuteranopia)
    before = ["#d7301f", "#fc8d59", "#fee08b", "#91cf60", "#1a9850", "#67000d",
              figures.NO_VALUE_COLOUR]
    assert colours.smallest_difference(before, "deuteranopia") < 10


def test_coverage_scale_is_sequential_for_every_reader() -> None:
    steps = [c for _, c in figures.COLORSCALE]
    for kind in KINDS:
        seen = [c if kind is None else colours.simulate(c, kind) for c in steps]
        lightness = [colours.lab(c)[0] for c in seen]
        assert all(a > b for a, b in itertools.pairwise(lightness)), kind
        grey = figures.NO_VALUE_COLOUR if kind is None else colours.simulate(
            figures.NO_VALUE_COLOUR, kind)
        assert min(colours.delta_e(grey, c) for c in seen) >= 10, kind


def test_chart_text_has_enough_contrast() -> None:
    figs = [figures.indicator_chart(_series(), unit="%", area_name="Ilm-Kreis"),
            figures.coverage_map(_municipalities(), _areas(4), value="offers_per_1000",
                                 label="Angebote")]
    for fig in figs:
        layout = fig.to_plotly_json()["layout"]
        background = layout["paper_bgcolor"]
        assert colours.contrast_ratio(layout["font"]["color"], background) >= 4.5
        for annotation in layout.get("annotations", []):
            colour = annotation.get("font", {}).get("color", layout["font"]["color"])
            assert colours.contrast_ratio(colour, background) >= 4.5


# -- tables: caption and header scopes -----------------------------------------------------------

class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str | None, bool]] = []  # tag, scope, in tbody
        self.body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.body = self.body or tag == "tbody"
        if tag in ("th", "td"):
            self.cells.append((tag, dict(attrs).get("scope"), self.body))


def test_tables_have_header_scopes_and_row_headers() -> None:
    frame = pd.DataFrame({"label": ["Sprache", "Wohnen"], "offers": [3, 0]})
    html = tables.html_table(frame, {"label": ("Handlungsfeld", tables.text),
                                     "offers": ("Angebote", tables.integer)},
                             persons=False, caption="Angebote nach Handlungsfeld")
    parsed = _Cells()
    parsed.feed(html)
    assert [(t, s) for t, s, body in parsed.cells if not body] == [("th", "col")] * 2
    assert [(t, s) for t, s, body in parsed.cells if body] == [("th", "row"), ("td", None)] * 2
    assert "<caption>Angebote nach Handlungsfeld</caption>" in html
    # a table that starts with a number has no row header
    numbers = tables.html_table(frame, {"offers": ("Angebote", tables.integer)}, persons=False)
    assert 'scope="row"' not in numbers
    # the print twin stays aligned (row header text left, numbers right)
    assert "|:--|--:|" in notebook._markdown_twin(html)


def test_scan_reads_row_headers_as_cells(tmp_path: Path) -> None:
    """A row header must not become a column header for the disclosure scan: the person
    column is still found and a small count in it still reported."""
    frame = pd.DataFrame({"name": ["A", "B"], "population": [1200, 2]})
    page = tmp_path / "bericht.html"
    cells = tables.html_table(frame, {"name": ("Gemeinde", tables.text),
                                      "population": ("Personen", tables.integer)},
                              persons=False, caption="Test")
    page.write_text(f"<html><body>{cells}</body></html>", encoding="utf-8")
    found = scan.scan_file(page, threshold=3)
    assert [f.value for f in found] == ["2"]


# -- Das Wichtigste in Kürze ---------------------------------------------------------------

def test_in_brief_says_the_counts_in_plain_words() -> None:
    counts = brief.BriefCounts("Landkreis", offers=29, offers_per_1000=4.06, fields=9,
                               fields_without_offer=2, municipalities=40,
                               municipalities_without_offer=12,
                               lights={"green": 3, "amber": 2, "red": 1, "none": 0},
                               measures=12, measures_delayed=2)
    sentences = brief.in_brief(counts)
    assert sentences == [
        "Im Kreis gibt es zurzeit 29 Angebote. Das sind 4,1 Angebote für je 1.000 Menschen "
        "mit ausländischem Pass.",
        "Zu 2 von 9 Themen gibt es noch kein Angebot.",
        "In 12 von 40 Gemeinden gibt es kein Angebot vor Ort.",
        "Von 6 Zielen sind 3 im Plan, 2 gefährdet und 1 nicht im Plan.",
        "Von 12 Maßnahmen sind 2 verzögert."]
    # plain language: short sentences, no word longer than „ausländischem“ (13 letters)
    words = [w.strip(".,") for s in sentences for w in s.split()]
    single = [part for s in sentences for part in s.split(". ")]
    assert max(len(w) for w in words) <= 13 and all(len(s.split()) <= 15 for s in single)
    # a kreisfreie Stadt (one Gemeinde), a withheld rate, unrated targets
    city = brief.in_brief(brief.BriefCounts(
        "kreisfreie Stadt", offers=1, offers_per_1000=None, fields=9, fields_without_offer=0,
        municipalities=1, lights={"none": 2}))
    assert city == ["In der Stadt gibt es zurzeit ein Angebot.",
                    "Zu allen 9 Themen gibt es Angebote.",
                    "Für die 2 Ziele gibt es noch keine Bewertung."]
    assert brief.in_brief(brief.BriefCounts("Landkreis"))[0].startswith(
        "Für den Bericht fehlen noch Daten")


def test_in_brief_in_the_report_has_its_own_heading() -> None:
    shown = notebook.in_brief(["Im Kreis gibt es zurzeit 3 Angebote.", "<b>x</b>"])
    html = shown._repr_html_()
    assert html.startswith('<section class="mon-brief" aria-labelledby="das-wichtigste-in-kuerze">'
                           '<h2 id="das-wichtigste-in-kuerze">Das Wichtigste in Kürze</h2>')
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert shown._repr_markdown_().startswith("## Das Wichtigste in Kürze\n\n")


@pytest.mark.slow  # the indicator panel of the demo store (about 15 s)
def test_in_brief_from_the_store_counts_only(demo_store_path: Path) -> None:
    """The view reads the same counts the report shows; the rate only where published."""
    from monitoring import views
    from monitoring.store.database import open_store

    with open_store(demo_store_path) as store:
        ctx = views.context(store, "16070", "2025-Q4")
        panel = views.indicator_panel(store)
        counts = views.brief_counts(store, ctx, panel)
        summary = views.coverage_summary(views.coverage_tables(store, ctx), ctx)
        lights = views.controlling(store, ctx, panel)["lights"]
    sentences = brief.in_brief(counts)
    assert counts.offers == int(summary["offers"]) > 0
    assert counts.municipalities == int(summary["municipalities"]) > 1
    assert sum(counts.lights.values()) == len(lights) > 0
    assert 3 <= len(sentences) <= 5
    assert sentences[0].startswith(f"Im Kreis gibt es zurzeit {counts.offers} Angebote.")


def test_outputs_take_the_keyboard_focus_as_nbconvert_gives_it() -> None:
    # nbconvert's exporter makes these edits with BeautifulSoup; ours on the start tags
    from bs4 import BeautifulSoup

    from monitoring.report.run.render import MISSING_ALT, focusable_outputs

    page = ('<div class="jp-Cell jp-CodeCell"><div class="jp-Cell-inputWrapper">x</div>'
            '<div class="jp-OutputArea-child"><div class="jp-RenderedHTMLCommon '
            'jp-OutputArea-output" data-mime-type="text/html"><table></table></div>'
            '<div class="jp-OutputArea-output" tabindex="-1">y</div></div>'
            '<img src="a.png"><img alt="Karte" src="b.png"><div class="jp-OutputArea-prompt">'
            "</div></div>")
    soup = BeautifulSoup(focusable_outputs(page), "html.parser")
    assert [d.get("tabindex") for d in soup.select("div")] == [
        None, "0", None, "0", "-1", None]  # an own tabindex is kept
    assert [i["alt"] for i in soup.select("img")] == [MISSING_ALT, "Karte"]


def test_headings_keep_their_letters_as_nbconvert_wrote_them_before() -> None:
    # nbconvert writes „Übersicht“ in headings as „&#220;bersicht“; its BeautifulSoup pass
    # wrote the letter back – ours too, but never inside a script or a style sheet
    from monitoring.report.run.render import focusable_outputs

    page = ('<h3 id="%C3%9Cbersicht">&#220;bersicht &#x2013; Gr&#246;&#223;e &#60;5'
            '<a class="anchor-link" href="#%C3%9Cbersicht">&#182;</a></h3>'
            '<script>var s = "&#220;";</script><style>p::after{content:"&#182;"}</style>'
            "<p>&#38; &#39;a&#39;</p>")
    assert focusable_outputs(page) == (
        '<h3 id="%C3%9Cbersicht">Übersicht – Größe &#60;5'
        '<a class="anchor-link" href="#%C3%9Cbersicht">¶</a></h3>'
        '<script>var s = "&#220;";</script><style>p::after{content:"&#182;"}</style>'
        "<p>&#38; &#39;a&#39;</p>")


def test_the_page_is_the_same_without_the_plotly_json_it_never_shows() -> None:
    # nbconvert deep-copies the notebook three times; the figures' nested plotly JSON made
    # that most of a report's render time, and the page shows each figure's HTML instead
    import copy

    import nbformat

    from monitoring.report.run.render import _exporter, page_view

    fig = figures.index_chart(pd.DataFrame({
        "assessed": [True, True], "own": [True, False], "attention": [False, True],
        "name": ["Gera", "Jena"], "status_index": [0.4, -1.2], "dynamic_index": [1.1, 0.2],
        "status_class": ["mittel", "niedrig"], "dynamic_class": ["hoch", "mittel"]}),
        status_bounds=[-1.0, 1.0], dynamic_bounds=[-1.0, 1.0], title="Index")
    plot = fig.to_plotly_json()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("fig", outputs=[
        nbformat.v4.new_output("display_data", data={
            "text/html": '<div class="plot">Index</div>',
            "application/vnd.plotly.v1+json": plot}),
        nbformat.v4.new_output("display_data", data={"application/vnd.plotly.v1+json": plot,
                                                     "text/plain": "Figure"})])]
    before = copy.deepcopy(nb)
    view = page_view(nb)
    assert nb == before  # the executed notebook is kept whole
    first, second = view.cells[0].outputs
    assert set(first.data) == {"text/html"}
    assert second == nb.cells[0].outputs[1]  # no HTML of its own: left as it is
    resources = {"monitoring": {"css": "", "version": "0"}, "language_code": "de"}
    whole, _ = _exporter().from_notebook_node(copy.deepcopy(nb), resources=dict(resources))
    light, _ = _exporter().from_notebook_node(view, resources=dict(resources))
    assert light == whole and '<div class="plot">Index</div>' in light

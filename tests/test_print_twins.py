"""The print twins of report outputs (issue 13 item 4): a static PNG drawn from every plotly
figure (`monitoring.present.static_figure`) and a Markdown twin of every HTML fragment
(`monitoring.present.notebook`), which Quarto's Typst PDF uses instead of the HTML. Fast: no
notebook, no Quarto (the rendered PDF is checked in tests/test_quarto_render.py)."""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from monitoring.core import privacy
from monitoring.present import figures, notebook, static_figure, tables
from monitoring.present.markup import Markup

RULE = privacy.DisclosureRule()


def _pixels(png: bytes) -> set[tuple[int, int, int]]:
    import matplotlib.image as mpimg

    image = mpimg.imread(io.BytesIO(png), format="png")
    rgb = (np.asarray(image)[..., :3] * 255).round().astype(int).reshape(-1, 3)
    return {tuple(int(v) for v in p) for p in np.unique(rgb, axis=0)}


def _count(png: bytes, colour: str) -> int:
    import matplotlib.image as mpimg

    image = np.asarray(mpimg.imread(io.BytesIO(png), format="png"))[..., :3] * 255
    return int((np.abs(image - np.array(_rgb(colour))) < 1.5).all(axis=-1).sum())


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _areas(n: int) -> gpd.GeoDataFrame:
    x, y = 640_000, 5_640_000  # Thuringia, EPSG:25832
    return gpd.GeoDataFrame({"area_code": [str(i) for i in range(1, n + 1)]},
                            geometry=[box(x + i * 5000, y, x + (i + 1) * 5000, y + 5000)
                                      for i in range(n)], crs="EPSG:25832")


def _publishable(frame: pd.DataFrame) -> privacy.Publishable:
    return privacy.Publishable(frame, pd.DataFrame(False, index=frame.index,
                                                   columns=frame.columns))


def test_indicator_chart_prints_its_lines_in_their_colours() -> None:
    series = pd.DataFrame({"period": ["2025-Q1", "2025-Q2", "2025-Q3"],
                           "value": [8.1, 8.4, 8.9], "state_value": [8.0, 8.2, 8.3]})
    target = pd.Series({"baseline_period": "2025-Q1", "baseline_value": 8.1,
                        "target_period": "2026-Q4", "target_value": 10.0})
    plain = figures.indicator_chart(series, unit="%", area_name="Ilm-Kreis")
    with_target = figures.indicator_chart(series, unit="%", area_name="Ilm-Kreis",
                                          target=target)
    without, drawn = (_pixels(static_figure.png(f.to_plotly_json())) for f in (plain, with_target))
    assert _rgb(figures.ACCENT) in without and _rgb(figures.ACCENT) in drawn
    assert _rgb(figures.TARGET_COLOUR) in drawn and _rgb(figures.TARGET_COLOUR) not in without


def test_map_prints_withheld_areas_grey_and_the_highlight() -> None:
    frame = pd.DataFrame({"area_code": ["1", "2", "3"], "name": ["A", "B", "C"],
                          "offers_per_1000": [1.0, 3.0, np.nan]})
    fig = figures.coverage_map(_publishable(frame), _areas(3), value="offers_per_1000",
                               label="Angebote", highlight="2")
    png = static_figure.png(fig.to_plotly_json())
    assert _rgb(figures.NO_VALUE_COLOUR) in _pixels(png)  # area 3: no value
    unhighlighted = figures.coverage_map(_publishable(frame), _areas(3),
                                         value="offers_per_1000", label="Angebote")
    # the report area's outline (text antialiasing has a few such pixels too)
    outline = _count(png, "#111111")
    assert outline > 200 and outline > 10 * _count(
        static_figure.png(unhighlighted.to_plotly_json()), "#111111")


def test_class_map_prints_the_first_layer_in_exact_class_colours() -> None:
    classes = [("gut", "#1a9850"), ("schwach", "#d73027")]

    def layer(label: str) -> privacy.Publishable:
        return _publishable(pd.DataFrame({"area_code": ["1", "2"], "name": ["A", "B"],
                                          "category": [label, label], "value": [1.0, 2.0]}))

    fig = figures.class_map({"Sprache": layer("gut"), "Wohnen": layer("schwach")}, _areas(2),
                            category="category", classes=classes,
                            hover={"value": ("Wert", 1)})
    png = static_figure.png(fig.to_plotly_json())
    # first layer (Sprache): both areas „gut“; „schwach“ only as its legend patch
    assert _count(png, "#1a9850") > 20 * _count(png, "#d73027") > 0


def test_peer_bars_print() -> None:
    frame = pd.DataFrame({"name": ["A", "B", "Thüringen"], "value": [12.0, 20.0, 15.0],
                          "own": [True, False, False], "kind": ["Kreis", "Kreis", "Land"]})
    fig = figures.peer_chart(_publishable(frame), name="Quote", unit="%")
    drawn = _pixels(static_figure.png(fig.to_plotly_json()))
    assert _rgb(figures.ACCENT) in drawn and _rgb("#9ecae1") in drawn


def test_table_twin_is_an_escaped_pipe_table_with_caption_and_note() -> None:
    frame = pd.DataFrame({"name": ["*Kurs* #1 | <b>x</b>", "Ort"], "offers": [3, 1204]})
    markup = tables.html_table(frame, {"name": ("Angebot", tables.text),
                                       "offers": ("Anzahl", tables.integer)},
                               caption="Aktive Angebote", note="Stand 31.12.2025",
                               persons=False)
    output = notebook.show(markup)
    assert output.data == markup  # the HTML is unchanged
    twin = output._repr_markdown_()
    assert twin.splitlines() == [
        "**Aktive Angebote**", "",
        "| Angebot | Anzahl |", "|:--|--:|",
        r"| \*Kurs\* \#1 \| \<b\>x\</b\> | 3 |", "| Ort | 1.204 |", "",
        "*Stand 31.12.2025*"]


def test_fragment_twins_keep_the_text_and_escape_it() -> None:
    kpis = notebook.key_figures({"aktive Angebote": "29", "Gemeinden ohne Angebot": "31 von 42"})
    assert kpis._repr_markdown_() == ("- **29** aktive Angebote\n"
                                      "- **31 von 42** Gemeinden ohne Angebot")
    assert notebook.note("*fett* nicht")._repr_markdown_() == r"*\*fett\* nicht*"
    assert notebook.show("Text <i>")._repr_markdown_() == r"Text \<i\>"
    assert notebook.show(Markup("<p>vorher</p>"))._repr_markdown_() == "vorher"


def test_static_png_only_for_print_targets(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The PNG costs 0.2–0.3 s per figure: HTML runs skip it, Typst/PDF (Quarto's figure
    format svg/pdf) and MONITORING_STATIC_FIGURES=1 get it."""
    import plotly.io as pio

    notebook.use_report_renderer()
    series = pd.DataFrame({"period": ["2025-Q1", "2025-Q2"], "value": [1.0, 2.0],
                           "state_value": [1.5, 1.5]})
    fig = figures.indicator_chart(series, unit="%", area_name="A").to_plotly_json()
    renderer = pio.renderers["monitoring"]
    wanted = {}
    for switch, quarto in (("", ""), ("", "png"), ("", "svg"), ("", "pdf"), ("1", "png"),
                           ("0", "svg")):
        monkeypatch.setenv("MONITORING_STATIC_FIGURES", switch)
        monkeypatch.setenv("QUARTO_FIG_FORMAT", quarto)
        wanted[switch, quarto] = "image/png" in renderer.to_mimebundle(fig)
    assert wanted == {("", ""): False, ("", "png"): False, ("", "svg"): True,
                      ("", "pdf"): True, ("1", "png"): True, ("0", "svg"): False}


def test_pdf_refused_without_static_figures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import nbformat
    import pytest

    from monitoring.errors import ReportError
    from monitoring.report.run.render import render_pdf

    cell = nbformat.v4.new_code_cell("fig")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": "<div></div>", "application/vnd.plotly.v1+json": {"data": []}})]
    with pytest.raises(ReportError, match="MONITORING_STATIC_FIGURES=1"):
        render_pdf(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "b.pdf", title="T")
    assert not (tmp_path / "b.pdf").exists()

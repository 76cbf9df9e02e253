"""Text alternatives of figures (issue 15): what a screen reader says instead of a map or a
chart, and how they reach Typst (built-in PDF) and Quarto (Typst PDF of a report). Fast:
hand-made frames and notebooks, no store, no Quarto."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from monitoring.core.config import Style
from monitoring.errors import ReportError
from monitoring.present.alt_text import figure_alt, index_alt, indicator_alt, map_alt, with_alt
from monitoring.report.publish import pdf, table_formats
from monitoring.report.run.render import with_figure_alt

AREAS = pd.DataFrame({"area_code": ["16051", "16052", "16053", "16054"],
                      "name": ["Erfurt", "Gera", "Jena", "Suhl"],
                      "offers_per_1000": [2.5, math.nan, 4.26, 0.81]})


def test_map_alt_names_extremes_rank_and_grey_areas() -> None:
    text = map_alt(AREAS, value="offers_per_1000", label="Angebote je 1.000",
                   where="in Thüringen", highlight="16051")
    assert text == ("Karte: Angebote je 1.000 nach Gebieten in Thüringen; am höchsten in Jena "
                    "(4,3), am niedrigsten in Suhl (0,8). Erfurt (umrandet): 2,5, Rang 2 von 3."
                    " Ein Gebiet ohne Wert (grau).")
    withheld = map_alt(AREAS, value="offers_per_1000", label="Angebote je 1.000",
                       where="in Thüringen", highlight="16052")
    assert "Gera (umrandet): kein Wert veröffentlicht." in withheld
    nothing = map_alt(AREAS.assign(offers_per_1000=math.nan), value="offers_per_1000",
                      label="Angebote je 1.000", where="in Thüringen")
    assert "für kein Gebiet liegt ein Wert vor" in nothing and "4 Gebiete ohne Wert" in nothing


def test_indicator_alt_says_the_direction_and_the_target() -> None:
    series = pd.DataFrame({"period": ["2024-Q4", "2025-Q2", "2025-Q4"],
                           "value": [20.0, math.nan, 17.5], "state_value": [15.0, 15.5, 16.0]})
    text = indicator_alt(series, title="A19 Arbeitslosenquote", unit="%", area_name="Suhl",
                         state_name="Thüringen",
                         target={"target_value": 14.0, "target_period": "2027-Q4"})
    assert text == ("Liniendiagramm A19 Arbeitslosenquote: Suhl von 20,0\u00a0% (Q4 2024) auf "
                    "17,5\u00a0% (Q4 2025) gesunken. Thüringen: 16,0\u00a0% (Q4 2025). "
                    "Zielwert 14,0\u00a0% (Q4 2027).")
    rising = indicator_alt(series.assign(value=[1.0, 2.0, 3.0]), title="A", unit="Personen",
                           area_name="Suhl", state_name="Thüringen")
    assert "von 1\u00a0Personen (Q4 2024) auf 3\u00a0Personen (Q4 2025) gestiegen" in rising
    assert "Zielwert" not in rising


def test_index_alt_places_the_area_or_says_it_is_not_assessed() -> None:
    table = pd.DataFrame({"assessed": [True, True, False], "own": [True, False, False],
                          "attention": [False, True, False], "status_index": [0.4, 1.2, None],
                          "dynamic_index": [-1.26, 0.0, None], "group": ["2/2", "3/2", None],
                          "status_class": ["mittel", "niedrig", None],
                          "dynamic_class": ["positiv", "stabil", None]})
    text = index_alt(table, area_name="Gera")
    assert "2 bewertete Gebiete" in text
    assert "Gera: Statusindex +0,4, Dynamikindex −1,3, Gruppe 2/2 (mittel/positiv)." in text
    assert text.endswith("1 Gebiet mit besonderem Aufmerksamkeitsbedarf.")
    other = index_alt(table.assign(own=[False, False, True]), area_name="Suhl")
    assert "Suhl wird nicht bewertet und hat keinen Punkt." in other


def test_figure_alt_prefers_the_figures_own_text() -> None:
    figure = go.Figure(go.Scatter(x=[2025.5, 2025.75], y=[3.0, 4.5], name="Jena"),
                       layout={"title": {"text": "A01 Ausländeranteil"}, "meta": {"x": 1}})
    assert figure_alt(figure.to_dict()) == ("Diagramm: A01 Ausländeranteil; zuletzt: Jena 4,5 "
                                            "(Q4 2025).")
    with_alt(figure, "Jena liegt über dem Landeswert")
    assert figure.layout.meta == {"x": 1, "alt": "Jena liegt über dem Landeswert"}
    assert figure_alt(figure.to_dict()) == "Jena liegt über dem Landeswert."
    assert figure_alt({}) == "Diagramm."  # never empty: a tagged PDF needs a text
    lines = {"data": [{"type": "scatter", "mode": "lines+markers", "name": "Gera",
                       "x": ["2025-Q3", "2025-Q4"], "y": [1.5, None]}]}
    assert figure_alt(lines) == "Liniendiagramm; zuletzt: Gera 1,5 (2025-Q3)."
    # numpy data: plotly's JSON (a notebook output) holds it as a typed array
    typed = json.loads(go.Figure(go.Scatter(x=np.array([2025.5, 2025.75]), mode="lines",
                                            y=np.array([1.5, 2.7]), name="Gera")).to_json())
    assert "bdata" in typed["data"][0]["y"]
    assert figure_alt(typed) == "Liniendiagramm; zuletzt: Gera 2,7 (Q4 2025)."
    # a map: highest and lowest area by the names in its hover text; the grey trace of
    # withheld areas (a dummy value) counts as „ohne Wert“, never as the lowest
    choropleth = {"layout": {"title": "Angebote"}, "data": [
        {"type": "choropleth", "name": "ohne Wert", "locations": ["1", "2"], "z": [0, 0],
         "text": ["<b>Au</b><br>.", "<b>Bad Berka</b><br>."]},
        {"type": "choropleth", "name": "Angebote", "locations": ["3", "4", "5"],
         "z": [2.5, None, 13.9], "text": ["<b>Ilmenau</b><br>Angebote: 2,5",
                                           "<b>Gräfenroda</b>", "<b>Arnstadt &amp; Umland</b>"]}]}
    assert figure_alt(choropleth) == ("Karte: Angebote; am höchsten Arnstadt & Umland (13,9), "
                                      "am niedrigsten Ilmenau (2,5); 2 Gebiete ohne Wert.")
    bars = {"data": [{"type": "bar", "orientation": "h", "x": [42.2, 65.8],
                      "y": ["Gotha", "Suhl"]}]}
    assert figure_alt(bars) == ("Balkendiagramm; am höchsten Suhl (65,8), am niedrigsten "
                                "Gotha (42,2).")


def test_quarto_gets_one_fig_alt_per_output() -> None:
    """Quarto reads an output image's alt text only from the cell's ``fig-alt`` list (by
    output index); the executed notebook itself stays unchanged."""
    plotly = {"data": [{"type": "bar", "name": "Angebote", "x": ["a", "b"], "y": [3, 5]}],
              "layout": {"title": {"text": "Angebote je Feld"}}}
    cell = nbformat.v4.new_code_cell("#| echo: false\nfig.show()", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="x"),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBO",
                                                     "application/vnd.plotly.v1+json": plotly}),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBO"})])
    notebook = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell("1")])
    changed = with_figure_alt(notebook)
    assert changed.cells[0].source.splitlines() == [
        '#| fig-alt: ["", "Balkendiagramm: Angebote je Feld; am höchsten b (5), am niedrigsten '
        'a (3).", '
        '"Diagramm."]', "#| echo: false", "fig.show()"]
    assert changed.cells[1].source == "1"
    assert notebook.cells[0].source == "#| echo: false\nfig.show()"


def test_typst_images_get_their_alt_text_or_the_pdf_is_refused() -> None:
    logo = pdf.style_header(Style(logo_file="wappen.png", publisher="Stadt Gera"))
    assert 'image("logo-darstellung.png", height: 1.4cm, alt: "Logo: Stadt Gera")' in logo
    source = '#figure(image("map.png", width: 85.0%),\n#box(image("ind_A01.png"))'
    written = pdf.with_alt(logo + source, {"map": 'Karte: „A“ und "B" \\ C', "ind_A01": "Linie"})
    assert written == logo + ('#figure(image("map.png", alt: "Karte: „A“ und \\"B\\" \\\\ C", '
                              'width: 85.0%),\n#box(image("ind_A01.png", alt: "Linie"))')
    with pytest.raises(ReportError) as err:
        pdf.with_alt(source, {"map": "Karte"})
    assert "Alternativtext" in err.value.args[0] and "ind_A01" in str(err.value.detail)


def test_markdown_table_widths_set_pandocs_relative_columns() -> None:
    table = table_formats.PublishedTable("Ziele", ("Indikator", "Wert"), (("A", "1"),), ())
    assert table_formats.to_markdown(table).splitlines()[1] == "|:---|---:|"
    assert table_formats.to_markdown(table, widths=(30, 8)).splitlines()[1] == \
        "|:" + "-" * 30 + "|" + "-" * 8 + ":|"
    with pytest.raises(ValueError, match="3 widths for 2 columns"):
        table_formats.to_markdown(table, widths=(1, 2, 3))


def test_scanner_reads_text_alternatives(tmp_path: Path) -> None:
    """A text alternative is published text (a screen reader reads it): the disclosure scan
    reads it in the PDF's structure tree and in the deck's picture descriptions."""
    from PIL import Image
    from pptx import Presentation

    from monitoring.report.publish import deck, scan

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    leak = "Karte. Teilnehmende: 3"
    (tmp_path / "wappen.png").write_bytes(buffer.getvalue())
    pdf.write_pdf("---\ntitle: Test\nlang: de\n---\n\n![Karte](map.png)\n",
                  {"map": buffer.getvalue()}, tmp_path / "t.pdf", alt={"map": leak},
                  style=Style(logo_file=str(tmp_path / "wappen.png")))  # the logo has its alt
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Karte"
    deck.describe(slide.shapes.add_picture(io.BytesIO(buffer.getvalue()), 0, 0), leak)
    prs.save(str(tmp_path / "t.pptx"))
    for name in ("t.pdf", "t.pptx"):
        found = scan.scan_file(tmp_path / name, threshold=5)
        assert [(f.value, f.where) for f in found] == [("3", "Text „Teilnehmende“")], name

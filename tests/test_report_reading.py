"""What a reader sees: charts that agree with their tables, quarter labels, index wording."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from monitoring import fmt
from monitoring.core import composite_index, indicators
from monitoring.io.settings import _shipped_index
from monitoring.periods import Quarter
from monitoring.present import figures, notebook, tables

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _german(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def _path_at(trace: dict, x: float) -> float:
    """The value of a straight two-point trace at `x` (what the eye reads off the chart)."""
    (x0, x1), (y0, y1) = trace["x"], trace["y"]
    return y0 + (x - x0) / (x1 - x0) * (y1 - y0)


@pytest.mark.slow  # opens a demo report: controlling and the protected panel of the whole state
def test_target_path_passes_through_the_tables_soll_value(demo_store_path: Path) -> None:
    """The chart of every target of a demo report, read back from its plotly JSON: at the
    report quarter the dotted path reads what the table beside it prints as „Soll laut
    Pfad“, and the target quarter sits at its real distance (8 quarters = 2 years)."""
    store, ctx = notebook.open_report(str(demo_store_path), "16070", "2025-Q4")
    try:
        from monitoring import views

        panel = views.indicator_panel(store)
        result = views.controlling(store, ctx, panel)
        lights = result["lights_table"].frame
        targets = store.read_targets().set_index(["indicator_id", "area_code"])
        definitions = store.read_indicators().set_index("indicator_id")
        safe = views.protected_panel(store, panel, rule=ctx.settings.disclosure).frame
        checked = 0
        for row in result["lights"].itertuples():
            path = targets.loc[(row.indicator_id, ctx.area_code)]
            series = indicators.series(safe, row.indicator_id, ctx.area_code,
                                       state_code=ctx.state_code)
            unit = definitions.loc[row.indicator_id, "unit"]
            fig = json.loads(figures.indicator_chart(
                series, unit=unit, area_name=ctx.area_name, target=path).to_json())
            trace = next(t for t in fig["data"] if t["name"] == "Zielpfad")
            table_row = lights[lights["indicator"] == row.indicator].iloc[0]
            shown = tables.cell_text(tables.indicator_value, table_row, "expected")
            decimals = fmt.decimals_for(unit)
            on_chart = _path_at(trace, figures.quarter_x("2025-Q4"))
            assert abs(on_chart - _german(shown)) <= 0.5 * 10 ** -decimals + 1e-9, (
                row.indicator_id, on_chart, shown)
            start, end = (Quarter.parse(path[k]) for k in ("baseline_period", "target_period"))
            quarters = (end.year - start.year) * 4 + end.quarter - start.quarter
            assert trace["x"][1] - trace["x"][0] == pytest.approx(quarters / 4)
            axis = fig["layout"]["xaxis"]
            assert axis["type"] == "linear"
            assert all(re.fullmatch(r"Q[1-4] \d{4}", t) for t in axis["ticktext"])
            assert end.label_short() in axis["ticktext"] or quarters > 14
            assert axis["range"][1] >= figures.quarter_x(str(end))
            checked += 1
        assert checked >= 2
    finally:
        store.close()


def test_quarter_axis_positions_and_ticks() -> None:
    assert figures.quarter_x("2025-Q4") - figures.quarter_x("2025-Q3") == 0.25
    assert figures.quarter_x("2027-Q4") - figures.quarter_x("2025-Q4") == 2.0
    values, labels = figures.quarter_ticks(["2025-Q2", "2025-Q4", "2025-Q3"])
    assert labels == ["Q2 2025", "Q3 2025", "Q4 2025"]
    assert values == [2025.25, 2025.5, 2025.75]
    # 2019-Q1 … 2030-Q4: 48 quarters do not fit as 48 labels; every second year's Q4 does
    values, labels = figures.quarter_ticks(["2019-Q1", "2030-Q4"])
    assert len(labels) <= 14 and labels[-1] == "Q4 2030"
    assert all(label.startswith("Q4 ") for label in labels)


def test_pdf_chart_uses_the_same_time_axis() -> None:
    """The PDF's matplotlib chart: same positions, „Q4 2025“ labels (not „2025 Q4“)."""
    pytest.importorskip("matplotlib")
    from monitoring.report.publish import static

    series = pd.DataFrame({"period": ["2025-Q3", "2025-Q4"], "value": [10.0, 11.0],
                           "state_value": [9.0, 9.5]})
    target = pd.Series({"baseline_period": "2024-Q4", "baseline_value": 8.0,
                        "target_period": "2027-Q4", "target_value": 20.0})
    captured: dict[str, object] = {}
    import matplotlib.axes

    original = matplotlib.axes.Axes.set_xticks

    def spy(self, ticks, labels=None, **kwargs):  # type: ignore[no-untyped-def]
        captured["ticks"], captured["labels"] = list(ticks), list(labels or [])
        return original(self, ticks, labels, **kwargs)

    matplotlib.axes.Axes.set_xticks = spy  # type: ignore[method-assign]
    try:
        png = static.indicator_chart(series, unit="%", area_name="Ilm-Kreis", title="A19",
                                     target=target)
    finally:
        matplotlib.axes.Axes.set_xticks = original  # type: ignore[method-assign]
    assert png.startswith(b"\x89PNG")
    assert captured["labels"] and all(re.fullmatch(r"Q[1-4] \d{4}", str(t))
                                      for t in captured["labels"])  # type: ignore[union-attr]
    assert "Q4 2027" in captured["labels"]  # type: ignore[operator]


# -- Status-Dynamik wording ----------------------------------------------------------------------
def _documented_classes() -> list[tuple[str, str, str, str]]:
    """The class table of docs/composite_index.md: (status bound text, status class, dynamic
    bound text, dynamic class) per row."""
    text = (DOCS / "composite_index.md").read_text(encoding="utf-8")
    block = text[text.index("| Statusindex *S*"):]
    rows = []
    for line in block.splitlines()[2:]:
        if not line.strip().startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append((cells[0], cells[1], cells[2], cells[3]))
    return rows


_OPS = {"<": lambda a, b: a < b, "≤": lambda a, b: a <= b, ">": lambda a, b: a > b,
        "≥": lambda a, b: a >= b}


def _holds(condition: str, value: float) -> bool:
    """Evaluate a documented bound chain such as „+1 < *S* ≤ +1,5“ for `value`."""
    tokens = condition.split()
    terms = [value if t in ("*S*", "*D*") else float(t.replace("−", "-").replace(",", "."))
             for t in tokens[::2]]
    return all(_OPS[op](a, b) for a, op, b in zip(terms, tokens[1::2], terms[1:], strict=False))


def _class_for(value: float, rows: list[tuple[str, str]]) -> str:
    """The class whose documented bounds („*S* < −1“, „+1 < *S* ≤ +1,5“) hold for `value`."""
    matches = [name for condition, name in rows if condition and _holds(condition, value)]
    assert len(matches) == 1, (value, matches)
    return matches[0]


@pytest.mark.parametrize("value", [-2.0, -1.0, -0.3, 0.0, 1.0, 1.15, 1.5, 1.66, 3.0])
def test_index_classes_and_their_reading_follow_the_documentation(value: float) -> None:
    rows = _documented_classes()
    status_rows = [(r[0], r[1]) for r in rows]
    dynamic_rows = [(r[2], r[3]) for r in rows if r[2]]
    settings = composite_index.IndexSettings.from_mapping(
        _shipped_index(), origin="Voreinstellung")
    status = composite_index.classify_status(value, settings.status_bounds)
    dynamic = composite_index.classify_dynamic(value, settings.dynamic_bounds)
    assert status == _class_for(value, status_rows)
    assert dynamic == _class_for(value, dynamic_rows)
    # The reader's words: a higher index means more need for attention on both axes.
    status_words = composite_index.status_reading(status)
    dynamic_words = composite_index.dynamic_reading(dynamic)
    if value > 1:
        assert "ungünstig" in status_words and "ungünstig" in dynamic_words
    if value < -1:
        assert "günstig" in status_words and "ungünstig" not in status_words
        assert "ungünstig" not in dynamic_words
    if -1 <= value <= 1:
        assert "ungünstig" not in status_words and "ungünstig" not in dynamic_words


def test_the_readings_are_the_documented_ones() -> None:
    """Every reading the reports print stands in docs/composite_index.md next to its class."""
    text = " ".join((DOCS / "composite_index.md").read_text(encoding="utf-8").split())
    for name, reading in [*composite_index.STATUS_READING.items(),
                          *composite_index.DYNAMIC_READING.items()]:
        assert f"„{name}“: {reading}" in text, name


def test_index_labels_say_what_the_class_means() -> None:
    # +1.66 is MSS class „sehr niedrig“ (a very low status); the report must not print it bare
    assert composite_index.class_label("sehr niedrig", "status").startswith("sehr niedrig")
    assert "Aufmerksamkeit" in composite_index.class_label("sehr niedrig", "status")
    assert "ungünstiger" in composite_index.class_label("negativ", "dynamic")
    assert composite_index.class_label(None, "status") == fmt.MISSING


# -- German grammar for area names ---------------------------------------------------------------
@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("Erfurt", "Kreisfreie Stadt", "in Erfurt"),
    ("Ilm-Kreis", "Landkreis", "im Ilm-Kreis"),
    ("Wartburgkreis", "Landkreis", "im Wartburgkreis"),
    ("Saale-Orla-Kreis", "Landkreis", "im Saale-Orla-Kreis"),
    ("Sonneberg", "Landkreis", "im Landkreis Sonneberg"),
    ("Weimarer Land", "Landkreis", "im Landkreis Weimarer Land"),
    ("Landkreis Sonneberg", "Landkreis", "im Landkreis Sonneberg"),
    ("Lippe", "Kreis", "im Kreis Lippe"),
    ("Region Hannover", "Region", "in der Region Hannover"),
    ("Hannover", "Region", "in der Region Hannover"),
    ("Saarbrücken", "Regionalverband", "im Regionalverband Saarbrücken"),
    ("Ilmenau", "Stadt", "in Ilmenau"),
    ("Amt Wachsenburg", "Gemeinde", "in Amt Wachsenburg"),
    ("Thüringen", "Land", "in Thüringen"),
    ("Saarland", "Land", "im Saarland"),
    ("Nordraum", None, "im Gebiet Nordraum"),
])
def test_area_names_take_the_preposition_of_their_kind(name: str, kind: str | None,
                                                       expected: str) -> None:
    assert fmt.in_place(name, kind) == expected


def test_quarter_labels_in_tables_never_wrap_between_quarter_and_year() -> None:
    """#14: a narrow cell could wrap „Q4 | 2027“; in tables (cells, headers, print twins)
    the quarter and its year are joined by a no-break space, chart axes keep a plain one."""
    frame = pd.DataFrame({"period": ["2027-Q4"], "name": ["Zielquartal"]})
    html = str(tables.html_table(frame, {"period": ("2025-Q4", tables.text),
                                         "name": ("Name", tables.text)}, persons=False))
    assert html.count("Q4\u00a02027") == 1 and html.count("Q4\u00a02025") == 1
    assert "Q4 2027" not in html and "2027-Q4" not in html
    assert tables.text("Bestand") == "Bestand"
    assert Quarter.parse("2025-Q4").label_short() == "Q4 2025"  # axes: plain space

"""The publication scanner solves for withheld cells on real artefacts (issue 12, item 1).

The same linear-programming attacker as the attacker test (`core.disclosure_check`) runs on
what a reader gets: the files written by the real writers (`table_formats`, plotly's HTML, the
indicator export of the command line). Each defect of the issue is reproduced as the artefact
the old code wrote (or a deliberately broken one) and must be caught with a German message
naming file, table or chart and cell; the artefacts of today's disclosure control pass.
Expected intervals are computed by hand in the comments.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from monitoring.core import disclosure_check, privacy
from monitoring.present import figures, tables
from monitoring.report.publish import scan, table_formats
from monitoring.store.database import open_store
from monitoring.views.scope import districts

RULE = privacy.DisclosureRule(3)


# -- the solver (hand-computed intervals) ---------------------------------------------------------
def test_issue_minimal_case_as_the_old_rule_published_it() -> None:
    # 1 and 2 withheld, 10 and the total 13 shown: 13 − 10 = 3 over two cells ≥ 1 → each 1 … 2
    assert disclosure_check.group_findings([None, None, 10.0], 13.0, 3) == {
        0: (1.0, 2.0), 1: (1.0, 2.0)}
    # today's rule withholds the 10 as well: 13 over three cells → each 1 … 11
    assert disclosure_check.group_findings([None, None, None], 13.0, 3) == {}
    assert disclosure_check.solve([None, None, None], [disclosure_check.Equation(
        (0, 1, 2), 13.0)]) == {0: (1.0, 11.0), 1: (1.0, 11.0), 2: (1.0, 11.0)}


def test_two_withheld_cells_pinned_by_a_state_total_with_twenty_zeros() -> None:
    # A28 2025-Q2: state 3, two districts withheld, twenty 0 → each 1 … 2
    cells: list[float | None] = [None, None] + [0.0] * 20
    assert disclosure_check.group_findings(cells, 3.0, 3) == {0: (1.0, 2.0), 1: (1.0, 2.0)}


def test_one_withheld_cell_and_all_others_zero_is_pinned() -> None:
    assert disclosure_check.group_findings([0.0] * 10 + [None] + [0.0] * 11, 2.0, 3) == {
        10: (2.0, 2.0)}


def test_without_a_total_or_with_a_total_that_is_no_margin_nothing_is_solved() -> None:
    assert disclosure_check.group_findings([None, 5.0], None, 3) == {}
    assert disclosure_check.solve([None, 5.0], []) == {0: (1.0, math.inf)}
    # 6 − 5 = 1 for two cells ≥ 1: impossible, so 6 is not the sum of these cells
    assert disclosure_check.group_findings([None, None, 5.0], 6.0, 3) is None


def test_a_wide_interval_of_small_values_only_is_still_disclosed() -> None:
    # lower bound 0 (export numerators): 2 over two cells → each 0 … 2: three values, all < 3
    assert disclosure_check.group_findings([None, None, 7.0], 9.0, 3, lower=0.0) == {
        0: (0.0, 2.0), 1: (0.0, 2.0)}
    assert not disclosure_check.disclosed((0.0, 3.0), 3)


# -- tables in CSV, Excel and HTML as `table_formats` writes them ---------------------------------
def _table(values: list[int]) -> table_formats.PublishedTable:
    frame = pd.DataFrame({"name": [f"Gemeinde {c}" for c in "ABCDEFG"[:len(values)]],
                          "field": ["Sprache"] * len(values), "persons": values})
    pub = privacy.protect(frame, rule=RULE, counts=["persons"], groups=["field"])
    return table_formats.build(pub, {"name": ("Gemeinde", tables.text),
                                     "persons": ("Teilnehmende", tables.integer)},
                               caption="Teilnehmende je Gemeinde")


def _write_all(table: table_formats.PublishedTable, folder: Path) -> list[Path]:
    paths = [folder / "t.csv", folder / "t.xlsx", folder / "t.html"]
    paths[0].write_bytes(table_formats.to_csv(table))
    table_formats.write_xlsx([table], paths[1])
    paths[2].write_text(table_formats.to_html(table), encoding="utf-8")
    return paths


def test_protected_tables_pass_in_every_format(tmp_path: Path) -> None:
    table = _table([1, 2, 10, 0])
    assert [r[1] for r in table.rows] == [".", ".", ".", "0", "13"]
    for path in _write_all(table, tmp_path):
        assert scan.scan_file(path, threshold=3, register=[table.register()]) == [], path


def test_the_old_rule_s_table_is_caught_in_every_format(tmp_path: Path) -> None:
    # the table as the old rule published it: 10 shown beside 1 and 2 withheld, total 13
    old = _table([1, 2, 10, 0])
    rows = tuple(("Gemeinde C", "10") if r[0] == "Gemeinde C" else r for r in old.rows)
    broken = table_formats.PublishedTable(old.caption, old.header, rows, old.person_columns)
    for path in _write_all(broken, tmp_path):
        found = scan.scan_file(path, threshold=3, register=[broken.register()])
        assert [f.where for f in found] == [
            "Tabelle „Teilnehmende je Gemeinde“, Zeile „Gemeinde A“, Spalte „Teilnehmende“",
            "Tabelle „Teilnehmende je Gemeinde“, Zeile „Gemeinde B“, Spalte „Teilnehmende“"], \
            path
        assert all(f.file == path.name for f in found)
        assert found[0].reason == ("Summe minus gezeigte Werte verrät den geschwärzten Wert "
                                   "(Summe 13): nur zwischen 1 und 2 möglich")


def test_one_withheld_cell_beside_zeros_with_its_total_is_caught(tmp_path: Path) -> None:
    table = _table([0, 0, 2, 0])
    assert [r[1] for r in table.rows] == ["0", "0", ".", "0", "."]  # today: total withheld
    path = tmp_path / "t.csv"
    path.write_bytes(table_formats.to_csv(table))
    assert scan.scan_file(path, threshold=3, register=[table.register()]) == []
    rows = tuple((r[0], "2") if r[0].startswith("Summe") else r for r in table.rows)
    path.write_bytes(table_formats.to_csv(table_formats.PublishedTable(
        table.caption, table.header, rows, table.person_columns)))
    found = scan.scan_file(path, threshold=3, register=[table.register()])
    # the total 2 is itself a small count, and it gives the withheld cell exactly
    assert [(f.where, f.value) for f in found] == [
        ("Tabelle „Teilnehmende je Gemeinde“, Zeile 5, Spalte „Teilnehmende“", "2"),
        ("Tabelle „Teilnehmende je Gemeinde“, Zeile „Gemeinde C“, Spalte „Teilnehmende“", ".")]
    assert "zwischen 2 und 2" in found[1].reason
    # a total below what the withheld cells must hold (0 for one cell ≥ 1): the file is wrong
    rows = tuple((r[0], "0") if r[0].startswith("Summe") else r for r in table.rows)
    path.write_bytes(table_formats.to_csv(table_formats.PublishedTable(
        table.caption, table.header, rows, table.person_columns)))
    found = scan.scan_file(path, threshold=3, register=[table.register()])
    assert [f.value for f in found] == ["0"] and "Summe passt nicht" in found[0].reason


# -- comparison charts of a count indicator across the reports -------------------------------------
NAMES = [f"Kreis {i:02d}" for i in range(22)]


def _peer_reports(values: list[int], folder: Path, *, old_rule: bool) -> list[Path]:
    """Two report files as the report renderer writes them (plotly, no plotly.js), one per
    kind of district, each with the comparison chart of the count indicator A28: the first
    eight districts are towns, the others counties; the state value is their sum."""
    codes = [f"16{50 + i:03d}" for i in range(len(values))]
    panel = pd.DataFrame({"indicator_id": "A28", "area_code": [*codes, "16"],
                          "period": "2025-Q2", "value": [*map(float, values), sum(values)],
                          "numerator": [*map(float, values), sum(values)],
                          "denominator": np.nan})
    if old_rule:  # primary suppression only, the state value shown
        small = (panel["value"] > 0) & (panel["value"] < 3) & (panel["area_code"] != "16")
        safe = panel.assign(value=panel["value"].where(~small))
    else:
        safe = privacy.protect_panel(panel, counts={"A28"}, districts=codes, state_code="16",
                                     rule=RULE).frame
    frame = pd.DataFrame({"name": [*NAMES[:len(values)], "Thüringen"],
                          "kind": ["Kreisfreie Stadt"] * 8 + ["Landkreis"] * (len(values) - 8)
                          + ["Land"], "value": panel["value"], "own": False})
    safe_frame = frame.assign(value=safe["value"].to_numpy())
    paths = []
    for n, kind in enumerate(("Kreisfreie Stadt", "Landkreis")):
        keep = frame["kind"].isin([kind, "Land"])
        part = privacy.withheld(frame[keep], safe_frame[keep], ["value"])
        fig = figures.peer_chart(part, name="Anerkennung von Berufsabschlüssen", unit="Anzahl",
                                 state_name="Thüringen",
                                 title="A28 Anerkennung von Berufsabschlüssen")
        path = folder / f"1605{n}_Bericht.html"
        path.write_text("<html><body>" + pio.to_html(fig, full_html=False,
                                                     include_plotlyjs=False)
                        + "</body></html>", encoding="utf-8")
        paths.append(path)
    return paths


def test_withheld_districts_pinned_by_the_state_value_across_reports(tmp_path: Path) -> None:
    # 2025-Q2: districts 1 and 2 (a town and a county), twenty districts 0, state 3
    values = [1] + [0] * 10 + [2] + [0] * 10
    paths = _peer_reports(values, tmp_path, old_rule=True)
    assert all(scan.scan_file(p, threshold=3) == [] for p in paths)  # each file alone: fine
    found = scan.scan_families(paths, threshold=3)
    assert {(f.file, f.where) for f in found} == {
        ("16050_Bericht.html", "Diagramm „A28 Anerkennung von Berufsabschlüssen“, Kreis 00"),
        ("16051_Bericht.html", "Diagramm „A28 Anerkennung von Berufsabschlüssen“, Kreis 11")}
    assert all("zwischen 1 und 2" in f.reason and "Landeswert (3" in f.reason for f in found)


def test_today_s_panel_protection_passes_the_chart_scan(tmp_path: Path) -> None:
    for values in ([1] + [0] * 10 + [2] + [0] * 10, [0] * 10 + [2] + [0] * 11,
                   [1, 2, 10] + [0] * 5 + [4, 7] + [0] * 12):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        assert scan.scan_families(_peer_reports(values, folder, old_rule=False),
                                  threshold=3) == [], values


def test_full_precision_chart_data_are_caught(tmp_path: Path) -> None:
    # 7 of 17 = 41.176…%: continued fractions give back 7/17 from the full float
    fig = go.Figure(go.Bar(x=[100 * 7 / 17, 38.5], y=["Jena", "Gera"], orientation="h",
                           name="A23"))
    fig.update_layout(title="A23 Dezentrale Unterbringung")
    path = tmp_path / "bericht.html"
    path.write_text(pio.to_html(fig, full_html=False, include_plotlyjs=False), encoding="utf-8")
    found = scan.scan_file(path, threshold=3)
    assert len(found) == 1
    assert found[0].where == "Diagramm „A23 Dezentrale Unterbringung“ (A23, x)"
    assert "voller Genauigkeit" in found[0].reason
    fig.data[0].x = figures.shown([100 * 7 / 17, 38.5], 1)
    path.write_text(pio.to_html(fig, full_html=False, include_plotlyjs=False), encoding="utf-8")
    assert scan.scan_file(path, threshold=3) == []
    # shown with one decimal (axis „,.1f“) but carried with two: 41.18 % still gives 7/17
    assert Fraction(0.4118).limit_denominator(20) == Fraction(7, 17)
    fig.data[0].x = [41.18, 38.5]
    fig.update_xaxes(tickformat=",.1f")
    path.write_text(pio.to_html(fig, full_html=False, include_plotlyjs=False), encoding="utf-8")
    found = scan.scan_file(path, threshold=3)
    assert [(f.value, "mehr als 1 Nachkommastellen" in f.reason) for f in found] == [
        ("41.18", True)]


# -- the indicator export of the command line -----------------------------------------------------
def _cli(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "monitoring", *args], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def a23_export_file(a23_export_once: Path, tmp_path: Path) -> Path:
    """A copy of the module's A23 export for one test (the tests edit it)."""
    return Path(shutil.copy(a23_export_once, tmp_path / a23_export_once.name))


@pytest.fixture(scope="module")
def a23_export_once(reference_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A23 2025-Q4: Jena (16053) 10 of 12 – withheld for its small denominator –, every
    other district 40 + i of 50 + 2i; exported by ``monitoring export indikatoren`` (once
    for the module: an import and an export process)."""
    tmp_path = tmp_path_factory.mktemp("a23-scan")
    reference_copy = Path(shutil.copy(reference_store, tmp_path / "s.duckdb"))
    with open_store(reference_copy) as store:
        codes = list(districts(store)["area_code"])
    lines = ["reihe;gebiet;zeitraum;wert"]
    for i, code in enumerate(codes):
        pair = (10, 12) if code == "16053" else (40 + i, 50 + 2 * i)
        lines += [f"unterbringung_wohnung;{code};2025-Q4;{pair[0]}",
                  f"unterbringung_gesamt;{code};2025-Q4;{pair[1]}"]
    source = tmp_path / "unterbringung.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _cli("import", "zahlen", str(source), "--store", str(reference_copy))
    out = tmp_path / "indikatoren.csv"
    _cli("export", "indikatoren", "--out", str(out), "--store", str(reference_copy))
    return out


def _edit(path: Path, code: str, indicator: str, **cells: str) -> None:
    import csv

    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    col = {h: j for j, h in enumerate(rows[0])}
    for row in rows[1:]:
        if row[col["Gebietsschlüssel"]] == code and row[col["Indikator"]] == indicator:
            for name, value in cells.items():
                row[col[name]] = value
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)


def test_the_export_passes_and_a_numerator_beside_a_withheld_rate_is_caught(
        a23_export_file: Path) -> None:
    assert scan.scan_file(a23_export_file, threshold=3) == []
    _edit(a23_export_file, "16053", "A23", Zähler="10")
    found = scan.scan_file(a23_export_file, threshold=3)
    assert len(found) == 1 and "A23 16053 2025-Q4, Spalte „Zähler“" in found[0].where
    assert found[0].value == "10" and "neben einer gesperrten Quote" in found[0].reason


def test_a_state_numerator_beside_a_withheld_district_is_caught(a23_export_file: Path) -> None:
    # the old export: the state's numerator is the districts' sum; minus the 21 shown
    # districts (40 + i for i ≠ Jena's position) it gives Jena's 10 exactly
    import csv

    rows = list(csv.DictReader(a23_export_file.read_text(encoding="utf-8-sig").splitlines(),
                               delimiter=";"))
    a23 = [r for r in rows if r["Indikator"] == "A23" and len(r["Gebietsschlüssel"]) == 5]
    shown = sum(float(r["Zähler"].replace(",", ".")) for r in a23 if r["Zähler"])
    _edit(a23_export_file, "16", "A23", Zähler=f"{shown + 10:.0f}")
    found = scan.scan_file(a23_export_file, threshold=3)
    assert len(found) == 1 and "A23 16053 2025-Q4, Spalte „Zähler“" in found[0].where
    assert "zwischen 10 und 10" in found[0].reason

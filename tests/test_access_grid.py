"""`monitoring erreichbarkeit`: Zensus grid cells as demand, end to end on the demo store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from monitoring.cli.main import main
from monitoring.store.database import open_store

DISTRICT, PERIOD = "16070", "2025-Q4"


def grid_csv(path: Path, demo_store_path: Path, *, bad_row: bool = False) -> pd.DataFrame:
    """Two populated 100 m cells at each of three municipalities of the district (real format:
    INSPIRE ids, centres in EPSG:3035, `;`), one withheld cell (en dash), one cell far outside
    Thuringia. Returns the populated cells with their municipality."""
    with open_store(demo_store_path) as store:
        gem = store.read_areas(level="gemeinde")
    gem = gem[gem["parent_code"] == DISTRICT].sort_values("area_code").head(3)
    centres = gem.geometry.representative_point().to_crs(3035)
    rows, cells = [], []
    for k, (code, p) in enumerate(zip(gem["area_code"], centres, strict=True)):
        x0, y0 = int(p.x // 100) * 100, int(p.y // 100) * 100
        for dx, pop in ((0, 40 + k), (100, 7)):
            rows.append(f"CRS3035RES100mN{y0}E{x0 + dx};{x0 + dx + 50};{y0 + 50};{pop}")
            cells.append({"area_code": code, "population": pop})
    rows.append(f"CRS3035RES100mN{y0 + 100}E{x0};{x0 + 50};{y0 + 150};–")
    rows.append("CRS3035RES100mN2689100E4337000;4337050;2689150;9")  # Bavaria-ish, outside
    if bad_row:
        rows.append("CRS3035RES100mN1E1;abc;2689150;3")
    path.write_text("GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return pd.DataFrame(cells)


def test_grid_as_demand_writes_table_and_gap_list(demo_store_path: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    cells = grid_csv(tmp_path / "gitter.csv", demo_store_path)
    out = tmp_path / "out" / "erreichbarkeit.csv"
    code = main(["erreichbarkeit", "--gitter", str(tmp_path / "gitter.csv"), "--area", DISTRICT,
                 "--period", PERIOD, "--out", str(out), "--store", str(demo_store_path)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "Gitterzellen: 8, davon 1 ohne veröffentlichte Zahl und 1 außerhalb" in printed
    assert printed.startswith("Demodaten – fiktiv")
    table = pd.read_csv(out, sep=";", decimal=",", dtype={"Gemeindeschlüssel": str})
    gaps = pd.read_csv(tmp_path / "out" / "erreichbarkeit_luecken.csv", sep=";", decimal=",",
                       dtype={"Gemeindeschlüssel": str})
    with open_store(demo_store_path) as store:
        pop = store.read_population(periods=[PERIOD])
        n_fields = len(store.read_vocabulary("field"))
    wide = pop.pivot_table(index="area_code", columns="population_group", values="value")
    share = wide["auslaender"] / wide["bevoelkerung"]
    # Expected target group per municipality: cell population × the municipality's share.
    expected = cells.groupby("area_code")["population"].sum() * share
    expected = expected.dropna()
    assert len(table) == 3 * n_fields
    for row in table.itertuples(index=False):
        assert row[3] == pytest.approx(expected[row[1]], abs=0.05)
    assert set(gaps["Gemeindeschlüssel"]) <= set(table["Gemeindeschlüssel"])
    assert (gaps["Anteil am Kreismittel (%)"].fillna(0) < 50).all()
    assert table["Plätze je 1.000"].ge(0).all()
    assert (table["Hinweis"] == "Demodaten – fiktiv").all()


def test_bad_grid_row_is_an_error_and_nothing_is_written(
        demo_store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grid_csv(tmp_path / "gitter.csv", demo_store_path, bad_row=True)
    out = tmp_path / "out" / "e.xlsx"
    code = main(["erreichbarkeit", "--gitter", str(tmp_path / "gitter.csv"), "--area", DISTRICT,
                 "--period", PERIOD, "--out", str(out), "--store", str(demo_store_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Zensus-Gitterformat" in err and "x_mp_100m" in err and "row: 10" in err
    assert not out.parent.exists()


@pytest.mark.parametrize(("extra", "message"), [
    (["--feld", "gibtsnicht"], "Unbekanntes Handlungsfeld"),
    (["--out", "x.txt"], "erwartet die Endung .csv oder .xlsx"),
])
def test_bad_options_are_german_errors(extra: list[str], message: str, demo_store_path: Path,
                                       tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    grid_csv(tmp_path / "gitter.csv", demo_store_path)
    code = main(["erreichbarkeit", "--gitter", str(tmp_path / "gitter.csv"), "--area", DISTRICT,
                 "--period", PERIOD, "--store", str(demo_store_path), *extra])
    assert code == 2
    assert message in capsys.readouterr().err

"""Zensus 2022 grid reader: the published shape, en-dash cells, rejected rows, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring.core import accessibility as acc
from monitoring.errors import DataValidationError
from monitoring.io.import_grid import WITHHELD, parse_grid, read_grid

SAMPLE = ("GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n"
          "CRS3035RES100mN2689100E4337000;4337050;2689150;4\n"
          "CRS3035RES100mN2689100E4341100;4341150;2689150;–\n"
          "CRS3035RES100mN2689200E4337000;4337050;2689250;x7\n"
          "CRS3035RES100mN2689100E4337000;4337050;2689150;9\n"
          "CRS3035RES100mN2689300E4337000;4337050;2689350;12\n").encode()


def test_reads_cells_keeps_withheld_and_rejects_bad_rows(tmp_path) -> None:
    path = tmp_path / "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv"
    path.write_bytes(SAMPLE)
    grid = read_grid(path)
    assert grid.resolution == "100m" and grid.cells.crs.to_epsg() == 3035
    assert list(grid.cells["cell_id"].str[-8:]) == ["E4337000", "E4341100", "E4337000"]
    assert grid.cells.geometry.x.tolist() == [4337050, 4341150, 4337050]
    assert grid.withheld == 1 and grid.cells["flag"].tolist() == ["", WITHHELD, ""]
    assert grid.demand()["population"].tolist() == [4, 12]
    rejected = grid.rejected.to_dict("records")
    assert [(r["row"], r["column"], r["value"]) for r in rejected] == [
        (4, "Einwohner", "x7"), (5, "GITTER_ID_100m", "CRS3035RES100mN2689100E4337000")]
    assert all(r["file"] == str(path) for r in rejected)
    # the published cells are usable demand points after projection to a metric CRS
    points = acc.points(grid.demand().to_crs(25832), value="population", id_column="cell_id",
                        kind="Zensus-Gitter")
    assert len(points) == 2


def test_wrong_header_names_file_and_row() -> None:
    with pytest.raises(DataValidationError, match=r"Gitter\.csv, Zeile 1: unerwartete Kopfzeile"):
        parse_grid(b"id,x,y,pop\n1,2,3,4\n")


def test_latin1_and_1km() -> None:
    grid = parse_grid("GITTER_ID_1km;x_mp_1km;y_mp_1km;Einwohner\nA;4337500;2689500;–\n"
                      .encode())
    assert grid.resolution == "1km" and grid.withheld == 1
    assert parse_grid(b"GITTER_ID_1km;x_mp_1km;y_mp_1km;Einwohner\nA;1;2;3\n").cells.shape[0] == 1


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.text(alphabet="0123456789;.,–-xN\t ", max_size=40), max_size=12))
def test_fuzzed_rows_are_either_cells_or_rejections(rows: list[str]) -> None:
    content = ("GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n" + "\n".join(rows)).encode()
    grid = parse_grid(content)
    non_empty = [r for r in rows if r.replace(";", "").strip()]
    assert len(grid.cells) + len(grid.rejected) == len(non_empty)  # every row accounted for
    assert (grid.cells["population"].dropna() >= 0).all()
    assert set(grid.rejected["row"]) <= set(range(2, len(rows) + 2))

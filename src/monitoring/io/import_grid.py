"""Reader for the Zensus 2022 population grid (Gitterzellen, 100 m / 1 km / 10 km) – I/O layer.

Format (destatis ``Zensus2022_Bevoelkerungszahl_<res>-Gitter.csv``): ``;``-separated, UTF-8
(ISO-8859-1 accepted), columns ``GITTER_ID_<res>;x_mp_<res>;y_mp_<res>;Einwohner``, coordinates
are cell centres in EPSG:3035. Only populated cells are listed. ``–`` (U+2013) marks a value
that is not published; such cells are kept with population NaN and flag ``–`` and are left out
of accessibility demand (counted in `GridData.withheld`). Rows that break the format are not
guessed at: they go to `GridData.rejected` with row number, column and what was expected; if
the header itself is wrong, `DataValidationError` is raised. Nothing is written anywhere.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from monitoring.errors import DataValidationError

GRID_CRS = "EPSG:3035"
WITHHELD = "–"
_HEADER = re.compile(r"^GITTER_ID_(100m|1km|10km)$")


@dataclass(frozen=True)
class GridData:
    """Cells as points (EPSG:3035) with ``cell_id``, ``population``, ``flag``; and rejections."""

    cells: gpd.GeoDataFrame
    rejected: pd.DataFrame  # file, row, column, value, expected
    resolution: str

    @property
    def withheld(self) -> int:
        return int((self.cells["flag"] == WITHHELD).sum())

    def demand(self) -> gpd.GeoDataFrame:
        """Cells with a published population, for `accessibility.points(value="population")`."""
        return self.cells[self.cells["flag"] != WITHHELD]


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("iso-8859-1")


def parse_grid(content: bytes, source: str = "Gitter.csv") -> GridData:
    """Parse a Zensus grid CSV given as bytes (`source` names the file in messages)."""
    lines = _decode(content).splitlines()
    if not lines:
        raise DataValidationError(f"{source}: die Datei ist leer.",
                                  [{"file": source, "row": 1, "column": "",
                                    "expected": "Kopfzeile"}])
    header = [h.strip() for h in lines[0].split(";")]
    match = _HEADER.match(header[0]) if header else None
    res = match.group(1) if match else None
    expected = [f"GITTER_ID_{res}", f"x_mp_{res}", f"y_mp_{res}", "Einwohner"] if res else None
    if res is None or expected is None or header[:4] != expected:
        want = "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner (oder 1km/10km)"
        raise DataValidationError(
            f"{source}, Zeile 1: unerwartete Kopfzeile „{';'.join(header)}“; erwartet "
            f"„{want}“ (Zensus-2022-Gitter, Trennzeichen Semikolon).",
            [{"file": source, "row": 1, "column": "", "value": ";".join(header),
              "expected": want}])
    ids, xs, ys, pops, flags, rejected = [], [], [], [], [], []
    seen: set[str] = set()
    for number, fields in enumerate(csv.reader(io.StringIO("\n".join(lines[1:])),
                                               delimiter=";"), start=2):
        if not fields or all(not f.strip() for f in fields):
            continue
        problem = _check_row(fields, expected, seen)
        if problem is not None:
            column, value, want = problem
            rejected.append({"file": source, "row": number, "column": column, "value": value,
                             "expected": want})
            continue
        cell, x, y, pop = (f.strip() for f in fields[:4])
        seen.add(cell)
        ids.append(cell)
        xs.append(float(x))
        ys.append(float(y))
        if pop == WITHHELD:
            pops.append(np.nan)
            flags.append(WITHHELD)
        else:
            pops.append(float(pop))
            flags.append("")
    cells = gpd.GeoDataFrame({"cell_id": ids, "population": np.array(pops, dtype=float),
                              "flag": flags},
                             geometry=gpd.points_from_xy(xs, ys), crs=GRID_CRS)
    return GridData(cells, pd.DataFrame(rejected, columns=["file", "row", "column", "value",
                                                           "expected"]), res)


def _check_row(fields: list[str], header: list[str], seen: set[str],
               ) -> tuple[str, str, str] | None:
    if len(fields) < 4:
        return ("", ";".join(fields), "4 Spalten, getrennt durch Semikolon")
    cell, x, y, pop = (f.strip() for f in fields[:4])
    if not cell:
        return (header[0], cell, "eine Gitterzellen-Kennung")
    if cell in seen:
        return (header[0], cell, "jede Gitterzelle nur einmal")
    for name, value in ((header[1], x), (header[2], y)):
        if not re.fullmatch(r"\d{1,8}(\.\d+)?", value):
            return (name, value, "eine Koordinate in Metern (EPSG:3035), z. B. 4337050")
    if pop != WITHHELD and not re.fullmatch(r"\d{1,9}", pop):
        return (header[3], pop, f"eine ganze Zahl ≥ 0 oder „{WITHHELD}“ (nicht veröffentlicht)")
    return None


def read_grid(path: str | os.PathLike[str]) -> GridData:
    """Read a Zensus grid CSV from disk (see `parse_grid`)."""
    return parse_grid(Path(path).read_bytes(), source=os.fspath(path))

"""Offer inventory (Bestandsaufnahme): Excel template, validated import with history, exports.

Modules: `spec` (the sheets and columns, declaratively), `cells` (parsing one cell: German
numbers and dates, AGS repair), `read` (workbook/CSV → raw rows, encoding and header detection),
`validate` (all problems of a file in one pass), `load` (store writes with history, quarantine),
`template` (the Excel template), `export` (error workbook, Excel and GeoPackage exports).
"""

from __future__ import annotations

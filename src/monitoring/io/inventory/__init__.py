"""Offer inventory (Bestandsaufnahme) files: read, validate, load with history, template.

`read` (workbook/CSV → raw rows, encoding and header detection), `validate` (all problems of a
file in one pass), `load` (store writes with history, quarantine), `template` (the Excel
template), `workbook` (error workbook, Excel and GeoPackage writers).
"""

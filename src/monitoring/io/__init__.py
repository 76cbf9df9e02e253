"""The file edges: every importer (`import_*`), the settings file and the packaged geography.

Importers read a file, call the pure parsers of `monitoring.core`, and write to the store in
one transaction; every problem names file, row, column and what was expected.
"""

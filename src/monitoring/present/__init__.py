"""Presentation: plotly figures, German tables, and the helpers report notebooks call."""

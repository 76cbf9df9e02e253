"""Pure computation: areas and their changes, coverage, overlap, network, accessibility,
indicators, the integration concept, disclosure control, the Status-Dynamik-Index.

Nothing here reads or writes files, opens the store or draws: inputs and outputs are values and
DataFrames, so every function can be tested and reused without a store (`tests/test_layers.py`).
"""

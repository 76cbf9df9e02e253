"""Export of the indicator panel (area × period × indicator, with flags and sources).

CSV follows German Excel conventions (``;``, decimal comma, UTF-8 with BOM, so that Excel
opens umlauts correctly); Excel via openpyxl. Person counts pass disclosure control first:
numerators below the threshold (and rates on them), count indicators below it, and the
districts and state values that would reveal them are withheld and marked "gesperrt"
(`views.protected_panel`) under the run's disclosure rule (`monitoring.io.settings`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from monitoring.core.config import Settings
from monitoring.errors import ConfigError
from monitoring.store.database import Store
from monitoring.views import panel as views

COLUMNS = {"area_code": "Gebietsschlüssel", "area_name": "Gebiet", "period": "Quartal",
           "indicator_id": "Indikator", "name_de": "Bezeichnung", "unit": "Einheit",
           "value": "Wert", "numerator": "Zähler", "denominator": "Nenner",
           "flags": "Kennzeichen", "source": "Quelle"}


def panel_frame(store: Store, settings: Settings) -> pd.DataFrame:
    """The harmonised panel on today's areas plus the state, with names and sources, withheld
    under ``settings.disclosure``."""
    panel = views.indicator_panel(store)
    defs = store.read_indicators()[["indicator_id", "name_de", "unit", "source"]]
    names = pd.DataFrame(store.read_areas().drop(columns="geometry"))[["area_code", "name"]]
    out = panel.merge(defs, on="indicator_id", how="left").merge(
        names.rename(columns={"name": "area_name"}), on="area_code", how="left")
    protected = views.protected_panel(store, out, rule=settings.disclosure)
    frame = protected.frame.copy()
    hidden = protected.is_suppressed("numerator") | protected.is_suppressed("value")
    frame["flags"] = out["flags"]  # "gesperrt" below, not the report flag "geheimgehalten"
    frame.loc[hidden, ["value", "numerator"]] = float("nan")
    frame.loc[hidden, "flags"] = frame.loc[hidden, "flags"].fillna("").map(
        lambda f: ",".join(x for x in (f, "gesperrt") if x))
    if store.is_demo:
        frame["source"] = frame["source"].fillna("") + " (Demodaten – fiktiv)"
    return frame[list(COLUMNS)].rename(columns=COLUMNS).sort_values(
        ["Indikator", "Gebietsschlüssel", "Quartal"], ignore_index=True)


def write(store: Store, path: str | os.PathLike[str], *, fmt: str,
          settings: Settings | None = None) -> Path:
    """Write the panel as ``csv`` or ``xlsx`` to `path`; returns the path.

    `settings`: the caller's resolved settings; None resolves them here as the command line
    does (`monitoring.io.settings.resolve`: ``monitoring.toml`` in the working folder …).
    """
    from monitoring.io import settings as settings_file

    target = Path(path)
    frame = panel_frame(store, settings or settings_file.resolve(store=store))
    if fmt == "csv":
        frame.to_csv(target, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    elif fmt == "xlsx":
        with pd.ExcelWriter(target, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="Indikatoren", index=False)
    else:
        raise ConfigError(f"Unbekanntes Exportformat „{fmt}“; erlaubt sind csv und xlsx.")
    return target

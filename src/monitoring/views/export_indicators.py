"""Export of the indicator panel (area × period × indicator, with flags and sources).

CSV follows German Excel conventions (``;``, decimal comma, UTF-8 with BOM, so that Excel
opens umlauts correctly); Excel via openpyxl. Person counts pass disclosure control first:
numerators below the threshold (and rates on them), count indicators below it, and the
districts and state values that would reveal them are withheld and marked "gesperrt"
(`views.protected_panel`) under the run's disclosure rule (`monitoring.io.settings`).

Numerators and denominators are margins too (documented choice, README "Privacy"):

* a row whose value is withheld shows neither numerator nor denominator (never a count beside
  a withheld rate: 10 of 12 is the rate);
* the state's numerator and denominator of a rate indicator are the districts' sums: they are
  exported only when no district of that indicator and quarter is withheld, otherwise they are
  withheld too (flag „Zähler und Nenner gesperrt“) – state minus the shown districts would
  give the withheld district's numerator and denominator. The state's rate stays;
* every value is rounded to the precision the reports show it with (counts as integers,
  rates to one decimal): a full-precision state rate lets continued fractions recover its
  exact numerator and denominator.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from monitoring import fmt
from monitoring.core import indicators
from monitoring.core.config import Settings
from monitoring.errors import ConfigError
from monitoring.io.spreadsheet import csv_frame, literal, xlsx_frame
from monitoring.store.database import Store
from monitoring.views import panel as views
from monitoring.views.scope import states

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
    frame.loc[hidden, ["value", "numerator", "denominator"]] = float("nan")
    frame.loc[hidden, "flags"] = _flagged(frame.loc[hidden, "flags"], WITHHELD)
    counts = indicators.count_indicators(store.read_indicators())
    margins = _withheld_margins(frame, hidden, states(store), counts) & ~hidden
    frame.loc[margins, ["numerator", "denominator"]] = float("nan")
    frame.loc[margins, "flags"] = _flagged(frame.loc[margins, "flags"], MARGINS_WITHHELD)
    frame["value"] = [v if pd.isna(v) else round(float(v), fmt.decimals_for(u))
                      for v, u in zip(frame["value"], frame["unit"], strict=True)]
    if store.is_demo:
        frame["source"] = frame["source"].fillna("") + " (Demodaten – fiktiv)"
    return frame[list(COLUMNS)].rename(columns=COLUMNS).sort_values(
        ["Indikator", "Gebietsschlüssel", "Quartal"], ignore_index=True)


WITHHELD = "gesperrt"
MARGINS_WITHHELD = "Zähler und Nenner gesperrt"


def _flagged(flags: pd.Series, flag: str) -> pd.Series:
    return flags.fillna("").map(lambda f: ",".join(x for x in (f, flag) if x))


def _withheld_margins(frame: pd.DataFrame, hidden: pd.Series,
                      lands: dict[str, list[str]], counts: set[str]) -> pd.Series:
    """State rows of rate indicators whose numerator and denominator must be withheld: some
    district of the same Land, indicator and quarter is withheld. (A count indicator's state
    numerator is its value, protected by secondary suppression in `privacy.protect_panel`.)"""
    out = pd.Series(False, index=frame.index)
    rates = ~frame["indicator_id"].isin(list(counts))
    keys = list(zip(frame["indicator_id"], frame["period"], strict=True))
    for land, members in lands.items():
        in_land = frame["area_code"].isin(members) & hidden
        withheld = {key for key, hit in zip(keys, in_land, strict=True) if hit}
        of_land = pd.Series([key in withheld for key in keys], index=frame.index)
        out |= (frame["area_code"] == land) & rates & of_land
    return out


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
        csv_frame(frame).to_csv(target, sep=";", decimal=",", index=False,
                                encoding="utf-8-sig")
    elif fmt == "xlsx":
        with pd.ExcelWriter(target, engine="openpyxl") as writer:
            xlsx_frame(frame).to_excel(writer, sheet_name="Indikatoren", index=False)
            literal(writer.sheets["Indikatoren"])  # a name beginning with "=" stays text
    else:
        raise ConfigError(f"Unbekanntes Exportformat „{fmt}“; erlaubt sind csv und xlsx.")
    return target

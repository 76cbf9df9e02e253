"""Status-Dynamik-Index: where an area stands among its peers, after the Berlin MSS (pure).

The Berlin "Monitoring Soziale Stadtentwicklung" (MSS) condenses a few index indicators into a
status index (the level at the reporting date) and a dynamic index (the change over two
years), classes both by standard deviations from the mean of all areas and overlays the
classes into 4 × 3 = 12 groups. This module does the same for integration indicators of any
peer set (the 22 Thuringian districts, the Gemeinden of one district, …). Method and limits:
``docs/composite_index.md``.

For index indicators i (direction ``down`` or ``up`` in the catalogue) and the assessed areas
a of the peer set:

* status value x_ai at `period`; change d_ai = x_ai(period) − x_ai(period − span), in the
  indicator's unit (percentage points for rates);
* z_ai = s_i · (x_ai − mean_a x_i) / sd_a x_i with s_i = +1 for ``down`` and −1 for ``up``,
  so that a higher z always means more need for attention; sd is the population standard
  deviation (divide by n: the peer set is the whole set compared, not a sample); the same
  for d_ai;
* status index S_a = m_a / sd(m) with m_a = mean_i z_ai, i.e. the mean z-score standardised
  again, so that class bounds are in standard deviations of the index itself (the mean of k
  correlated z-scores has a standard deviation below 1); the dynamic index likewise;
* classes by configurable bounds (`IndexSettings`); group "status/dynamic" (1/1 … 4/3);
  the flag "besonderer Aufmerksamkeitsbedarf" for the configured worst groups.

An area is assessed only when every index indicator has a value at both quarters, without a
disqualifying flag, and with a denominator of at least `IndexSettings.min_denominator`;
otherwise it is "nicht bewertet" with the reason. Nothing is imputed. An indicator without
any value in the whole peer set at one of the two quarters is left out of the index and
named in `CompositeIndex.dropped`. With fewer than `IndexSettings.min_areas` assessed areas
z-scores mean nothing: `InsufficientDataError`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitoring import fmt
from monitoring.errors import ConfigError, DataValidationError, InsufficientDataError
from monitoring.periods import Quarter

STATUS_CLASSES = ("hoch", "mittel", "niedrig", "sehr niedrig")
DYNAMIC_CLASSES = ("positiv", "stabil", "negativ")
SIGN = {"down": 1.0, "up": -1.0}  # +1: a higher value means more need for attention
AREA_COLUMNS = ["area_code", "assessed", "reason", "status_index", "status_class",
                "dynamic_index", "dynamic_class", "group", "attention"]
VALUE_COLUMNS = ["area_code", "indicator_id", "value", "earlier_value", "change", "status_z",
                 "dynamic_z"]

# Setting keys as users write them (German, like the other keys of monitoring.toml).
KEYS = {"indikatoren": "indicators", "dynamik_quartale": "span",
        "status_grenzen": "status_bounds", "dynamik_grenzen": "dynamic_bounds",
        "aufmerksamkeit": "attention", "mindestnenner": "min_denominator",
        "mindestgebiete": "min_areas", "zulaessige_kennzeichen": "accepted_flags"}
SMALLEST_MIN_AREAS = 3  # below this a standard deviation is hardly defined


@dataclass(frozen=True)
class IndexSettings:
    """Index indicators and method values (defaults: ``data/composite_index.toml``).

    `status_bounds` (3 values) separate hoch | mittel | niedrig | sehr niedrig, `dynamic_bounds`
    (2 values) positiv | stabil | negativ, both in standard deviations of the index. A score
    equal to a bound belongs to the middle side (mittel, niedrig, stabil). `attention` holds
    the (status class, dynamic class) pairs flagged "besonderer Aufmerksamkeitsbedarf".
    """

    indicators: tuple[str, ...]
    span: int
    status_bounds: tuple[float, float, float]
    dynamic_bounds: tuple[float, float]
    attention: frozenset[tuple[str, str]]
    min_denominator: float
    min_areas: int
    accepted_flags: frozenset[str]
    source: str = "Voreinstellung"

    @classmethod
    def from_mapping(cls, values: Mapping[str, object], *, origin: str) -> IndexSettings:
        """Check settings as read from TOML (German keys, see `KEYS`); all problems at once."""
        unknown = sorted(set(values) - set(KEYS))
        missing = sorted(set(KEYS) - set(values))
        problems = [f"unbekannter Schlüssel `{k}`" for k in unknown]
        problems += [f"Schlüssel `{k}` fehlt" for k in missing]
        if problems:
            raise ConfigError(
                f"Die Einstellungen des Status-Dynamik-Index ({origin}) sind unvollständig oder "
                f"enthalten Tippfehler: {'; '.join(problems)}. Erlaubt sind: "
                f"{', '.join(KEYS)}.")
        out: dict[str, object] = {}
        try:
            out["indicators"] = tuple(_text_list(values["indikatoren"], "indikatoren"))
            out["span"] = _integer(values["dynamik_quartale"], "dynamik_quartale", 1)
            out["status_bounds"] = _bounds(values["status_grenzen"], "status_grenzen", 3)
            out["dynamic_bounds"] = _bounds(values["dynamik_grenzen"], "dynamik_grenzen", 2)
            out["attention"] = frozenset(_cell(c) for c in
                                         _text_list(values["aufmerksamkeit"], "aufmerksamkeit"))
            out["min_denominator"] = _number(values["mindestnenner"], "mindestnenner", 0.0)
            out["min_areas"] = _integer(values["mindestgebiete"], "mindestgebiete",
                                        SMALLEST_MIN_AREAS)
            out["accepted_flags"] = frozenset(_text_list(values["zulaessige_kennzeichen"],
                                                         "zulaessige_kennzeichen", empty=True))
        except ConfigError as err:
            raise ConfigError(f"Einstellungen des Status-Dynamik-Index ({origin}): "
                              f"{err.message}") from None
        if not out["indicators"]:
            raise ConfigError(f"Einstellungen des Status-Dynamik-Index ({origin}): "
                              "`indikatoren` ist leer; nennen Sie mindestens eine "
                              "Indikatorkennung, z. B. [\"A19\"].")
        return cls(**out, source=origin)  # type: ignore[arg-type]  # each value checked above

    def to_mapping(self) -> dict[str, object]:
        """The settings as `from_mapping` reads them (German keys, plain lists): for the JSON
        a run hands to its report kernels."""
        return {"indikatoren": list(self.indicators), "dynamik_quartale": self.span,
                "status_grenzen": list(self.status_bounds),
                "dynamik_grenzen": list(self.dynamic_bounds),
                "aufmerksamkeit": sorted(f"{s}/{d}" for s, d in self.attention),
                "mindestnenner": self.min_denominator, "mindestgebiete": self.min_areas,
                "zulaessige_kennzeichen": sorted(self.accepted_flags)}


def _text_list(value: object, key: str, *, empty: bool = False) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value) \
            or (not value and not empty):
        raise ConfigError(f"`{key}` muss eine Liste von Texten sein, z. B. [\"A19\", \"A21\"] "
                          f"(erhalten: {value!r}).")
    return [v.strip() for v in value]


def _number(value: object, key: str, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError(f"`{key}` muss eine Zahl ab {minimum:g} sein (erhalten: {value!r}).")
    return float(value)


def _integer(value: object, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"`{key}` muss eine ganze Zahl ab {minimum} sein (erhalten: "
                          f"{value!r}).")
    return int(value)


def _bounds(value: object, key: str, count: int) -> tuple[float, ...]:
    numbers: tuple[float, ...] = ()
    if isinstance(value, list | tuple) and len(value) == count and all(
            isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)
            for v in value):
        numbers = tuple(float(v) for v in value)
    if not numbers or any(b <= a for a, b in itertools.pairwise(numbers)):
        example = "[-1.0, 1.0, 1.5]" if count == 3 else "[-1.0, 1.0]"
        raise ConfigError(f"`{key}` muss {count} aufsteigende Zahlen (Standardabweichungen) "
                          f"enthalten, z. B. {example} (erhalten: {value!r}).")
    return numbers


def _cell(text: str) -> tuple[str, str]:
    status, _, dynamic = text.partition("/")
    status, dynamic = status.strip(), dynamic.strip()
    if status not in STATUS_CLASSES or dynamic not in DYNAMIC_CLASSES:
        raise ConfigError(
            f"`aufmerksamkeit`: „{text}“ ist keine Gruppe der Form "
            "„Statusklasse/Dynamikklasse“ "
            f"(Statusklassen: {', '.join(STATUS_CLASSES)}; Dynamikklassen: "
            f"{', '.join(DYNAMIC_CLASSES)}), z. B. „sehr niedrig/negativ“.")
    return status, dynamic


@dataclass(frozen=True)
class CompositeIndex:
    """The result of `compute` (all frames sorted by area code, then indicator order).

    ``areas``: one row per area of the peer set (`AREA_COLUMNS`); ``values``: area ×
    index indicator with the status value, the earlier value, the change and the signed
    z-scores (NaN for areas not assessed); ``indicators``: every configured index indicator
    with name, direction, sign, ``used`` and, for an indicator left out because no area had a
    value, the ``reason``; the mean and standard deviation over the assessed areas of value
    (``mean``, ``sd``) and change (``change_mean``, ``change_sd``) for those used.
    """

    period: str
    earlier_period: str
    areas: pd.DataFrame
    values: pd.DataFrame
    indicators: pd.DataFrame
    settings: IndexSettings

    @property
    def dropped(self) -> dict[str, str]:
        """Indicators left out of the index → why (no value anywhere at one quarter)."""
        left = self.indicators[~self.indicators["used"]]
        return dict(zip(left["indicator_id"], left["reason"], strict=True))

    @property
    def assessed_count(self) -> int:
        return int(self.areas["assessed"].sum())

    def note_de(self) -> str:
        """The method in two sentences, for under the table."""
        sb = [fmt.signed(v, 1) for v in self.settings.status_bounds]
        db = [fmt.signed(v, 1) for v in self.settings.dynamic_bounds]
        now, before = (Quarter.parse(p).label_short() for p in (self.period, self.earlier_period))
        return (f"Status: Wert im Quartal {now}; Dynamik: Veränderung seit "
                f"{before} (bei Quoten in Prozentpunkten). Je Indikator z-Wert "
                "über die bewerteten Gebiete, Vorzeichen so, dass ein höherer Wert mehr "
                "Aufmerksamkeitsbedarf bedeutet; Index = Mittel der z-Werte, erneut "
                f"standardisiert. Statusklassen: hoch unter {sb[0]}, mittel bis {sb[1]}, "
                f"niedrig bis {sb[2]}, sehr niedrig darüber; Dynamikklassen: positiv unter "
                f"{db[0]}, stabil bis {db[1]}, negativ darüber (Grenzen in "
                "Standardabweichungen, einstellbar; angelehnt an das Berliner Monitoring "
                "Soziale Stadtentwicklung, dort nicht nachgeprüft).")


def compute(panel: pd.DataFrame, definitions: pd.DataFrame, *, areas: Sequence[str],
            period: str, settings: IndexSettings) -> CompositeIndex:
    """Status and dynamic index, classes and groups for the peer set `areas` at `period`.

    Parameters
    ----------
    panel
        Indicator observations (columns as `indicators.PANEL_COLUMNS`), preferably after
        disclosure control so that withheld values cannot be recovered from z-scores.
    definitions
        The catalogue (``indicator_id``, ``direction``, optionally ``name_de``).
    areas
        The peer set: every area compared (the order does not matter).
    period
        The status quarter (``2025-Q4``); the dynamic compares it with ``period − span``.
    settings
        Index indicators and method values (`IndexSettings`).
    """
    now = Quarter.parse(period)
    earlier = now - settings.span
    quarters = [str(now), str(earlier)]
    codes = sorted({str(a) for a in areas})
    definition = _index_definitions(definitions, settings.indicators)
    if len(codes) < settings.min_areas:
        raise InsufficientDataError(
            f"Der Vergleichskreis hat nur {len(codes)} Gebiete; für den Status-Dynamik-Index "
            f"sind mindestens {settings.min_areas} nötig, sonst sagen z-Werte nichts aus. "
            "Wählen Sie einen größeren Vergleichskreis (z. B. alle Kreise des Landes).",
            detail=f"areas={codes}, min_areas={settings.min_areas}")
    rows = panel[panel["indicator_id"].isin(list(definition.index))
                 & panel["area_code"].astype(str).isin(codes)
                 & panel["period"].astype(str).isin(quarters)].copy()
    rows["area_code"] = rows["area_code"].astype(str)
    rows["period"] = rows["period"].astype(str)
    keys = ["indicator_id", "area_code", "period"]
    doubled = rows[rows.duplicated(keys, keep=False)]
    if not doubled.empty:
        first = doubled.iloc[0]
        raise DataValidationError(
            f"Das Indikatorpanel enthält {len(doubled)} Zeilen mit doppeltem Schlüssel, z. B. "
            f"{first['indicator_id']} / {first['area_code']} / {first['period']}. Erwartet wird "
            "ein Wert je Indikator, Gebiet und Quartal (z. B. aus `views.indicator_panel`).",
            [{"indikator": r.indicator_id, "gebiet": r.area_code, "zeitraum": r.period}
             for r in doubled.itertuples()])
    present = rows.dropna(subset=["value"])
    dropped: dict[str, str] = {}
    for indicator_id in definition.index:
        for quarter in quarters:
            if not ((present["indicator_id"] == indicator_id)
                    & (present["period"] == quarter)).any():
                dropped[indicator_id] = (f"für {Quarter.parse(quarter).label_short()} liegt in "
                                         f"keinem der {len(codes)} "
                                         "Gebiete ein Wert vor")
                break
    kept = [i for i in definition.index if i not in dropped]
    if not kept:
        raise InsufficientDataError(
            "Für keinen Indexindikator liegen Werte vor ("
            + "; ".join(f"{i}: {r}" for i, r in dropped.items())
            + "). Importieren Sie die Daten oder wählen Sie andere Indikatoren "
              "(Einstellung `indikatoren`).", detail=f"period={now}, earlier={earlier}")

    cells = rows.set_index(keys).reindex(
        pd.MultiIndex.from_product([kept, codes, quarters], names=keys))
    reasons = _reasons(cells, settings)
    assessed = [c for c in codes if not reasons[c]]
    if len(assessed) < settings.min_areas:
        refused = [f"{c}: {'; '.join(reasons[c])}" for c in codes if reasons[c]]
        examples = "; ".join(refused[:10]) + (f" und {len(refused) - 10} weitere"
                                              if len(refused) > 10 else "")
        raise InsufficientDataError(
            f"Für den Status-Dynamik-Index sind mindestens {settings.min_areas} bewertbare "
            f"Gebiete nötig; von {len(codes)} Gebieten sind nur {len(assessed)} bewertbar, und "
            f"mit so wenigen sagen z-Werte nichts aus. Nicht bewertet: {examples}. Wählen Sie "
            "einen größeren Vergleichskreis, andere Indikatoren (`indikatoren`) oder eine "
            "kleinere Mindestgröße (`mindestnenner`).",
            detail=f"assessed={assessed}, min_areas={settings.min_areas}")

    value = cells["value"].xs(str(now), level="period").unstack("indicator_id")[kept]
    before = cells["value"].xs(str(earlier), level="period").unstack("indicator_id")[kept]
    change = value - before
    sign = definition.loc[kept, "sign"]
    status_z = _z(value.loc[assessed]) * sign
    dynamic_z = _z(change.loc[assessed]) * sign
    status_index = _standardise(status_z.mean(axis=1))
    dynamic_index = _standardise(dynamic_z.mean(axis=1))

    out = pd.DataFrame({"area_code": codes})
    out["assessed"] = out["area_code"].isin(assessed)
    out["reason"] = ["; ".join(reasons[c]) or None for c in codes]
    out["status_index"] = out["area_code"].map(status_index).astype(float)
    out["dynamic_index"] = out["area_code"].map(dynamic_index).astype(float)
    status = [_classify(v, settings.status_bounds, STATUS_CLASSES) for v in out["status_index"]]
    dynamic = [_classify(v, settings.dynamic_bounds, DYNAMIC_CLASSES)
               for v in out["dynamic_index"]]
    out["status_class"] = status
    out["dynamic_class"] = dynamic
    out["group"] = [None if s is None or d is None else
                    f"{STATUS_CLASSES.index(s) + 1}/{DYNAMIC_CLASSES.index(d) + 1}"
                    for s, d in zip(status, dynamic, strict=True)]
    out["attention"] = [(s, d) in settings.attention for s, d in zip(status, dynamic, strict=True)]

    long = pd.DataFrame({
        "value": value.stack(future_stack=True), "earlier_value": before.stack(future_stack=True),
        "change": change.stack(future_stack=True),
        "status_z": status_z.reindex(codes).stack(future_stack=True),
        "dynamic_z": dynamic_z.reindex(codes).stack(future_stack=True)}).reset_index()
    long["order"] = long["indicator_id"].map({i: n for n, i in enumerate(kept)})
    long = long.sort_values(["area_code", "order"], ignore_index=True)[VALUE_COLUMNS]

    used = definition.reset_index()
    used["used"] = ~used["indicator_id"].isin(list(dropped))
    used["reason"] = used["indicator_id"].map(dropped)
    assessed_values, assessed_change = value.loc[assessed], change.loc[assessed]
    used["mean"] = used["indicator_id"].map(assessed_values.mean())
    used["sd"] = used["indicator_id"].map(assessed_values.std(ddof=0))
    used["change_mean"] = used["indicator_id"].map(assessed_change.mean())
    used["change_sd"] = used["indicator_id"].map(assessed_change.std(ddof=0))
    return CompositeIndex(str(now), str(earlier), out[AREA_COLUMNS], long, used, settings)


def _index_definitions(definitions: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """The index indicators' rows with their sign; unknown ids and context indicators refused."""
    catalogue = definitions.drop_duplicates("indicator_id").set_index("indicator_id")
    unknown = [i for i in ids if i not in catalogue.index]
    if unknown:
        raise ConfigError(
            f"Die Indexindikatoren {', '.join(unknown)} stehen nicht im Indikatorkatalog. "
            f"Vorhanden sind: {', '.join(catalogue.index)}. Korrigieren Sie die Einstellung "
            "`indikatoren`.")
    if len(set(ids)) != len(ids):
        raise ConfigError(f"Die Indexindikatoren enthalten Kennungen doppelt ({', '.join(ids)});"
                          " jeder Indikator darf nur einmal zählen.")
    without = [i for i in ids if catalogue.loc[i, "direction"] not in SIGN]
    if without:
        raise ConfigError(
            f"Die Indikatoren {', '.join(without)} haben keine Richtung (Kontextindikatoren) "
            "und können nicht in den Index eingehen: ohne Richtung ist nicht festgelegt, ob "
            "ein hoher Wert mehr oder weniger Aufmerksamkeit verlangt. Erlaubt sind "
            "Indikatoren mit Richtung up oder down.")
    out = pd.DataFrame(index=pd.Index(list(ids), name="indicator_id"))
    out["name"] = catalogue.loc[list(ids), "name_de"].to_numpy() \
        if "name_de" in catalogue else list(ids)
    out["direction"] = catalogue.loc[list(ids), "direction"].to_numpy()
    out["sign"] = out["direction"].map(SIGN)
    return out


def _reasons(cells: pd.DataFrame, settings: IndexSettings) -> dict[str, list[str]]:
    """Why each area cannot be assessed (empty list: it can), in indicator order."""
    out: dict[str, list[str]] = {c: [] for c in cells.index.get_level_values("area_code")}
    for (indicator_id, area, quarter), row in cells.iterrows():
        where = f"{indicator_id} {quarter}"
        flags = [f.strip() for f in str(row["flags"]).split(",")
                 if f.strip()] if pd.notna(row["flags"]) else []
        bad = [f for f in flags if f not in settings.accepted_flags]
        if pd.isna(row["value"]):
            out[area].append(f"{where}: kein Wert" + (f" ({', '.join(flags)})" if flags else ""))
        elif bad:
            out[area].append(f"{where}: Kennzeichen „{', '.join(bad)}“")
        elif settings.min_denominator > 0:
            if pd.isna(row["denominator"]):
                out[area].append(f"{where}: Bezugsgröße unbekannt")
            elif row["denominator"] < settings.min_denominator:
                # the count itself is not repeated: the reason is published in reports
                out[area].append(f"{where}: Bezugsgröße unter "
                                 f"{fmt.number(settings.min_denominator)}")
    return out


def _z(frame: pd.DataFrame) -> pd.DataFrame:
    """Column-wise z-scores with the population standard deviation.

    A column whose values do not differ (spread at floating-point noise relative to their
    magnitude) gets 0 everywhere: no area deviates from the others.
    """
    mean, sd = frame.mean(), frame.std(ddof=0)
    equal = sd <= 1e-9 * np.maximum(frame.abs().max(), 1e-300)
    return ((frame - mean) / sd.where(~equal)).fillna(0.0)


def _standardise(values: pd.Series) -> pd.Series:
    """Mean z-scores → z-scores of the index; 0 for all when they do not differ.

    The input is already in z units, so "no difference" is an absolute tolerance here (e.g.
    a ``down`` and an ``up`` indicator with mirrored values cancel to rounding noise).
    """
    sd = float(values.std(ddof=0))
    if not np.isfinite(sd) or sd <= 1e-9:
        return values * 0.0
    return (values - values.mean()) / sd


def _classify(score: float, bounds: Sequence[float], labels: Sequence[str]) -> str | None:
    """The label for `score`: below the first bound → first label; a score on a bound → the
    middle side (``mittel``/``stabil``, and ``niedrig`` at the upper status bounds)."""
    if pd.isna(score):
        return None
    if score < bounds[0]:
        return labels[0]
    for bound, label in zip(bounds[1:], labels[1:], strict=False):
        if score <= bound:
            return label
    return labels[-1]


def classify_status(score: float, bounds: Sequence[float]) -> str | None:
    """The MSS status class of a status index value (`STATUS_CLASSES`; None when missing)."""
    return _classify(score, bounds, STATUS_CLASSES)


def classify_dynamic(score: float, bounds: Sequence[float]) -> str | None:
    """The MSS dynamic class of a dynamic index value (`DYNAMIC_CLASSES`)."""
    return _classify(score, bounds, DYNAMIC_CLASSES)


# What the MSS class names mean to a reader. The names are kept (settings and groups use
# them), but bare they read inverted: a status index of +1.66 is class „sehr niedrig“ – a very
# low *status*, i.e. the most need for attention – which a council member takes for „very
# little to worry about“. docs/composite_index.md, „Klassen“, gives the definition.
STATUS_READING = {
    "hoch": "günstige Lage, weniger Aufmerksamkeitsbedarf als die meisten",
    "mittel": "Lage wie bei den meisten",
    "niedrig": "ungünstige Lage, mehr Aufmerksamkeitsbedarf",
    "sehr niedrig": "sehr ungünstige Lage, deutlich mehr Aufmerksamkeitsbedarf",
}
DYNAMIC_READING = {
    "positiv": "günstiger entwickelt als die meisten",
    "stabil": "entwickelt wie die meisten",
    "negativ": "ungünstiger entwickelt als die meisten",
}


def status_reading(status_class: str | None) -> str:
    """What a status class means, in words a reader understands (``STATUS_READING``)."""
    return STATUS_READING.get(str(status_class), fmt.MISSING)


def dynamic_reading(dynamic_class: str | None) -> str:
    """What a dynamic class means (``DYNAMIC_READING``): relative to the other areas."""
    return DYNAMIC_READING.get(str(dynamic_class), fmt.MISSING)


def class_label(name: str | None, kind: str) -> str:
    """The class name with its meaning for tables and sentences: „sehr niedrig (sehr
    ungünstige Lage, deutlich mehr Aufmerksamkeitsbedarf)“. `kind` is ``status`` or
    ``dynamic``; a missing class (area not assessed) is „–“."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return fmt.MISSING
    reading = status_reading(name) if kind == "status" else dynamic_reading(name)
    return f"{name} ({reading})"


def summary_de(result: CompositeIndex, *, area_code: str, area_name: str,
               peers: str = "Vergleichsgebiete") -> list[str]:
    """German sentences for a report: the area's position, counts, left-out indicators.

    States positions only, never causes, and says that classes are relative. `peers` names
    the peer set in the dative plural (e.g. "Thüringer Kreise und kreisfreien Städte").
    """
    rows = result.areas.set_index("area_code")
    n = result.assessed_count
    sentences = []
    if area_code in rows.index and bool(rows.loc[area_code, "assessed"]):
        row = rows.loc[area_code]
        sentences.append(
            f"{area_name} liegt unter den {n} bewerteten {peers} beim Status in der Klasse "
            f"„{row['status_class']}“ (Indexwert {fmt.signed(row['status_index'], 2)}: "
            f"{status_reading(row['status_class'])}) und bei der Dynamik in der Klasse "
            f"„{row['dynamic_class']}“ (Indexwert {fmt.signed(row['dynamic_index'], 2)}: "
            f"{dynamic_reading(row['dynamic_class'])}); das ergibt die Gruppe {row['group']} "
            f"({row['status_class']}/{row['dynamic_class']}) des Gesamtindex.")
        if bool(row["attention"]):
            sentences.append(f"Damit gehört {area_name} zu den Gebieten mit „besonderem "
                             "Aufmerksamkeitsbedarf“ im Sinne dieses Index.")
    elif area_code in rows.index:
        sentences.append(f"{area_name} wird nicht bewertet: {rows.loc[area_code, 'reason']}.")
    flagged = int(rows["attention"].sum())
    sentences.append(f"{fmt.number(flagged)} von {fmt.number(n)} bewerteten Gebieten sind als "
                     "„besonderer Aufmerksamkeitsbedarf“ gekennzeichnet.")
    missing = len(rows) - n
    if missing:
        sentences.append(f"{fmt.number(missing)} Gebiete werden nicht bewertet (Gründe in der "
                         "Tabelle); für sie wird nichts geschätzt.")
    left = result.indicators[~result.indicators["used"]]
    for row in left.itertuples():
        sentences.append(f"Nicht im Index: {row.indicator_id} {row.name} – {row.reason}.")
    sentences.append(
        "Die Klassen beschreiben die Lage relativ zu den anderen Gebieten, keinen absoluten "
        "Zustand: Auch wenn sich alle verbessern, bleiben einige Gebiete in den unteren "
        "Klassen. Über Ursachen sagt der Index nichts.")
    return sentences

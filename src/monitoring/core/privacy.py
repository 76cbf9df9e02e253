"""Disclosure control for published figures about persons (pure functions).

Rule (aligned with BA statistics practice, configurable; README "Privacy"):

* **Primärsperrung**: counts of 1 … ``threshold − 1`` persons are withheld; zeros are shown
  (and are therefore published facts: a zero never protects a withheld cell).
* **Sekundärsperrung**: where a group total is published (a margin), the withheld cells of the
  group must stay undeterminable from the total and the shown cells. A reader knows that every
  withheld cell holds at least one person (zeros are shown), so with ``k`` withheld cells whose
  sum is ``R`` (= total − shown cells) each of them lies somewhere in ``1 … R − k + 1``. A group
  is protected when (a) for every primarily withheld cell the other withheld cells of its group
  together hold at least ``threshold`` persons, and (b) every withheld cell keeps at least
  ``threshold`` possible values, i.e. ``R − k + 1 ≥ threshold``. Further cells are withheld until
  both hold, chosen deterministically: the smallest shown positive cell first, ties by the
  cell's position in the table. When no choice protects the group (no shown positive cell is
  left, e.g. one withheld district and all others 0), the group total is withheld as well
  (`Publishable.suppressed_groups`, NaN in `Publishable.totals`).

Rates are suppressed when their numerator is suppressed or their denominator is below
``min_denominator``. Output functions accept only `Publishable` frames.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from monitoring.errors import ConfigError, PrivacyError

DEFAULT_THRESHOLD = 3
DEFAULT_MIN_DENOMINATOR = 20


@dataclass(frozen=True)
class DisclosureRule:
    """The disclosure rule: counts 1 … ``threshold − 1`` withheld, rates withheld below
    ``min_denominator`` persons in the denominator. Passed to every `protect` call explicitly
    (resolved once per run, see `monitoring.io.settings`); invalid values are refused."""

    threshold: int = DEFAULT_THRESHOLD
    min_denominator: float = DEFAULT_MIN_DENOMINATOR

    def __post_init__(self) -> None:
        threshold, minimum = self.threshold, self.min_denominator
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) \
                or threshold != int(threshold) or threshold < 2:
            raise ConfigError(f"Die Geheimhaltungsschwelle muss eine ganze Zahl ab 2 sein "
                              f"(erhalten: {threshold!r}).")
        if isinstance(minimum, bool) or not isinstance(minimum, int | float) \
                or not np.isfinite(minimum) or minimum < 1:
            raise ConfigError(f"Der Mindestnenner für Quoten muss eine Zahl ab 1 sein "
                              f"(erhalten: {minimum!r}).")
        object.__setattr__(self, "threshold", int(threshold))
        object.__setattr__(self, "min_denominator", float(minimum))

    def text_de(self) -> str:
        """The rule as one German sentence (report footers, table notes)."""
        return (f"Fallzahlen von 1 bis {self.threshold - 1} Personen und Quoten mit weniger "
                f"als {self.min_denominator:g} Personen im Nenner werden nicht ausgewiesen "
                "(„.“); damit Summen sie nicht verraten, werden weitere Werte gesperrt "
                "(Sekundärsperrung) oder die Summe nicht ausgewiesen.")


@dataclass(frozen=True)
class Publishable:
    """A frame that went through disclosure control, and what was suppressed in it."""

    frame: pd.DataFrame
    suppressed: pd.DataFrame  # boolean, same index; True = value withheld
    rule: str = ""
    columns: tuple[str, ...] = field(default_factory=tuple)
    suppressed_groups: dict[str, tuple[object, ...]] = field(default_factory=dict)
    counts: tuple[str, ...] = ()      # the person-count columns (what the scanner checks)
    groups: tuple[str, ...] = ()      # the columns defining groups whose totals may be shown
    threshold: int = DEFAULT_THRESHOLD
    min_denominator: float = DEFAULT_MIN_DENOMINATOR
    # Group totals of each count column from the unsuppressed values (NaN = withheld because
    # the group's suppressed cells could not be protected); key 0 when the frame is one group.
    totals: dict[str, dict[object, float]] = field(default_factory=dict)

    def copy(self) -> Publishable:
        """The same with its own frames, for a caller that may change them."""
        return replace(self, frame=self.frame.copy(), suppressed=self.suppressed.copy())

    def is_suppressed(self, column: str) -> pd.Series:
        if column in self.suppressed:
            return self.suppressed[column]
        return pd.Series(False, index=self.frame.index)


def require(data: object, what: str) -> Publishable:
    """Return `data` if it is `Publishable`; otherwise raise `PrivacyError`."""
    if not isinstance(data, Publishable):
        raise PrivacyError(
            f"{what} darf nur Daten zeigen, die die Geheimhaltungsprüfung durchlaufen haben. "
            "Rufen Sie zuerst `privacy.protect(...)` auf.")
    return data


def protect(frame: pd.DataFrame, *, rule: DisclosureRule, counts: Sequence[str] = (),
            rates: Mapping[str, tuple[str | None, str]] | None = None,
            groups: Sequence[str] | None = None,
            count_rows: pd.Series | None = None) -> Publishable:
    """Suppress small person counts and the rates built on them.

    Parameters
    ----------
    rule
        The disclosure rule in force for this run (required: there is no process-wide
        default, so a report cannot silently fall back to a weaker rule).
    counts
        Columns holding counts of persons.
    rates
        ``rate column → (numerator count column or None, denominator count column)``.
    groups
        Columns defining groups whose totals are published (secondary suppression runs within
        each group); None means the whole frame is one group.
    count_rows
        Boolean per row: rows whose rate columns hold a count itself (a count indicator such
        as A28: value = numerator, no denominator). There a rate column is withheld exactly
        when its numerator is (primary or secondary suppression); a missing denominator does
        not withhold it.
    """
    if not isinstance(rule, DisclosureRule):
        raise PrivacyError("Die Geheimhaltungsprüfung braucht die Regel des Laufs "
                           f"(`DisclosureRule`), erhalten: {type(rule).__name__}.")
    threshold, min_denominator = rule.threshold, rule.min_denominator
    out = frame.copy()
    mask = pd.DataFrame(False, index=out.index, columns=list(counts) + list(rates or {}))
    withheld_totals: dict[str, tuple[object, ...]] = {}
    for col in counts:
        values = out[col]
        primary = (values > 0) & (values < threshold)
        mask[col], withheld_totals[col] = _secondary(values, primary, out, groups, threshold)
    is_count = (pd.Series(False, index=out.index) if count_rows is None
                else count_rows.reindex(out.index).fillna(False).astype(bool))
    for rate, (numerator, denominator) in (rates or {}).items():
        hidden = out[denominator].isna() | (out[denominator] < min_denominator)
        if denominator in mask:
            hidden |= mask[denominator]
        if numerator is not None and numerator in mask:
            hidden = hidden.where(~is_count, False) | mask[numerator]
        mask[rate] = hidden & out[rate].notna()
    totals: dict[str, dict[object, float]] = {}
    keys = _keys(out, groups)
    for col in counts:
        sums = out[col].astype(float).groupby(keys).sum(min_count=1)
        totals[col] = {key: (np.nan if key in withheld_totals[col] else float(value))
                       for key, value in sums.items()}
    for col in mask.columns:
        out[col] = out[col].astype(float).where(~mask[col], np.nan)
    return Publishable(out, mask, rule.text_de(), tuple(mask.columns), withheld_totals,
                       tuple(counts), tuple(groups or ()), threshold, min_denominator, totals)


def _keys(frame: pd.DataFrame, groups: Sequence[str] | None) -> pd.Series | list[pd.Series]:
    if groups:
        return frame[groups[0]] if len(groups) == 1 else [frame[g] for g in groups]
    return pd.Series(0, index=frame.index)


def protected(hidden: Sequence[float], primary: Sequence[float], threshold: int) -> bool:
    """Whether withheld cells (`hidden`, all values, `primary` among them the primarily
    withheld ones) stay protected when their group's total is published (module docstring):
    no withheld cells, or every primary cell's fellow withheld cells hold ≥ `threshold`
    persons and each withheld cell keeps ≥ `threshold` possible values (``R − k + 1``)."""
    if not len(hidden):
        return True
    rest = float(sum(hidden))
    if rest - len(hidden) + 1 < threshold:
        return False
    return all(rest - value >= threshold for value in primary)


def _secondary(values: pd.Series, primary: pd.Series, frame: pd.DataFrame,
               groups: Sequence[str] | None,
               threshold: int) -> tuple[pd.Series, tuple[object, ...]]:
    """Secondary suppression per group (module docstring): the smallest shown positive cell
    first (ties: position in the frame) until `protected`; else the group's total is withheld."""
    mask = primary.copy()
    keys = _keys(frame, groups)
    unprotected: list[object] = []
    for key, index in values.groupby(keys).groups.items():
        part = mask.loc[index]
        if not part.any():
            continue
        group_values = values.loc[index].astype(float)
        firsts = group_values[part]
        hidden = list(firsts)
        # the group's rows keep the frame's order, so a stable sort breaks ties by position
        candidates = group_values[(~part) & (group_values > 0)].sort_values(kind="stable")
        chosen = []
        for label, value in candidates.items():
            if protected(hidden, firsts, threshold):
                break
            chosen.append(label)
            hidden.append(float(value))
        if protected(hidden, firsts, threshold):
            mask.loc[chosen] = True
        else:  # the total is withheld: further cells would protect nothing
            unprotected.append(key)
    return mask, tuple(unprotected)


def protect_panel(panel: pd.DataFrame, *, counts: Collection[str], districts: Sequence[str],
                  state_code: str, rule: DisclosureRule) -> Publishable:
    """Disclosure control of an indicator panel (indicator_id, area_code, period, value,
    numerator, denominator) in which the state value is the total of the districts.

    Numerators are person counts. Among the `districts` each indicator and quarter is one
    group whose total – the state row – is published: small numerators are suppressed and, by
    secondary suppression, enough further districts that the state value cannot reveal them
    (`protect` with ``groups``). Count indicators (`counts`, e.g. A28: value = numerator, no
    denominator) are protected as counts: the value is withheld exactly when the count is.
    Rates are withheld with their numerator or for a small denominator. The state row is
    withheld where its group could not be protected (e.g. a state total of 1 … threshold − 1).
    Rows of other areas are checked on their own (primary suppression).
    Returns the whole panel; withheld cells are NaN and marked in ``suppressed``.
    """
    frame = panel.copy()
    is_count = frame["indicator_id"].isin(list(counts))
    in_districts = frame["area_code"].isin(list(districts))
    is_state = frame["area_code"] == state_code
    rates = {"value": ("numerator", "denominator")}
    options = {"rule": rule}
    parts = []
    district_rows = frame[in_districts]
    by_district = protect(district_rows, counts=["numerator"], rates=rates,
                          groups=["indicator_id", "period"],
                          count_rows=is_count[in_districts], **options)
    parts.append(by_district)
    other_rows = frame[~in_districts & ~is_state]
    if not other_rows.empty:
        parts.append(protect(other_rows, counts=["numerator"], rates=rates,
                             groups=["indicator_id", "period", "area_code"],
                             count_rows=is_count[~in_districts & ~is_state], **options))
    state_rows = frame[is_state]
    state = protect(state_rows, counts=["numerator"], rates=rates,
                    groups=["indicator_id", "period"], count_rows=is_count[is_state],
                    **options)
    withheld_groups = set(by_district.suppressed_groups.get("numerator", ()))
    if withheld_groups:
        keys = list(zip(state_rows["indicator_id"], state_rows["period"], strict=True))
        total_withheld = pd.Series([k in withheld_groups for k in keys], index=state_rows.index)
        state_mask = state.suppressed.copy()
        state_mask["numerator"] |= total_withheld & state_rows["numerator"].notna()
        state_mask["value"] |= total_withheld & state_rows["value"].notna()
        state_frame = state.frame.copy()
        state_frame.loc[total_withheld, ["numerator", "value"]] = np.nan
        state = Publishable(state_frame, state_mask, state.rule, state.columns)
    parts.append(state)
    out = pd.concat([p.frame for p in parts]).reindex(frame.index)
    mask = pd.concat([p.suppressed for p in parts]).reindex(frame.index).fillna(False)
    mask = mask.astype(bool)
    return Publishable(out, mask, by_district.rule, tuple(mask.columns),
                       by_district.suppressed_groups, ("numerator",),
                       ("indicator_id", "period"), by_district.threshold,
                       by_district.min_denominator, by_district.totals)


def withheld(raw: pd.DataFrame, safe: pd.DataFrame, columns: Sequence[str], *,
             rule: str = "") -> Publishable:
    """Mark what disclosure control withheld in a frame derived from a protected source.

    `raw` is computed from the unprotected data, `safe` the same computation on the
    protected data (same index). A cell is withheld where `raw` has a number and `safe` has
    none: a change whose either end was withheld, a status or state value built on a withheld
    value. Tables then show the official sign "." there instead of "–".
    """
    mask = pd.DataFrame({c: raw[c].notna() & safe[c].isna() for c in columns},
                        index=safe.index)
    return Publishable(safe, mask, rule, tuple(columns))

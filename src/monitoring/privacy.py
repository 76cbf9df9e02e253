"""Disclosure control for published figures about persons (pure functions).

Rule (aligned with BA statistics practice, configurable): counts of 1 … ``threshold − 1``
persons are suppressed (primary suppression); zeros are shown. Where a group total is published,
a single suppressed cell could be recomputed as total minus the others, so within each group a
second cell is suppressed as well (secondary suppression, smallest remaining positive cell).
Rates are suppressed when their numerator is suppressed or their denominator is below
``min_denominator``. Output functions accept only `Publishable` frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from monitoring.errors import PrivacyError

DEFAULT_THRESHOLD = 3
DEFAULT_MIN_DENOMINATOR = 20


@dataclass(frozen=True)
class Publishable:
    """A frame that went through disclosure control, and what was suppressed in it."""

    frame: pd.DataFrame
    suppressed: pd.DataFrame  # boolean, same index; True = value withheld
    rule: str = ""
    columns: tuple[str, ...] = field(default_factory=tuple)

    def is_suppressed(self, column: str) -> pd.Series:
        if column in self.suppressed:
            return self.suppressed[column]
        return pd.Series(False, index=self.frame.index)

    @property
    def any_suppressed(self) -> bool:
        return bool(self.suppressed.to_numpy().any()) if not self.suppressed.empty else False


def require(data: object, what: str) -> Publishable:
    """Return `data` if it is `Publishable`; otherwise raise `PrivacyError`."""
    if not isinstance(data, Publishable):
        raise PrivacyError(
            f"{what} darf nur Daten zeigen, die die Geheimhaltungsprüfung durchlaufen haben. "
            "Rufen Sie zuerst `privacy.protect(...)` auf.")
    return data


def protect(frame: pd.DataFrame, *, counts: Sequence[str] = (),
            rates: dict[str, tuple[str | None, str]] | None = None,
            groups: Sequence[str] | None = None, threshold: int = DEFAULT_THRESHOLD,
            min_denominator: float = DEFAULT_MIN_DENOMINATOR) -> Publishable:
    """Suppress small person counts and the rates built on them.

    Parameters
    ----------
    counts
        Columns holding counts of persons.
    rates
        ``rate column → (numerator count column or None, denominator count column)``.
    groups
        Columns defining groups whose totals are published (secondary suppression runs within
        each group); None means the whole frame is one group.
    """
    out = frame.copy()
    mask = pd.DataFrame(False, index=out.index, columns=list(counts) + list(rates or {}))
    for col in counts:
        values = out[col]
        primary = (values > 0) & (values < threshold)
        mask[col] = _secondary(values, primary, out, groups)
    for rate, (numerator, denominator) in (rates or {}).items():
        hidden = out[denominator].isna() | (out[denominator] < min_denominator)
        if numerator is not None and numerator in mask:
            hidden |= mask[numerator]
        if denominator in mask:
            hidden |= mask[denominator]
        mask[rate] = hidden & out[rate].notna()
    for col in mask.columns:
        out[col] = out[col].astype(float).where(~mask[col], np.nan)
    rule = (f"Fallzahlen von 1 bis {threshold - 1} Personen und Quoten mit weniger als "
            f"{min_denominator:g} Personen im Nenner werden nicht ausgewiesen („.“); damit "
            "Summen sie nicht verraten, wird je Gruppe ein weiterer Wert geschwärzt.")
    return Publishable(out, mask, rule, tuple(mask.columns))


def _secondary(values: pd.Series, primary: pd.Series, frame: pd.DataFrame,
               groups: Sequence[str] | None) -> pd.Series:
    mask = primary.copy()
    keys = [pd.Series(0, index=frame.index)] if not groups else [frame[g] for g in groups]
    for _, index in values.groupby(keys).groups.items():
        part = mask.loc[index]
        if part.sum() == 1:
            candidates = values.loc[index][(~part) & (values.loc[index] > 0)]
            if not candidates.empty:
                mask.loc[candidates.idxmin()] = True
    return mask

"""Area codes, the area hierarchy, and area changes over time (pure functions).

Areas change: Eisenach (16056) joined the Wartburgkreis (16063) on 1 July 2021, and its
municipality key changed from 16056000 to 16063105. Data published under an old code before
such a change is attributed to today's area with `harmonise`, so that time series stay
comparable on today's areas. Counts are summed; rates must be recomputed from their summed
numerators and denominators by the caller (never averaged).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from monitoring.errors import AreaError
from monitoring.periods import Quarter

_CODE = re.compile(r"^\d{2}(\d{3}(\d{3})?)?$|^\d{12}$")


def check_code(code: object) -> str:
    """Return `code` as a canonical string, or raise `AreaError` explaining the allowed forms."""
    text = str(code).strip()
    if not _CODE.match(text):
        raise AreaError(
            f"„{code}“ ist kein gültiger amtlicher Gebietsschlüssel. Erlaubt sind Ziffernfolgen: "
            "2 Stellen (Land, z. B. 16), 5 Stellen (Kreis, z. B. 16070), 8 Stellen (Gemeinde, "
            "z. B. 16070004) oder 12 Stellen (Regionalschlüssel). Schlüssel sind Text: eine "
            "führende Null darf nicht fehlen."
        )
    return text


def code_from_parameter(value: object) -> str:
    """A notebook's ``area_code`` parameter as a canonical code string.

    papermill passes text; ``quarto render -P area_code:16051`` passes YAML, so a code arrives
    as an integer – without the leading zero of Länder 01–09, which is restored (a code of
    1, 4, 7 or 11 digits gets it back). Anything else is refused with `AreaError`.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise AreaError(
            f"Der Parameter area_code muss ein amtlicher Gebietsschlüssel sein, z. B. "
            f"\"16070\" (Text) oder 16070; erhalten: {value!r} ({type(value).__name__}). "
            "Mit Quarto: `-P area_code:16070`.")
    if isinstance(value, int) and value >= 0:
        text = str(value)
        return check_code("0" + text if len(text) in (1, 4, 7, 11) else text)
    return check_code(value)


PARTIAL = "teilausgliederung"


def successor_map(changes: pd.DataFrame) -> dict[str, list[tuple[date, str]]]:
    """old code → [(effective date, new code)] from an ``area_change`` table.

    Partial changes (kind ``teilausgliederung``: only part of the old area moved) are not
    successions; `split_partial` handles them.
    """
    out: dict[str, list[tuple[date, str]]] = {}
    for row in changes.itertuples(index=False):
        if getattr(row, "kind", None) == PARTIAL:
            continue
        effective = pd.Timestamp(row.effective).date()
        out.setdefault(str(row.old_code), []).append((effective, str(row.new_code)))
    for entries in out.values():
        entries.sort()
    return out


def current_code(code: str, on: date, changes: dict[str, list[tuple[date, str]]]) -> str:
    """The code under which data recorded for `code` on date `on` is reported today.

    Follows chains of changes (A → B → C); a change applies only to data dated before it.
    """
    seen: set[str] = set()
    while code in changes and code not in seen:
        seen.add(code)
        later = [(eff, new) for eff, new in changes[code] if on < eff]
        if not later:
            break
        code = later[0][1]
    return code


def harmonise(frame: pd.DataFrame, changes: pd.DataFrame, *, code_col: str = "area_code",
              period_col: str = "period") -> pd.DataFrame:
    """A copy of `frame` with area codes replaced by today's codes (see module docstring).

    The reference date of a row is the last day of its quarter in `period_col`. Only rows
    whose code has a successor are looked at, and each (code, quarter) pair once.
    """
    lookup = successor_map(changes)
    out = frame.copy()
    if not lookup or out.empty:
        return out
    ends = {p: Quarter.parse(p).end for p in out[period_col].unique()}
    codes = out[code_col].to_numpy(dtype=object, copy=True)
    with_successor = [c for c in pd.unique(codes) if str(c) in lookup]
    hit = pd.Series(codes).isin(with_successor).to_numpy()
    if hit.any():
        pairs = list(zip((str(c) for c in codes[hit]), out[period_col].to_numpy()[hit],
                         strict=True))
        today = {pair: current_code(pair[0], ends[pair[1]], lookup) for pair in set(pairs)}
        codes[hit] = [today[pair] for pair in pairs]
    out[code_col] = list(codes)
    return out


def todays_code(code: str, changes: dict[str, list[tuple[date, str]]]) -> str:
    """The code of the area that today contains the place recorded under `code`.

    Unlike `current_code` (for figures, which belong to a date) this follows every whole-area
    change, whatever its date: an offer located in a Gemeinde that has since merged is located
    in the merged Gemeinde today.
    """
    seen: set[str] = set()
    while code in changes and code not in seen:
        seen.add(code)
        code = changes[code][0][1]
    return code


def located_today(frame: pd.DataFrame, changes: pd.DataFrame, *,
                  code_col: str = "area_code") -> pd.DataFrame:
    """A copy of `frame` whose `code_col` names the area that holds each place today
    (`todays_code`): offers or sites recorded under a merged-away Gemeinde count for the
    Gemeinde it went into, not for an area that no longer exists."""
    lookup = successor_map(changes)
    out = frame.copy()
    if not lookup or out.empty:
        return out
    out[code_col] = [todays_code(str(c), lookup) if str(c) in lookup else c
                     for c in out[code_col]]
    return out


# -- area versions ended by whole-area changes ------------------------------------------------
ENDED_BY_CHANGE = "gebietsaenderung"
"""`area.end_reason`: the version ends the day before a whole-area change of its code."""
ENDED_MISSING_FROM_FILE = "fehlt_in_gebietsdatei"
"""`area.end_reason`: a boundary file of the next day's Gebietsstand no longer had the area."""
END_REASONS = {
    ENDED_BY_CHANGE: "Gebietsänderung (zusammenschluss, eingliederung oder umschluesselung)",
    ENDED_MISSING_FROM_FILE: "fehlt in einer Gebietsdatei neueren Stands",
}


def whole_change_dates(changes: pd.DataFrame) -> dict[str, date]:
    """old code → effective date of its (earliest) whole-area change in an ``area_change`` table.

    From that date the old area no longer exists; partial changes (``teilausgliederung``) leave
    it in place and are not listed.
    """
    out: dict[str, date] = {}
    for row in changes.itertuples(index=False):
        if getattr(row, "kind", None) == PARTIAL:
            continue
        effective = pd.Timestamp(row.effective).date()
        code = str(row.old_code)
        if code not in out or effective < out[code]:
            out[code] = effective
    return out


def _day_or_none(value: object) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def apply_change_endings(versions: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Area versions with the ends that the whole-area changes in `changes` give them (a copy).

    Why: an area that merged into another (zusammenschluss, eingliederung) or got a new key
    (umschluesselung) on date D no longer exists from D; if its version stayed open it would
    show as a current area without offers or population in lists, maps and coverage tables.

    `versions` has ``area_code``, ``valid_from``, ``valid_to`` and ``end_reason`` (one row per
    area version, any level). Rules, so that the result depends only on the changes held and
    can be undone exactly:

    * a version that starts before D and would otherwise still be valid on D ends on D − 1,
      ``end_reason`` = `ENDED_BY_CHANGE`; one that already ends on D − 1 without a reason gets
      that reason (it is the change that ends it);
    * a version with `ENDED_BY_CHANGE` whose change is no longer held (or now has another
      date) gets its natural end back: the day before the code's next version, else open;
    * partial changes (``teilausgliederung``) end nothing; other reasons are kept unless a
      change ends the version earlier.

    Returns `versions` with ``valid_to`` (`datetime.date` or None) and ``end_reason`` set.
    """
    out = versions.copy()
    ends = whole_change_dates(changes)
    starts = [_day_or_none(v) for v in out["valid_from"]]
    old_to = [_day_or_none(v) for v in out["valid_to"]]
    reasons = [None if r is None or pd.isna(r) else str(r) for r in out["end_reason"]]
    codes = [str(c) for c in out["area_code"]]
    following: dict[int, date | None] = {}
    by_code: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        by_code.setdefault(code, []).append(i)
    for rows in by_code.values():
        rows.sort(key=lambda i: starts[i])  # type: ignore[arg-type, return-value]  # every version has a start
        for here, nxt in zip(rows, [*rows[1:], None], strict=True):
            following[here] = None if nxt is None else starts[nxt]
    new_to: list[date | None] = []
    new_reason: list[str | None] = []
    for i, code in enumerate(codes):
        end, reason = old_to[i], reasons[i]
        if reason == ENDED_BY_CHANGE:  # undo our own ending first; the change may be gone
            next_start = following[i]
            end, reason = (None if next_start is None else next_start - timedelta(days=1)), None
        effective = ends.get(code)
        start = starts[i]
        if effective is not None and start is not None and start < effective:
            eve = effective - timedelta(days=1)
            if end is None or end > eve:
                end, reason = eve, ENDED_BY_CHANGE
            elif end == eve and reason is None:
                reason = ENDED_BY_CHANGE
        new_to.append(end)
        new_reason.append(reason)
    out["valid_to"] = pd.Series(new_to, index=out.index, dtype=object)
    out["end_reason"] = pd.Series(new_reason, index=out.index, dtype=object)
    return out


def split_partial(frame: pd.DataFrame, changes: pd.DataFrame, *, values: Sequence[str],
                  code_col: str = "area_code", period_col: str = "period",
                  flag_col: str | None = None) -> pd.DataFrame:
    """Re-attribute counts of areas that lost a part (e.g. a Gemeinde changing Kreis).

    Rule: for a change of kind ``teilausgliederung`` with ``share`` s (the moving part's share of
    the old area's population at the last date before the change), every count of the old area
    dated before the change is split: s × value goes to the new area, (1 − s) × value stays.
    Rates are recomputed from the split numerators and denominators, i.e. the moving part is
    assumed to have the old area's rate — the only assumption possible without data for the
    part itself; such rows are flagged ``anteilig umgerechnet``. Without a share the counts
    cannot be re-attributed: they become missing, flagged ``Anteil unbekannt`` (not guessed).
    """
    if changes.empty or "kind" not in changes or not (changes["kind"] == PARTIAL).any():
        return frame
    out = frame.copy()
    ends = {p: Quarter.parse(p).end for p in out[period_col].unique()}
    extra = []
    for change in changes[changes["kind"] == PARTIAL].itertuples(index=False):
        effective = pd.Timestamp(change.effective).date()
        before = out[period_col].map({p: end < effective for p, end in ends.items()}) \
            .astype(bool)
        share = getattr(change, "share", None)
        for code, part in ((change.old_code, 1.0), (change.new_code, 0.0)):
            mask = (out[code_col] == str(code)) & before
            if share is None or pd.isna(share):
                out.loc[mask, list(values)] = float("nan")
                if flag_col:
                    out.loc[mask, flag_col] = "Anteil unbekannt"
            elif part:
                moved = out[mask].copy()
                moved[code_col] = str(change.new_code)
                moved[list(values)] = moved[list(values)] * float(share)
                out.loc[mask, list(values)] = out.loc[mask, list(values)] * (1 - float(share))
                if flag_col:
                    moved[flag_col] = "anteilig umgerechnet"
                    out.loc[mask, flag_col] = "anteilig umgerechnet"
                extra.append(moved)
    return pd.concat([out, *extra], ignore_index=True) if extra else out


def harmonise_sum(frame: pd.DataFrame, changes: pd.DataFrame, *, keys: Sequence[str],
                  values: Sequence[str], code_col: str = "area_code",
                  period_col: str = "period") -> pd.DataFrame:
    """`harmonise`, then sum `values` over rows that now share the same `keys`.

    A sum is missing (NaN) when any of its parts is missing: adding a known part to an
    unknown one must not pretend to be a total.
    """
    split = split_partial(frame, changes, values=values, code_col=code_col,
                          period_col=period_col)
    recoded = harmonise(split, changes, code_col=code_col, period_col=period_col)
    return recoded.groupby(list(keys), as_index=False, sort=True)[list(values)].sum(skipna=False)


def ancestors(areas: pd.DataFrame) -> dict[str, str | None]:
    """code → parent code, over every version of every area (later versions win)."""
    ordered = areas.sort_values("valid_from") if "valid_from" in areas else areas
    return {str(c): (None if pd.isna(p) else str(p))
            for c, p in zip(ordered["area_code"], ordered["parent_code"], strict=True)}


def roll_up(codes: Iterable[str], parents: dict[str, str | None],
            targets: set[str]) -> list[str | None]:
    """For each code, the first area in `targets` met on the way up the hierarchy (or None)."""
    out: list[str | None] = []
    for code in codes:
        current: str | None = str(code)
        steps = 0
        while current is not None and current not in targets and steps < 10:
            current = parents.get(current)
            steps += 1
        out.append(current if current in targets else None)
    return out


@dataclass(frozen=True)
class Scope:
    """What a store reports on: one Land (two-digit code) or, with ``land`` None, Germany
    (every Land its own state); optionally the store's own Kreis (five-digit code)."""

    land: str | None
    kreis: str | None = None

    def covers(self, code: str) -> bool:
        """True when the area `code` lies in the scope's Land (always for a national scope)."""
        return self.land is None or str(code).startswith(self.land)

    def state_of(self, code: str) -> str:
        """The Land whose state value an area is compared with."""
        return self.land or str(code)[:2]


def scope_from_codes(kreis_codes: Iterable[str], *, has_land_16: bool) -> Scope:
    """The scope of a store made before scopes were stored: Land 16 when it holds the area
    "16" (the packaged geography), else the one Land of its Kreise, else national."""
    if has_land_16:
        return Scope("16")
    lands = {str(c)[:2] for c in kreis_codes}
    return Scope(lands.pop()) if len(lands) == 1 else Scope(None)

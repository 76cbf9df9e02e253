"""Network indicators (pure functions, no I/O).

From actors, meetings and who took part: meetings per quarter, the share of network members
active (took part in a meeting) in the twelve months before a reference date, and volunteers
per 100 persons of a target group.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from monitoring.periods import Quarter


def meetings_per_quarter(meetings: pd.DataFrame, first: Quarter, last: Quarter) -> pd.DataFrame:
    """``period, meetings, network_meetings, group_meetings`` for every quarter first..last."""
    from monitoring.periods import quarter_range

    days = pd.to_datetime(meetings["meeting_date"])
    period = [str(Quarter.of(d.date())) for d in days]
    frame = meetings.assign(period=period, group=meetings["group_id"].notna())
    rows = []
    for q in quarter_range(first, last):
        part = frame[frame["period"] == str(q)]
        rows.append((str(q), len(part), int((~part["group"]).sum()), int(part["group"].sum())))
    return pd.DataFrame(rows, columns=["period", "meetings", "network_meetings",
                                       "group_meetings"])


def active_share(actors: pd.DataFrame, meetings: pd.DataFrame, participants: pd.DataFrame,
                 on: date) -> dict[str, float]:
    """Network members that took part in at least one meeting in the year up to `on`.

    Returns ``members``, ``active`` and ``share`` (0–1; NaN without members).
    """
    members = set(actors.loc[actors["network_member"].astype(bool), "actor_id"])
    days = pd.to_datetime(meetings["meeting_date"]).dt.date
    recent = meetings.loc[((days > on - timedelta(days=365)) & (days <= on)).to_numpy(),
                          "meeting_id"]
    active = set(participants.loc[participants["meeting_id"].isin(recent), "actor_id"]) & members
    share = len(active) / len(members) if members else float("nan")
    return {"members": float(len(members)), "active": float(len(active)), "share": share}


def volunteers_per_100(actors: pd.DataFrame, target_population: float) -> dict[str, float]:
    """Volunteers reported by the actors per 100 persons of the target group."""
    volunteers = float(pd.to_numeric(actors["volunteers"], errors="coerce").fillna(0).sum())
    rate = volunteers / target_population * 100 if target_population > 0 else np.nan
    return {"volunteers": volunteers, "population": float(target_population), "per_100": rate}

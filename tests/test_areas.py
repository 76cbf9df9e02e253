from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring.core.areas import check_code, current_code, harmonise, harmonise_sum, successor_map
from monitoring.errors import AreaError
from monitoring.io.geography import AREA_CHANGES
from monitoring.periods import Quarter
from monitoring.store.database import open_store


def test_eisenach_data_before_the_merger_is_attributed_to_wartburgkreis() -> None:
    frame = pd.DataFrame({
        "area_code": ["16056", "16063", "16056", "16063", "16051"],
        "period": ["2021-Q2", "2021-Q2", "2021-Q3", "2021-Q3", "2021-Q2"],
        "value": [100.0, 300.0, 7.0, 410.0, 50.0],
    })
    out = harmonise_sum(frame, AREA_CHANGES, keys=["area_code", "period"], values=["value"])
    got = {(r.area_code, r.period): r.value for r in out.itertuples()}
    # Q2 2021 (before 1 July 2021): both parts summed on today's Wartburgkreis.
    assert got[("16063", "2021-Q2")] == 400.0
    # From Q3 2021 a record under the old key is not re-attributed (it is a data error).
    assert got[("16056", "2021-Q3")] == 7.0 and got[("16063", "2021-Q3")] == 410.0
    assert got[("16051", "2021-Q2")] == 50.0
    assert frame["area_code"].tolist()[0] == "16056"  # input not mutated


def test_municipality_key_of_eisenach_changes_and_chains_are_followed() -> None:
    lookup = successor_map(AREA_CHANGES)
    assert current_code("16056000", date(2020, 12, 31), lookup) == "16063105"
    assert current_code("16063105", date(2024, 12, 31), lookup) == "16063105"
    chain = pd.DataFrame({"old_code": ["A", "B"], "new_code": ["B", "C"],
                          "effective": [date(2019, 1, 1), date(2022, 1, 1)]})
    assert current_code("A", date(2018, 6, 30), successor_map(chain)) == "C"
    assert current_code("A", date(2020, 6, 30), successor_map(chain)) == "A"


def test_a_missing_part_makes_the_sum_missing() -> None:
    frame = pd.DataFrame({"area_code": ["16056", "16063"], "period": ["2020-Q4"] * 2,
                          "value": [np.nan, 5.0]})
    out = harmonise(frame, AREA_CHANGES)
    assert set(out["area_code"]) == {"16063"}
    summed = harmonise_sum(frame, AREA_CHANGES, keys=["area_code", "period"], values=["value"])
    assert summed["value"].isna().all()


@pytest.mark.parametrize("bad", ["1607", "16070OO4", "", "16 070", 16070.5])
def test_malformed_codes_are_refused(bad: object) -> None:
    with pytest.raises(AreaError, match="führende Null"):
        check_code(bad)


def test_reference_geography_models_the_merger(demo_store_path: Path) -> None:
    with open_store(demo_store_path) as store:
        today = store.read_areas(level="kreis")
        assert len(today) == 22 and "16056" not in set(today["area_code"])
        before = store.read_areas(level="kreis", on=date(2021, 6, 30))
        assert len(before) == 23
        after = store.read_areas(level="kreis", on=date(2021, 7, 1))
        assert len(after) == 22
        wak_old = before.set_index("area_code").geometry["16063"]
        wak_new = after.set_index("area_code").geometry["16063"]
        eisenach = before.set_index("area_code").geometry["16056"]
        assert wak_new.area == pytest.approx(wak_old.area + eisenach.area, rel=1e-3)
        gemeinden = store.read_areas(level="gemeinde")
        assert "16063105" in set(gemeinden["area_code"])
        assert "16056000" not in set(gemeinden["area_code"])
        assert gemeinden.set_index("area_code").loc["16063105", "parent_code"] == "16063"
        # Every municipality lies in its district.
        kreise = today.set_index("area_code").geometry
        inside = [kreise[p].buffer(1).contains(g.representative_point())
                  for g, p in zip(gemeinden.geometry, gemeinden["parent_code"], strict=True)]
        assert all(inside)


CODES = ["16051", "16052", "16053", "16054"]
PERIODS = [str(Quarter(2019, 1) + i) for i in range(8)]


@settings(max_examples=examples(200), deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from(PERIODS)), max_size=30),
       changes=st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from(CODES),
                                  st.sampled_from([date(2019, 6, 30), date(2019, 7, 1),
                                                   date(2020, 2, 14), date(2021, 1, 1)])),
                        max_size=4))
def test_harmonise_equals_the_row_by_row_definition(rows: list[tuple[str, str]],
                                                    changes: list[tuple]) -> None:
    """Chains, changes dated on a quarter's last day and codes changed twice included."""
    frame = pd.DataFrame(rows, columns=["area_code", "period"]).assign(value=range(len(rows)))
    table = pd.DataFrame(changes, columns=["old_code", "new_code", "effective"])
    lookup = successor_map(table)
    expected = frame.copy()
    if rows:
        expected["area_code"] = [current_code(c, Quarter.parse(p).end, lookup) if c in lookup else c
                                 for c, p in zip(frame["area_code"], frame["period"],
                                                 strict=True)]
    pd.testing.assert_frame_equal(harmonise(frame, table), expected)

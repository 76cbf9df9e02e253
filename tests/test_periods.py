from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitoring.errors import PeriodError
from monitoring.periods import Quarter, quarter_range


@pytest.mark.parametrize("text", ["2025-Q5", "Q4/2025", "2025-Q0", "2025Q4", "", "2025-q4",
                                  "25-Q4", "1899-Q1"])
def test_malformed_periods_are_refused_with_the_allowed_form(text: str) -> None:
    with pytest.raises(PeriodError) as info:
        Quarter.parse(text)
    assert "2025-Q4" in str(info.value)  # the message shows a valid example


def test_quarter_dates_and_labels() -> None:
    q = Quarter.parse("2025-Q4")
    assert (q.start, q.end) == (date(2025, 10, 1), date(2025, 12, 31))
    assert Quarter.parse("2024-Q1").end == date(2024, 3, 31)
    assert q.label_de() == "4. Quartal 2025"
    assert str(q + 1) == "2026-Q1" and str(q - 4) == "2024-Q4"
    assert Quarter.of(date(2021, 7, 1)) == Quarter(2021, 3)
    assert [str(x) for x in quarter_range(Quarter(2024, 3), Quarter(2025, 1))] == [
        "2024-Q3", "2024-Q4", "2025-Q1"]


@given(st.integers(1990, 2100), st.integers(1, 4))
def test_parse_round_trips(year: int, quarter: int) -> None:
    q = Quarter(year, quarter)
    assert Quarter.parse(str(q)) == q
    assert Quarter.of(q.start) == q == Quarter.of(q.end)


@given(st.text(max_size=12))
def test_parser_never_crashes_with_anything_but_period_error(text: str) -> None:
    try:
        q = Quarter.parse(text)
    except PeriodError:
        return
    assert str(q) == text.strip()

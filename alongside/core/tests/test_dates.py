import datetime as dt

import pytest

from alongside.core.dates import add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 3, 15), -3, dt.date(2025, 12, 15)),
        (dt.date(2026, 5, 31), -1, dt.date(2026, 4, 30)),
        (dt.date(2026, 12, 1), 0, dt.date(2026, 12, 1)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected

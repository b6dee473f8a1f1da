"""Report and complaint numbers (claims_api/domain/numbering.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from claims_api.domain import numbering

DAY = date(2026, 10, 15)


def test_next_number_starts_at_one() -> None:
    assert numbering.next_number("BA", DAY, []) == "BA20261015000001"


def test_next_number_follows_the_highest_of_the_day() -> None:
    taken = ["BA20261015000007", "BA20261015000003", "BA20261014000999"]
    assert numbering.next_number("BA", DAY, taken) == "BA20261015000008"


def test_next_number_skips_reserved_demo_numbers() -> None:
    taken = ["BA20261015000100"]
    reserved = ["BA20261015000101", "BA20261015000102", "BA20261101000233"]
    assert numbering.next_number("BA", DAY, taken, reserved) == "BA20261015000103"


def test_next_number_complaints_use_ts_prefix() -> None:
    assert numbering.next_number("TS", DAY, []) == "TS20261015000001"


def test_next_number_overflow_is_refused() -> None:
    with pytest.raises(OverflowError):
        numbering.next_number("BA", DAY, ["BA20261015999999"])


def test_local_day_is_shanghai() -> None:
    assert numbering.local_day(datetime(2026, 10, 14, 16, 30, tzinfo=timezone.utc)) == DAY
    assert numbering.local_day(datetime(2026, 10, 14, 15, 59, tzinfo=timezone.utc)) == date(2026, 10, 14)


def test_report_number_pattern() -> None:
    assert numbering.REPORT_NO_RE.match("BA20261015000101")
    assert not numbering.REPORT_NO_RE.match("BA2026101500010")

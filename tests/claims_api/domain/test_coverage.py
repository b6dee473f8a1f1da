"""First-view coverage check (claims_api/domain/coverage.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from claims_api.domain import coverage
from claims_api.domain.coverage import CoverageReason, PolicyTerms

SH = ZoneInfo("Asia/Shanghai")
VEHICLE = PolicyTerms(
    product="机动车综合商业保险",
    line="vehicle",
    status="active",
    start_date=date(2026, 3, 1),
    end_date=date(2027, 2, 28),
    coverages=("交强险", "车辆损失险", "第三者责任险", "车上人员责任险"),
)


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_check_covered_inside_period() -> None:
    result = coverage.check(VEHICLE, _at(2026, 11, 21, 15), "vehicle")
    assert (result.covered, result.in_force, result.line_covers, result.reason) == (True, True, True, None)
    assert "以理赔审核结果为准" in result.explanation_zh


def test_check_expired_cites_the_period() -> None:
    result = coverage.check(VEHICLE, _at(2027, 3, 1, 0, 0), "vehicle")
    assert result.reason == CoverageReason.expired and not result.in_force and not result.covered
    assert "2026年3月1日至2027年2月28日" in result.explanation_zh
    assert "不在保险期间内" in result.explanation_zh


def test_check_last_day_is_covered_until_midnight_shanghai() -> None:
    assert coverage.check(VEHICLE, _at(2027, 2, 28, 23, 59), "vehicle").covered
    # 16:30 UTC is already the next day in Shanghai.
    late = datetime(2027, 2, 28, 16, 30, tzinfo=timezone.utc)
    assert coverage.check(VEHICLE, late, "vehicle").reason == CoverageReason.expired


def test_check_not_yet_in_force() -> None:
    result = coverage.check(VEHICLE, _at(2026, 2, 28, 12), "vehicle")
    assert result.reason == CoverageReason.not_yet_in_force
    assert "生效之前" in result.explanation_zh


def test_check_cancelled_policy() -> None:
    cancelled = PolicyTerms(**{**VEHICLE.__dict__, "status": "cancelled"})
    result = coverage.check(cancelled, _at(2026, 11, 21, 15), "vehicle")
    assert result.reason == CoverageReason.cancelled and not result.in_force
    assert "退保" in result.explanation_zh


def test_check_line_mismatch_names_the_product() -> None:
    result = coverage.check(VEHICLE, _at(2026, 11, 21, 15), "property")
    assert result.reason == CoverageReason.line_mismatch
    assert result.in_force and not result.line_covers and not result.covered
    assert "机动车综合商业保险" in result.explanation_zh and "财产损失" in result.explanation_zh


def test_line_covers_vehicle_injury_only_with_occupant_cover() -> None:
    assert coverage.line_covers(VEHICLE, "injury")
    without = PolicyTerms(**{**VEHICLE.__dict__, "coverages": ("交强险", "车辆损失险")})
    assert not coverage.line_covers(without, "injury")
    assert not coverage.line_covers(VEHICLE, "medical")


def test_line_covers_injury_line_medical_with_accident_medical() -> None:
    injury = PolicyTerms("综合意外伤害保险", "injury", "active", date(2026, 1, 1), date(2026, 12, 31), ("意外身故/伤残", "意外医疗"))
    assert coverage.line_covers(injury, "injury") and coverage.line_covers(injury, "medical")
    assert not coverage.line_covers(injury, "vehicle")
    no_medical = PolicyTerms(**{**injury.__dict__, "coverages": ("意外身故/伤残",)})
    assert not coverage.line_covers(no_medical, "medical")


def test_line_covers_medical_and_property_lines_only_their_type() -> None:
    medical = PolicyTerms("百万医疗保险", "medical", "active", date(2026, 1, 1), date(2026, 12, 31), ("住院医疗",))
    assert coverage.line_covers(medical, "medical") and not coverage.line_covers(medical, "injury")
    prop = PolicyTerms("家庭财产综合保险", "property", "active", date(2026, 1, 1), date(2026, 12, 31), ("水管爆裂",))
    assert coverage.line_covers(prop, "property") and not coverage.line_covers(prop, "vehicle")

"""Masking of personal data (claims_api/domain/masking.py)."""

from __future__ import annotations

import pytest

from claims_api.domain.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [("王建国", "王*国"), ("李娜", "李*"), ("欧阳娜娜", "欧**娜"), ("张", "*"), ("", ""), (None, None)],
)
def test_mask_name(name: str | None, masked: str | None) -> None:
    assert mask_name(name) == masked


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12") == "**"
    assert mask_phone("0105551234") == "********34"
    assert mask_phone(None) is None


def test_mask_id_number_keeps_only_ends() -> None:
    masked = mask_id_number("110105198003071234")
    assert masked == "1" + "*" * 16 + "4"
    assert "19800307" not in masked  # type: ignore[operator]

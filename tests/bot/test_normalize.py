import pytest

from bot import normalize


@pytest.mark.parametrize("raw, expected", [
    ("pdaa 2026 0301 0000 001234", "PDAA202603010000001234"),
    ("PDAA-2026-0301-0000-001234", "PDAA202603010000001234"),
    ("ＰＤＡＡ２０２６０３０１００００００１２３４", "PDAA202603010000001234"),
    ("PDAA20260301000000123", None),  # one digit short
])
def test_normalize_policy_number(raw, expected):
    assert normalize.normalize_policy_number(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("138-1234-5678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("+86 13812345678", "13812345678"),
    ("12812345678", None),
    ("1381234567", None),
])
def test_normalize_phone_number(raw, expected):
    assert normalize.normalize_phone_number(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("沪B·67890", "沪B67890"),
    ("粤bd12345", "粤BD12345"),
    ("京A 12345", "京A12345"),
    ("京A1234", None),
])
def test_normalize_plate_number(raw, expected):
    assert normalize.normalize_plate_number(raw) == expected


def test_normalize_id_number_uppercases_check_letter():
    assert normalize.normalize_id_number("42010619700101111x") == "42010619700101111X"


@pytest.mark.parametrize("value, valid", [
    ("110105198003071234", True),   # demo data: valid check digit
    ("440305197511207890", True),   # a district code stdnum does not list
    ("42010619700101111X", True),
    ("110105198003071235", False),  # wrong check digit
    ("110105198013071234", False),  # month 13
])
def test_id_number_is_valid(value, valid):
    assert normalize.id_number_is_valid(value) is valid

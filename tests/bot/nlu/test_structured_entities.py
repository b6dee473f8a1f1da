import pytest

from bot.nlu.structured_entities import extract_structured


def values(text, patterns):
    return {e["entity"]: e["value"] for e in extract_structured(text, patterns)}


def test_extract_policy_number_with_spaces(compiled_patterns):
    text = "保单号pdaa 2026 0301 0000 001234，麻烦快点"
    (entity,) = extract_structured(text, compiled_patterns)
    assert entity["entity"] == "policy_number"
    assert entity["value"] == "PDAA202603010000001234"
    assert text[entity["start"]:entity["end"]] == "pdaa 2026 0301 0000 001234"


def test_extract_every_structured_entity_from_one_message(compiled_patterns):
    text = "报案号BA20261015000101 电话138-1234-5678 车牌沪B·67890 身份证42010619700101111x"
    assert values(text, compiled_patterns) == {
        "report_number": "BA20261015000101",
        "phone_number": "13812345678",
        "plate_number": "沪B67890",
        "id_number": "42010619700101111X",
    }


def test_new_energy_plate(compiled_patterns):
    assert values("车牌粤BD12345被刮了", compiled_patterns) == {"plate_number": "粤BD12345"}


@pytest.mark.parametrize("text", [
    "身份证130102199001011234",          # an ID starting 13 is not a phone
    "保单号PDAA202603010000001234",      # digits inside a policy number are not a phone
])
def test_phone_not_found_inside_longer_numbers(text, compiled_patterns):
    assert "phone_number" not in values(text, compiled_patterns)


def test_too_short_phone_is_not_extracted(compiled_patterns):
    assert values("电话1381234567", compiled_patterns) == {}

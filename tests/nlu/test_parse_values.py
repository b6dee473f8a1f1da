"""Entity values in the contract's forms (shared/contract.md §3), through the trained model."""
from pathlib import Path

import yaml

CASES = yaml.safe_load(Path(__file__).with_name("entity_values.yml").read_text(encoding="utf-8"))
MIN_CASE_ACCURACY = 0.90


def first_values(result: dict) -> dict:
    values = {}
    for entity in result["entities"]:
        values.setdefault(entity["entity"], entity["value"])
    return values


def test_issue_example_parses_to_contract_values(parse):
    text = "我昨天下午三点在朝阳区建国路被追尾了，保单号pdaa 2026 0301 0000 001234"
    result = parse(text)
    values = first_values(result)
    assert result["intent"]["name"] == "report_claim"
    assert values["incident_time"] == "2026-11-21T15:00:00+08:00"
    assert values["claim_type"] == "vehicle"
    assert values["policy_number"] == "PDAA202603010000001234"
    assert "建国路" in values["incident_place"]


def test_traditional_chinese_parses_like_simplified(parse):
    simplified = parse("我要报案，车被撞了，保单号PDAA202603010000001234")
    traditional = parse("我要報案，車被撞了，保單號PDAA202603010000001234")
    assert traditional["intent"]["name"] == simplified["intent"]["name"] == "report_claim"
    assert first_values(traditional) == first_values(simplified)


def test_incident_time_resolves_against_the_message_time(parse):
    values = first_values(parse("昨天下午三点", message_time="2026-12-01T09:00:00+08:00"))
    assert values["incident_time"] == "2026-11-30T15:00:00+08:00"


def test_entity_value_cases(parse):
    failures = []
    for case in CASES:
        values = {}
        for entity in parse(case["text"])["entities"]:
            values.setdefault(entity["entity"], []).append(entity["value"])
        for name, expected in (case.get("entities") or {}).items():
            got = values.get(name, [])
            ok = (any(str(expected) in str(v) for v in got) if name in ("incident_place", "person_name")
                  else str(expected) in [str(v) for v in got])
            if not ok:
                failures.append(f"{case['text']!r}: {name} expected {expected!r}, got {got!r}")
        for name in case.get("absent") or []:
            if name in values:
                failures.append(f"{case['text']!r}: {name} should be absent, got {values[name]!r}")
    accuracy = 1 - len(failures) / max(1, sum(len(c.get("entities") or {}) + len(c.get("absent") or []) for c in CASES))
    print(f"entity value accuracy {accuracy:.3f} over {len(CASES)} cases")
    assert accuracy >= MIN_CASE_ACCURACY, "\n".join(failures)

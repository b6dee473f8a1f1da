from bot.nlu.entity_cleanup import clean_entities


def entity(name, start, end, value, extractor):
    return {"entity": name, "start": start, "end": end, "value": value, "extractor": extractor}


def test_structured_entity_wins_over_overlapping_diet_entity():
    text = "在朝阳区电话13812345678"
    entities = [
        entity("incident_place", 1, 17, "朝阳区电话13812345678", "DIETClassifier"),
        entity("phone_number", 6, 17, "13812345678", "StructuredEntityExtractor"),
    ]
    assert clean_entities(text, entities) == [entities[1]]


def test_place_mapped_to_a_claim_type_by_synonyms_keeps_its_text():
    text = "在交警队门口"
    cleaned = clean_entities(text, [entity("incident_place", 1, 6, "vehicle", "DIETClassifier")])
    assert cleaned[0]["value"] == "交警队门口"


def test_diet_never_emits_rule_based_entity_types():
    text = "保单号PDAA202603010000001234"
    cleaned = clean_entities(text, [entity("policy_number", 3, 25, "PDAA", "DIETClassifier")])
    assert cleaned == []


def test_leading_filler_and_punctuation_stripped():
    text = "地点是朝阳区建国路。"
    cleaned = clean_entities(text, [entity("incident_place", 0, 10, "地点是朝阳区建国路。", "DIETClassifier")])
    assert cleaned[0]["value"] == "朝阳区建国路"

from bot.nlu.script_normalizer import to_simplified


def test_traditional_becomes_simplified():
    assert to_simplified("我要報案，保單號，車被撞了") == "我要报案，保单号，车被撞了"


def test_length_is_preserved_for_entity_offsets():
    text = "昨天在臺北車站附近發生車禍，醫療費用怎麼報銷"
    assert len(to_simplified(text)) == len(text)


def test_training_annotations_are_converted_with_their_text():
    """A traditional annotation must not teach EntitySynonymMapper to map simplified
    input to traditional values (it did: 朝阳区建国路 came out as 朝陽區建國路)."""
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.script_normalizer import TraditionalToSimplified

    text = "昨天在朝陽區建國路被追尾了"
    place = {"entity": "incident_place", "start": 3, "end": 9, "value": "朝陽區建國路"}
    synonym = {"entity": "claim_type", "start": 10, "end": 12, "value": "vehicle"}
    example = Message(data={"text": text, "intent": "report_claim", "entities": [place, synonym]})
    TraditionalToSimplified().process_training_data(TrainingData([example]))

    assert example.get("text") == "昨天在朝阳区建国路被追尾了"
    assert example.get("entities")[0]["value"] == "朝阳区建国路"
    assert example.get("entities")[1]["value"] == "vehicle"  # a real synonym stays
    mapper_synonyms = {}  # what EntitySynonymMapper.train learns: span != value
    for entity in example.get("entities"):
        span = example.get("text")[entity["start"]:entity["end"]]
        if span != entity["value"]:
            mapper_synonyms[span] = entity["value"]
    assert mapper_synonyms == {"追尾": "vehicle"}

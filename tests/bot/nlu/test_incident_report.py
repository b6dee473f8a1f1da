from rasa.shared.nlu.training_data.message import Message

from bot.nlu.incident_report import IncidentReportIntent, load_event_cues, tells_incident_report

CUES = load_event_cues()
PLACE = {"entity": "incident_place", "value": "朝阳区建国路", "start": 7, "end": 13}


def parsed(text, intent, entities):
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.9}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": 0.9},
                                   {"name": "report_claim", "confidence": 0.08},
                                   {"name": "greet", "confidence": 0.02}], add_to_output=True)
    message.set("entities", entities, add_to_output=True)
    return message


def test_an_account_with_a_place_is_a_report():
    message = parsed("我昨天下午三点在朝阳区建国路被追尾了，保单号PDAA202603010000001234", "inform", [PLACE])
    IncidentReportIntent(CUES).process([message])
    assert message.get("intent") == {"name": "report_claim", "confidence": 0.9}
    assert [r["name"] for r in message.get("intent_ranking")] == ["report_claim", "inform", "greet"]


def test_a_bare_answer_without_when_or_where_stays_inform():
    message = parsed("后杠撞坏了", "inform", [])
    IncidentReportIntent(CUES).process([message])
    assert message.get("intent")["name"] == "inform"


def test_questions_and_other_intents_are_left_alone():
    assert not tells_incident_report("在建国路被追尾了 要准备什么材料", [PLACE], CUES)
    message = parsed("昨天在朝阳区建国路被追尾了", "query_status", [PLACE])
    IncidentReportIntent(CUES).process([message])
    assert message.get("intent")["name"] == "query_status"


def test_a_place_without_an_event_stays_inform():
    assert not tells_incident_report("在朝阳区建国路", [PLACE], CUES)

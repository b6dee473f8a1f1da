from webapp.agent import transcript


def user(text, emotion=None, **extra):
    entities = [{"entity": "emotion", "value": emotion}] if emotion else []
    return {"event": "user", "text": text, "timestamp": 10.0, "input_channel": "wechat",
            "parse_data": {"intent": {"name": "query_status"}, "entities": entities}, **extra}


def test_transcript_lines_and_emotion_trail():
    events = [
        {"event": "action", "name": "action_listen"},
        user("都一个月了还没赔，你们干什么吃的", "angry"),
        {"event": "bot", "text": "非常理解您的心情", "timestamp": 11.0, "data": {}},
        {"event": "pause", "timestamp": 12.0},
        user("查一下进度", metadata={"redispatched": True}),
        user("/request_human", metadata={"display_text": "转人工客服"}),
        {"event": "bot", "text": "您好，我是小王", "timestamp": 13.0,
         "metadata": {"kind": "agent", "agent_name": "小王"}},
        user("EXTERNAL: EXTERNAL_handoff_ended"),
        {"event": "bot", "text": "请打分", "timestamp": 14.0,
         "data": {"buttons": [{"title": "5分", "payload": "/inform"}]}},
    ]
    lines = transcript.transcript(events)
    assert [(l["sender"], l["text"]) for l in lines] == [
        ("user", "都一个月了还没赔，你们干什么吃的"), ("bot", "非常理解您的心情"),
        ("system", "机器人已暂停，等待人工客服"), ("user", "转人工客服"), ("agent", "您好，我是小王"),
        ("bot", "请打分")]
    assert lines[0]["emotion"] == "angry" and lines[0]["channel"] == "wechat"
    assert lines[4]["agent"] == "小王" and lines[5]["buttons"] == ["5分"]
    trail = transcript.emotion_trail(lines)
    assert trail == [{"timestamp": 10.0, "emotion": "angry", "label": "生气",
                      "text": "都一个月了还没赔，你们干什么吃的"}]


def test_fields_in_order_with_labels_and_report_number():
    slots = {"intake_contact_phone": "13812345678", "intake_policy_number": "PDAA202603010000001234",
             "intake_casualties": False, "requested_slot": "x", "emotion": "angry",
             "status_number": "ba20261015000101", "intake_cause": None}
    assert transcript.fields(slots) == [
        {"slot": "intake_policy_number", "label": "保单号", "value": "PDAA202603010000001234"},
        {"slot": "intake_casualties", "label": "人员伤亡", "value": "否"},
        {"slot": "intake_contact_phone", "label": "联系电话", "value": "13812345678"},
        {"slot": "status_number", "label": "查询的报案号/保单号", "value": "ba20261015000101"}]
    assert transcript.report_number(slots) == "BA20261015000101"
    assert transcript.report_number({"status_number": "PDAA202603010000001234"}) is None

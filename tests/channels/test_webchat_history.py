"""The history the web chat shows after a reload (tracker events + outbound messages)."""
from channels import webchat_history


def test_from_events_user_and_bot_messages() -> None:
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1},
        {"event": "user", "text": "/session_start", "timestamp": 2},
        {"event": "user", "text": "你好", "timestamp": 3, "metadata": {}},
        {"event": "bot", "text": "您好！\n\n请问有什么可以帮您？", "timestamp": 4,
         "data": {"buttons": [{"title": "我要报案", "payload": "/report_claim"}]}},
        {"event": "user", "text": "/report_claim", "timestamp": 5, "metadata": {"display_text": "我要报案"}},
        {"event": "bot", "text": "人工客服小王：您好", "timestamp": 6, "metadata": {"kind": "agent"}},
        {"event": "bot", "text": None, "timestamp": 7, "data": {}},
    ]
    assert webchat_history.from_events(events) == [
        {"sender": "user", "text": "你好", "timestamp": 3.0},
        {"sender": "bot", "text": "您好！", "timestamp": 4.0},
        {"sender": "bot", "text": "请问有什么可以帮您？", "timestamp": 4.0,
         "buttons": [{"title": "我要报案", "payload": "/report_claim"}]},
        {"sender": "user", "text": "我要报案", "timestamp": 5.0},
        {"sender": "agent", "text": "人工客服小王：您好", "timestamp": 6.0},
    ]


def test_merge_with_outbound_in_time_order() -> None:
    tracker = webchat_history.from_events([{"event": "user", "text": "你好", "timestamp": 10}])
    outbound = webchat_history.from_outbound([
        {"id": "a", "text": "人工客服已接入", "kind": "system", "event": "agent_joined", "timestamp": 5},
        {"id": "b", "text": "请稍等", "kind": "agent", "timestamp": 20,
         "quick_replies": [{"title": "好的", "payload": "/affirm"}]},
        {"id": "c", "text": "奇怪的", "kind": "unknown", "timestamp": 30},
    ])
    merged = webchat_history.merge(tracker, outbound, limit=3)
    assert [m["text"] for m in merged] == ["你好", "请稍等", "奇怪的"]
    assert merged[1]["buttons"] == [{"title": "好的", "payload": "/affirm"}]
    assert merged[2]["sender"] == "bot"
    assert webchat_history.merge(tracker, outbound)[0]["event"] == "agent_joined"

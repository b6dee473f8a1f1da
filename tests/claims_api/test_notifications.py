"""claims_api/notifications.py: stream fields and the publish backlog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims_api import crud, models, notifications


def test_stream_fields_are_strings_in_shanghai_time() -> None:
    row = models.Notification(
        id=7, report_no="BA20261122000001", stage="accepted", stage_label_zh="已受理", message_zh="已受理",
        channel=None, conversation_id=None, created_at=datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc),
    )
    fields = notifications.stream_fields(row)
    assert fields == {
        "notification_id": "7", "report_no": "BA20261122000001", "stage": "accepted", "stage_label_zh": "已受理",
        "message_zh": "已受理", "channel": "", "conversation_id": "", "created_at": "2026-11-22T10:00:00+08:00",
    }


def test_publish_pending_stops_at_redis_outage_and_resumes(
    db: Session, redis_client: redis.Redis, file_claim: Callable[..., str], notification_stream  # type: ignore[no-untyped-def]
) -> None:
    report_no = file_claim(conversation_id="conv-backlog", channel="socketio")
    claim = crud.require_claim(session=db, report_no=report_no)
    now = datetime.now(timezone.utc)
    for text in ("第一条", "第二条"):
        notifications.record(db, claim=claim, message_zh=text, now=now)
    db.commit()

    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    assert notifications.publish_pending(db, down, stream="claims:notifications") == 0
    pending = db.scalars(select(models.Notification).where(models.Notification.report_no == report_no)).all()
    assert [n.stream_id for n in pending] == [None, None]

    assert notifications.publish_pending(db, redis_client, stream="claims:notifications") >= 2
    entries = notification_stream.new_entries(report_no)
    assert [e["message_zh"] for e in entries] == ["第一条", "第二条"]
    assert {e["channel"] for e in entries} == {"socketio"} and {e["conversation_id"] for e in entries} == {"conv-backlog"}

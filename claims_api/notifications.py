"""Customer notifications: a DB row per stage change, appended to the Redis stream
`claims:notifications` for the channels to push (docs/architecture.md).

The row is written in the same transaction as the stage change, so a change is never
lost when Redis is down; publishing afterwards sends every row not yet on the stream, in
order (at-least-once: consumers may dedupe on `notification_id`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import redis
import redis.exceptions
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims_api import models
from claims_api.domain import stages

logger = logging.getLogger("claims_api.notifications")
SHANGHAI = ZoneInfo("Asia/Shanghai")
STREAM_MAXLEN = 100_000


def record(session: Session, *, claim: models.Claim, message_zh: str, now: datetime) -> models.Notification:
    """Add the notification row for the claim's current stage (caller commits)."""
    notification = models.Notification(
        claim_id=claim.id,
        report_no=claim.report_no,
        stage=claim.stage,
        stage_label_zh=stages.label(claim.stage),
        message_zh=message_zh,
        channel=claim.channel,
        conversation_id=claim.conversation_id,
        created_at=now,
    )
    session.add(notification)
    return notification


def stream_fields(notification: models.Notification) -> dict[str, str]:
    """The stream entry; Redis fields are strings, so a missing value is ''."""
    return {
        "notification_id": str(notification.id),
        "report_no": notification.report_no,
        "stage": notification.stage,
        "stage_label_zh": notification.stage_label_zh,
        "message_zh": notification.message_zh,
        "channel": notification.channel or "",
        "conversation_id": notification.conversation_id or "",
        "created_at": notification.created_at.astimezone(SHANGHAI).isoformat(),
    }


def publish_pending(session: Session, client: redis.Redis, *, stream: str, limit: int = 500) -> int:
    """Append unpublished rows to the stream; returns how many were sent.

    Redis being down is not an error here: the rows stay pending for the next call.
    """
    pending = session.scalars(
        select(models.Notification)
        .where(models.Notification.stream_id.is_(None))
        .order_by(models.Notification.id)
        .limit(limit)
    ).all()
    sent = 0
    for notification in pending:
        try:
            stream_id = client.xadd(
                stream, stream_fields(notification), maxlen=STREAM_MAXLEN, approximate=True
            )
        except redis.exceptions.RedisError as exc:
            logger.warning(
                "notification %s for %s not published yet (%s); will retry",
                notification.id,
                notification.report_no,
                type(exc).__name__,
            )
            break
        notification.stream_id = stream_id if isinstance(stream_id, str) else stream_id.decode()
        notification.published_at = datetime.now(timezone.utc)
        session.commit()
        sent += 1
    return sent

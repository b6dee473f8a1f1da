"""A Rasa event broker that appends every tracker event to a Redis stream.

Rasa publishes each event of every conversation to its event broker. Writing them to the
stream `rasa:events` (fields: sender_id, event, timestamp, data = the event as JSON) gives
the other services one live feed of what happens in conversations: the agent console
follows handed-off chats, the staff studio collects misunderstood messages. The stream is
capped (approximately MAXLEN entries). A Redis outage never breaks a conversation: the
event is logged as lost and the bot carries on.

endpoints.yml:
    event_broker:
      type: bot.event_broker.RedisStreamEventBroker
      url: ${REDIS_URL}
"""
from __future__ import annotations

import json
import logging
from asyncio import AbstractEventLoop
from typing import Any, Dict, Optional, Text

import redis
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

STREAM = "rasa:events"
MAXLEN = 200_000


class RedisStreamEventBroker(EventBroker):
    def __init__(self, url: str, stream: str = STREAM, maxlen: int = MAXLEN) -> None:
        self.stream = stream
        self.maxlen = maxlen
        self.client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: Optional[EndpointConfig],
        event_loop: Optional[AbstractEventLoop] = None,
    ) -> Optional["RedisStreamEventBroker"]:
        if broker_config is None or not broker_config.url:
            return None
        kwargs = broker_config.kwargs or {}
        return cls(broker_config.url, stream=kwargs.get("stream", STREAM),
                   maxlen=int(kwargs.get("maxlen", MAXLEN)))

    def publish(self, event: Dict[Text, Any]) -> None:
        fields = {
            "sender_id": str(event.get("sender_id", "")),
            "event": str(event.get("event", "")),
            "timestamp": str(event.get("timestamp", "")),
            "data": json.dumps(event, ensure_ascii=False, default=str),
        }
        try:
            self.client.xadd(self.stream, fields, maxlen=self.maxlen, approximate=True)
        except redis.RedisError as error:
            logger.warning("Event of %s not published to Redis: %s", fields["sender_id"], error)

    def is_ready(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    async def close(self) -> None:
        self.client.close()

"""Emits `incident_time` as ISO 8601 with +08:00, resolved against the message's time.

The message time is `metadata.message_time` (ISO 8601 or epoch seconds) when a channel
or test gives one, else now in Asia/Shanghai. Digits that belong to numbers already
extracted (a policy number's "20260301…") are hidden from the time parser first.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.base import RuleExtractorBase, make_entity
from bot.nlu.structured_entities import PRIORITY as STRUCTURED
from bot.time_resolution import message_time_from, resolve_times, warm_up


def message_time(message: Message) -> dt.datetime:
    return message_time_from(message.get("metadata"))


def mask_spans(text: str, entities: List[Dict[str, Any]], names: List[str]) -> str:
    chars = list(text)
    for entity in entities:
        if entity.get("entity") in names:
            for i in range(entity["start"], min(entity["end"], len(chars))):
                chars[i] = "＃"
    return "".join(chars)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class IncidentTimeExtractor(RuleExtractorBase):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IncidentTimeExtractor":
        warm_up()
        return cls(config)

    def extract(self, message: Message) -> List[Dict[str, Any]]:
        text = message.get(TEXT) or ""
        masked = mask_spans(text, message.get(ENTITIES, []), STRUCTURED)
        return [
            make_entity("incident_time", t.start, t.end, t.value.isoformat(),
                        additional_info=t.as_additional_info())
            for t in resolve_times(masked, message_time(message))
        ]

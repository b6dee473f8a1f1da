"""Shared plumbing for our rule-based entity extractors."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message


def make_entity(entity: str, start: int, end: int, value: Any, **extra: Any) -> Dict[str, Any]:
    """An entity dict in Rasa's shape; rule-based matches are certain (confidence 1)."""
    return {
        "entity": entity,
        "start": start,
        "end": end,
        "value": value,
        "confidence_entity": 1.0,
        **extra,
    }


def spans_overlap(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


class RuleExtractorBase(GraphComponent, EntityExtractorMixin):
    """Appends the entities found by `extract` to the message's entities."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RuleExtractorBase":
        return cls(config)

    def extract(self, message: Message) -> List[Dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = self.add_extractor_name(self.extract(message))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

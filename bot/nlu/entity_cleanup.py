"""Last step of entity extraction: one consistent set of entities in the contract's forms.

- A structured entity found by our rule-based extractor wins over any DIET entity
  overlapping it (DIET sometimes tags a phone number as part of a place).
- A DIET place that overlaps a time expression is trimmed away from it.
- EntitySynonymMapper maps values by text alone; if it turned a place into a claim
  type ("交警队" → vehicle), the text as written is restored.
- Names and places are stripped of surrounding punctuation and filler.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.base import spans_overlap
from bot.nlu.claim_type import CLAIM_TYPES
from bot.nlu.structured_entities import PRIORITY as STRUCTURED

RULE_EXTRACTORS = {
    "StructuredEntityExtractor",
    "IncidentTimeExtractor",
    "ClaimTypeExtractor",
    "EmotionExtractor",
}
_STRIP = " \t\r\n,，。.!！?？、;；:：\"'“”‘’()（）[]【】~～"
_LEADING_FILLER = ("在", "是", "叫", "地点是", "地址是", "位置是")


def clean_entities(text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    rule_based = [e for e in entities if e.get("extractor") in RULE_EXTRACTORS]
    blocking = [e for e in rule_based if e["entity"] in STRUCTURED or e["entity"] == "incident_time"]
    result: List[Dict[str, Any]] = []
    for entity in entities:
        if entity.get("extractor") in RULE_EXTRACTORS:
            if entity["entity"] == "claim_type" and entity["value"] not in CLAIM_TYPES:
                continue
            result.append(entity)
            continue
        if entity["entity"] in STRUCTURED or entity["entity"] in ("incident_time", "claim_type", "emotion"):
            continue  # these come from the rule-based extractors only
        if any(spans_overlap(entity, other) for other in blocking):
            continue
        written = text[entity["start"]:entity["end"]]
        value = entity.get("value")
        if not isinstance(value, str) or value in CLAIM_TYPES:
            value = written
        value = value.strip(_STRIP)
        for filler in _LEADING_FILLER:
            if value.startswith(filler) and len(value) > len(filler) + 1:
                value = value[len(filler):]
        if value:
            result.append({**entity, "value": value})
    return sorted(result, key=lambda e: (e["start"], e["entity"]))


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class EntityCleanup(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EntityCleanup":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES, [])
            if entities:
                message.set(ENTITIES, clean_entities(message.get(TEXT) or "", entities),
                            add_to_output=True)
        return messages

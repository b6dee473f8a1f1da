"""Infers the claim type from the words of a message (追尾 → vehicle, 住院 → medical…).

The lexicon is the `synonym:` entries of the training data whose canonical value is a
claim type (data/nlu/synonyms.yml). The extractor emits the matched word; the
EntitySynonymMapper after it turns that into the canonical value. When words of several
types appear, the type with the most matched characters wins, so 车祸 + 追尾 + 住院 is
a vehicle claim, and 住院做手术 is medical.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.base import RuleExtractorBase, make_entity

CLAIM_TYPES = ("vehicle", "injury", "property", "medical")
LEXICON_FILE = "claim_type_lexicon.json"


def find_claim_type(text: str, lexicon: Dict[str, str]) -> Optional[Dict[str, Any]]:
    """The best-supported claim type in `text`, as an entity on its first keyword."""
    lowered = text.lower()
    hits: List[tuple] = []  # (start, end, word, type)
    for word in sorted(lexicon, key=len, reverse=True):
        start = lowered.find(word)
        while start != -1:
            end = start + len(word)
            if not any(s < end and start < e for s, e, _, _ in hits):
                hits.append((start, end, text[start:end], lexicon[word]))
            start = lowered.find(word, end)
    if not hits:
        return None
    weight: Dict[str, int] = {}
    for start, end, _, claim_type in hits:
        weight[claim_type] = weight.get(claim_type, 0) + (end - start)
    best = max(weight, key=lambda t: (weight[t], -min(h[0] for h in hits if h[3] == t)))
    start, end, word, _ = min(h for h in hits if h[3] == best)
    return make_entity("claim_type", start, end, word)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class ClaimTypeExtractor(RuleExtractorBase):
    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lexicon: Optional[Dict[str, str]] = None,
    ) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self.lexicon = lexicon or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ClaimTypeExtractor":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self.lexicon = {
            word.lower(): canonical
            for word, canonical in training_data.entity_synonyms.items()
            if canonical in CLAIM_TYPES
        }
        for claim_type in CLAIM_TYPES:
            self.lexicon.setdefault(claim_type, claim_type)
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(directory / LEXICON_FILE, self.lexicon)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ClaimTypeExtractor":
        try:
            with model_storage.read_from(resource) as directory:
                lexicon = rasa.shared.utils.io.read_json_file(directory / LEXICON_FILE)
        except ValueError:
            lexicon = {}
        return cls(config, model_storage, resource, lexicon)

    def extract(self, message: Message) -> List[Dict[str, Any]]:
        entity = find_claim_type(message.get(TEXT) or "", self.lexicon)
        return [entity] if entity else []

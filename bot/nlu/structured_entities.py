"""Extracts numbers with a fixed shape (policy, report, plate, phone, ID) and normalises them.

The patterns come from the `regex:` entries of the training data (data/nlu/regex.yml), the
same ones RegexFeaturizer uses, so there is one definition of each shape. Values are put
into the contract's forms by bot.normalize.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
import rasa.shared.utils.io

from bot.normalize import NORMALIZERS
from bot.nlu.base import RuleExtractorBase, make_entity, spans_overlap

# When two shapes match overlapping text, the earlier one in this list wins.
PRIORITY = ["policy_number", "report_number", "id_number", "plate_number", "phone_number"]
PATTERNS_FILE = "patterns.json"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class StructuredEntityExtractor(RuleExtractorBase):
    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        patterns: Optional[Dict[str, List[str]]] = None,
    ) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self._set_patterns(patterns or {})

    def _set_patterns(self, patterns: Dict[str, List[str]]) -> None:
        self.patterns = patterns
        self._compiled = {
            name: [re.compile(p, re.IGNORECASE) for p in patterns.get(name, [])]
            for name in PRIORITY
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "StructuredEntityExtractor":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        patterns: Dict[str, List[str]] = {}
        for regex in training_data.regex_features:
            if regex["name"] in NORMALIZERS:
                patterns.setdefault(regex["name"], []).append(regex["pattern"])
        missing = set(PRIORITY) - set(patterns)
        if missing:
            rasa.shared.utils.io.raise_warning(
                f"No regex in the training data for {sorted(missing)}: "
                f"these entities will not be extracted."
            )
        self._set_patterns(patterns)
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(directory / PATTERNS_FILE, patterns)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "StructuredEntityExtractor":
        try:
            with model_storage.read_from(resource) as directory:
                patterns = rasa.shared.utils.io.read_json_file(directory / PATTERNS_FILE)
        except ValueError:
            patterns = {}
        return cls(config, model_storage, resource, patterns)

    def extract(self, message: Message) -> List[Dict[str, Any]]:
        return extract_structured(message.get(TEXT) or "", self._compiled)


def extract_structured(text: str, compiled: Dict[str, List["re.Pattern[str]"]]) -> List[Dict[str, Any]]:
    """All non-overlapping structured entities in `text`, values normalised."""
    found: List[Dict[str, Any]] = []
    for name in PRIORITY:
        normalize = NORMALIZERS[name]
        for pattern in compiled.get(name, []):
            for match in pattern.finditer(text):
                start, end = match.span()
                # Trailing separators are not part of the number.
                while end > start and not text[end - 1].isalnum():
                    end -= 1
                value = normalize(text[start:end])
                candidate = make_entity(name, start, end, value)
                if value and not any(spans_overlap(candidate, other) for other in found):
                    found.append(candidate)
    return sorted(found, key=lambda e: e["start"])

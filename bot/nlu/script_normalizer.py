"""Traditional → simplified Chinese before tokenisation, so one model serves both scripts;
invisible and control characters become spaces on the way."""
from __future__ import annotations

import unicodedata
from typing import Any, Dict, List, Optional, Text

import opencc
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

_converter: Optional[opencc.OpenCC] = None


def blank_invisible(text: str) -> str:
    """Control and format characters (NUL, BEL, zero-width spaces, bidi marks, BOM) and lone
    surrogates (which OpenCC cannot encode) become spaces; tabs and line breaks stay. One
    for one, so entity offsets hold against the raw text. A zero-width space inside a
    policy number otherwise hid the number, and its digits were read as a date."""
    if text.isprintable():
        return text
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs") and c not in "\t\n\r"
                   else c for c in text)


def to_simplified(text: str) -> str:
    """Convert with OpenCC's t2s table; keeps the text's length so entity offsets hold.

    A conversion that would change the length (a rare phrase-level mapping) is
    dropped in favour of the original text: offsets matter more than one character.
    """
    global _converter
    if _converter is None:
        _converter = opencc.OpenCC("t2s")
    text = blank_invisible(text)
    converted = _converter.convert(text)
    return converted if len(converted) == len(text) else text


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False
)
class TraditionalToSimplified(GraphComponent):
    """Rewrites the message text to simplified Chinese, in training and at run time.

    Registered as a tokenizer-type component so that Rasa places it before the
    real tokenizer; it sets no tokens itself.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TraditionalToSimplified":
        return cls()

    @staticmethod
    def _convert(message: Message) -> None:
        text = message.get(TEXT)
        if text:
            simplified = to_simplified(text)
            # Nothing visible left (a NUL, a zero-width space): read as the empty message
            # Rasa already answers with nlu_fallback, not as whatever DIET guesses.
            message.set(TEXT, simplified if simplified.strip() else "")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._convert_annotated(example)
        return training_data

    @classmethod
    def _convert_annotated(cls, example: Message) -> None:
        """Also converts annotated values that are the span as written. Otherwise
        EntitySynonymMapper sees span (now simplified) != value (still traditional) and
        learns a "synonym" that turns simplified input into traditional values."""
        text = example.get(TEXT)
        for entity in example.get(ENTITIES) or []:
            start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
            if (isinstance(start, int) and isinstance(end, int) and text
                    and entity.get(ENTITY_ATTRIBUTE_VALUE) == text[start:end]):
                entity[ENTITY_ATTRIBUTE_VALUE] = to_simplified(text[start:end])
        cls._convert(example)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._convert(message)
        return messages

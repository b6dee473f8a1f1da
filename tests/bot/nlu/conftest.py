"""Patterns and lexicons exactly as the pipeline reads them from the training data."""
import re

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.nlu.claim_type import CLAIM_TYPES
from bot.nlu.structured_entities import PRIORITY


@pytest.fixture(scope="session")
def compiled_patterns():
    data = load_data("data/nlu/regex.yml")
    patterns = {name: [] for name in PRIORITY}
    for regex in data.regex_features:
        patterns[regex["name"]].append(re.compile(regex["pattern"], re.IGNORECASE))
    return patterns


@pytest.fixture(scope="session")
def claim_type_lexicon():
    data = load_data("data/nlu/synonyms.yml")
    return {word.lower(): value for word, value in data.entity_synonyms.items()
            if value in CLAIM_TYPES}


@pytest.fixture(scope="session")
def emotion_extractor(tmp_path_factory):
    """bot.nlu.emotion.EmotionExtractor trained and reloaded through Rasa's model storage,
    exactly as `rasa train` and the server do it."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.emotion import EmotionExtractor

    storage = LocalModelStorage(tmp_path_factory.mktemp("emotion-model"))
    resource = Resource("emotion_extractor")
    context = ExecutionContext(GraphSchema({}), "emotion-test")
    config = {**EmotionExtractor.get_default_config()}
    EmotionExtractor.create(config, storage, resource, context).train(TrainingData())
    return EmotionExtractor.load(config, storage, resource, context)

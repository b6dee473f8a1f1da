"""Emits the `emotion` entity (angry, anxious, sad) independently of the intent.

Two signals, combined by one learned model:

- cue phrases (bot/nlu/resources/emotion_cues.yml), matched with spaCy's PhraseMatcher
  on a blank Chinese pipeline segmented by jieba, so a short cue matches whole words
  only (滚 the insult, not 滚动); because jieba may segment a cue differently inside a
  sentence than on its own, longer cues and emoji also match as substrings (two-character
  ones only on token boundaries); a cue right after a negation (不着急) does not count;
- a multinomial logistic regression over sublinear TF-IDF character 1–3-grams plus one
  indicator per cue group, trained with scikit-learn on the emotion-labelled messages of
  bot/nlu/resources/emotion_train.yml (not Rasa NLU data: it cannot change the intents).

The trained weights are stored in Rasa's model storage as JSON (no pickle), and
prediction is a sparse dot product in plain Python (well under a millisecond). A message
that reports a death (a `bereavement` cue) is always `sad`, one with an insult (`abuse`)
otherwise always `angry`. No entity when the message
is neutral. The entity's `additional_info` says whether the message holds an insult
(`abuse`) or reports a death (`bereavement`), which the dialogue answers differently.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Text, Tuple

import rasa.shared.utils.io
import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.base import RuleExtractorBase, make_entity
from bot.nlu.script_normalizer import to_simplified

RESOURCES = Path(__file__).parent / "resources"
CUES_FILE = RESOURCES / "emotion_cues.yml"
TRAINING_FILE = RESOURCES / "emotion_train.yml"
MODEL_FILE = "emotion_model.json"

EMOTIONS = ("angry", "anxious", "sad")
NEUTRAL = "none"
# Cue groups and the emotion each one signals.
CUE_GROUPS = {"angry": "angry", "abuse": "angry", "anxious": "anxious",
              "sad": "sad", "bereavement": "sad"}
NGRAM_RANGE = (1, 3)
_SPACES = re.compile(r"\s+")
_REPEATS = re.compile(r"(.)\1{2,}")
NEGATIONS = ("不", "没", "没有", "别", "不用", "无需", "不必", "并不", "不会", "不太")


def load_cues(path: Path = CUES_FILE) -> Dict[str, List[str]]:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    unknown = set(raw) - set(CUE_GROUPS)
    if unknown:
        raise ValueError(f"Unknown cue groups in {path}: {sorted(unknown)}")
    return {group: [str(p) for p in phrases] for group, phrases in raw.items()}


def load_examples(path: Path = TRAINING_FILE) -> List[Tuple[str, str]]:
    """(text, label) pairs of an emotion-labelled file; labels are EMOTIONS + none."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    examples = []
    for label, texts in raw.items():
        if label not in EMOTIONS + (NEUTRAL,):
            raise ValueError(f"Unknown label {label!r} in {path}")
        examples.extend((to_simplified(str(text)), label) for text in texts)
    return examples


def features(text: str, tokens: Sequence[str]) -> List[str]:
    """The model's text features: character 1–3-grams of the lower-cased text (runs of 3+
    equal characters such as ！！！！ shortened to three) and the jieba words (`w:` + word)."""
    text = _REPEATS.sub(r"\1\1\1", _SPACES.sub(" ", text.lower().strip()))
    low, high = NGRAM_RANGE
    grams = [text[i:i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]
    return grams + ["w:" + token.lower() for token in tokens]


def _identity(items: List[str]) -> List[str]:
    return items


class CueMatcher:
    """PhraseMatcher over jieba tokens, with a character fallback for emoji and cues
    that jieba segments differently inside a sentence than on their own."""

    def __init__(self, cues: Dict[str, List[str]]) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self.nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.cues = cues
        for group, phrases in cues.items():
            self.matcher.add(group, [self.nlp.make_doc(p) for p in phrases])
        self._substring_cues = [
            (group, phrase.lower()) for group, phrases in cues.items() for phrase in phrases
            if len(phrase) >= 2 or not phrase.isalnum()
        ]

    def analyse(self, text: str) -> Tuple[List[str], List[Tuple[str, int, int]]]:
        """The jieba tokens of `text` and its cue hits (group, start, end).

        A two-character cue found as a substring counts only where both its ends fall on
        token boundaries (他妈 in 你/他/妈/能, not 有病 in 有/病史). A cue right after a
        negation (不着急, 没有担心, 不用急) is not a hit."""
        doc = self.nlp.make_doc(text)
        starts = {t.idx for t in doc}
        ends = {t.idx + len(t) for t in doc}
        found = []
        for match_id, s, e in self.matcher(doc):
            if s > 0 and doc[s - 1].text in NEGATIONS:
                continue
            found.append((self.nlp.vocab.strings[match_id], doc[s].idx, doc[e - 1].idx + len(doc[e - 1])))
        lowered = text.lower()
        for group, phrase in self._substring_cues:
            index = lowered.find(phrase)
            if index == -1 or any(g == group and s <= index < e for g, s, e in found):
                continue
            end = index + len(phrase)
            if len(phrase) == 2 and phrase.isalnum() and not (index in starts and end in ends):
                continue
            if any(lowered[:index].endswith(n) for n in NEGATIONS):
                continue
            found.append((group, index, end))
        return [t.text for t in doc if not t.is_space], found

    def matches(self, text: str) -> List[Tuple[str, int, int]]:
        """(group, start, end) of every cue in `text`, in no particular order."""
        return self.analyse(text)[1]


class LinearEmotionModel:
    """Multinomial logistic regression over TF-IDF text features and cue-group indicators.

    Trained with scikit-learn; kept as plain numbers (JSON) and applied in plain Python:
    the same arithmetic as TfidfVectorizer(sublinear_tf=True, norm="l2") followed by
    LogisticRegression.predict_proba.
    """

    def __init__(self, classes: Sequence[str], vocabulary: Dict[str, int], idf: Sequence[float],
                 weights: Sequence[Sequence[float]], bias: Sequence[float]) -> None:
        self.classes = list(classes)
        self.vocabulary = vocabulary
        self.idf = list(idf)
        self.weights = [list(row) for row in weights]
        self.bias = list(bias)
        self._groups = sorted(CUE_GROUPS)

    @classmethod
    def fit(cls, documents: Sequence[List[str]], cue_groups: Sequence[Set[str]], labels: Sequence[str],
            c: float = 10.0) -> "LinearEmotionModel":
        import numpy as np
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
        text_features = vectorizer.fit_transform(documents)
        groups = sorted(CUE_GROUPS)
        cue_features = csr_matrix(np.array(
            [[1.0 if g in found else 0.0 for g in groups] for found in cue_groups]))
        classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
        classifier.fit(hstack([text_features, cue_features]).tocsr(), list(labels))
        return cls(
            classes=[str(x) for x in classifier.classes_],
            vocabulary={k: int(v) for k, v in vectorizer.vocabulary_.items()},
            idf=[float(x) for x in vectorizer.idf_],
            weights=classifier.coef_.tolist(),
            bias=classifier.intercept_.tolist(),
        )

    def predict_proba(self, document: List[str], cue_groups: Iterable[str]) -> Dict[str, float]:
        counts = Counter(i for i in map(self.vocabulary.get, document) if i is not None)
        values = {i: (1.0 + math.log(tf)) * self.idf[i] for i, tf in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        offset = len(self.idf)
        cue_columns = [offset + self._groups.index(g) for g in set(cue_groups)]
        scores = []
        for row, bias in zip(self.weights, self.bias):
            score = bias + sum(row[i] * v for i, v in values.items()) / norm
            scores.append(score + sum(row[j] for j in cue_columns))
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {label: e / total for label, e in zip(self.classes, exps)}

    def as_dict(self) -> Dict[str, Any]:
        return {"classes": self.classes, "vocabulary": self.vocabulary, "idf": self.idf,
                "weights": self.weights, "bias": self.bias}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "LinearEmotionModel":
        return cls(data["classes"], data["vocabulary"], data["idf"], data["weights"], data["bias"])


class EmotionDetector:
    """Cue matcher + learned model: the emotion of one message, as a Rasa entity."""

    def __init__(self, cues: Dict[str, List[str]], model: LinearEmotionModel) -> None:
        self.cues = cues
        self.matcher = CueMatcher(cues)
        self.model = model

    @classmethod
    def train(cls, examples: Sequence[Tuple[str, str]],
              cues: Dict[str, List[str]]) -> "EmotionDetector":
        matcher = CueMatcher(cues)
        documents, groups = [], []
        for text, _ in examples:
            tokens, hits = matcher.analyse(text)
            documents.append(features(text, tokens))
            groups.append({g for g, _, _ in hits})
        model = LinearEmotionModel.fit(documents, groups, [label for _, label in examples])
        detector = cls.__new__(cls)
        detector.cues, detector.matcher, detector.model = cues, matcher, model
        return detector

    def classify(self, text: str) -> Tuple[str, float, List[Tuple[str, int, int]]]:
        """(label, probability, cue hits); label is one of EMOTIONS or `none`."""
        tokens, hits = self.matcher.analyse(text)
        groups = {g for g, _, _ in hits}
        probabilities = self.model.predict_proba(features(text, tokens), groups)
        if "bereavement" in groups:
            return "sad", probabilities.get("sad", 0.0), hits
        if "abuse" in groups:
            return "angry", probabilities.get("angry", 0.0), hits
        label = max(probabilities, key=probabilities.get)
        return label, probabilities[label], hits

    def detect(self, text: str) -> Optional[Dict[str, Any]]:
        label, probability, hits = self.classify(text)
        if label == NEUTRAL:
            return None
        spans = sorted((s, e) for g, s, e in hits if CUE_GROUPS[g] == label)
        start, end = spans[0] if spans else (0, len(text))
        groups = {g for g, _, _ in hits}
        return make_entity(
            "emotion", start, end, label, confidence_entity=round(probability, 4),
            additional_info={"abuse": "abuse" in groups,
                             "bereavement": "bereavement" in groups},
        )

    def as_dict(self) -> Dict[str, Any]:
        return {"cues": self.cues, "model": self.model.as_dict()}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "EmotionDetector":
        return cls(data["cues"], LinearEmotionModel.from_dict(data["model"]))


def _file_setting(config: Dict[Text, Any], key: str, default: Path) -> Path:
    return Path(config.get(key) or default)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class EmotionExtractor(RuleExtractorBase):
    """Rasa component around EmotionDetector; trained on its own labelled file."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # None: the files beside this module (bot/nlu/resources/).
        return {"training_file": None, "cues_file": None}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The training inputs live outside Rasa's training data: retrain when they change."""
        digest = hashlib.sha256()
        for path in (_file_setting(config, "training_file", TRAINING_FILE),
                     _file_setting(config, "cues_file", CUES_FILE)):
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, detector: Optional[EmotionDetector] = None) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self.detector = detector

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "EmotionExtractor":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self.detector = EmotionDetector.train(
            load_examples(_file_setting(self._config, "training_file", TRAINING_FILE)),
            load_cues(_file_setting(self._config, "cues_file", CUES_FILE)),
        )
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                directory / MODEL_FILE, self.detector.as_dict())
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "EmotionExtractor":
        with model_storage.read_from(resource) as directory:
            data = rasa.shared.utils.io.read_json_file(directory / MODEL_FILE)
        return cls(config, model_storage, resource, EmotionDetector.from_dict(data))

    def extract(self, message: Message) -> List[Dict[str, Any]]:
        if self.detector is None:  # only before training
            return []
        entity = self.detector.detect(message.get(TEXT) or "")
        return [entity] if entity else []

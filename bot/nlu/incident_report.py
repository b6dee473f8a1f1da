"""Reads an account of an incident as report_claim, not inform.

"我昨天下午三点在建国路被追尾了，保单号PDAA…" tells what happened, when and where: the
customer is reporting a claim. DIET often calls such a message `inform`, because most
inform examples carry the same numbers and places. This component corrects that one
confusion with a rule the dialogue also follows (bot/intake.py, tells_incident): an inform
message that names a cause, an injury or a death (bot/resources/intake_cues.yml) AND an
incident time or place is a report. Questions are left alone. Inside the report form the
intent does not matter (the form reads the answer either way), so nothing is lost there.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

CUES_FILE = Path(__file__).resolve().parents[1] / "resources" / "intake_cues.yml"
EVENT_CUE_KINDS = ("cause", "injury", "death")
WHEN_OR_WHERE = {"incident_time", "incident_place"}
QUESTION_MARKS = ("?", "？", "吗", "怎么", "什么", "哪些", "多久", "能不能", "要不要", "如何")


def load_event_cues(path: Path = CUES_FILE) -> List[str]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return sorted({str(c) for kind in EVENT_CUE_KINDS for c in raw.get(kind) or []}, key=len,
                  reverse=True)


def tells_incident_report(text: str, entities: List[Dict[str, Any]], cues: List[str]) -> bool:
    """A statement naming what happened plus when or where it happened."""
    if any(mark in text for mark in QUESTION_MARKS):
        return False
    if not any(e.get("entity") in WHEN_OR_WHERE for e in entities):
        return False
    return any(cue in text for cue in cues)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class IncidentReportIntent(GraphComponent):
    """Turns `inform` into `report_claim` for an account of an incident (see module)."""

    def __init__(self, cues: List[str]) -> None:
        self.cues = cues

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "IncidentReportIntent":
        return cls(load_event_cues())

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._correct(message)
        return messages

    def _correct(self, message: Message) -> None:
        intent: Optional[Dict[str, Any]] = message.get(INTENT)
        if not intent or intent.get("name") != "inform":
            return
        if not tells_incident_report(message.get(TEXT) or "", message.get(ENTITIES) or [], self.cues):
            return
        confidence = intent.get("confidence")
        message.set(INTENT, {"name": "report_claim", "confidence": confidence}, add_to_output=True)
        ranking = message.get(INTENT_RANKING_KEY) or []
        if ranking:
            others = [r for r in ranking if r.get("name") not in ("inform", "report_claim")]
            inform = next((r for r in ranking if r.get("name") == "inform"), None)
            reordered = [{"name": "report_claim", "confidence": confidence}]
            if inform is not None:
                reordered.append({"name": "inform", "confidence": next(
                    (r["confidence"] for r in ranking if r.get("name") == "report_claim"), 0.0)})
            message.set(INTENT_RANKING_KEY, reordered + others, add_to_output=True)

"""Report intake (报案) logic, free of Rasa: which fields a report needs and in what order,
what a customer's message says about them, how each value is checked, and how a
complete report becomes a Claims API request.

The form validation action (actions/report_form.py) is a thin shell over these functions.
Word lists are data (bot/resources/intake_cues.yml); customer-facing replies are named
responses in domain/report.yml, referred to here only by error codes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple

import yaml

from bot import normalize
from bot.time_resolution import SHANGHAI, resolve_time_answer

CUES_FILE = Path(__file__).parent / "resources" / "intake_cues.yml"

CLAIM_TYPES = ("vehicle", "injury", "property", "medical")
PERSON_TYPES = ("injury", "medical")  # the insured person is the subject: ID and hospital

# Slots of the form, in the order they are asked (the "natural order" of an intake call:
# first the story, then the policy and when it happened, so that a plainly uncovered case is
# told before anything more is asked, then the person, the facts, how to reach them).
DESCRIPTION = "intake_description"
CLAIM_TYPE = "intake_claim_type"
POLICY = "intake_policy_number"
NAME = "intake_insured_name"
ID_NUMBER = "intake_id_number"
TIME = "intake_incident_time"
PLACE = "intake_incident_place"
CAUSE = "intake_cause"
LOSS = "intake_loss"
CASUALTIES = "intake_casualties"
PLATE = "intake_plate_number"
HOSPITAL = "intake_hospital"
PHONE = "intake_contact_phone"
CONFIRMED = "intake_confirmed"
CORRECTION = "intake_correction"  # asked after "需要修改" without saying what

FIELD_ORDER = [DESCRIPTION, CLAIM_TYPE, POLICY, TIME, NAME, ID_NUMBER, PLACE, CAUSE, LOSS,
               CASUALTIES, PLATE, HOSPITAL, PHONE, CONFIRMED]
FREE_TEXT = {DESCRIPTION, CAUSE, LOSS, PLACE, HOSPITAL}
STRUCTURED = {POLICY: "policy_number", PHONE: "phone_number", ID_NUMBER: "id_number",
              PLATE: "plate_number"}
ENTITY_SLOTS = {**{v: k for k, v in STRUCTURED.items()}, "incident_time": TIME,
                "incident_place": PLACE, "person_name": NAME, "claim_type": CLAIM_TYPE}
STRUCTURED_ENTITIES = {"policy_number", "report_number", "phone_number", "id_number",
                       "plate_number"}

# Intents that are never an answer to a form question: the form lets the rules answer
# them and then asks its question again.
INTERRUPTIONS = {"ask_materials", "ask_process", "query_status", "request_human", "stop",
                 "greet", "goodbye", "thank", "bot_challenge"}
# Of these, the small talk that an answer is sometimes mistaken for ("人没事" read as
# goodbye): an answer when it carries facts, never as free text.
SOFT = {"greet", "goodbye", "thank"}
# Intents that are an answer only when the text carries facts of an incident.
WEAK = {"out_of_scope", "complain"}

MAX_INCIDENT_AGE = dt.timedelta(days=730)  # the statutory 2-year claim period
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
URGENT_CARE_WINDOW = dt.timedelta(hours=24)
MAX_FAILURES = 3  # failed tries at one field before a human agent is offered


@lru_cache
def cues() -> Dict[str, Any]:
    with open(CUES_FILE, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    for key, value in raw.items():
        if isinstance(value, list):
            raw[key] = sorted((str(v) for v in value), key=len, reverse=True)
    return raw


def has_cue(text: str, kind: str) -> bool:
    return any(cue in text for cue in cues()[kind])


def first_cue(text: str, kind: str) -> Optional[str]:
    found = [(text.find(c), c) for c in cues()[kind] if c in text]
    return min(found)[1] if found else None


# --- which fields ---------------------------------------------------------------------------


def required_slots(slots: Mapping[str, Any]) -> List[str]:
    """The fields this report still runs through, in asking order (the claim type decides
    the extras: plate for vehicle, ID and hospital for injury/medical)."""
    if slots.get("intake_coverage_refused"):
        return []
    claim_type = slots.get(CLAIM_TYPE)
    fields = [DESCRIPTION, CLAIM_TYPE, POLICY, TIME, NAME]
    if claim_type in PERSON_TYPES:
        fields.append(ID_NUMBER)
    if claim_type != "medical":  # for an illness the place is where it was treated
        fields.append(PLACE)
    fields += [CAUSE, LOSS]
    if claim_type not in PERSON_TYPES:
        fields.append(CASUALTIES)  # injury: yes by nature; medical (illness): no
    if claim_type == "vehicle":
        fields.append(PLATE)
    if claim_type in PERSON_TYPES:
        fields.append(HOSPITAL)
    return fields + [PHONE, CONFIRMED]


def implied_casualties(claim_type: Optional[str]) -> Optional[bool]:
    """Casualties that follow from the claim type alone (not asked for these types)."""
    return {"injury": True, "medical": False}.get(claim_type or "")


# --- reading a message ----------------------------------------------------------------------


@dataclass
class Message:
    text: str
    intent: str = ""
    entities: List[Dict[str, Any]] = field(default_factory=list)
    time: Optional[dt.datetime] = None

    def entity(self, name: str, last: bool = False) -> Optional[Dict[str, Any]]:
        found = [e for e in self.entities if e.get("entity") == name]
        if not found:
            return None
        return found[-1] if last else found[0]


@dataclass
class Story:
    cause: Optional[str] = None
    loss: Optional[str] = None
    casualties: Optional[bool] = None
    casualty_details: Optional[str] = None
    death: bool = False
    description: Optional[str] = None


@dataclass
class Extraction:
    values: Dict[str, Any] = field(default_factory=dict)  # slot -> candidate (unvalidated)
    corrected: Set[str] = field(default_factory=set)      # slots whose earlier value is replaced
    cleared: Set[str] = field(default_factory=set)        # slots named as wrong, without a value
    confirm: Optional[bool] = None                        # answer to the summary
    emotion: Optional[str] = None
    death: bool = False
    casualty_details: Optional[str] = None
    time_grain: Optional[str] = None
    claim_type_stated: bool = False


_CLAUSE_SPLIT = re.compile(r"[，,。.！!？?；;\n~～]+|\s+")
_EDGE = " \t\r\n,，。.!！?？、;；:：\"'“”‘’()（）[]【】~～-—_"


def _clauses(text: str) -> List[Tuple[int, int, str]]:
    spans, start = [], 0
    for match in _CLAUSE_SPLIT.finditer(text):
        if match.start() > start:
            spans.append((start, match.start(), text[start:match.start()]))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text), text[start:]))
    return spans


def _mask(text: str, entities: Iterable[Dict[str, Any]], names: Set[str],
          labels: bool = True) -> str:
    """Blank out the spans of these entities (and a label just before them)."""
    chars = list(text)
    for entity in entities:
        if entity.get("entity") not in names or "start" not in entity:
            continue
        start, end = int(entity["start"]), int(entity["end"])
        if labels:
            before = text[:start].rstrip(" " + "".join(cues()["label_glue"]))
            for label in cues()["number_labels"]:
                if before.endswith(label):
                    start = len(before) - len(label)
                    break
        for i in range(max(start, 0), min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)


_SCRIPT_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_MARKUP = re.compile(r"</?[A-Za-z][^<>]*>")


def visible(raw: Any) -> str:
    """The text as a person reads it: control and invisible characters (NUL, BEL, zero-width
    spaces, bidi marks) become spaces and HTML tags are dropped. Field values are stored,
    filed with the Claims API and shown on agents' and staff screens; none of that needs
    a tag or a NUL, and a zero-width space would hide a number from the checks."""
    text = _MARKUP.sub(" ", _SCRIPT_BLOCK.sub(" ", str(raw or "")))
    if text.isprintable():
        return text
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs") else c for c in text)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", visible(text))
    text = re.sub(r"\s*([，,。！!？?；;])\s*", r"\1", text)
    text = re.sub(r"([，,。！!？?；;])[，,。！!？?；;]+", r"\1", text)
    return text.strip(_EDGE)


def _drop_fillers(text: str) -> str:
    for filler in cues()["filler"]:
        text = text.replace(filler, " ")
    return text


def clean_free_text(text: str, entities: Iterable[Dict[str, Any]] = (), *,
                    drop_fillers: bool = False) -> str:
    """A free-text answer without the numbers (policy, phone…) it happens to carry."""
    masked = _mask(text, entities, STRUCTURED_ENTITIES)
    if drop_fillers:
        masked = _drop_fillers(masked)
    return _tidy(masked)


def read_story(text: str, entities: Iterable[Dict[str, Any]] = ()) -> Story:
    """Cause, loss, casualties and the description found in a customer's account."""
    entities = list(entities)
    masked = _mask(text, entities, STRUCTURED_ENTITIES)
    story = Story()
    clauses = [(s, e, _tidy(c)) for s, e, c in _clauses(masked)]
    clauses = [(s, e, c) for s, e, c in clauses if c]

    # Casualties: "nobody hurt" first, since its phrases contain the injury words.
    for _, _, clause in clauses:
        if has_cue(clause, "death"):
            story.death = True
    no_injury = [c for _, _, c in clauses if has_cue(c, "no_injury")]
    injured = [c for _, _, c in clauses if has_cue(c, "injury") and not has_cue(c, "no_injury")]
    if story.death:
        story.casualties = True
        story.casualty_details = _join(c for _, _, c in clauses
                                       if has_cue(c, "death") or has_cue(c, "injury"))
    elif injured:
        story.casualties = True
        story.casualty_details = _join(injured)
    elif no_injury:
        story.casualties = False
        story.casualty_details = no_injury[0]

    # Cause: the first clause naming a cause, preferring one that is not only damage.
    time_place = _mask(masked, entities, {"incident_time", "incident_place"}, labels=False)
    people = {c for _, _, c in clauses if has_cue(c, "injury") or has_cue(c, "no_injury")}
    cause_clauses = [(s, e, c) for s, e, c in clauses if has_cue(c, "cause") and c not in people
                     or has_cue(c, "cause") and len(clauses) == 1]
    if not cause_clauses:
        cause_clauses = [(s, e, c) for s, e, c in clauses if has_cue(c, "cause")]
    if cause_clauses:
        not_damage = [x for x in cause_clauses if not has_cue(x[2], "loss")]
        start, end, _ = (not_damage or cause_clauses)[0]
        cause = time_place[start:end]
        for marker in cues()["place_markers"]:
            cause = cause.replace(marker + " ", " ")
        story.cause = _drop_leading(re.sub(r"\s+", "", _tidy(cause))) or None

    # Loss: the clauses describing damage or cost (not the ones about people).
    loss = [c for _, _, c in clauses if has_cue(c, "loss") and c not in people]
    if loss:
        story.loss = _join(loss)

    if story.cause or story.loss or story.casualties is not None:
        description = _tidy(re.sub(r"(我想|我要|我)$", "", _tidy(_drop_fillers(masked))))
        if len(description) >= 4:
            story.description = description
    return story


def _drop_leading(text: str) -> str:
    for marker in cues()["place_markers"]:
        if text.startswith(marker):
            return text[len(marker):].strip(_EDGE)
    return text


def _join(parts: Iterable[str]) -> str:
    return cues()["clause_joiner"].join(parts)


def tells_incident(message: Message) -> bool:
    """Whether a message (outside the form) tells of an incident: its time or place, or
    words of a cause, a damage or an injury. Such a message starts a report."""
    if any(e.get("entity") in ("incident_time", "incident_place") for e in message.entities):
        return True
    text = message.text or ""
    return any(has_cue(text, kind) for kind in ("cause", "loss", "injury", "death"))


def mentioned_fields(text: str) -> List[str]:
    """Fields a message names ("电话写错了" → contact phone), first match per word."""
    found: List[str] = []
    remaining = text
    for slot, words in cues()["field_words"].items():
        for word in sorted(words, key=len, reverse=True):
            if word in remaining:
                found.append(slot)
                remaining = remaining.replace(word, " ")
                break
    return found


def parse_name(text: str, entities: Iterable[Dict[str, Any]] = ()) -> Optional[str]:
    """The name in an answer like "我叫王建国" / "被保险人是我女儿周小雨"."""
    value = clean_free_text(text, entities)
    value = re.split(r"[，,。\s]", value)[0] if value else value
    for _ in range(3):
        for prefix in cues()["name_prefixes"]:
            if value.startswith(prefix) and len(value) > len(prefix) + 1:
                value = value[len(prefix):]
                break
    for suffix in cues()["name_suffixes"]:
        if value.endswith(suffix) and len(value) > len(suffix) + 1:
            value = value[: -len(suffix)]
    value = value.strip(_EDGE)
    return value if _NAME.match(value) else None


def parse_claim_type(text: str) -> Optional[str]:
    if text in CLAIM_TYPES:
        return text
    for claim_type, words in cues()["claim_type_words"].items():
        if any(w in text for w in words):
            return claim_type
    return None


def parse_place(text: str, entities: Iterable[Dict[str, Any]] = ()) -> str:
    entities = list(entities)
    value = _tidy(_mask(_mask(text, entities, STRUCTURED_ENTITIES), entities, {"incident_time"},
                        labels=False))
    for prefix in cues()["place_prefixes"]:
        if value.startswith(prefix) and len(value) > len(prefix) + 1:
            value = value[len(prefix):]
            break
    return value.strip(_EDGE)


def is_correction(message: Message) -> bool:
    return message.intent == "deny" or has_cue(message.text, "correction")


def wants_discard(text: str, intent: Optional[str]) -> bool:
    """After "keep what you said?": True for 不用了 / 不保留 / 清除; a plain yes or anything
    unclear keeps it (nothing is lost by keeping)."""
    plain = text.strip(_EDGE)
    if any(w in plain for w in cues()["discard_words"]):
        return True
    if any(w in plain for w in cues()["keep_words"]):
        return False
    return intent == "deny"


_DATA = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]")


def looks_like_data(message: Message) -> bool:
    """A number or code typed as an answer, whatever intent the NLU gave it."""
    if any(e.get("entity") in STRUCTURED_ENTITIES for e in message.entities):
        return True
    text = re.sub(r"[\s\-·•.]", "", message.text or "")
    return len(text) >= 4 and len(_DATA.findall(text)) >= 0.6 * len(text)


def _inside_a_code(text: str, entity: Dict[str, Any]) -> bool:
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return False
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return bool(re.match(r"[A-Za-z0-9]", before) or re.match(r"[A-Za-z0-9]", after))


def _extend_place(text: str, entity: Dict[str, Any], value: str) -> str:
    """Completes a place span cut short before a place word: 小区地下|车库 → 小区地下车库."""
    end = entity.get("end")
    if not isinstance(end, int) or not isinstance(value, str):
        return value
    rest = text[end:]
    for suffix in cues()["place_suffixes"]:
        if rest.startswith(suffix):
            return value + suffix
    return value


def place_is_vague(place: str) -> bool:
    """"我家厨房", "小区门口", "公司楼下停车场": no district, road, building or landmark."""
    rest = place
    for word in cues()["generic_places"]:
        rest = rest.replace(word, "")
    return not any(marker in rest for marker in cues()["place_markers_geo"])


def _as_written(text: str, entity: Dict[str, Any]) -> Optional[str]:
    """A place or a name as the customer wrote it (contract §3), from the entity's span."""
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
        return None
    return text[start:end].strip(_EDGE) or None


def _preceded_by_other_party(message: Message, entity: Dict[str, Any]) -> bool:
    start = int(entity.get("start", 0) or 0)
    return any(p in message.text[max(0, start - 8):start] for p in cues()["other_party"])


def extract(message: Message, slots: Mapping[str, Any], requested: Optional[str]) -> Extraction:
    """Every form value a message carries, as unvalidated candidates.

    A value replaces one given earlier only when it answers the question asked, when the
    customer signals a correction ("不对，…", "写错了"), or at the summary step."""
    result = Extraction()
    emotion = message.entity("emotion")
    result.emotion = emotion.get("value") if emotion else None
    intent = message.intent or ""
    if intent.startswith("EXTERNAL_"):
        return result
    soft = False
    if intent in INTERRUPTIONS:
        if looks_like_data(message):
            intent = "inform"  # "1381234567" read as goodbye: it is an (invalid) answer
        elif intent in SOFT:
            soft = True
        else:
            return result
    text = message.text or ""
    correcting = is_correction(message) or requested == CORRECTION
    at_summary = requested in (CONFIRMED, CORRECTION)

    def may_set(slot: str, value: Any) -> bool:
        current = slots.get(slot)
        if value is None or value == "" or current == value:
            return False
        return current is None or requested == slot or correcting or at_summary

    def offer(slot: str, value: Any) -> None:
        if may_set(slot, value):
            result.values[slot] = value
            if slots.get(slot) is not None:
                result.corrected.add(slot)

    # 1. Entities from the NLU pipeline, already in the contract's value forms.
    for entity_name, slot in ENTITY_SLOTS.items():
        entity = message.entity(entity_name, last=entity_name in STRUCTURED_ENTITIES)
        if entity is None:
            continue
        if entity_name in ("phone_number", "plate_number") and _preceded_by_other_party(message, entity):
            continue
        if entity_name == "incident_time" and _inside_a_code(message.text, entity):
            continue  # the digits of a mistyped policy number ("PDAA20260301"), not a date
        value = entity.get("value")
        if entity_name in ("incident_place", "person_name"):
            value = _as_written(message.text, entity) or value
        if entity_name == "incident_place":
            value = _extend_place(message.text, entity, value)
        if entity_name == "incident_place" and requested == HOSPITAL:
            slot = HOSPITAL
        if entity_name == "claim_type":
            stated = requested == CLAIM_TYPE or correcting or at_summary
            if slots.get(CLAIM_TYPE) is not None and not stated:
                continue
            result.claim_type_stated = stated
        if entity_name == "incident_time":
            result.time_grain = (entity.get("additional_info") or {}).get("grain")
        offer(slot, value)

    # 2. The story: cause, loss, casualties, description.
    tells_story = requested == DESCRIPTION or has_cue(text, "cause") or has_cue(text, "loss") \
        or has_cue(text, "injury") or has_cue(text, "no_injury") or has_cue(text, "death")
    if tells_story:
        story = read_story(text, message.entities)
        result.death = story.death
        # A field the question asked for takes the whole answer (step 3), not a clause.
        if story.description and (slots.get(DESCRIPTION) is None or requested == DESCRIPTION):
            result.values[DESCRIPTION] = story.description
        if story.cause and slots.get(CAUSE) is None and requested != CAUSE:
            result.values[CAUSE] = story.cause
        if story.loss and slots.get(LOSS) is None and requested != LOSS:
            result.values[LOSS] = story.loss
        if story.casualties is not None and (
            slots.get(CASUALTIES) is None or requested == CASUALTIES or correcting or at_summary
            or story.casualties is True and slots.get(CASUALTIES) is False
        ):
            if slots.get(CASUALTIES) != story.casualties:
                result.values[CASUALTIES] = story.casualties
            result.casualty_details = story.casualty_details

    # 3. A plain answer to the question asked. The whole answer to "where?" is the place
    # (the NLU's span is sometimes only a part of it: 朝阳区望京西路 → 朝阳区).
    if requested in (PLACE, HOSPITAL) and not is_correction(message):
        result.values.pop(requested, None)
    corrected_elsewhere = bool(result.corrected - {requested})
    weak = intent in WEAK or soft
    if weak and requested in (DESCRIPTION, CAUSE, LOSS) and tells_incident(message):
        # "右后门一长道划痕，漆掉了" read as out_of_scope is still the answer asked for.
        weak = False
    if requested and requested not in result.values and not corrected_elsewhere:
        _answer_requested(message, requested, result, weak or not text.strip())

    # 4. A field named as wrong without a new value: ask it again.
    if correcting or at_summary:
        for slot in mentioned_fields(text):
            if slot != requested and slot not in result.values and slots.get(slot) is not None:
                if correcting:
                    result.cleared.add(slot)
    return result


def _answer_requested(message: Message, requested: str, result: Extraction, weak: bool) -> None:
    text = (message.text or "").strip()
    intent = message.intent
    if requested in (CONFIRMED, CORRECTION):
        plain = text.strip(_EDGE)
        if intent == "deny" or any(w in plain for w in cues()["deny_words"]):
            result.confirm = False
        elif intent == "affirm" or any(w in plain for w in cues()["confirm_words"]):
            result.confirm = True
        return
    if requested == CASUALTIES:
        if intent == "deny" or has_cue(text, "no_injury") or text.strip(_EDGE) in cues()["bare_no"]:
            result.values[CASUALTIES] = False
        elif intent == "affirm" or has_cue(text, "injury") or has_cue(text, "death"):
            result.values[CASUALTIES] = True
            if len(text) > 2:
                result.casualty_details = clean_free_text(text, message.entities)
        elif not weak:
            result.values[CASUALTIES] = text  # neither yes nor no: re-asked
        return
    if weak:
        return
    if requested in FREE_TEXT:
        if requested in (PLACE, HOSPITAL):
            value = parse_place(text, message.entities)
        else:
            value = clean_free_text(text, message.entities, drop_fillers=True)
        if value:  # nothing left once numbers and fillers are out: not an answer to this
            result.values[requested] = value
    elif requested in STRUCTURED:
        result.values[requested] = text
    elif requested == TIME:
        resolved = resolve_time_answer(text, message.time)
        if resolved is not None:
            result.values[TIME] = resolved.value.isoformat()
            result.time_grain = resolved.grain
        else:
            result.values[TIME] = text
    elif requested == NAME:
        result.values[NAME] = parse_name(text, message.entities) or text
    elif requested == CLAIM_TYPE:
        result.values[CLAIM_TYPE] = parse_claim_type(text) or text
        result.claim_type_stated = True


# --- checking values ------------------------------------------------------------------------

_NAME = re.compile(r"^(?:[\u4e00-\u9fa5]{1,8}(?:[·•][\u4e00-\u9fa5]{1,8})?|[A-Za-z][A-Za-z .'-]{1,40})$")
_POLICY_IN_TEXT = re.compile(r"P[A-Z]{3}\d{18}")
_ID_IN_TEXT = re.compile(r"\d{17}[\dX]")
_PHONE_IN_TEXT = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Check:
    """A normalised value, or an error code (the response utter_invalid_<code>) with the
    parameters that response shows."""

    value: Any = None
    error: Optional[str] = None
    params: Dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def _search(pattern: "re.Pattern[str]", text: str) -> Optional[str]:
    found = pattern.findall(normalize.compact(text))
    return found[-1] if len(found) >= 1 else None


def check_policy_number(raw: Any) -> Check:
    text = visible(raw)
    value = normalize.normalize_policy_number(text) or _search(_POLICY_IN_TEXT, text)
    return Check(value) if value else Check(error="policy_format")


def check_phone(raw: Any) -> Check:
    text = visible(raw)
    value = normalize.normalize_phone_number(text) or _search(_PHONE_IN_TEXT, re.sub(r"\D", "", text))
    if value and len(re.sub(r"\D", "", text)) in (11, 13):
        return Check(value)
    digits = re.sub(r"\D", "", normalize.to_halfwidth(text))
    if digits and len(digits) != 11:
        return Check(error="phone_length", params={"digits": len(digits)})
    return Check(error="phone_format")


def check_id_number(raw: Any) -> Check:
    text = normalize.compact(visible(raw))
    value = normalize.normalize_id_number(text) or _search(_ID_IN_TEXT, text)
    if value is None:
        chars = len(re.sub(r"[^0-9X]", "", text))
        return Check(error="id_length", params={"chars": chars})
    if not normalize.id_number_is_valid(value):
        return Check(error="id_checksum")
    return Check(value)


def check_plate(raw: Any) -> Check:
    text = visible(raw)
    value = normalize.normalize_plate_number(text)
    if value is None:
        compacted = normalize.compact(text)
        for label in cues()["number_labels"]:
            compacted = compacted.replace(label, "")
        value = normalize.normalize_plate_number(compacted)
    return Check(value) if value else Check(error="plate_format")


def check_incident_time(raw: Any, now: Optional[dt.datetime] = None) -> Check:
    now = now or dt.datetime.now(SHANGHAI)
    try:
        value = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        return Check(error="time_unparsed")
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    if value > now + FUTURE_TOLERANCE:
        return Check(error="time_future")
    if value < now - MAX_INCIDENT_AGE:
        return Check(error="time_too_old")
    return Check(value.astimezone(SHANGHAI).isoformat())


def check_name(raw: Any) -> Check:
    value = visible(raw).strip(_EDGE)
    value = re.sub(r"(?<=[\u4e00-\u9fa5])\s+(?=[\u4e00-\u9fa5])", "", value)  # "王 建国"
    return Check(value) if _NAME.match(value) and len(value) >= 2 else Check(error="name_format")


def check_place(raw: Any, hint: Optional[str] = None) -> Check:
    """A place precise enough to find. A vague one ("我家厨房") is asked about once; the
    answer then keeps it as a detail ("浦东新区张杨路1234弄，我家厨房")."""
    check = check_text(raw, 2)
    if not check.ok:
        return check
    if hint is None and place_is_vague(check.value):
        # Kept as a detail only if it names a kind of place ("我家厨房"), not a stray word.
        detail = check.value if any(w in check.value for w in cues()["generic_places"] if len(w) > 1) else ""
        return Check(error="place_vague", params={"place": detail})
    if hint and hint not in check.value:
        return Check(_join([check.value, hint]))
    return check


def check_claim_type(raw: Any) -> Check:
    value = str(raw or "")
    return Check(value) if value in CLAIM_TYPES else Check(error="claim_type")


def check_text(raw: Any, min_length: int = 2) -> Check:
    value = _tidy(str(raw or ""))
    return Check(value[:2000]) if len(value) >= min_length else Check(error="too_short")


def check_casualties(raw: Any) -> Check:
    return Check(raw) if isinstance(raw, bool) else Check(error="casualties")


def plate_matches_policy(plate: str, policy: Optional[Mapping[str, Any]]) -> bool:
    insured = (policy or {}).get("plate_number")
    return not insured or normalize.compact(insured) == plate


def needs_urgent_care(incident_time: Optional[str], now: Optional[dt.datetime] = None) -> bool:
    """Someone is hurt and it just happened (or we do not know when): help first."""
    if not incident_time:
        return True
    now = now or dt.datetime.now(SHANGHAI)
    try:
        when = dt.datetime.fromisoformat(incident_time)
    except ValueError:
        return True
    return now - when <= URGENT_CARE_WINDOW


# --- showing and filing ---------------------------------------------------------------------


# Where bot/time_resolution.py's parser (JioNLP) starts each part of the day it resolves
# (前天上午 → 07:00-11:59, …): the start hour names the part again when it is shown back.
PART_OF_DAY_BY_START_HOUR = {0: "凌晨", 6: "早上", 7: "上午", 12: "中午", 13: "下午",
                             17: "傍晚", 18: "晚上", 20: "夜里"}


def part_of_day_label(start: dt.datetime) -> Optional[str]:
    """"上午" for a part-of-day interval starting at 07:00; None for an unknown start."""
    if start.minute or start.second:
        return None
    return PART_OF_DAY_BY_START_HOUR.get(start.hour)


def time_display(iso: Optional[str], grain: Optional[str] = None) -> Optional[str]:
    if not iso:
        return None
    value = dt.datetime.fromisoformat(iso).astimezone(SHANGHAI)
    if grain in ("day", "days"):
        return value.strftime("%Y-%m-%d")
    if grain == "part_of_day":  # 前天上午 is shown as said, not as the interval's 07:00
        part = part_of_day_label(value)
        if part:
            return f"{value:%Y-%m-%d} {part}"
    return value.strftime("%Y-%m-%d %H:%M")


def mask_id(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def numbered(lines: Iterable[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def format_materials(checklist: Mapping[str, Any]) -> str:
    """The API's checklist as numbered lines: name, and when it applies."""
    return numbered(
        f"{item['name']} ({item['required_when']})" if item.get("required_when") else item["name"]
        for item in checklist.get("items", [])
    )


def format_submission(checklist: Mapping[str, Any]) -> str:
    return numbered(f"{m['name']}: {m['how']}" for m in checklist.get("submission_methods", []))


def idempotency_key(sender_id: str, attempt: int) -> str:
    """One key per report of a conversation: a retried or repeated filing reuses it."""
    return hashlib.sha256(f"{sender_id}#{int(attempt)}".encode()).hexdigest()


def build_claim(slots: Mapping[str, Any], *, channel: str, conversation_id: str) -> Dict[str, Any]:
    """The `ClaimCreate` body of a complete report."""
    claim_type = slots[CLAIM_TYPE]
    casualties = bool(slots.get(CASUALTIES))
    body: Dict[str, Any] = {
        "policy_no": slots[POLICY],
        "claim_type": claim_type,
        "insured_name": slots[NAME],
        "incident_time": slots[TIME],
        "incident_place": slots[PLACE],
        "cause": slots[CAUSE],
        "description": slots.get(DESCRIPTION) or slots[CAUSE],
        "loss": slots[LOSS],
        "casualties": casualties,
        "contact_phone": slots[PHONE],
        "channel": re.sub(r"[^a-z0-9_\-]", "", (channel or "rest").lower())[:40] or "rest",
        "conversation_id": conversation_id,
    }
    if slots.get(ID_NUMBER):
        body["insured_id_number"] = slots[ID_NUMBER]
    if casualties and slots.get("intake_casualty_details"):
        body["casualty_details"] = slots["intake_casualty_details"]
    if claim_type == "vehicle" and slots.get(PLATE):
        body["plate_number"] = slots[PLATE]
    if claim_type in PERSON_TYPES and slots.get(HOSPITAL):
        body["hospital"] = slots[HOSPITAL]
    return body

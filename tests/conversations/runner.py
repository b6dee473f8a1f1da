"""Black-box customers: scripted people who report an incident to the running bot over the
REST channel, as a channel would, and the claims the Claims API ends up holding.

A customer (customers.yml) has opening turns, and answers keyed by what the bot asks: the
runner reads the bot's last message the way a person would (which field it asks for, from
the words of the question) and sends the customer's answer for it. A list of answers is
tried in order (a wrong value first tests the re-ask). `interrupt` inserts turns before the
answer to a field (a question, a cancel, a correction). `at_summary` is what the customer
says at the first summary instead of confirming.

Pass: the claims held for the conversation (GET /claims?policy_no=, staff token, matched on
conversation_id) are exactly what is expected: one claim with the expected fields, or none.

`python -m tests.conversations.runner` prints the report for a running stack (RASA_URL,
CLAIMS_API_URL); tests/conversations/test_conversations.py starts one if none is given.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests
import yaml

from tests.conversations.stack import STAFF_TOKEN, Chat

HERE = Path(__file__).parent
CUSTOMERS = HERE / "customers.yml"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MAX_TURNS = 30

# What the bot is asking, read from its question (first match wins: the summary first,
# since it names every field, then "what happened?", which mentions time and place).
QUESTIONS = [
    ("confirm", ("信息都正确吗",)),
    ("correction", ("哪一项需要修改", "哪里需要改")),
    ("keep", ("需要帮您保留吗",)),
    ("description", ("发生了什么", "事情的经过")),
    ("claim_type", ("哪一类",)),
    ("policy", ("保单号",)),
    ("id_number", ("身份证",)),
    ("name", ("姓名",)),
    ("time", ("什么时候",)),
    ("place", ("什么地方", "地点在哪")),
    ("cause", ("原因",)),
    ("casualties", ("有没有人员受伤", "有没有人受伤")),
    ("plate", ("车牌",)),
    ("hospital", ("医院",)),
    ("loss", ("损失", "花了多少", "伤情怎么样", "财物受损")),
    ("phone", ("手机号",)),
]
ENDINGS = ("报案成功", "暂时没有提交", "系统恢复后会自动为您提交")


def asked_field(replies: List[Dict[str, Any]]) -> Optional[str]:
    for reply in reversed(replies):
        text = reply.get("text") or ""
        for name, cues in QUESTIONS:
            if any(cue in text for cue in cues):
                return name
    return None


def ended(replies: List[Dict[str, Any]]) -> bool:
    return any(any(e in (r.get("text") or "") for e in ENDINGS) for r in replies)


@dataclass
class Outcome:
    customer: str
    sender: str
    passed: bool
    turns: int
    filed: int
    problems: List[str] = field(default_factory=list)
    transcript: str = ""


def run_customer(customer: Dict[str, Any], rasa_url: str, claims_url: str, run_id: str,
                 chat: Optional[Chat] = None) -> Outcome:
    """The customer's opening turns, then `finish_customer`. `chat` replaces the REST
    client to `rasa_url` (tests/scale sends the turns to several instances)."""
    chat = chat or Chat(rasa_url, f"bb-{run_id}-{customer['id']}")
    replies: List[Dict[str, Any]] = []
    for text in customer["says"]:
        replies = chat.say(text)
    return finish_customer(customer, chat, claims_url, replies, len(customer["says"]))


def finish_customer(customer: Dict[str, Any], chat: Chat, claims_url: str,
                    replies: List[Dict[str, Any]], turns: int = 0) -> Outcome:
    """Answers what the bot asks in `replies` and after, until the conversation ends, then
    compares the claims held for the conversation with what the customer expects."""
    sender = chat.sender
    answers = {k: (v if isinstance(v, list) else [v]) for k, v in (customer.get("answers") or {}).items()}
    tries: Dict[str, int] = {}
    interrupts = {i["before"]: list(i["say"]) for i in customer.get("interrupt") or []}
    at_summary = list(customer.get("at_summary") or [])
    problems: List[str] = []
    while not ended(replies) and turns < MAX_TURNS:
        asked = asked_field(replies)
        if asked is None:
            problems.append(f"could not tell what the bot asked: {[r.get('text') for r in replies]}")
            break
        if asked in interrupts:
            for text in interrupts.pop(asked):
                replies = chat.say(text)
                turns += 1
            continue
        if asked == "confirm" and at_summary:
            replies = chat.say(at_summary.pop(0))
            turns += 1
            continue
        options = answers.get(asked) or (["确认提交"] if asked == "confirm" else None)
        if not options:
            problems.append(f"the bot asked for {asked}, which the customer was not expected to be asked")
            break
        index = min(tries.get(asked, 0), len(options) - 1)
        tries[asked] = tries.get(asked, 0) + 1
        if tries[asked] > len(options) + 1:
            problems.append(f"the bot keeps asking for {asked}")
            break
        replies = chat.say(options[index])
        turns += 1
    if not ended(replies) and not problems:
        problems.append(f"no end after {turns} turns")

    expect = customer["expect"]
    claims = [c for c in _claims(claims_url, expect["policy_no"]) if c.get("conversation_id") == sender]
    if expect.get("filed", True):
        if len(claims) != 1:
            problems.append(f"expected exactly one claim, found {len(claims)}")
        else:
            problems += _compare(claims[0], expect)
    elif claims:
        problems.append(f"expected no claim, found {len(claims)}")
    return Outcome(customer["id"], sender, not problems, turns, len(claims), problems, chat.dump())


def _claims(claims_url: str, policy_no: str) -> List[Dict[str, Any]]:
    token = os.environ.get("STAFF_API_TOKEN", STAFF_TOKEN)
    response = requests.get(f"{claims_url.rstrip('/')}/claims", params={"policy_no": policy_no},
                            headers={"Authorization": f"Bearer {token}"}, timeout=30)
    response.raise_for_status()
    return response.json()


def _compare(claim: Dict[str, Any], expect: Dict[str, Any]) -> List[str]:
    problems = []
    for key in ("claim_type", "policy_no"):
        if claim.get(key) != expect[key]:
            problems.append(f"{key}: {claim.get(key)!r} != {expect[key]!r}")
    if "incident_days_ago" in expect:
        day = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=expect["incident_days_ago"])
        got = dt.datetime.fromisoformat(claim["incident_time"]).astimezone(SHANGHAI).date()
        if got != day:
            problems.append(f"incident date {got} != {day}")
    if expect.get("place_contains") and expect["place_contains"] not in (claim.get("incident_place") or ""):
        problems.append(f"place {claim.get('incident_place')!r} lacks {expect['place_contains']!r}")
    if expect.get("phone") and claim.get("contact_phone") != str(expect["phone"]):
        problems.append(f"phone {claim.get('contact_phone')!r} != {expect['phone']!r}")
    if "casualties" in expect and claim.get("casualties") is not expect["casualties"]:
        problems.append(f"casualties {claim.get('casualties')!r} != {expect['casualties']!r}")
    return problems


def run_all(rasa_url: str, claims_url: str, path: Path = CUSTOMERS) -> Dict[str, Any]:
    customers = yaml.safe_load(path.read_text(encoding="utf-8"))["customers"]
    run_id = uuid.uuid4().hex[:6]
    outcomes = [run_customer(c, rasa_url, claims_url, run_id) for c in customers]
    filed = [o for o in outcomes if o.passed and o.filed == 1]
    return {
        "customers": len(outcomes),
        "passed": sum(o.passed for o in outcomes),
        "pass_rate": sum(o.passed for o in outcomes) / len(outcomes),
        "reports_filed": len(filed),
        "mean_turns_per_filed_report": (sum(o.turns for o in filed) / len(filed)) if filed else None,
        "outcomes": [o.__dict__ for o in outcomes],
    }


def summary(report: Dict[str, Any]) -> str:
    lines = [f"black-box customers: {report['passed']}/{report['customers']} passed "
             f"({report['pass_rate']:.0%}); {report['reports_filed']} reports filed, "
             f"mean {report['mean_turns_per_filed_report'] or 0:.1f} customer turns per filed report"]
    for outcome in report["outcomes"]:
        if not outcome["passed"]:
            lines.append(f"  FAILED {outcome['customer']}: {'; '.join(outcome['problems'])}")
            lines.append("    " + outcome["transcript"].replace("\n", "\n    "))
    return "\n".join(lines)


def main() -> None:
    report = run_all(os.environ.get("RASA_URL", "http://127.0.0.1:5005"),
                     os.environ.get("CLAIMS_API_URL", "http://127.0.0.1:8000"))
    out = Path("results") / "conversations"
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(summary(report))


if __name__ == "__main__":
    main()

"""Black-box: customers who ask about materials, the process and their claims' status, and
who are told when staff move their claim (customers_status.yml), talking to the running
bot over the REST channel; and progress notices reaching an open web-chat page and a WeChat
user (WeChat's API played by the loopback stand-in of tests/channels).

Each reply is checked against its one source: the Claims API (catalogue, verified status
lookup, claims and notifications of a policy) and the domain's responses by key. A customer
passes when every expectation of every turn holds and the bot never falls back. The pass
rate must be at least 95 %.

Uses a running stack when STATUS_TEST_RASA_URL + STATUS_TEST_CLAIMS_API_URL (and
STATUS_TEST_REDIS_URL, the stack's Redis) are set (not RASA_URL / CLAIMS_API_URL, which other
fixtures of the same pytest run set for their own processes); otherwise starts every
service of stack/topology.py (model: CLAIMS_TEST_MODEL, else the newest in models/) on free
ports with Redis db 11. `python -m tests.conversations.test_status_conversations` prints
the report for a running stack (RASA_URL, CLAIMS_API_URL, REDIS_URL).
"""
from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import redis
import requests
import yaml

from tests.conversations.stack import Chat
from tests.support.claims_stack import BOT_TOKEN, STAFF_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET, Stack

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CUSTOMERS = HERE / "customers_status.yml"
MIN_PASS_RATE = 0.95
PENDING_PREFIX = "chat:pending:"


# --- the sources of truth ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def responses() -> Dict[str, List[str]]:
    """Every response text of the domain (domain/*.yml), by key."""
    found: Dict[str, List[str]] = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for key, variants in (yaml.safe_load(path.read_text("utf-8")).get("responses") or {}).items():
            found.setdefault(key, []).extend(v["text"] for v in variants if v.get("text"))
    return found


def pattern(template: str) -> "re.Pattern[str]":
    parts = re.split(r"(\{[a-z_]+\})", template)
    return re.compile("".join(".+?" if re.fullmatch(r"\{[a-z_]+\}", p) else re.escape(p) for p in parts),
                      re.S)


class ClaimsApi:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def _get(self, path: str, token: str = BOT_TOKEN, **params: str) -> Any:
        response = requests.get(f"{self.url}{path}", params=params, timeout=30,
                                headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        return response.json()

    def _post(self, path: str, body: Dict[str, Any], token: str = BOT_TOKEN, **headers: str) -> Any:
        response = requests.post(f"{self.url}{path}", json=body, timeout=30,
                                 headers={"Authorization": f"Bearer {token}", **headers})
        response.raise_for_status()
        return response.json()

    @property
    def catalogue(self) -> List[Dict[str, Any]]:
        if not hasattr(self, "_catalogue"):
            self._catalogue = self._get("/materials")["claim_types"]
        return self._catalogue

    def item(self, code: str) -> Dict[str, Any]:
        return next(i for c in self.catalogue for i in c["items"] if i["code"] == code)

    def status(self, query: Dict[str, str]) -> Dict[str, Any]:
        return self._post("/claims/status-lookup", query)["claims"][0]

    def claims(self, policy_no: str) -> List[Dict[str, Any]]:
        return self._get("/claims", STAFF_TOKEN, policy_no=policy_no)

    def notifications(self, report_no: str) -> List[Dict[str, Any]]:
        return self._get("/notifications", STAFF_TOKEN, report_no=report_no)

    def file(self, fields: Dict[str, Any]) -> str:
        when = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600 - 86400))
        body = {"incident_time": when, "incident_place": "北京市海淀区中关村大街", "cause": "剐蹭",
                "description": "停车时被旁边车辆剐蹭，左后门受损", "loss": "左后门划痕",
                "casualties": False, "channel": "phone", **fields}
        return self._post("/claims", body, **{"Idempotency-Key": f"status-bb-{uuid.uuid4().hex}"})["report_no"]

    def move(self, report_no: str, stage: str) -> None:
        self._post(f"/claims/{report_no}/transitions",
                   {"to_stage": stage, "reason": "黑盒测试", "actor": "black-box"}, STAFF_TOKEN)


# --- the checks -------------------------------------------------------------------------------


class Checker:
    def __init__(self, api: ClaimsApi) -> None:
        self.api = api

    def problems(self, expect: Dict[str, Any], replies: List[str]) -> List[str]:
        text = "\n".join(replies)
        found: List[str] = []
        for kind, value in expect.items():
            found += [f"{kind}: {p}" for p in getattr(self, f"check_{kind}")(value, replies, text)]
        if "utter_default" not in json.dumps(expect) and self._said("utter_default", replies):
            found.append("the bot did not understand (utter_default)")
        return found

    @staticmethod
    def _missing(facts: List[str], text: str) -> List[str]:
        return [f"missing {fact!r}" for fact in facts if fact and fact not in text]

    @staticmethod
    def _said(key: str, replies: List[str]) -> bool:
        return any(pattern(t).fullmatch(r) for t in responses()[key] for r in replies)

    def check_says(self, key: str, replies: List[str], text: str) -> List[str]:
        return [] if self._said(key, replies) else [f"no reply matches {key}"]

    def check_not_says(self, keys: List[str], replies: List[str], text: str) -> List[str]:
        return [f"said {key}" for key in keys if self._said(key, replies)]

    def check_process(self, topic: str, replies: List[str], text: str) -> List[str]:
        variants = responses()[f"utter_ask_process/{topic}"]
        return [] if any(r in variants for r in replies) else [f"no answer utter_ask_process/{topic}"]

    def check_checklist(self, claim_type: str, replies: List[str], text: str) -> List[str]:
        checklist = next(c for c in self.api.catalogue if c["claim_type"] == claim_type)
        facts = [checklist["label_zh"]]
        for item in checklist["items"]:
            facts += [item["name"], item["what"], item["where_to_get"], item["required_when"]]
        facts += [m for method in checklist["submission_methods"] for m in (method["name"], method["how"])]
        return self._missing(facts, text)

    def check_item(self, code: str, replies: List[str], text: str) -> List[str]:
        item = self.api.item(code)
        return self._missing([item["name"], item["what"], item["where_to_get"]], text)

    def check_submission(self, _: Any, replies: List[str], text: str) -> List[str]:
        methods = self.api.catalogue[0]["submission_methods"]
        return self._missing([m for method in methods for m in (method["name"], method["how"])], text)

    def check_status(self, query: Dict[str, str], replies: List[str], text: str) -> List[str]:
        claim = self.api.status(query)
        facts = [claim["report_no"], claim["stage_label_zh"], claim["stage_explanation_zh"]]
        if claim["stage"] == "awaiting_materials":
            facts += claim["materials_missing"]
        elif claim["stage"] == "paid":
            facts += [f"{claim['paid_amount']:,.2f}", claim["bank_account_tail"]]
        elif claim["stage"] == "rejected":
            facts += [claim["rejection_reason"], claim["rejection_clause"], claim["appeal_zh"]]
        else:
            facts += [claim["next_step_zh"], claim.get("note")]
        return self._missing(facts, text)

    def check_missing(self, query: Dict[str, str], replies: List[str], text: str) -> List[str]:
        claim = self.api.status(query)
        return self._missing(list(claim["materials_missing"]), text)

    def check_leaks_nothing(self, query: Dict[str, str], replies: List[str], text: str) -> List[str]:
        claim = self.api.status(query)
        facts = [claim["stage_label_zh"], claim["stage_explanation_zh"], claim["incident_place"],
                 claim["policy_no"], claim.get("note"), *claim["materials_missing"]]
        return [f"disclosed {fact!r}" for fact in facts if fact and fact in text]

    def check_choice(self, query: Dict[str, str], replies: List[str], text: str) -> List[str]:
        claims = self.api.claims(query["policy_no"])
        problems = [] if len(claims) >= 2 else [f"the policy has {len(claims)} claims"]
        return problems + self._missing([c["report_no"] for c in claims], text)

    def _notice(self, report_no: str) -> str:
        message = self.api.notifications(report_no)[0]["message_zh"]
        return responses()["utter_status_notice"][0].replace("{message}", message)

    def check_notice(self, query: Dict[str, str], replies: List[str], text: str) -> List[str]:
        return [] if self._notice(query["report_no"]) in replies else ["the notice was not shown"]

    def check_no_notice(self, query: Dict[str, str], replies: List[str], text: str) -> List[str]:
        return ["the notice was shown again"] if self._notice(query["report_no"]) in replies else []


# --- the customers ----------------------------------------------------------------------------


@dataclass
class Outcome:
    customer: str
    sender: str
    passed: bool
    turns: int
    problems: List[str] = field(default_factory=list)
    transcript: str = ""


def _substitute(value: Any, names: Dict[str, str]) -> Any:
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, dict):
        return {k: _substitute(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, names) for v in value]
    return value


def _setup(customer: Dict[str, Any], api: ClaimsApi, store: redis.Redis, names: Dict[str, str]) -> None:
    setup = customer.get("setup") or {}
    for number in setup.get("unlock") or []:
        store.delete(f"claims:verify-fail:{number}")
    if "claim" in setup:
        fields = _substitute(setup["claim"], names)
        names["$claim"] = api.file(fields)
        for stage in setup.get("moves") or []:
            api.move(names["$claim"], stage)
        if fields.get("channel") == "rest" and setup.get("moves"):
            key = PENDING_PREFIX + fields["conversation_id"]
            deadline = time.monotonic() + 30
            while store.llen(key) < len(setup["moves"]) and time.monotonic() < deadline:
                time.sleep(0.2)


def run_customer(customer: Dict[str, Any], rasa_url: str, api: ClaimsApi, store: redis.Redis,
                 run_id: str) -> Outcome:
    sender = f"status-bb-{run_id}-{customer['id']}"
    names = {"$sender": sender}
    chat = Chat(rasa_url, sender)
    problems: List[str] = []
    checker = Checker(api)
    try:
        _setup(customer, api, store, names)
        for number, turn in enumerate(customer["turns"], start=1):
            replies = [r.get("text") or "" for r in chat.say(turn["say"])]
            for problem in checker.problems(_substitute(turn.get("expect") or {}, names), replies):
                problems.append(f"turn {number} ({turn['say']}): {problem}")
    except requests.RequestException as error:
        problems.append(f"HTTP error: {error}")
    return Outcome(customer["id"], sender, not problems, len(chat.transcript), problems, chat.dump())


def run_all(rasa_url: str, claims_url: str, redis_url: str, path: Path = CUSTOMERS) -> Dict[str, Any]:
    customers = yaml.safe_load(path.read_text(encoding="utf-8"))["customers"]
    api = ClaimsApi(claims_url)
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    run_id = uuid.uuid4().hex[:6]
    outcomes = [run_customer(c, rasa_url, api, store, run_id) for c in customers]
    return {
        "customers": len(outcomes),
        "passed": sum(o.passed for o in outcomes),
        "pass_rate": sum(o.passed for o in outcomes) / len(outcomes),
        "outcomes": [o.__dict__ for o in outcomes],
    }


def summary(report: Dict[str, Any]) -> str:
    lines = [f"status/materials customers: {report['passed']}/{report['customers']} passed "
             f"({report['pass_rate']:.0%})"]
    for outcome in report["outcomes"]:
        if not outcome["passed"]:
            lines.append(f"  FAILED {outcome['customer']}: {'; '.join(outcome['problems'])}")
            lines.append("    " + outcome["transcript"].replace("\n", "\n    "))
    return "\n".join(lines)


# --- the tests --------------------------------------------------------------------------------


@dataclass
class Live:
    rasa_url: str
    claims_url: str
    redis_url: str
    standin: Any = None


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    if os.environ.get("STATUS_TEST_RASA_URL") and os.environ.get("STATUS_TEST_CLAIMS_API_URL"):
        yield Live(os.environ["STATUS_TEST_RASA_URL"], os.environ["STATUS_TEST_CLAIMS_API_URL"],
                   os.environ.get("STATUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
        return
    from tests.channels.wechat_standin import WeChatStandIn

    standin = WeChatStandIn(WECHAT_APP_SECRET).start()
    stack = Stack(standin.url)
    try:
        stack.start()
    except BaseException:
        standin.stop()
        raise
    yield Live(stack.rasa_url, stack.claims_api_url, stack.redis_url, standin)
    stack.stop()
    standin.stop()


def test_status_and_materials_customers(live: Live) -> None:
    report = run_all(live.rasa_url, live.claims_url, live.redis_url)
    out = ROOT / "results" / "conversations"
    out.mkdir(parents=True, exist_ok=True)
    (out / "status_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2),
                                             encoding="utf-8")
    print("\n" + summary(report))
    assert report["customers"] >= 12
    assert report["pass_rate"] >= MIN_PASS_RATE, summary(report)


def _notice_text(api: ClaimsApi, report_no: str) -> str:
    return responses()["utter_status_notice"][0].replace(
        "{message}", api.notifications(report_no)[0]["message_zh"])


def test_stage_change_notice_reaches_the_open_web_chat(live: Live) -> None:
    from tests.channels.chat_socket import ChatSocket

    api = ClaimsApi(live.claims_url)
    page = ChatSocket(live.rasa_url)
    page.open()
    try:
        report_no = api.file({"policy_no": "PDAA202603010000001234", "claim_type": "vehicle",
                              "insured_name": "王建国", "contact_phone": "13812345678",
                              "channel": "socketio", "conversation_id": page.session_id})
        start = page.mark()
        api.move(report_no, "accepted")
        notice = page.wait("bot_uttered", lambda d: report_no in (d or {}).get("text", ""),
                           timeout=60, after=start)
        assert notice["text"] == _notice_text(api, report_no)
        assert notice["kind"] == "notice"
        time.sleep(3)  # delivered once: nothing more about it arrives
        assert [d for d in page.named("bot_uttered") if report_no in (d or {}).get("text", "")] == [notice]
    finally:
        page.close()


def test_stage_change_notice_reaches_wechat_customer_service(live: Live) -> None:
    if live.standin is None:
        pytest.skip("the running stack's WeChat API is not the loopback stand-in")
    api = ClaimsApi(live.claims_url)
    openid = "oStatus" + uuid.uuid4().hex[:21]
    report_no = api.file({"policy_no": "PDAA202603010000001234", "claim_type": "vehicle",
                          "insured_name": "王建国", "contact_phone": "13812345678",
                          "channel": "wechat", "conversation_id": openid})
    api.move(report_no, "accepted")

    messages = live.standin.wait_for_messages(openid, 1, timeout=60)

    assert "".join(messages) == _notice_text(api, report_no)
    time.sleep(3)
    assert len(live.standin.messages_to(openid)) == len(messages)


if __name__ == "__main__":
    print(summary(run_all(os.environ.get("RASA_URL", "http://127.0.0.1:5005"),
                          os.environ.get("CLAIMS_API_URL", "http://127.0.0.1:8000"),
                          os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))))

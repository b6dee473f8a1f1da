"""WeChat reply time with 20 customers writing at once.

Each customer is a thread playing WeChat's server: it pushes a message, waits for the
answer (WeChat waits 5 s), then sends the next, either at once ("burst", more than the
bot can answer at that pace) or after 3 s of typing ("paced"). Every answer must be back
within 4.5 s; answers not ready in time are acknowledged and follow through the
customer-service API. The measurement (all answers and passive replies: p50/p95/max)
is written to reports/bench/wechat-passive-reply.json.
"""
from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

import requests

from tests.channels import processes
from tests.channels.wechat_server import WeChatServer

USERS = 20
MESSAGES = ["你好", "我要报案", "保单号PDAA202603010000001234", "理赔需要准备什么材料", "谢谢"]
LIMIT_SECONDS = 4.5
REPORT = processes.ROOT / "reports" / "bench" / "wechat-passive-reply.json"


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def stats(values: List[float]) -> Dict[str, float]:
    if not values:
        return {}
    return {"p50": round(statistics.median(values), 3), "p95": round(percentile(values, 0.95), 3),
            "max": round(max(values), 3)}


def run_users(wechat: WeChatServer, think_seconds: float) -> Dict[str, object]:
    def customer(number: int) -> List[Dict[str, float]]:
        openid = f"oLoad{number:02d}{time.time_ns() % 10**12:012d}" + "x" * 9
        server = WeChatServer(wechat.webhook, wechat.token, wechat.app_id)
        results = []
        time.sleep(number * think_seconds / USERS)  # customers do not start in lockstep
        for text in MESSAGES:
            try:
                answer = server.push(server.text(openid, text), timeout=5)
                results.append({"seconds": answer.seconds, "passive": bool(answer.content),
                                "status": answer.status})
            except requests.Timeout:  # WeChat gives up after 5 s
                results.append({"seconds": 5.0, "passive": False, "status": 0})
            time.sleep(think_seconds)
        return results

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        answers = [a for user in pool.map(customer, range(USERS)) for a in user]
    seconds = [a["seconds"] for a in answers]
    passive = [a["seconds"] for a in answers if a["passive"]]
    return {
        "think_seconds": think_seconds, "requests": len(answers),
        "wall_seconds": round(time.monotonic() - started, 1),
        "all_answers": stats(seconds), "passive_replies": len(passive),
        "passive": stats(passive), "acknowledged_then_api": len(answers) - len(passive),
        "statuses": sorted({a["status"] for a in answers}),
    }


def test_reply_time_with_20_concurrent_users(stack, wechat: WeChatServer) -> None:
    assert wechat.push(wechat.text("oWarmUp" + "0" * 21, "你好")).status == 200
    summary = {"users": USERS, "messages_per_user": len(MESSAGES), "limit_seconds": LIMIT_SECONDS,
               "paced": run_users(wechat, think_seconds=3.0),
               "burst": run_users(wechat, think_seconds=0.0)}
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print("\nWeChat reply time:", json.dumps(summary, ensure_ascii=False))
    for scenario in ("paced", "burst"):
        assert summary[scenario]["statuses"] == [200], summary
        assert summary[scenario]["all_answers"]["max"] <= LIMIT_SECONDS, summary
        assert summary[scenario]["passive_replies"] > 0, summary

"""Claims API throughput and latency: report creation and status lookup, 10 clients."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import List
from zoneinfo import ZoneInfo

import httpx

from bench.stats import Measurement, Timer, run_concurrently

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = "PDAA202603010000001234"  # the demo's active vehicle policy
CLIENTS = 10


def claim_body() -> dict:
    incident = (datetime.now(SHANGHAI) - timedelta(days=1)).replace(microsecond=0)
    return {
        "policy_no": POLICY, "claim_type": "vehicle", "insured_name": "王建国",
        "incident_time": incident.isoformat(), "incident_place": "北京市朝阳区建国路",
        "cause": "追尾", "description": "等红灯时被后车追尾", "loss": "后保险杠受损",
        "casualties": False, "contact_phone": "13812345678", "plate_number": "京A12345",
        "channel": "rest", "conversation_id": f"bench-{uuid.uuid4().hex[:8]}",
    }


async def bench_api(base_url: str, token: str, requests_per_client: int = 30) -> List[Measurement]:
    headers = {"Authorization": f"Bearer {token}"}
    created: List[str] = []
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:

        async def create(_: int, m: Measurement) -> None:
            for _ in range(requests_per_client):
                async with Timer(m):
                    response = await client.post("/claims", json=claim_body(),
                                                 headers={"Idempotency-Key": uuid.uuid4().hex})
                    response.raise_for_status()
                    created.append(response.json()["report_no"])

        async def lookup(worker: int, m: Measurement) -> None:
            for i in range(requests_per_client):
                report_no = created[(worker * requests_per_client + i) % len(created)]
                async with Timer(m):
                    response = await client.post("/claims/status-lookup",
                                                 json={"report_no": report_no, "phone_last4": "5678"})
                    response.raise_for_status()

        creation = await run_concurrently("api: create report (POST /claims)", CLIENTS, create)
        status = await run_concurrently("api: status lookup", CLIENTS, lookup)
    return [creation, status]

"""NLU parse latency and per-turn latency through the REST channel."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import List

import httpx
import yaml

from bench.stats import Measurement, Timer, run_concurrently

ROOT = Path(__file__).resolve().parent.parent


def nlu_texts(limit: int = 200) -> List[str]:
    """Messages of the held-out NLU test set, without the entity markup."""
    import re

    data = yaml.safe_load((ROOT / "tests" / "nlu" / "test_nlu.yml").read_text(encoding="utf-8"))
    texts: List[str] = []
    for block in data.get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line[2:]))
    return texts[:limit]


async def bench_parse(rasa_url: str) -> Measurement:
    texts = nlu_texts()
    async with httpx.AsyncClient(base_url=rasa_url, timeout=30) as client:
        for text in texts[:10]:  # warm-up
            await client.post("/model/parse", json={"text": text})

        async def parse(_: int, m: Measurement) -> None:
            for text in texts:
                async with Timer(m):
                    (await client.post("/model/parse", json={"text": text})).raise_for_status()

        return await run_concurrently("nlu: /model/parse", 1, parse)


def conversations() -> List[List[str]]:
    """The scripted conversations; every turn as text (the REST channel refuses a number)."""
    scripts = yaml.safe_load((Path(__file__).with_name("conversations.yml")).read_text(encoding="utf-8"))
    return [[str(turn) for turn in script] for script in scripts]


async def bench_turns(rasa_url: str, concurrency: int, conversations_per_worker: int,
                      label: str = "redis tracker") -> Measurement:
    scripts = conversations()
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(base_url=rasa_url, timeout=60, limits=limits) as client:

        async def customer(worker: int, m: Measurement) -> None:
            for round_ in range(conversations_per_worker):
                sender = f"bench-{uuid.uuid4().hex[:12]}"
                for text in scripts[(worker + round_) % len(scripts)]:
                    async with Timer(m):
                        response = await client.post("/webhooks/rest/webhook",
                                                     json={"sender": sender, "message": text})
                        response.raise_for_status()
                        if not response.json():
                            raise RuntimeError(f"no reply to {text!r}")

        return await run_concurrently(f"turns ({label})", concurrency, customer)

"""REST customers of the cluster: one instance, alternating instances, or the balancer."""
from __future__ import annotations

import itertools
from typing import Dict, List, Sequence

import requests

from tests.conversations import runner
from tests.conversations.stack import Chat

APOLOGY_CUE = "没有处理成功"


def customer(customer_id: str) -> Dict:
    """A scripted customer of tests/conversations/customers.yml."""
    import yaml

    data = yaml.safe_load(runner.CUSTOMERS.read_text(encoding="utf-8"))
    return next(c for c in data["customers"] if c["id"] == customer_id)


def texts(replies: List[Dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


class AlternatingChat(Chat):
    """Sends each turn of one conversation to the next Rasa instance in turn."""

    def __init__(self, rasa_urls: Sequence[str], sender: str) -> None:
        super().__init__(rasa_urls[0], sender)
        self._urls = itertools.cycle(rasa_urls)
        self.used: List[str] = []

    def say(self, text: str, timeout: float = 120) -> list:
        self.rasa_url = next(self._urls)
        self.used.append(self.rasa_url)
        return super().say(text, timeout)


def slots(rasa_url: str, sender: str) -> Dict:
    response = requests.get(f"{rasa_url}/conversations/{sender}/tracker", timeout=30)
    response.raise_for_status()
    return response.json()["slots"]

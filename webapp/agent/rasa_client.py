"""The Rasa server's HTTP API as the console uses it (`rasa run --enable-api`), and the
Claims API's staff lookup of a claim."""
from __future__ import annotations

from typing import Any, Dict, List, Optional
from urllib.parse import quote

import httpx

from webapp.agent.settings import Settings


class RasaUnavailable(RuntimeError):
    pass


class RasaClient:
    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.base = settings.rasa_url
        self.params = {"token": settings.rasa_token} if settings.rasa_token else {}
        self.client = client

    def _url(self, conversation_id: str, path: str) -> str:
        return f"{self.base}/conversations/{quote(conversation_id, safe='')}/{path}"

    async def _call(self, method: str, url: str, **kwargs: Any) -> Dict[str, Any]:
        try:
            response = await self.client.request(method, url, params={**self.params, **kwargs.pop(
                "params", {})}, timeout=15.0, **kwargs)
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"{method} {url}: {error}") from error
        if response.status_code >= 400:
            raise RasaUnavailable(f"{method} {url}: HTTP {response.status_code} {response.text[:200]}")
        return response.json()

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return await self._call("GET", self._url(conversation_id, "tracker"),
                                params={"include_events": "ALL"})

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        await self._call("POST", self._url(conversation_id, "tracker/events"), json=events)

    async def trigger_intent(self, conversation_id: str, intent: str,
                             output_channel: str = "latest") -> Dict[str, Any]:
        """Runs the bot on an external intent; its messages go to the customer's channel
        (`latest`: the channel of their last message, which pushes: socket.io, WeChat)."""
        return await self._call("POST", self._url(conversation_id, "trigger_intent"),
                                params={"output_channel": output_channel},
                                json={"name": intent, "entities": []})


async def fetch_claim(settings: Settings, client: httpx.AsyncClient,
                      report_no: str) -> Optional[Dict[str, Any]]:
    """GET /claims/{report_no} with the staff token; None when unknown or unreachable."""
    try:
        response = await client.get(f"{settings.claims_api_url}/claims/{quote(report_no, safe='')}",
                                    headers={"Authorization": f"Bearer {settings.staff_api_token}"},
                                    timeout=5.0)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None

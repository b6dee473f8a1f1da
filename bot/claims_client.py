"""Thin HTTP client of the Claims API (docs/architecture.md, "Claims API (v1)").

One method per endpoint the bot uses; every call has a timeout. Two kinds of failure:

- `ClaimsApiUnavailable`: the API could not answer (connection refused, timeout, 5xx).
  Nothing is known about the request; callers keep what they have and retry later.
- `ClaimsApiError`: the API answered with a 4xx. `message_zh` is the polite Chinese
  explanation the API gives for the customer (may be None), `reason` its machine reason.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import requests

from bot.config import Settings, get_settings


class ClaimsApiUnavailable(Exception):
    """The Claims API is down, slow or broken (no usable answer)."""


class ClaimsApiError(Exception):
    """The Claims API refused the request with a 4xx answer."""

    def __init__(self, status: int, detail: str, message_zh: Optional[str] = None,
                 reason: Optional[str] = None, body: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.message_zh = message_zh
        self.reason = reason
        self.body = body or {}


class PolicyNotFound(ClaimsApiError):
    """404 on a policy number."""


class ClaimsClient:
    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None,
                 timeout: Optional[float] = None, settings: Optional[Settings] = None,
                 session: Optional[requests.Session] = None) -> None:
        settings = settings or get_settings()
        self.base_url = (base_url or settings.claims_api_url).rstrip("/")
        self.token = token or settings.claims_api_token
        self.timeout = timeout if timeout is not None else settings.claims_api_timeout
        self.session = session or requests.Session()

    # --- plumbing -------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, json: Any = None,
                 params: Optional[Dict[str, str]] = None,
                 headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
        all_headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        try:
            response = self.session.request(
                method, f"{self.base_url}{path}", json=json, params=params,
                headers=all_headers, timeout=self.timeout,
            )
        except requests.RequestException as exc:  # connection refused, timeout, reset…
            raise ClaimsApiUnavailable(f"{method} {path}: {exc}") from exc
        if response.status_code >= 500:
            raise ClaimsApiUnavailable(f"{method} {path}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            body = body if isinstance(body, dict) else {}
            detail = body.get("detail")
            if not isinstance(detail, str):  # FastAPI's own 422 lists the field errors
                detail = str(detail)
            error_class = PolicyNotFound if response.status_code == 404 and path.startswith(
                "/policies/") else ClaimsApiError
            raise error_class(response.status_code, detail, body.get("message_zh"),
                              body.get("reason"), body)
        return response.status_code, body

    # --- endpoints ------------------------------------------------------------------------

    def health(self) -> bool:
        try:
            response = self.session.get(f"{self.base_url}/healthz", timeout=self.timeout)
        except requests.RequestException:
            return False
        return response.status_code == 200

    def get_policy(self, policy_no: str) -> Dict[str, Any]:
        """`PolicyPublic` (names and phone masked for the bot); PolicyNotFound if unknown."""
        return self._request("GET", f"/policies/{policy_no}")[1]

    def check_identity(self, policy_no: str, *, insured_name: Optional[str] = None,
                       id_number: Optional[str] = None, phone: Optional[str] = None) -> bool:
        body = {k: v for k, v in (("insured_name", insured_name), ("id_number", id_number),
                                  ("phone", phone)) if v}
        return bool(self._request("POST", f"/policies/{policy_no}/identity-check", json=body)[1]
                    .get("match"))

    def check_coverage(self, policy_no: str, *, incident_time: str, claim_type: str) -> Dict[str, Any]:
        """`{covered, in_force, line_covers, reason, explanation_zh}`."""
        return self._request("POST", f"/policies/{policy_no}/coverage-check",
                             json={"incident_time": incident_time, "claim_type": claim_type})[1]

    def file_claim(self, payload: Dict[str, Any], idempotency_key: str) -> Tuple[Dict[str, Any], bool]:
        """POST /claims once per key. Returns (`ClaimFiled`, created?)."""
        status, body = self._request("POST", "/claims", json=payload,
                                     headers={"Idempotency-Key": idempotency_key})
        return body, status == 201

    def get_materials(self, claim_type: str) -> Dict[str, Any]:
        """`MaterialChecklist` of one claim type."""
        return self._request("GET", f"/materials/{claim_type}")[1]

    def get_catalogue(self) -> List[Dict[str, Any]]:
        """Every claim type's `MaterialChecklist` (`GET /materials`)."""
        return self._request("GET", "/materials")[1].get("claim_types", [])

    def get_stages(self) -> List[Dict[str, Any]]:
        """Stage wording `[{stage, label_zh, explanation_zh, typical_duration_zh, …}]`."""
        return self._request("GET", "/stages")[1]

    def lookup_status(self, *, report_no: Optional[str] = None, policy_no: Optional[str] = None,
                      phone_last4: Optional[str] = None,
                      id_last6: Optional[str] = None) -> List[Dict[str, Any]]:
        """Verified status lookup: `ClaimStatus` list, newest first. A failed verification
        (or an unknown number) raises ClaimsApiError 403; a lock-out 423, with
        `body["retry_after_seconds"]`."""
        body = {k: v for k, v in (("report_no", report_no), ("policy_no", policy_no),
                                  ("phone_last4", phone_last4), ("id_last6", id_last6)) if v}
        return self._request("POST", "/claims/status-lookup", json=body)[1].get("claims", [])

    def list_claims(self, policy_no: str) -> List[Dict[str, Any]]:
        """Claims of a policy, newest first (needs the staff token)."""
        return self._request("GET", "/claims", params={"policy_no": policy_no})[1]

    def create_complaint(self, *, conversation_id: str, summary: str,
                         category: Optional[str] = None, report_no: Optional[str] = None,
                         policy_no: Optional[str] = None, contact_phone: Optional[str] = None,
                         channel: Optional[str] = None) -> Dict[str, Any]:
        """Registers a complaint: `{complaint_no, created_at, expected_response_zh}`."""
        body = {"conversation_id": conversation_id, "summary": summary}
        body.update({k: v for k, v in (("category", category), ("report_no", report_no),
                                       ("policy_no", policy_no), ("contact_phone", contact_phone),
                                       ("channel", channel)) if v})
        return self._request("POST", "/complaints", json=body)[1]

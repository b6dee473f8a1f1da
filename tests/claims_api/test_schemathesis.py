"""Property-based fuzzing of every operation of the app's own OpenAPI schema: whatever
schemathesis generates (valid or deliberately invalid), the answer is never a 5xx.

In-process (ASGI) against the started app of each database backend, with the staff token
so requests get past authentication; 30 valid and 15 invalid examples per operation.
(schemathesis' pytest plugin does not run under pytest 9 yet, so the operations are
parametrised here and each one is driven through `operation.as_strategy()`.)
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from claims_api.core.config import Settings
from claims_api.main import app as default_app

# (method, path) of every operation, read from the schema once at collection time.
_PATHS = default_app.openapi()["paths"]
OPERATIONS = sorted((method.upper(), path) for path, item in _PATHS.items() for method in item)
# Operations without parameters or body have nothing to make invalid.
WITHOUT_INPUT = {
    (method.upper(), path)
    for path, item in _PATHS.items()
    for method, spec in item.items()
    if not spec.get("parameters") and "requestBody" not in spec
}


def test_schema_lists_every_operation() -> None:
    assert len(OPERATIONS) >= 18
    assert WITHOUT_INPUT == {("GET", "/healthz"), ("GET", "/materials"), ("GET", "/stages")}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_never_answers_5xx(
    app: FastAPI, client: TestClient, settings: Settings, method: str, path: str
) -> None:
    auth = {"Authorization": f"Bearer {settings.STAFF_API_TOKEN}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operation = schema.find_operation_by_path(method, path)
    assert operation is not None
    modes = [(GenerationMode.POSITIVE, 30)]
    if (method, path) not in WITHOUT_INPUT:
        modes.append((GenerationMode.NEGATIVE, 15))
    for mode, examples in modes:

        @given(case=operation.as_strategy(mode, headers=auth))
        @hypothesis_settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(checks=[not_a_server_error])

        fuzz()

"""GET /healthz."""

from __future__ import annotations

from fastapi.testclient import TestClient

from claims_api.main import create_app


def test_read_health_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_read_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/healthz", headers={"Authorization": "Bearer wrong"}).status_code == 200


def test_read_health_database_down_503(settings) -> None:  # type: ignore[no-untyped-def]
    broken = create_app(settings.model_copy(update={"DATABASE_URL": "postgresql+psycopg2://x@127.0.0.1:1/none?connect_timeout=1"}))
    response = TestClient(broken).get("/healthz")  # no lifespan: nothing to migrate
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_read_health_redis_down_still_200(settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings.model_copy(update={"REDIS_URL": "redis://127.0.0.1:1/0"}))
    response = TestClient(app).get("/healthz")
    assert response.status_code == 200
    assert response.json()["redis"] == "unavailable"


def test_read_docs_and_openapi(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    for path in ("/healthz", "/policies/{policy_no}", "/policies/{policy_no}/identity-check",
                 "/policies/{policy_no}/coverage-check", "/claims", "/claims/{report_no}",
                 "/claims/status-lookup", "/materials", "/materials/{claim_type}", "/stages",
                 "/claims/{report_no}/transitions", "/claims/{report_no}/material-requests",
                 "/claims/{report_no}/payout", "/claims/{report_no}/rejection", "/complaints"):
        assert path in schema["paths"], path
    assert "理赔" in schema["info"]["title"]

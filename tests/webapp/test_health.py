from fastapi.testclient import TestClient

from webapp.main import app


def test_read_healthz():
    response = TestClient(app).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}

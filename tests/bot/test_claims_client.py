"""bot.claims_client against the real Claims API (subprocess, demo data)."""
from __future__ import annotations

import socket
import threading

import pytest

from bot.claims_client import ClaimsApiError, ClaimsApiUnavailable, ClaimsClient, PolicyNotFound
from tests.conversations.stack import STAFF_TOKEN, ClaimsApiProcess, free_port, redis_url_for_tests

POLICY = "PDAA202603010000001234"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    work = tmp_path_factory.mktemp("claims-client")
    process = ClaimsApiProcess(work, redis_url_for_tests(work)).start()
    yield process
    process.stop()


@pytest.fixture
def client(api):
    return ClaimsClient(base_url=api.url, token="demo-bot-token", timeout=5)


def test_get_policy_masks_names(client):
    policy = client.get_policy(POLICY)
    assert (policy["line"], policy["insured_name"], policy["plate_number"]) == ("vehicle", "王*国", "京A12345")


def test_get_policy_unknown(client):
    with pytest.raises(PolicyNotFound) as error:
        client.get_policy("PDAA202603019999999999")
    assert error.value.status == 404 and error.value.message_zh


def test_check_identity(client):
    assert client.check_identity(POLICY, insured_name="王建国")
    assert client.check_identity(POLICY, insured_name="王建国", id_number="110105198003071234")
    assert not client.check_identity(POLICY, insured_name="李四")


def test_check_coverage_expired(client):
    from bot.time_resolution import now_shanghai

    result = client.check_coverage("PDAA202505150000005678", incident_time=now_shanghai().isoformat(),
                                   claim_type="vehicle")
    assert (result["covered"], result["reason"]) == (False, "expired") and result["explanation_zh"]


def test_file_claim_is_idempotent(client, api):
    from bot.time_resolution import now_shanghai

    payload = {"policy_no": POLICY, "claim_type": "vehicle", "insured_name": "王建国",
               "incident_time": now_shanghai().replace(hour=0, minute=0, second=0).isoformat(),
               "incident_place": "建国路", "cause": "追尾", "description": "等红灯被追尾",
               "loss": "后杠坏了", "casualties": False, "contact_phone": "13812345678",
               "plate_number": "京A12345", "channel": "rest", "conversation_id": "client-test"}
    first, created = client.file_claim(payload, "client-test-key-0001")
    again, created_again = client.file_claim(payload, "client-test-key-0001")
    assert created and not created_again and first["report_no"] == again["report_no"]
    assert first["materials"]["claim_type"] == "vehicle" and first["next_steps_zh"]
    staff = ClaimsClient(base_url=api.url, token=STAFF_TOKEN)
    assert [c["report_no"] for c in staff.list_claims(POLICY) if c["conversation_id"] == "client-test"] == [
        first["report_no"]]


def test_file_claim_refused_with_reason(client):
    payload = {"policy_no": POLICY, "claim_type": "vehicle", "insured_name": "李四",
               "incident_time": "2026-01-01T10:00:00+08:00", "incident_place": "x", "cause": "x",
               "description": "x", "loss": "x", "casualties": False, "contact_phone": "13812345678",
               "channel": "rest"}
    with pytest.raises(ClaimsApiError) as error:
        client.file_claim(payload, "client-test-key-0002")
    assert error.value.status == 422 and error.value.message_zh


def test_get_materials(client):
    checklist = client.get_materials("medical")
    assert checklist["label_zh"] and checklist["items"] and checklist["submission_methods"]


def test_api_down_is_unavailable():
    client = ClaimsClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(ClaimsApiUnavailable):
        client.get_policy(POLICY)
    assert client.health() is False


def test_api_slow_is_unavailable():
    """A server that accepts the connection and never answers: the timeout decides."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        client = ClaimsClient(base_url=f"http://127.0.0.1:{server.getsockname()[1]}", timeout=0.5)
        with pytest.raises(ClaimsApiUnavailable):
            client.get_policy(POLICY)
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()

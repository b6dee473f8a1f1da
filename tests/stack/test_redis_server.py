import socket

from stack.redis_server import ensure_redis, redis_answers, split_redis_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_configured_url_is_used_as_is(tmp_path):
    handle = ensure_redis("redis://example.invalid:6390/3", tmp_path)
    assert handle.url == "redis://example.invalid:6390/3"
    assert handle.embedded is None


def test_embedded_redis_serves_over_tcp(tmp_path, monkeypatch):
    # Pretend no Redis answers on the default port, so the embedded one must start.
    monkeypatch.setattr("stack.redis_server.DEFAULT_URL", f"redis://127.0.0.1:{free_port()}/0")
    port = free_port()
    handle = ensure_redis("", tmp_path, port=port)
    try:
        assert handle.embedded is not None
        assert handle.url == f"redis://127.0.0.1:{port}/0"
        assert redis_answers(handle.url)
        import redis

        client = redis.Redis.from_url(handle.url)
        client.set("k", "v")
        assert client.get("k") == b"v"
    finally:
        handle.stop()
    assert not redis_answers(handle.url)


def test_redis_answers_false_when_nothing_listens():
    assert redis_answers(f"redis://127.0.0.1:{free_port()}/0") is False


def test_split_redis_url_for_rasa_endpoints():
    assert split_redis_url("redis://:secret@10.0.0.5:6380/2") == {
        "REDIS_HOST": "10.0.0.5", "REDIS_PORT": "6380", "REDIS_DB": "2", "REDIS_PASSWORD": "secret",
    }

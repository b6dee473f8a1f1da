"""The running stack of the black-box tests.

BLACK_BOX_RASA_URL + BLACK_BOX_CLAIMS_API_URL when both are set (a stack someone else
started, e.g. `make run`; names of their own, because other suites of the same pytest
session set RASA_URL / CLAIMS_API_URL for their processes); else our own Claims API (fresh
database), action server and Rasa server (model: CLAIMS_TEST_MODEL, else the newest in
models/) on free ports, Redis db 14.
"""
from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from tests.conversations.stack import (ClaimsApiProcess, find_model, redis_url_for_tests, start_action_server,
                                       start_rasa, unique_prefix)


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory):
    if os.environ.get("BLACK_BOX_RASA_URL") and os.environ.get("BLACK_BOX_CLAIMS_API_URL"):
        yield SimpleNamespace(rasa_url=os.environ["BLACK_BOX_RASA_URL"],
                              claims_url=os.environ["BLACK_BOX_CLAIMS_API_URL"],
                              api=None, work=None, redis_url=None, prefix=None)
        return
    work = tmp_path_factory.mktemp("black-box")
    redis_url = redis_url_for_tests(work)
    prefix = unique_prefix()
    api = ClaimsApiProcess(work, redis_url).start()
    started = []
    try:
        started.append(start_action_server(work, redis_url, api.url, prefix))
        started.append(start_rasa(work, redis_url, find_model(), f"http://127.0.0.1:{started[0].port}"))
    except BaseException:
        for service in reversed(started):
            service.stop()
        api.stop()
        raise
    actions, rasa = started
    rasa_url = f"http://127.0.0.1:{rasa.port}"
    yield SimpleNamespace(rasa_url=rasa_url, claims_url=api.url, api=api, work=work, redis_url=redis_url,
                          prefix=prefix)
    rasa.stop()
    actions.stop()
    api.stop()

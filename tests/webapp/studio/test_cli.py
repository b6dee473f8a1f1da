import json

import pytest

from tests.webapp.studio.conftest import free_port
from webapp.studio import auth, cli
from webapp.studio.db import InboxItem, new_session


def test_create_user_and_roles(project, capsys):
    assert cli.main(["create-user", "--username", "cli-rev", "--password", "cli-pass-123",
                     "--role", "reviewer"]) == 0
    assert cli.main(["create-user", "--username", "cli-rev", "--password", "cli-pass-123",
                     "--role", "reviewer", "--if-missing"]) == 0
    assert cli.main(["create-user", "--username", "cli-rev", "--password", "cli-pass-123",
                     "--role", "reviewer"]) == 1  # exists
    assert cli.main(["create-user", "--username", "cli-rev", "--password", "new-pass-456",
                     "--role", "maintainer", "--update"]) == 0
    assert cli.main(["create-user", "--username", "short", "--password", "x",
                     "--role", "reviewer"]) == 1
    with new_session() as session:
        user = auth.authenticate(session, "cli-rev", "new-pass-456")
        assert user is not None and user.role == "maintainer"
    with pytest.raises(SystemExit):
        cli.main(["create-user", "--username", "x", "--password", "12345678", "--role", "agent"])


def test_inbox_listing_is_masked(project, capsys):
    with new_session() as session:
        session.add(InboxItem(norm_text="cli电话13912345678", text="cli 电话13912345678",
                              reasons="handoff", conversation_id="cli"))
        session.commit()
    capsys.readouterr()
    assert cli.main(["inbox"]) == 0
    listing = json.loads(capsys.readouterr().out)
    row = next(r for r in listing if r["text"].startswith("cli"))
    assert row["text"] == "cli 电话13*******78" and row["reasons"] == "handoff"


def test_rollback_without_history_fails_cleanly(project, monkeypatch, capsys):
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_port()}")
    assert cli.main(["rollback"]) == 1  # nothing published yet
    assert cli.main(["publish", "no-such-model"]) == 1
    assert "no such model" in capsys.readouterr().err

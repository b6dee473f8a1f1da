from sqlalchemy import select

from webapp.agent import cli
from webapp.agent.security import verify_password
from webapp.db import Agent, new_session


def stored(username):
    with new_session() as session:
        return session.scalar(select(Agent).where(Agent.username == username))


def test_create_agent_hashes_the_password(console_env, capsys):
    assert cli.main(["create-agent", "--username", "demo", "--password", "demo1234",
                     "--name", "演示坐席"]) == 0
    agent = stored("demo")
    assert agent.display_name == "演示坐席" and agent.is_active
    assert agent.password_hash.startswith("$2b$") and "demo1234" not in agent.password_hash
    assert verify_password("demo1234", agent.password_hash)
    assert "ready" in capsys.readouterr().out


def test_create_agent_twice_refuses_unless_asked(console_env, capsys):
    assert cli.main(["create-agent", "--username", "demo", "--password", "demo1234"]) == 0
    first_hash = stored("demo").password_hash
    assert cli.main(["create-agent", "--username", "demo", "--password", "other-pass"]) == 1
    assert "exists" in capsys.readouterr().err
    assert cli.main(["create-agent", "--username", "demo", "--password", "other-pass",
                     "--if-missing"]) == 0
    assert stored("demo").password_hash == first_hash
    assert cli.main(["create-agent", "--username", "demo", "--password", "other-pass", "--update"]) == 0
    assert verify_password("other-pass", stored("demo").password_hash)


def test_create_agent_refuses_a_short_password(console_env, capsys):
    assert cli.main(["create-agent", "--username", "demo", "--password", "short"]) == 1
    assert stored("demo") is None

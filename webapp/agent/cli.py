"""Agent accounts: `python -m webapp.agent.cli create-agent --username … --password …`.

--name sets the name customers see ("客服小王已接入"); --update resets the password of an
existing account; --if-missing does nothing when the account exists (for `make run`'s demo
agent).
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from webapp.agent import crud
from webapp.db import init_db, new_session


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.agent.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-agent", help="create (or update) an agent account")
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--name", help="display name shown to customers (default: username)")
    mode = create.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true", help="reset the password if it exists")
    mode.add_argument("--if-missing", action="store_true", help="do nothing if it exists")
    args = parser.parse_args(argv)

    init_db()
    with new_session() as session:
        if args.if_missing and crud.get_agent(session=session, username=args.username):
            print(f"agent {args.username} exists")
            return 0
        try:
            agent = crud.create_agent(session=session, username=args.username,
                                      password=args.password, display_name=args.name,
                                      update=args.update)
        except crud.AccountError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    print(f"agent {agent.username} ({agent.display_name}) ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The studio on the command line: `python -m webapp.studio.cli <command>`.

  create-user --username U --password P --role reviewer|maintainer [--update|--if-missing]
  collect                          read new conversation events into the inbox
  inbox [--status open]            list inbox items (personal data masked)
  annotate ID --intent I [--new]   write the item's text as an example of I, then validate
  dismiss ID
  validate                         rasa data validate
  evaluate [--model M] [--cross-validation --folds 3]
  train                            train a new model into the models directory
  models                           list models and the live one
  publish MODEL                    load MODEL into the running Rasa server
  rollback                         publish the model that was live before the last publication
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from webapp.studio import auth, evaluation, inbox, models, rasa_cli, training_data
from webapp.studio.db import InboxItem, init_studio_db, new_session
from webapp.studio.masking import mask

ACTOR = "cli"


def _print(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def main(argv: Optional[List[str]] = None) -> int:  # noqa: C901 - one branch per command
    parser = argparse.ArgumentParser(prog="python -m webapp.studio.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    user = sub.add_parser("create-user")
    user.add_argument("--username", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", required=True, choices=["reviewer", "maintainer"])
    mode = user.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true")
    mode.add_argument("--if-missing", action="store_true")
    sub.add_parser("collect")
    listing = sub.add_parser("inbox")
    listing.add_argument("--status", default="open")
    ann = sub.add_parser("annotate")
    ann.add_argument("id", type=int)
    ann.add_argument("--intent", required=True)
    ann.add_argument("--new", action="store_true", help="create the intent")
    dis = sub.add_parser("dismiss")
    dis.add_argument("id", type=int)
    sub.add_parser("validate")
    ev = sub.add_parser("evaluate")
    ev.add_argument("--model")
    ev.add_argument("--cross-validation", action="store_true")
    ev.add_argument("--folds", type=int, default=3)
    sub.add_parser("train")
    sub.add_parser("models")
    pub = sub.add_parser("publish")
    pub.add_argument("model")
    sub.add_parser("rollback")
    args = parser.parse_args(argv)

    init_studio_db()
    with new_session() as session:
        try:
            if args.command == "create-user":
                if args.if_missing and auth.get_user(session, args.username):
                    print(f"studio user {args.username} exists")
                    return 0
                made = auth.create_user(session=session, username=args.username,
                                        password=args.password, role=args.role, update=args.update)
                print(f"studio user {made.username} ({made.role}) ready")
            elif args.command == "collect":
                print(f"{inbox.collect(session)} flags filed")
            elif args.command == "inbox":
                _print([{"id": i.id, "text": mask(i.text), "reasons": i.reasons,
                         "predicted": i.predicted_intent, "confidence": i.confidence,
                         "occurrences": i.occurrences}
                        for i in inbox.list_items(session, status=args.status)])
            elif args.command in ("annotate", "dismiss"):
                item = session.get(InboxItem, args.id)
                if item is None:
                    print("no such item", file=sys.stderr)
                    return 1
                if args.command == "dismiss":
                    inbox.resolve(session, item, status="dismissed", resolution=None, username=ACTOR)
                    return 0
                added = training_data.add_example(args.intent, item.text, create=args.new)
                inbox.resolve(session, item, status="annotated", resolution=args.intent,
                              username=ACTOR)
                _print({"added": added, "validation": rasa_cli.validate()})
            elif args.command == "validate":
                result = rasa_cli.validate()
                _print({"ok": result["ok"], "problems": result["problems"]})
                return 0 if result["ok"] else 1
            elif args.command == "evaluate":
                if args.cross_validation:
                    _print(evaluation.cross_validate(args.folds, on_line=print))
                else:
                    model = args.model or models.live_model() or str(models.list_models()[0])
                    summary = evaluation.evaluate_model(models.resolve_model(model, anywhere=True))
                    live = models.live_model()
                    live_summary = evaluation.stored_summary(evaluation.model_key(live)) if live else None
                    _print({"summary": summary, "change": evaluation.compare(summary, live_summary)})
            elif args.command == "train":
                print(models.train(name=None))
            elif args.command == "models":
                _print({"live": models.live_model(), "models": [str(p) for p in models.list_models()]})
            elif args.command == "publish":
                print(models.publish(session, args.model, ACTOR).model_path)
            elif args.command == "rollback":
                print(models.rollback(session, ACTOR).model_path)
        except (auth.AccountError, training_data.TrainingDataError, models.PublishError,
                RuntimeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

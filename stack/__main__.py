"""`python -m stack run`: start every service in the foreground; Ctrl-C stops them all."""
from __future__ import annotations

import argparse
import signal
import sys
import time

from stack.demo_accounts import create_demo_accounts
from stack.processes import Supervisor
from stack.redis_server import ensure_redis
from stack.settings import ROOT, StackSettings
from stack.topology import services, stack_env


def latest_model(settings: StackSettings):
    models = sorted(settings.models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("No trained model in models/: run `make train` first.")
    return models[-1]


def run() -> int:
    settings = StackSettings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    redis = ensure_redis(settings.redis_url, settings.var_dir)
    model = latest_model(settings)
    env = stack_env(settings, redis.url)
    supervisor = Supervisor(services(settings, model), env,
                            log_dir=settings.var_dir / "logs")
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print(f">> Redis: {redis.url}{' (embedded)' if redis.embedded else ''}")
    print(f">> model: {model.name}; starting services (logs in {settings.var_dir / 'logs'}) …")
    try:
        accounts = create_demo_accounts(env)
        supervisor.start()
        web = settings.url(settings.webapp_port)
        print("\n理赔报案助手 is running:")
        print(f"  web chat        {web}/chat")
        print(f"  agent console   {web}/agent")
        print(f"  staff studio    {web}/studio")
        print(f"  Claims API docs {settings.url(settings.claims_api_port)}/docs")
        print(f"  Rasa REST       {settings.url(settings.rasa_port)}/webhooks/rest/webhook")
        print(f"  WeChat webhook  {settings.url(settings.rasa_port)}/webhooks/wechat/webhook")
        if accounts:
            print("Demo accounts (development only):")
            for line in accounts:
                print(f"  {line}")
        print("Press Ctrl-C to stop everything.\n", flush=True)
        while not stopping:
            exited = supervisor.first_exited()
            if exited is not None:
                print(f"!! {exited.name} stopped (exit {exited.process.returncode}); "
                      f"see {exited.log_path}. Stopping the rest.", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as error:
        print(f"!! {error}", file=sys.stderr)
        return 1
    finally:
        print(">> stopping …", flush=True)
        supervisor.stop()
        redis.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m stack")
    parser.add_argument("command", choices=["run"])
    parser.parse_args()
    sys.exit(run())

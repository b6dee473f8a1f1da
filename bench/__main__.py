"""`python -m bench`: start the stack on its own ports, measure, write the report.

Measures in one run: training time, NLU parse latency, Claims API throughput, per-turn
latency through the REST channel at 1/10/50 concurrent conversations with Redis tracker
and lock stores, resident memory of each process, and the same turns at 10 concurrent
conversations against one Rasa with the in-memory tracker store; then the Rasa server
under cProfile for the 10-concurrent run, summed by package (bench/profile.py), so that a
missed target comes with where the time goes.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from pathlib import Path

import psutil

from bench.api import bench_api
from bench.profile import summarise
from bench.training import measure_training, recorded_training
from bench.rasa_load import bench_parse, bench_turns
from bench.report import write_report
from stack.processes import Service, Supervisor
from stack.redis_server import ensure_redis
from stack.settings import ROOT, StackSettings
from stack.topology import RASA_BIN, services, stack_env

TARGETS = {
    "nlu_parse_p50_ms": 15, "turn_p95_ms_at_10": 150, "turns_per_s_at_50": 60,
    "rasa_rss_mb": 1536, "training_s": 300,
}


def rss_mb(pid: int) -> float:
    try:
        process = psutil.Process(pid)
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            total += child.memory_info().rss
        return round(total / 2**20, 1)
    except psutil.Error:
        return float("nan")


def bench_settings(offset: int) -> StackSettings:
    settings = StackSettings()
    settings.rasa_port, settings.action_port = 25005 + offset, 25055 + offset
    settings.claims_api_port = 28000 + offset
    return settings


async def measure_stack(args: argparse.Namespace, workdir: Path, model: Path) -> dict:
    settings = bench_settings(0)
    settings.database_url = f"sqlite:///{workdir / 'claims.db'}"
    redis = ensure_redis(os.environ.get("REDIS_URL", ""), workdir)
    redis_url = redis.url.rsplit("/", 1)[0] + "/9"
    env = stack_env(settings, redis_url)
    supervisor = Supervisor(services(settings, model, include_webapp=False), env,
                            log_dir=workdir / "logs")
    results: dict = {"measurements": [], "memory_mb": {}}
    try:
        supervisor.start()
        api = await bench_api(settings.url(settings.claims_api_port), env.get(
            "CLAIMS_API_TOKEN", "demo-bot-token"), requests_per_client=args.api_requests)
        parse = await bench_parse(settings.url(settings.rasa_port))
        turns = []
        for concurrency, rounds in ((1, args.rounds_1), (10, args.rounds_10), (50, args.rounds_50)):
            turns.append(await bench_turns(settings.url(settings.rasa_port), concurrency, rounds))
        results["memory_mb"] = {s.name: rss_mb(s.process.pid) for s in supervisor.services}
        results["measurements"] += [m.summary() for m in api + [parse] + turns]
        results["latencies"] = {m.name + f" x{m.concurrency}": m.latencies_ms for m in turns}
        if not args.no_profile:
            results["profile"] = await profile_turns(supervisor.get("rasa"), env, workdir,
                                                     settings.url(settings.rasa_port), args.rounds_10)
    finally:
        supervisor.stop()

    # Comparison: one Rasa with the in-memory tracker store, same conversations.
    memory_endpoints = workdir / "endpoints-memory.yml"
    memory_endpoints.write_text('action_endpoint:\n  url: "${ACTION_SERVER_URL}/webhook"\n')
    settings = bench_settings(1)
    settings.database_url = f"sqlite:///{workdir / 'claims-memory.db'}"
    env = stack_env(settings, redis_url)
    supervisor = Supervisor(services(settings, model, include_webapp=False,
                                     endpoints=str(memory_endpoints)), env,
                            log_dir=workdir / "logs-memory")
    try:
        supervisor.start()
        turns = await bench_turns(settings.url(settings.rasa_port), 10, args.rounds_10,
                                  label="in-memory tracker")
        results["measurements"].append(turns.summary())
    finally:
        supervisor.stop()
        redis.stop()
    return results


async def profile_turns(rasa: Service, env: dict, workdir: Path, rasa_url: str,
                        rounds: int) -> dict:
    """The same Rasa under cProfile for the 10-concurrent run (bench/profile.py)."""
    rasa.stop()
    profile_file = workdir / "rasa.prof"
    profiled = Service("rasa-profiled",
                       [str(RASA_BIN / "python"), "-m", "cProfile", "-o", str(profile_file),
                        "-m", "rasa", *list(rasa.command)[1:]],
                       health_url=rasa.health_url, cwd=ROOT, startup_timeout=300)
    profiled.start(env, workdir / "logs")
    try:
        profiled.wait_healthy()
        await bench_turns(rasa_url, 10, rounds, label="profiled")
    finally:
        profiled.stop(timeout=120)  # SIGTERM: Sanic stops, cProfile writes its file
    if not profile_file.exists():
        return {"error": "the profiled server wrote no profile; see logs/rasa-profiled.log"}
    return summarise(profile_file)


async def only_api(args: argparse.Namespace) -> int:
    workdir = ROOT / "var" / "bench-api"
    shutil.rmtree(workdir, ignore_errors=True)
    settings = bench_settings(2)
    settings.database_url = f"sqlite:///{workdir / 'claims.db'}"
    workdir.mkdir(parents=True)
    redis = ensure_redis(os.environ.get("REDIS_URL", ""), workdir)
    env = stack_env(settings, redis.url.rsplit("/", 1)[0] + "/9")
    api_service = services(settings, Path("unused"), include_webapp=False)[0]
    supervisor = Supervisor([api_service], env, log_dir=workdir / "logs")
    try:
        supervisor.start()
        results = await bench_api(settings.url(settings.claims_api_port), "demo-bot-token",
                                  requests_per_client=args.api_requests)
    finally:
        supervisor.stop()
        redis.stop()
    for m in results:
        print(json.dumps(m.summary(), ensure_ascii=False))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench")
    parser.add_argument("--api-requests", type=int, default=30, help="per client, 10 clients")
    parser.add_argument("--rounds-1", type=int, default=5)
    parser.add_argument("--rounds-10", type=int, default=3)
    parser.add_argument("--rounds-50", type=int, default=2)
    parser.add_argument("--skip-training", action="store_true", help="no training time at all")
    parser.add_argument("--train", action="store_true",
                        help="train again to time it, even when `make train` recorded the "
                             "training of this model")
    parser.add_argument("--no-profile", action="store_true",
                        help="skip the profiled run of the Rasa server")
    parser.add_argument("--only-api", action="store_true",
                        help="measure only the Claims API (no model needed)")
    args = parser.parse_args()
    if args.only_api:
        return asyncio.run(only_api(args))

    workdir = ROOT / "var" / "bench"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("No model in models/: run `make train` first.")
    started = time.time()
    training = None if args.skip_training else recorded_training(models[-1])
    if training is None and not args.skip_training or args.train:
        training = measure_training(workdir)
        training["source"] = "trained by this benchmark run (empty training cache)"
    results = asyncio.run(measure_stack(args, workdir, models[-1]))
    results["training_s"] = training["seconds"] if training else None
    results["training_components"] = training["components"] if training else []
    results["training_source"] = training.get("source") if training else None
    results["targets"] = TARGETS
    results["model"] = models[-1].name
    results["bench_seconds"] = round(time.time() - started, 1)
    results["machine"] = {"cpus": os.cpu_count(),
                          "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)}
    args.out.mkdir(parents=True, exist_ok=True)
    write_report(results, args.out)
    print(f">> report: {args.out / 'report.md'}")
    print((args.out / "report.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Markdown + JSON report with a latency plot."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bench.profile import markdown as profile_markdown  # noqa: E402


def _find(results: dict, prefix: str, concurrency: int) -> dict:
    return next((m for m in results["measurements"]
                 if m["name"].startswith(prefix) and m["concurrency"] == concurrency), {})


def verdicts(results: dict) -> list:
    targets = results["targets"]
    parse = _find(results, "nlu", 1)
    at10 = _find(results, "turns (redis", 10)
    at50 = _find(results, "turns (redis", 50)
    rasa_mb = results["memory_mb"].get("rasa", float("nan"))
    rows = [
        ("NLU parse p50", parse.get("p50_ms"), f"< {targets['nlu_parse_p50_ms']} ms",
         parse.get("p50_ms", 1e9) < targets["nlu_parse_p50_ms"]),
        ("turn p95 at 10 concurrent", at10.get("p95_ms"), f"< {targets['turn_p95_ms_at_10']} ms, 0 errors",
         at10.get("p95_ms", 1e9) < targets["turn_p95_ms_at_10"] and at10.get("errors", 1) == 0),
        ("turns/s at 50 concurrent", at50.get("throughput_per_s"), f">= {targets['turns_per_s_at_50']}",
         at50.get("throughput_per_s", 0) >= targets["turns_per_s_at_50"]),
        ("Rasa server RSS (MB)", rasa_mb, f"< {targets['rasa_rss_mb']} MB", rasa_mb < targets["rasa_rss_mb"]),
    ]
    if results.get("training_s") is not None:
        rows.append(("training time (s)", results["training_s"], f"< {targets['training_s']} s",
                     results["training_s"] < targets["training_s"]))
    return rows


def write_report(results: dict, out: Path) -> None:
    latencies = results.pop("latencies", {})
    (out / "report.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if latencies:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        ax.boxplot(list(latencies.values()), tick_labels=list(latencies.keys()), showfliers=False)
        ax.set_ylabel("per-turn latency (ms)")
        ax.set_title("REST per-turn latency by concurrency (Redis tracker store)")
        fig.tight_layout()
        fig.savefig(out / "latency.png", dpi=110)
        plt.close(fig)
    lines = ["# Benchmark report", "",
             f"Model `{results['model']}`; machine: {results['machine']['cpus']} CPUs, "
             f"{results['machine']['memory_gb']} GB; whole run {results['bench_seconds']} s.", "",
             "## Against the targets", "", "| metric | measured | target | met |", "|---|---|---|---|"]
    for name, value, target, met in verdicts(results):
        lines.append(f"| {name} | {value} | {target} | {'yes' if met else '**no**'} |")
    lines += ["", "## Measurements", "",
              "| what | concurrency | requests | errors | p50 ms | p95 ms | p99 ms | per second |",
              "|---|---|---|---|---|---|---|---|"]
    for m in results["measurements"]:
        lines.append(f"| {m['name']} | {m['concurrency']} | {m['requests']} | {m['errors']} | "
                     f"{m['p50_ms']} | {m['p95_ms']} | {m['p99_ms']} | {m['throughput_per_s']} |")
    lines += ["", "## Resident memory (MB, process and children)", "", "| process | RSS |", "|---|---|"]
    lines += [f"| {name} | {mb} |" for name, mb in results["memory_mb"].items()]
    if results.get("training_components"):
        lines += ["", "## Training time by component (s, from Rasa's training log)", "",
                  f"Total {results['training_s']} s, {results.get('training_source') or ''}.", "",
                  "| component | seconds |", "|---|---|"]
        lines += [f"| {c['component']} | {c['seconds']:.0f} |" for c in results["training_components"]]
    lines += ["", "![latency](latency.png)", ""]
    profile = results.get("profile")
    if profile and "groups" in profile:
        lines += profile_markdown(profile, "10 concurrent conversations")
    elif profile:
        lines += ["## Where the time goes (profile)", "", str(profile.get("error")), ""]
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")

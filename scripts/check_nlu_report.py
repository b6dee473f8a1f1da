"""Summarise `rasa test nlu` results and fail the build below an intent-accuracy floor.

Prints per-intent precision/recall/F1, the F1 of each entity from the extractor that
produces it, and each extractor's full report; writes the same as Markdown to
<results>/summary.md, and exits 1 when intent accuracy is too low.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SKIP = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def table(report: dict, title: str) -> list[str]:
    lines = [f"### {title}", "", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, row in sorted(report.items()):
        if label in SKIP or not isinstance(row, dict) or "precision" not in row:
            continue
        lines.append(f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | "
                     f"{row['f1-score']:.3f} | {row['support']} |")
    for label in ("micro avg", "macro avg", "weighted avg"):
        row = report.get(label)
        if isinstance(row, dict):
            lines.append(f"| **{label}** | {row['precision']:.3f} | {row['recall']:.3f} | "
                         f"{row['f1-score']:.3f} | {row['support']} |")
    return lines + [""]


def entity_owners(reports: dict[str, dict]) -> list[str]:
    """One row per entity, from the extractor that produces it (the one with the best F1
    for it): each extractor's own report also scores it on every entity it never emits."""
    lines = ["### Entities (each from the extractor that produces it)", "",
             "| entity | extractor | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
    labels = sorted({label for report in reports.values() for label in report if label not in SKIP
                     and isinstance(report[label], dict) and "precision" in report[label]})
    for label in labels:
        name, row = max(((n, r[label]) for n, r in reports.items() if label in r),
                        key=lambda item: item[1]["f1-score"])
        lines.append(f"| {label} | {name} | {row['precision']:.3f} | {row['recall']:.3f} | "
                     f"{row['f1-score']:.3f} | {row['support']} |")
    return lines + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--min-intent-accuracy", type=float, default=0.90)
    args = parser.parse_args()

    intents = json.loads((args.results / "intent_report.json").read_text())
    accuracy = float(intents["accuracy"])
    lines = [f"# NLU evaluation on tests/nlu/test_nlu.yml", "",
             f"Intent accuracy: **{accuracy:.3f}** (floor {args.min_intent_accuracy:.2f})", ""]
    lines += table(intents, "Intents")
    extractors = {path.stem.replace("_report", ""): json.loads(path.read_text())
                  for path in sorted(args.results.glob("*_report.json"))
                  if path.name not in ("intent_report.json", "response_selection_report.json")}
    lines += entity_owners(extractors)
    for name, report in extractors.items():
        lines += table(report, f"Entities: {name} (scored on every entity)")
    selection = args.results / "response_selection_report.json"
    if selection.exists():
        report = json.loads(selection.read_text())
        lines += [f"Response selection accuracy: {report.get('accuracy', 0):.3f}", ""]
    summary = "\n".join(lines)
    (args.results / "summary.md").write_text(summary + "\n", encoding="utf-8")
    print(summary)
    if accuracy < args.min_intent_accuracy:
        print(f"FAIL: intent accuracy {accuracy:.3f} < {args.min_intent_accuracy:.2f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

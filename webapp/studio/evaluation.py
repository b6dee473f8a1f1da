"""NLU evaluation: `rasa test nlu` of a model on the project's test set (tests/nlu/test_nlu.yml),
or cross-validation on the training data, parsed into per-intent precision/recall/F1, a
confusion matrix picture, the worst-classified examples, and the change against the
model that is live now.

Reports are kept per model in STUDIO_RESULTS_DIR (default results/studio/): `<model>/` for
the test set, `cv-<time>/` for cross-validation; each holds Rasa's JSON reports,
`confusion.png` and `summary.json`.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Optional

from webapp.studio import rasa_cli
from webapp.studio.settings import get_settings

SKIP = {"accuracy", "macro avg", "weighted avg", "micro avg"}
WORSE_BY = 0.01  # an F1 or accuracy drop larger than this is flagged


def model_key(model_path: str | Path) -> str:
    name = Path(model_path).name
    return name[: -len(".tar.gz")] if name.endswith(".tar.gz") else name


def report_dir(key: str) -> Path:
    return get_settings().results_dir / key


def is_report_key(key: str) -> bool:
    """A model file's stem or `cv-<time>`, as keys arrive in URLs: never a path elsewhere
    (no separator, no leading dot), nothing a file system refuses (NUL, over-long)."""
    return (0 < len(key) <= 200 and key.isprintable() and not key.startswith(".")
            and "/" not in key and "\\" not in key)


def _run(args: List[str], on_line: Optional[Callable[[str], None]]) -> str:
    process = rasa_cli.popen(args)
    lines = []
    assert process.stdout is not None
    for raw in process.stdout:
        for line in re.split(r"[\r\n]+", raw):
            if line.strip():
                lines.append(line)
                if on_line:
                    on_line(line)
    if process.wait() != 0:
        raise RuntimeError("rasa test failed:\n" + "\n".join(lines[-20:]))
    return "\n".join(lines)


def evaluate_model(model_path: str | Path, on_line: Optional[Callable[[str], None]] = None) -> dict:
    """Evaluates the model on the test set; returns (and stores) its summary."""
    settings = get_settings()
    out = report_dir(model_key(model_path))
    out.mkdir(parents=True, exist_ok=True)
    _run(rasa_cli.command("test", "nlu", "--nlu", settings.test_set, "--model", str(model_path),
                          "--domain", "domain", "--out", str(out), "--no-plot", "--successes"),
         on_line)
    return summarise(out, model=model_key(model_path), kind="test set")


def cross_validate(folds: int = 3, on_line: Optional[Callable[[str], None]] = None) -> dict:
    out = report_dir(f"cv-{time.strftime('%Y%m%d-%H%M%S')}")
    out.mkdir(parents=True, exist_ok=True)
    _run(rasa_cli.command("test", "nlu", "--nlu", "data", "--config", "config.yml", "--domain",
                          "domain", "--cross-validation", "--folds", str(folds), "--out",
                          str(out), "--no-plot", "--successes"), on_line)
    return summarise(out, model=out.name, kind=f"{folds}-fold cross-validation")


def _load(path: Path) -> list:
    return json.loads(path.read_text("utf-8")) if path.exists() else []


def summarise(out: Path, model: str, kind: str) -> dict:
    report = json.loads((out / "intent_report.json").read_text("utf-8"))
    per_intent = {label: {"precision": row["precision"], "recall": row["recall"],
                          "f1": row["f1-score"], "support": row["support"]}
                  for label, row in sorted(report.items())
                  if label not in SKIP and isinstance(row, dict) and "precision" in row}
    errors = _load(out / "intent_errors.json")
    successes = _load(out / "intent_successes.json")
    pairs = Counter()
    for row in errors + successes:
        pairs[(row["intent"], (row.get("intent_prediction") or {}).get("name") or "None")] += 1
    worst = sorted(errors, key=lambda r: -((r.get("intent_prediction") or {}).get("confidence") or 0))
    summary = {
        "model": model, "kind": kind, "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "accuracy": float(report.get("accuracy", 0.0)),
        "macro_f1": float((report.get("macro avg") or {}).get("f1-score", 0.0)),
        "weighted_f1": float((report.get("weighted avg") or {}).get("f1-score", 0.0)),
        "per_intent": per_intent,
        "worst": [{"text": r["text"], "intent": r["intent"],
                   "predicted": (r.get("intent_prediction") or {}).get("name"),
                   "confidence": (r.get("intent_prediction") or {}).get("confidence")}
                  for r in worst[:25]],
        "total": len(errors) + len(successes),
    }
    draw_confusion(pairs, out / "confusion.png")
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), "utf-8")
    return summary


def draw_confusion(pairs: Counter, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = sorted({a for a, _ in pairs} | {b for _, b in pairs})
    index = {label: i for i, label in enumerate(labels)}
    grid = [[0] * len(labels) for _ in labels]
    for (true, pred), n in pairs.items():
        grid[index[true]][index[pred]] = n
    size = max(5.0, 0.45 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(grid, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=70, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i, row in enumerate(grid):
        for j, n in enumerate(row):
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=7,
                        color="white" if i == j else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def stored_summary(key: str) -> Optional[dict]:
    if not is_report_key(key):
        return None
    path = report_dir(key) / "summary.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def compare(candidate: dict, live: Optional[dict]) -> Optional[dict]:
    """Per-intent F1 and overall accuracy change of `candidate` against `live`."""
    if not live or candidate.get("model") == live.get("model"):
        return None
    rows = []
    for label in sorted(set(candidate["per_intent"]) | set(live["per_intent"])):
        new = (candidate["per_intent"].get(label) or {}).get("f1", 0.0)
        old = (live["per_intent"].get(label) or {}).get("f1", 0.0)
        rows.append({"intent": label, "live_f1": old, "new_f1": new, "delta": new - old,
                     "worse": new - old < -WORSE_BY})
    delta = candidate["accuracy"] - live["accuracy"]
    return {"live_model": live["model"], "accuracy_delta": delta, "rows": rows,
            "worse": delta < -WORSE_BY or any(r["worse"] for r in rows)}

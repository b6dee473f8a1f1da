"""Parsing of Rasa's NLU reports (the real `rasa test nlu` runs in test_studio_flow.py)."""
import json

from webapp.studio import evaluation


def _row(p, r, f, s):
    return {"precision": p, "recall": r, "f1-score": f, "support": s, "confused_with": {}}


def _write(folder, accuracy=0.75):
    folder.mkdir(parents=True)
    report = {"greet": _row(1.0, 0.5, 0.667, 2), "thank": _row(0.667, 1.0, 0.8, 2),
              "accuracy": accuracy, "macro avg": _row(0.83, 0.75, 0.73, 4),
              "weighted avg": _row(0.83, 0.75, 0.73, 4)}
    pred = lambda name, conf: {"name": name, "confidence": conf}  # noqa: E731
    errors = [{"text": "你好呀亲", "intent": "greet", "intent_prediction": pred("thank", 0.9)}]
    successes = [{"text": "你好", "intent": "greet", "intent_prediction": pred("greet", 0.99)},
                 {"text": "谢谢", "intent": "thank", "intent_prediction": pred("thank", 0.98)},
                 {"text": "多谢", "intent": "thank", "intent_prediction": pred("thank", 0.97)}]
    (folder / "intent_report.json").write_text(json.dumps(report))
    (folder / "intent_errors.json").write_text(json.dumps(errors, ensure_ascii=False))
    (folder / "intent_successes.json").write_text(json.dumps(successes, ensure_ascii=False))


def test_summarise_reads_reports_and_draws_confusion_matrix(tmp_path):
    _write(tmp_path / "m1")
    summary = evaluation.summarise(tmp_path / "m1", model="m1", kind="test set")
    assert summary["accuracy"] == 0.75
    assert summary["per_intent"]["greet"] == {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2}
    assert summary["worst"] == [{"text": "你好呀亲", "intent": "greet", "predicted": "thank",
                                 "confidence": 0.9}]
    assert summary["total"] == 4
    png = (tmp_path / "m1" / "confusion.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert json.loads((tmp_path / "m1" / "summary.json").read_text())["model"] == "m1"


def test_compare_flags_a_worse_model(tmp_path):
    _write(tmp_path / "live", accuracy=0.75)
    _write(tmp_path / "new", accuracy=0.70)
    live = evaluation.summarise(tmp_path / "live", model="live", kind="test set")
    new = evaluation.summarise(tmp_path / "new", model="new", kind="test set")
    new["per_intent"]["thank"]["f1"] = 0.5
    change = evaluation.compare(new, live)
    assert change["worse"] and change["live_model"] == "live"
    assert abs(change["accuracy_delta"] + 0.05) < 1e-9
    thank = next(r for r in change["rows"] if r["intent"] == "thank")
    assert thank["worse"] and abs(thank["delta"] + 0.3) < 1e-9
    assert evaluation.compare(live, live) is None

"""Precision and recall of the emotion component on messages it was never trained on."""
from collections import Counter
from pathlib import Path

from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.emotion import EMOTIONS, NEUTRAL, TRAINING_FILE, load_examples

TEST_FILE = Path(__file__).parent / "emotion_test.yml"
# Floors for the held-out set; the measured figures are printed with the table.
MIN_F1 = {"angry": 0.85}
MIN_PRECISION = {"angry": 0.80, "anxious": 0.75, "sad": 0.80}
MIN_RECALL = {"angry": 0.80, "anxious": 0.75, "sad": 0.75}


def predict(extractor, text):
    message = Message({TEXT: text})
    extractor.process([message])
    values = [e["value"] for e in message.get(ENTITIES, []) if e["entity"] == "emotion"]
    return values[0] if values else NEUTRAL


def scores(pairs):
    tp, fp, fn = Counter(), Counter(), Counter()
    for gold, predicted in pairs:
        if gold == predicted:
            tp[gold] += 1
        else:
            fp[predicted] += 1
            fn[gold] += 1
    table = {}
    for label in EMOTIONS + (NEUTRAL,):
        precision = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        recall = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[label] = (precision, recall, f1, tp[label] + fn[label])
    return table


def test_held_out_set_is_unseen_and_large_enough():
    test = load_examples(TEST_FILE)
    assert len(test) >= 150
    assert Counter(label for _, label in test)[NEUTRAL] >= 40
    trained = {text for text, _ in load_examples(TRAINING_FILE)}
    assert not [text for text, _ in test if text in trained]


def test_emotion_precision_recall_on_held_out_set(emotion_extractor, capsys):
    test = load_examples(TEST_FILE)
    pairs = [(gold, predict(emotion_extractor, text)) for text, gold in test]
    table = scores(pairs)
    with capsys.disabled():
        print(f"\nemotion on {len(test)} held-out messages ({TEST_FILE.name})")
        print(f"{'emotion':8} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>4}")
        for label, (p, r, f1, n) in table.items():
            print(f"{label:8} {p:9.3f} {r:7.3f} {f1:6.3f} {n:4d}")
    for label, floor in MIN_F1.items():
        assert table[label][2] >= floor, (label, table[label])
    for label, floor in MIN_PRECISION.items():
        assert table[label][0] >= floor, (label, table[label])
    for label, floor in MIN_RECALL.items():
        assert table[label][1] >= floor, (label, table[label])

"""bench/training.py reads per-component training time from Rasa's own log lines."""
from bench.training import component_seconds

LOG = """\x1b[0m2026-12-07 21:25:51 INFO     rasa.engine.training.hooks  - Starting to train component 'JiebaTokenizer'.
2026-12-07 21:25:52 INFO     rasa.engine.training.hooks  - Finished training component 'JiebaTokenizer'.
2026-12-07 21:25:55 INFO     rasa.engine.training.hooks  - Starting to train component 'CountVectorsFeaturizer'.
2026-12-07 21:25:56 INFO     rasa.engine.training.hooks  - Finished training component 'CountVectorsFeaturizer'.
Epochs:  63%|██████▎   | 38/60 [04:00<02:16,  6.22s/it]
2026-12-07 21:25:57 INFO     rasa.engine.training.hooks  - Starting to train component 'CountVectorsFeaturizer'.
2026-12-07 21:25:59 INFO     rasa.engine.training.hooks  - Finished training component 'CountVectorsFeaturizer'.
2026-12-07 21:26:00 INFO     rasa.engine.training.hooks  - Starting to train component 'DIETClassifier'.
2026-12-07 21:31:10 INFO     rasa.engine.training.hooks  - Finished training component 'DIETClassifier'.
2026-12-07 21:31:11 INFO     rasa.engine.training.hooks  - Starting to train component 'TEDPolicy'.
"""


def test_components_slowest_first_and_repeats_summed():
    assert component_seconds(LOG) == [
        {"component": "DIETClassifier", "seconds": 310.0},
        {"component": "CountVectorsFeaturizer", "seconds": 3.0},
        {"component": "JiebaTokenizer", "seconds": 1.0},
    ]  # TEDPolicy never finished: not counted

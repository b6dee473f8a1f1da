import threading

import pytest

from webapp.studio import jobs


def test_only_one_job_of_a_kind_at_a_time(project):
    release = threading.Event()
    first = jobs.start("train", "a", lambda job: release.wait(10) and {"ok": True}, redis_lock=True)
    with pytest.raises(jobs.Busy):
        jobs.start("train", "b", lambda job: {}, redis_lock=True)
    release.set()
    assert jobs.wait("train", 10).state == "done" and first.result == {"ok": True}
    second = jobs.start("train", "b", lambda job: {"n": 2}, redis_lock=True)
    assert jobs.wait("train", 10) is second and second.result == {"n": 2}


def test_a_failed_job_reports_its_error(project):
    jobs.start("evaluate", "a", lambda job: 1 / 0)
    job = jobs.wait("evaluate", 10)
    assert job.state == "failed" and "division" in job.error


def test_training_progress_from_rasa_output(project):
    from webapp.studio.models import TrainingProgress

    job = jobs.Job(kind="train", started_by="x")
    progress = TrainingProgress(job)
    progress("2026 INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'.")
    assert job.stage == "DIETClassifier"
    for line in ("Epochs:   0%|  | 0/80", "Epochs:  50%|##  | 40/80", "Epochs: 100%|####| 80/80",
                 "Epochs:  10%|  | 6/60"):
        progress(line)
    assert 0.05 + 0.9 * 1.1 / 3 - 1e-9 <= job.progress < 0.5

"""The whole studio loop against a running Rasa server, in headless Chromium: a maintainer
logs in, annotates a message from a real conversation with an intent, runs an evaluation,
trains a model and publishes it; then the running assistant classifies the message as
annotated. Rolling back then restores the model that was live before. The model is trained
once for this module (the tests run in file order and share it)."""
import re

import httpx
import pytest
import yaml

from tests.webapp.studio.conftest import MAINTAINER, parse, say

MESSAGE = "麻烦喊个有血有肉的工作人员过来跟我聊"
INTENT = "request_human"
MINUTE = 60_000


@pytest.fixture(scope="module")
def page(browser, webapp_url, rasa_server):
    context = browser.new_context(base_url=webapp_url, locale="zh-CN")
    context.set_default_timeout(5 * MINUTE)  # loading a model into Rasa takes a while
    page = context.new_page()
    yield page
    context.close()


def _wait_for_job(page, url: str, minutes: int) -> None:
    """The job pages refresh themselves while a job runs."""
    page.goto(url)
    page.wait_for_function(
        "() => { const s = document.getElementById('job-state');"
        " return s && s.textContent.trim() !== 'running'; }", timeout=minutes * MINUTE, polling=2000)
    assert page.locator("#job-state").inner_text().strip() == "done", page.locator("#job").inner_text()


def test_annotate_evaluate_train_publish(page, project, rasa_server, monkeypatch):
    monkeypatch.setenv("STUDIO_CONFIDENCE_THRESHOLD", "1.01")  # the message lands in the inbox
    say(rasa_server, "studio-flow", MESSAGE)
    live_before = httpx.get(f"{rasa_server}/status").json()["model_file"]

    page.goto("/studio/login")
    page.fill("input[name=username]", MAINTAINER[0])
    page.fill("input[name=password]", MAINTAINER[1])
    page.click("#login")
    page.wait_for_url(re.compile(r"/studio/inbox"))

    # Annotate: the message is in the inbox; pick the intent; the data is validated.
    page.click(f"#inbox a:text-is('{MESSAGE}')")
    page.wait_for_selector("#annotate")
    page.locator("#context summary").click()
    assert page.locator("#context .turn-user").first.inner_text().strip().startswith(MESSAGE)
    page.select_option("#intent", INTENT)
    page.click("#save", timeout=10 * MINUTE)  # saving runs `rasa data validate`
    page.wait_for_selector("#result", timeout=10 * MINUTE)
    assert page.locator("#validation-ok").count() == 1, page.locator("#result").inner_text()
    examples = yaml.safe_load((project / "data/nlu/request_human.yml").read_text("utf-8"))
    assert f"- {MESSAGE}" in examples["nlu"][0]["examples"]

    # Evaluate the live model on the test set.
    page.goto("/studio/evaluate")
    page.check("input[name=model][value=live]")
    page.click("#run-evaluation")
    _wait_for_job(page, "/studio/evaluate", minutes=20)
    assert float(page.locator("#accuracy").inner_text()) > 0.5
    assert page.locator("#per-intent tr").count() > 10
    assert page.evaluate("document.getElementById('confusion').naturalWidth") > 100

    # Train (in the background, with progress), then publish without restarting Rasa.
    page.goto("/studio/models")
    page.uncheck("#train-evaluate")
    page.click("#train")
    _wait_for_job(page, "/studio/models", minutes=40)
    new_model = page.locator("#new-model").inner_text().strip()
    name = new_model.rsplit("/", 1)[-1]
    page.click(f"button.publish[data-model='{name}']")
    page.wait_for_selector("#history td")
    assert name in page.locator("#live-model").inner_text()

    status = httpx.get(f"{rasa_server}/status").json()
    assert status["model_file"].endswith(name) and status["model_file"] != live_before
    assert parse(rasa_server, MESSAGE)["intent"]["name"] == INTENT
    assert page.locator("#rollback").count() == 1


def test_rollback_restores_the_previous_model(page, rasa_server):
    page.goto("/studio/models")
    page.click("#rollback")
    page.wait_for_selector("#history td")
    status = httpx.get(f"{rasa_server}/status").json()
    assert status["model_file"].endswith("live-before.tar.gz")
    assert "live-before.tar.gz" in page.locator("#live-model").inner_text()
    assert "回滚" in page.locator("#history tr").nth(1).inner_text()

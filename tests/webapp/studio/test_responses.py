from pathlib import Path
import shutil

import pytest
import yaml

from webapp.studio import responses

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture()
def copy(tmp_path, monkeypatch) -> Path:
    shutil.copytree(ROOT / "domain", tmp_path / "domain")
    monkeypatch.setenv("STUDIO_PROJECT_DIR", str(tmp_path))
    return tmp_path


def test_update_response_changes_one_line(copy):
    before = (copy / "domain/core.yml").read_text("utf-8").splitlines()
    responses.update("utter_greet", 0, "您好！我是理赔报案助手，请问有什么可以帮您？")
    after = (copy / "domain/core.yml").read_text("utf-8").splitlines()
    assert len(before) == len(after)
    assert sum(a != b for a, b in zip(before, after)) == 1
    data = yaml.safe_load("\n".join(after))
    assert data["responses"]["utter_greet"][0]["text"] == "您好！我是理赔报案助手，请问有什么可以帮您？"


def test_update_refuses_unknown_placeholder(copy):
    with pytest.raises(responses.ResponseError, match="no_such_slot"):
        responses.update("utter_greet", 0, "您好 {no_such_slot}")
    with pytest.raises(responses.ResponseError):
        responses.update("utter_no_such_response", 0, "x")


def test_placeholders_of_the_response_and_slots_are_allowed(copy):
    responses.update("utter_rating_thanks", 0, "谢谢您打了{rating}分！")
    assert responses.all_responses()["utter_rating_thanks"].texts[0] == "谢谢您打了{rating}分！"
    assert responses.preview("谢谢您打了{rating}分！") == "谢谢您打了‹rating›分！"

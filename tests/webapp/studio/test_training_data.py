"""Examples written into a temp copy of data/nlu and domain/ (function-scoped)."""
from pathlib import Path
import shutil

import pytest
import yaml

from webapp.studio import training_data
from webapp.studio.training_data import Entity, TrainingDataError

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture()
def copy(tmp_path, monkeypatch) -> Path:
    for name in ("data", "domain"):
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.setenv("STUDIO_PROJECT_DIR", str(tmp_path))
    return tmp_path


def test_add_example_appends_one_line(copy):
    before = (copy / "data/nlu/greet.yml").read_text("utf-8")
    assert training_data.add_example("greet", "哈喽哈喽 有人值班不")
    after = (copy / "data/nlu/greet.yml").read_text("utf-8")
    assert after == before + "    - 哈喽哈喽 有人值班不\n"
    assert "哈喽哈喽 有人值班不" in training_data.examples_of("greet")


def test_add_example_skips_duplicates(copy):
    assert training_data.add_example("greet", "哈喽哈喽有人值班不")
    assert not training_data.add_example("greet", "  哈喽哈喽，有人值班不？ ")
    assert not training_data.add_example("greet", "你好")  # already in the data
    assert training_data.examples_of("greet").count("哈喽哈喽有人值班不") == 1


def test_add_example_in_a_shared_file_keeps_the_other_intent(copy):
    path = copy / "data/nlu/affirm_deny.yml"
    deny_before = training_data.examples_of("deny")
    assert training_data.add_example("affirm", "嗯呐就这么办")
    assert training_data.examples_of("deny") == deny_before
    assert training_data.examples_of("affirm")[-1] == "嗯呐就这么办"
    yaml.safe_load(path.read_text("utf-8"))


def test_add_example_with_entities(copy):
    assert training_data.add_example("inform", "我在海淀区中关村出的事",
                                     [Entity(2, 8, "incident_place")])
    assert training_data.examples_of("inform")[-1] == "我在[海淀区中关村](incident_place)出的事"


def test_add_example_refuses_unknown_entity_and_intent(copy):
    with pytest.raises(TrainingDataError):
        training_data.add_example("inform", "我在海淀", [Entity(2, 4, "no_such_entity")])
    with pytest.raises(TrainingDataError):
        training_data.add_example("ask_invoice", "能开发票吗")


def test_new_intent_gets_a_file_and_a_domain_entry(copy):
    assert training_data.add_example("ask_invoice", "理赔能开发票吗", create=True)
    data = yaml.safe_load((copy / "data/nlu/ask_invoice.yml").read_text("utf-8"))
    assert data == {"version": "3.1", "nlu": [{"intent": "ask_invoice",
                                               "examples": "- 理赔能开发票吗\n"}]}
    domain = yaml.safe_load((copy / "domain/core.yml").read_text("utf-8"))
    assert domain["intents"][-1] == "ask_invoice"
    assert "ask_invoice" in training_data.intents()


def test_retrieval_intents_are_listed(copy):
    names = training_data.intents()
    assert any(name.startswith("ask_process/") for name in names)
    assert training_data.add_example(sorted(n for n in names if "/" in n)[0], "理赔到底咋弄的流程")

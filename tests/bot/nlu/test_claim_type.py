import pytest

from bot.nlu.claim_type import find_claim_type


@pytest.mark.parametrize("text, expected", [
    ("我昨天在建国路被追尾了", "vehicle"),
    ("车子停在楼下被刮了", "vehicle"),
    ("骑车摔了一跤手腕骨折", "injury"),
    ("家里水管爆了地板全泡了", "property"),
    ("我妈住院做手术了能报吗", "medical"),
    ("车险理赔要带什么", "vehicle"),
])
def test_find_claim_type(text, expected, claim_type_lexicon):
    entity = find_claim_type(text, claim_type_lexicon)
    assert claim_type_lexicon[entity["value"].lower()] == expected
    assert text[entity["start"]:entity["end"]] == entity["value"]


def test_no_claim_type_in_neutral_text(claim_type_lexicon):
    assert find_claim_type("你好我想问一下", claim_type_lexicon) is None

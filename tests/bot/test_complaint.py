import pytest

from bot import complaint


@pytest.mark.parametrize("text, expected", [
    ("你们理赔员态度太差了 还挂我电话", "service_attitude"),
    ("凭什么拒赔 我不服", "claim_rejected"),
    ("定损员压价 只给三千", "payout_amount"),
    ("材料交了三次还说不全", "repeated_materials"),
    ("业务员电话打不通 微信也不回", "unreachable"),
    ("等了一个月还没结果", "slow_processing"),
    ("当初买的时候说什么都赔", "misleading_sale"),
    ("App上传照片一直失败", "system"),
    ("我对你们很失望", "other"),
])
def test_category(text, expected):
    assert complaint.category(text) == expected


@pytest.mark.parametrize("text", ["我要投诉", "投诉！", "我想投诉你们", "我要投诉客服。", "差评", " "])
def test_is_bare_request(text):
    assert complaint.is_bare_request(text)


@pytest.mark.parametrize("text", ["我要投诉 理赔员态度差", "投诉查勘员迟到两个小时"])
def test_is_bare_request_not_when_it_says_what(text):
    assert not complaint.is_bare_request(text)


def test_summary_tidies_and_appends():
    assert complaint.summary("  等了   一个月 ") == "等了 一个月"
    assert complaint.summary("还没人回电", "等了一个月") == "等了一个月；还没人回电"
    assert len(complaint.summary("长" * 900)) == 500

"""Complaints: what a message complains about, in words the assistant can restate.

No Rasa imports; used by actions/complaint.py. The category labels the customer sees are
the responses `utter_complaint_category_<category>` in domain/complaint.yml.
"""
from __future__ import annotations

import re
from typing import Optional

# Checked in order; the first category with a keyword in the message wins.
CATEGORIES = (
    ("service_attitude", ("态度", "骂", "凶", "不耐烦", "挂我电话", "挂电话", "爱答不理", "爱理不理",
                          "冷冰冰", "阴阳怪气", "难听", "傲慢", "吵", "怼")),
    ("claim_rejected", ("拒赔", "不赔", "不给赔", "不予赔付", "拒绝赔付", "拒付", "结论")),
    ("payout_amount", ("赔这么少", "太少", "少赔", "定损", "压价", "金额", "少了", "扣", "免赔",
                       "算错", "不合理")),
    ("repeated_materials", ("材料", "补交", "补资料", "资料", "来回跑", "跑了", "一次说清", "一次性")),
    ("unreachable", ("联系不上", "找不到人", "没人接", "不接电话", "电话不接", "打不通", "不回",
                     "没人回", "没人管", "没人理", "失联", "关机", "回电")),
    ("slow_processing", ("慢", "拖", "等了", "还没", "没结果", "没消息", "一个月", "几个月", "多久",
                         "效率", "迟迟", "没到账", "审核中", "处理中", "迟到")),
    ("misleading_sale", ("业务员", "代理人", "当初", "买的时候", "承诺", "说好", "销售", "骗")),
    ("system", ("系统", "app", "APP", "上传", "闪退", "登不上", "网站", "公众号", "链接")),
)
OTHER = "other"

# A bare request to complain carries nothing to restate.
_BARE = re.compile(
    r"^(我|我们)?(要|想|需要|得|必须)?(投诉|投訴|举报|差评|反映问题|反映一下)(一下|你们|你們|客服|你|一个人|一个理赔员)?"
    r"(的|啊|呢|吧|了)?$")
_PUNCTUATION = re.compile(r"[\s,，。.!！?？、;；:：~～…\"'“”‘’()（）【】\[\]]+")


def category(text: str) -> str:
    for name, keywords in CATEGORIES:
        if any(keyword in text for keyword in keywords):
            return name
    return OTHER


def is_bare_request(text: str) -> bool:
    """"我要投诉" and the like: a wish to complain without saying what about."""
    compact = _PUNCTUATION.sub("", text or "")
    return not compact or bool(_BARE.match(compact))


def summary(text: str, previous: Optional[str] = None, limit: int = 500) -> str:
    """The customer's words, tidied (spaces collapsed), appended to what they said before."""
    cleaned = re.sub(r"\s+", " ", (text or "").strip())
    combined = f"{previous}；{cleaned}" if previous and cleaned else (previous or cleaned)
    return combined[:limit]

"""A customer reporting a claim end to end, whatever order the dialogue asks in.

The customer of the issue: policy PDAA202603010000001234, insured 王建国, rear-ended
yesterday afternoon on 建国路, bumper damaged, nobody hurt, phone 13812345678; they
confirm and expect a report number starting with BA. `answer_for(question)` picks what
they say to the bot's latest question; used by the WeChat test (rasa env) and the
browser test (svc env), so it imports nothing but the standard library.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

POLICY = "PDAA202603010000001234"
NAME = "王建国"
PHONE = "13812345678"
PLATE = "京A12345"
ID_NUMBER = "110105198003071234"
REPORT_NUMBER = re.compile(r"BA\d{14}")

OPENING = "我要报案"

# (pattern in the bot's question, the customer's answer), most specific first: the
# confirmation summary mentions every field, so it is recognised before the fields.
ANSWERS: List[Tuple[str, str]] = [
    (r"整理了一下|请您核对：|请核对|信息是否正确|确认无误", "对的，信息没问题，确认提交"),
    (r"哪一项需要修改|哪里需要改", "不用改了，确认提交"),
    (r"车牌", PLATE),
    (r"保单号", POLICY),
    (r"身份证", ID_NUMBER),
    (r"姓名", NAME),
    (r"哪一类|什么类型|哪种情况", "车险，车被撞了"),
    (r"受伤|伤亡", "没有人受伤"),
    (r"手机号|联系电话|联系您", PHONE),
    (r"什么时候|时间", "昨天下午三点"),
    (r"什么地方|地点|在哪里|在哪儿", "北京市朝阳区建国路88号"),
    (r"原因|怎么发生", "等红灯的时候被后车追尾了"),
    (r"损失|受损|损坏", "后保险杠撞坏了，估计损失三千元左右"),
    (r"发生了什么|经过|具体说", "我的车昨天下午在朝阳区建国路等红灯时被后车追尾了，后保险杠坏了"),
    (r"医院", "没有去医院"),
]


def answer_for(question: str) -> Optional[str]:
    for pattern, answer in ANSWERS:
        if re.search(pattern, question):
            return answer
    return None


def report_number_in(text: str) -> Optional[str]:
    match = REPORT_NUMBER.search(text or "")
    return match.group(0) if match else None

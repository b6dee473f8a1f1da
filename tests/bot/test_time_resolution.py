import datetime as dt

import pytest

from bot.time_resolution import SHANGHAI, resolve_time_answer, resolve_times

# A Sunday morning, the reference time of every case here.
REFERENCE = dt.datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text, expected", [
    ("昨天下午三点", "2026-11-21T15:00:00+08:00"),
    ("前天晚上八点左右", "2026-11-20T20:00:00+08:00"),
    ("11月20号早上", "2026-11-20T06:00:00+08:00"),
    ("今天早上7点半", "2026-11-22T07:30:00+08:00"),
    ("刚才", "2026-11-22T10:00:00+08:00"),
    ("我刚被追尾了", "2026-11-22T10:00:00+08:00"),
    ("上周五", "2026-11-13T00:00:00+08:00"),
    ("昨晚", "2026-11-21T18:00:00+08:00"),
])
def test_resolve_time_answer(text, expected):
    resolved = resolve_time_answer(text, REFERENCE)
    assert resolved is not None
    assert resolved.value.isoformat() == expected


def test_bare_clock_time_later_than_now_means_yesterday():
    resolved = resolve_time_answer("下午三点", REFERENCE)
    assert resolved.value.isoformat() == "2026-11-21T15:00:00+08:00"


def test_explicit_future_day_is_kept_for_validation_to_refuse():
    resolved = resolve_time_answer("明天", REFERENCE)
    assert resolved.value > REFERENCE


def test_span_offsets_point_into_the_text():
    text = "我昨天下午三点在朝阳区建国路被追尾了"
    (resolved,) = resolve_times(text, REFERENCE)
    assert text[resolved.start:resolved.end] == "昨天下午三点"
    assert resolved.grain == "hour"
    assert resolved.range_end.isoformat() == "2026-11-21T15:59:59+08:00"


@pytest.mark.parametrize("text", ["住院5天", "都一个月了还没赔", "我要报案", "电话13812345678"])
def test_no_time_point_in_durations_or_numbers(text):
    assert resolve_times(text, REFERENCE) == []

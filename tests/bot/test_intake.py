"""bot.intake: reading customers' messages, checking values, building the claim."""
from __future__ import annotations

import datetime as dt

import pytest

from bot import intake
from bot.intake import Message
from bot.time_resolution import SHANGHAI

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
ALL_IN_ONE = "我昨天下午三点在建国路被追尾了，后杠撞坏了，没人受伤，保单号PDAA202603010000001234，电话13812345678"


def entity(text: str, name: str, span: str, value=None, **extra):
    start = text.index(span)
    return {"entity": name, "start": start, "end": start + len(span),
            "value": span if value is None else value, **extra}


def all_in_one_message() -> Message:
    text = ALL_IN_ONE
    return Message(text, "report_claim", [
        entity(text, "incident_time", "昨天下午三点", "2026-11-21T15:00:00+08:00",
               additional_info={"grain": "hour"}),
        entity(text, "incident_place", "建国路"),
        entity(text, "claim_type", "追尾", "vehicle"),
        entity(text, "policy_number", "PDAA202603010000001234"),
        entity(text, "phone_number", "13812345678"),
    ], NOW)


# --- which fields ---------------------------------------------------------------------------


def test_required_slots_vehicle():
    assert intake.required_slots({intake.CLAIM_TYPE: "vehicle"}) == [
        intake.DESCRIPTION, intake.CLAIM_TYPE, intake.POLICY, intake.TIME, intake.NAME,
        intake.PLACE, intake.CAUSE, intake.LOSS, intake.CASUALTIES, intake.PLATE, intake.PHONE,
        intake.CONFIRMED]


@pytest.mark.parametrize("claim_type", ["injury", "medical"])
def test_required_slots_person_lines_need_id_and_hospital(claim_type):
    fields = intake.required_slots({intake.CLAIM_TYPE: claim_type})
    assert intake.ID_NUMBER in fields and intake.HOSPITAL in fields
    assert intake.PLATE not in fields and intake.CASUALTIES not in fields


def test_required_slots_empty_when_coverage_refused():
    assert intake.required_slots({"intake_coverage_refused": True}) == []


# --- reading messages -----------------------------------------------------------------------


def test_extract_all_in_one_first_message_fills_every_field_it_has():
    result = intake.extract(all_in_one_message(), {}, None)
    assert result.values == {
        intake.POLICY: "PDAA202603010000001234",
        intake.PHONE: "13812345678",
        intake.TIME: "2026-11-21T15:00:00+08:00",
        intake.PLACE: "建国路",
        intake.CLAIM_TYPE: "vehicle",
        intake.DESCRIPTION: "我昨天下午三点在建国路被追尾了，后杠撞坏了，没人受伤",
        intake.CAUSE: "我被追尾了",
        intake.LOSS: "后杠撞坏了",
        intake.CASUALTIES: False,
    }
    assert result.time_grain == "hour" and result.claim_type_stated is False
    assert result.casualty_details == "没人受伤"


def test_extract_interruption_takes_nothing():
    message = Message("车险理赔要带什么材料", "ask_materials", [], NOW)
    assert intake.extract(message, {}, intake.PHONE).values == {}


def test_extract_keeps_earlier_value_without_a_correction():
    text = "对了我是13912345678"
    message = Message(text, "inform", [entity(text, "phone_number", "13912345678")], NOW)
    result = intake.extract(message, {intake.PHONE: "13812345678"}, intake.LOSS)
    assert intake.PHONE not in result.values


def test_extract_correction_at_any_moment_replaces_the_value():
    text = "电话写错了，是13912345678"
    message = Message(text, "inform", [entity(text, "phone_number", "13912345678")], NOW)
    result = intake.extract(message, {intake.PHONE: "13812345678"}, intake.LOSS)
    assert result.values == {intake.PHONE: "13912345678"}
    assert result.corrected == {intake.PHONE}  # and the loss question is not answered by it


def test_extract_correction_of_time():
    text = "不对，时间是前天"
    message = Message(text, "deny", [entity(text, "incident_time", "前天", "2026-11-20T00:00:00+08:00",
                                            additional_info={"grain": "day"})], NOW)
    result = intake.extract(message, {intake.TIME: "2026-11-21T15:00:00+08:00"}, intake.PLACE)
    assert result.values == {intake.TIME: "2026-11-20T00:00:00+08:00"}
    assert result.time_grain == "day"


def test_extract_field_named_wrong_without_value_is_cleared():
    result = intake.extract(Message("地点说错了", "inform", [], NOW),
                            {intake.PLACE: "建国路"}, intake.CONFIRMED)
    assert result.cleared == {intake.PLACE} and result.values == {}


@pytest.mark.parametrize("intent,expected", [("affirm", True), ("deny", False)])
def test_extract_summary_answer(intent, expected):
    assert intake.extract(Message("好", intent, [], NOW), {}, intake.CONFIRMED).confirm is expected


def test_extract_other_party_phone_is_not_the_contact():
    text = "对方电话13912345678"
    message = Message(text, "inform", [entity(text, "phone_number", "13912345678")], NOW)
    assert intake.PHONE not in intake.extract(message, {}, intake.LOSS).values


def test_extract_free_text_answer_to_the_question_asked():
    result = intake.extract(Message("左前门凹进去一块，估计三千", "inform", [], NOW),
                            {intake.DESCRIPTION: "x"}, intake.LOSS)
    assert result.values[intake.LOSS] == "左前门凹进去一块，估计三千"


def test_extract_time_answer_without_entity_is_resolved():
    result = intake.extract(Message("昨天下午三点", "inform", [], NOW), {}, intake.TIME)
    assert result.values[intake.TIME] == "2026-11-21T15:00:00+08:00"


@pytest.mark.parametrize("text,intent,expected", [("没有", "deny", False), ("有", "affirm", True),
                                                  ("我腿擦破点皮", "inform", True)])
def test_extract_casualties_answer(text, intent, expected):
    assert intake.extract(Message(text, intent, [], NOW), {}, intake.CASUALTIES).values[
        intake.CASUALTIES] is expected


def test_extract_claim_type_answer_is_stated():
    result = intake.extract(Message("是车险", "inform", [], NOW), {}, intake.CLAIM_TYPE)
    assert result.values[intake.CLAIM_TYPE] == "vehicle" and result.claim_type_stated


def test_read_story_injury_and_death():
    hurt = intake.read_story("开车撞了个骑电动车的 人受伤了")
    assert hurt.casualties is True and not hurt.death
    dead = intake.read_story("出车祸了 对方当场死亡")
    assert dead.casualties is True and dead.death


def test_read_story_property():
    story = intake.read_story("车被砸了 玻璃全碎了 我要报案")
    assert (story.cause, story.loss, story.description) == ("车被砸了", "玻璃全碎了", "车被砸了 玻璃全碎了")


@pytest.mark.parametrize("text,name", [("我叫王建国", "王建国"), ("被保险人是我女儿周小雨", "周小雨"),
                                       ("王建国，是我本人", "王建国"), ("13812345678", None)])
def test_parse_name(text, name):
    assert intake.parse_name(text) == name


# --- checking values ------------------------------------------------------------------------


@pytest.mark.parametrize("raw,check", [
    ("138 1234 5678", intake.Check("13812345678")),
    ("1381234567", intake.Check(error="phone_length", params={"digits": 10})),
    ("电话号码我忘了", intake.Check(error="phone_format")),
])
def test_check_phone(raw, check):
    assert intake.check_phone(raw) == check


@pytest.mark.parametrize("raw,error", [("110105198003071234", None), ("110105198003071235", "id_checksum"),
                                       ("11010519800307123", "id_length")])
def test_check_id_number(raw, error):
    assert intake.check_id_number(raw).error == error


@pytest.mark.parametrize("raw,value", [("京A·12345", "京A12345"), ("粤bd12345", "粤BD12345"),
                                       ("京A1234", None)])
def test_check_plate(raw, value):
    assert intake.check_plate(raw).value == value


@pytest.mark.parametrize("raw,error", [
    ("2026-11-21T15:00:00+08:00", None),
    ("2026-11-23T15:00:00+08:00", "time_future"),
    ("2024-10-01T15:00:00+08:00", "time_too_old"),
    ("上次", "time_unparsed"),
])
def test_check_incident_time(raw, error):
    assert intake.check_incident_time(raw, NOW).error == error


def test_check_policy_number():
    assert intake.check_policy_number("pdaa 2026 0301 0000 0012 34").value == "PDAA202603010000001234"
    assert intake.check_policy_number("PDAA2026").error == "policy_format"


def test_needs_urgent_care():
    assert intake.needs_urgent_care(None, NOW)
    assert intake.needs_urgent_care("2026-11-22T08:00:00+08:00", NOW)
    assert not intake.needs_urgent_care("2026-11-15T08:00:00+08:00", NOW)


# --- showing and filing ---------------------------------------------------------------------


def test_idempotency_key_is_stable_per_report():
    assert intake.idempotency_key("abc", 0) == intake.idempotency_key("abc", 0)
    assert intake.idempotency_key("abc", 0) != intake.idempotency_key("abc", 1)
    assert len(intake.idempotency_key("abc", 0)) == 64


def test_build_claim_vehicle():
    slots = {intake.POLICY: "PDAA202603010000001234", intake.CLAIM_TYPE: "vehicle", intake.NAME: "王建国",
             intake.TIME: "2026-11-21T15:00:00+08:00", intake.PLACE: "建国路", intake.CAUSE: "被追尾",
             intake.DESCRIPTION: "等红灯被追尾", intake.LOSS: "后杠坏了", intake.CASUALTIES: False,
             intake.PHONE: "13812345678", intake.PLATE: "京A12345", intake.HOSPITAL: "不该出现"}
    assert intake.build_claim(slots, channel="rest", conversation_id="c1") == {
        "policy_no": "PDAA202603010000001234", "claim_type": "vehicle", "insured_name": "王建国",
        "incident_time": "2026-11-21T15:00:00+08:00", "incident_place": "建国路", "cause": "被追尾",
        "description": "等红灯被追尾", "loss": "后杠坏了", "casualties": False,
        "contact_phone": "13812345678", "channel": "rest", "conversation_id": "c1",
        "plate_number": "京A12345"}


def test_display_helpers():
    assert intake.time_display("2026-11-21T15:00:00+08:00", "hour") == "2026-11-21 15:00"
    assert intake.time_display("2026-11-20T00:00:00+08:00", "day") == "2026-11-20"
    assert intake.time_display("2026-11-20T07:00:00+08:00", "part_of_day") == "2026-11-20 上午"
    assert intake.time_display("2026-11-20T13:00:00+08:00", "part_of_day") == "2026-11-20 下午"
    assert intake.time_display("2026-11-20T09:30:00+08:00", "part_of_day") == "2026-11-20 09:30"


@pytest.mark.parametrize("said, part", [("前天凌晨", "凌晨"), ("前天早上", "早上"), ("前天上午", "上午"),
                                        ("前天中午", "中午"), ("前天下午", "下午"), ("前天傍晚", "傍晚"),
                                        ("前天晚上", "晚上"), ("前天夜里", "夜里")])
def test_parts_of_the_day_are_shown_as_said(said, part):
    """The display table follows the time parser's intervals: a change there shows here."""
    from bot.time_resolution import now_shanghai, resolve_times

    [resolved] = resolve_times(said, now_shanghai())
    assert resolved.grain == "part_of_day"
    assert intake.time_display(resolved.value.isoformat(), resolved.grain).endswith(" " + part)
    assert intake.mask_id("110105198003071234") == "110105********1234"
    checklist = {"items": [{"name": "驾驶证", "required_when": None},
                           {"name": "事故责任认定书", "required_when": "交警处理的事故"}],
                 "submission_methods": [{"name": "线上上传", "how": "在APP上传"}]}
    assert intake.format_materials(checklist) == "1. 驾驶证\n2. 事故责任认定书 (交警处理的事故)"
    assert intake.format_submission(checklist) == "1. 线上上传: 在APP上传"


@pytest.mark.parametrize("text,intent,discard", [("不用保留", "deny", True), ("不用了", "deny", True),
                                                 ("保留吧", "stop", False), ("好的", "affirm", False),
                                                 ("不", "deny", True), ("嗯", "inform", False)])
def test_wants_discard(text, intent, discard):
    assert intake.wants_discard(text, intent) is discard


def test_extract_place_as_written_not_as_normalised():
    text = "我要报案，车在公司楼下停车场被蹭了"
    place = entity(text, "incident_place", "公司楼下停车场", "公司樓下停車場")  # a synonym's value
    result = intake.extract(Message(text, "report_claim", [place], NOW), {}, None)
    assert result.values[intake.PLACE] == "公司楼下停车场"


def test_extract_number_read_as_goodbye_is_still_an_answer():
    result = intake.extract(Message("1381234567", "goodbye", [], NOW), {}, intake.PHONE)
    assert result.values == {intake.PHONE: "1381234567"}  # then re-asked: 10 digits


def test_extract_ignores_a_date_inside_a_mistyped_policy_number():
    text = "PDAA20260301"
    when = entity(text, "incident_time", "20260301", "2026-03-01T00:00:00+08:00")
    result = intake.extract(Message(text, "inform", [when], NOW), {}, intake.POLICY)
    assert result.values == {intake.POLICY: "PDAA20260301"}  # then re-asked: format


@pytest.mark.parametrize("place,vague", [("我家厨房", True), ("小区地下车库", True), ("公司楼下停车场", True),
                                         ("大风", True), ("朝阳区建国路", False), ("万达广场地库", False),
                                         ("北医三院", False), ("机场高速", False), ("二环路上", False),
                                         ("南京大学鼓楼校区操场", False)])
def test_place_is_vague(place, vague):
    assert intake.place_is_vague(place) is vague


def test_check_place_asks_once_then_keeps_the_detail():
    assert intake.check_place("我家厨房") == intake.Check(error="place_vague", params={"place": "我家厨房"})
    assert intake.check_place("浦东新区张杨路1234弄", hint="我家厨房").value == "浦东新区张杨路1234弄，我家厨房"
    assert intake.check_place("就在家里", hint="我家厨房").ok  # asked once only
    assert intake.check_place("大风").params == {"place": ""}  # a stray word is no detail
    assert intake.check_place("朝阳区建国路", hint="").value == "朝阳区建国路"


def test_extract_place_answer_is_the_whole_answer():
    text = "朝阳区望京西路"
    part = entity(text, "incident_place", "朝阳区")
    result = intake.extract(Message(text, "inform", [part], NOW), {}, intake.PLACE)
    assert result.values[intake.PLACE] == "朝阳区望京西路"


def test_extract_soft_intent_answers_with_facts_only():
    assert intake.extract(Message("人没事", "goodbye", [], NOW), {}, intake.CASUALTIES).values == {
        intake.CASUALTIES: False}
    assert intake.extract(Message("好的谢谢", "thank", [], NOW), {}, intake.LOSS).values == {}


def test_extract_damage_read_as_out_of_scope_still_answers_the_loss_question():
    message = Message("右后门一长道划痕，漆掉了", "out_of_scope", [], NOW)
    result = intake.extract(message, {}, intake.LOSS)
    assert result.values[intake.LOSS] == "右后门一长道划痕，漆掉了"


def test_extract_out_of_scope_without_incident_words_is_not_an_answer():
    message = Message("帮我订张去北京的机票", "out_of_scope", [], NOW)
    assert intake.LOSS not in intake.extract(message, {}, intake.LOSS).values


# --- abusive input ----------------------------------------------------------------------------

HTML = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
INVISIBLE = "\x00\x07\u200b\u202e\ufeff\r\n"


def test_visible_drops_tags_and_blanks_invisible_characters():
    assert intake.visible(f"{HTML}建国路\x0088号\u200b") == "  建国路 88号 "
    assert intake.visible("损失<5000元") == "损失<5000元"  # not a tag
    assert intake.visible(None) == ""


@pytest.mark.parametrize("check,raw,value", [
    (intake.check_phone, "138\x001234\u200b5678", "13812345678"),
    (intake.check_policy_number, "PDAA2026\u200b0301\x000000001234", "PDAA202603010000001234"),
    (intake.check_plate, "京A\u200b12345", "京A12345"),
    (intake.check_name, "王\u200b建国\x07", "王建国"),
    (intake.check_text, f"{HTML}后杠\x07撞坏了\r\n", "后杠 撞坏了"),
])
def test_checks_normalise_control_characters_and_markup(check, raw, value):
    assert check(raw).value == value


@pytest.mark.parametrize("raw", [HTML, INVISIBLE, f"{HTML}{INVISIBLE}", "😭"])
def test_text_without_content_is_asked_again(raw):
    assert intake.check_text(raw, 2).error == "too_short"
    assert intake.check_name(raw).error == "name_format"


@pytest.mark.parametrize("text", ["建" * 5000, INVISIBLE, HTML, "😭😭😭", "👍", "我要報案 my car 3點 在臺北"])
def test_extract_abusive_messages_gives_clean_candidates(text):
    result = intake.extract(Message(text, "inform", [], NOW), {}, intake.LOSS)
    for value in result.values.values():
        if isinstance(value, str):
            assert value.isprintable() and "<" not in value and len(value) <= 5000

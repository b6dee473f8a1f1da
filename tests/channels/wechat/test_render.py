"""Rasa messages → WeChat text messages: limits, numbered options, links."""
from channels.wechat import texts
from channels.wechat.render import MAX_BYTES, MAX_CHARS, Option, fits, render, split


def test_render_joins_messages_into_one_text() -> None:
    rendered = render([{"text": "您好"}, {"text": "请问有什么可以帮您？"}])
    assert rendered.chunks == ["您好\n\n请问有什么可以帮您？"]
    assert rendered.options == []


def test_render_buttons_become_numbered_options() -> None:
    rendered = render([
        {"text": "请问这次属于哪一类情况？", "buttons": [
            {"title": "车辆损失", "payload": '/inform{"claim_type":"vehicle"}'},
            {"title": "人身伤害/意外", "payload": '/inform{"claim_type":"injury"}'}]},
    ])
    assert rendered.chunks == [
        "请问这次属于哪一类情况？\n1. 车辆损失\n2. 人身伤害/意外\n" + texts.OPTIONS_HINT]
    assert rendered.options == [Option("车辆损失", '/inform{"claim_type":"vehicle"}'),
                                Option("人身伤害/意外", '/inform{"claim_type":"injury"}')]


def test_render_numbers_options_across_messages() -> None:
    rendered = render([
        {"text": "第一组", "buttons": [{"title": "甲", "payload": "/a"}]},
        {"text": "第二组", "buttons": [{"title": "乙", "payload": "/b"}]},
    ])
    assert "1. 甲" in rendered.chunks[0] and "2. 乙" in rendered.chunks[0]
    assert [o.payload for o in rendered.options] == ["/a", "/b"]


def test_render_link_buttons_images_and_custom_text() -> None:
    rendered = render([
        {"text": "查看条款", "buttons": [{"title": "条款全文", "url": "https://example.com/t", "type": "web_url"}]},
        {"image": "https://example.com/a.png"},
        {"custom": {"text": "自定义消息"}},
        {"custom": {"blocks": []}},
    ])
    assert rendered.chunks == ["查看条款\n" + texts.LINK.format(title="条款全文", url="https://example.com/t")
                               + "\n\n" + texts.IMAGE_LINK.format(url="https://example.com/a.png")
                               + "\n\n自定义消息"]
    assert rendered.options == []


def test_render_nothing() -> None:
    assert render([]).chunks == []
    assert render([{"text": "  "}]).chunks == []


def test_split_keeps_short_text_whole() -> None:
    assert split("一句话") == ["一句话"]


def test_split_long_chinese_text_within_both_limits() -> None:
    paragraphs = [f"第{i}段：" + "理赔一般分这几步，您心里先有个数。" * 9 for i in range(12)]
    text = "\n\n".join(paragraphs)
    chunks = split(text)
    assert len(chunks) > 1
    assert all(fits(c) for c in chunks)
    assert all(len(c) <= MAX_CHARS and len(c.encode()) <= MAX_BYTES for c in chunks)
    # breaks fall between paragraphs: every paragraph is intact in one chunk
    assert all(any(p in c for c in chunks) for p in paragraphs)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_split_by_bytes_for_wide_characters() -> None:
    text = "😀" * 600  # 4 bytes each: the byte limit binds before the character limit
    chunks = split(text)
    assert all(len(c.encode()) <= MAX_BYTES for c in chunks)
    assert "".join(chunks) == text


def test_split_one_very_long_line_after_punctuation() -> None:
    sentence = "出险后请尽快报案，越早越好。"
    text = sentence * 100
    chunks = split(text)
    assert len(chunks) >= 3
    assert all(fits(c) for c in chunks)
    assert all(c.endswith(("。", "，")) for c in chunks[:-1])
    assert "".join(chunks) == text


def test_split_list_lines_stay_whole() -> None:
    lines = [f"{i}. " + "需要准备的材料说明" * 6 for i in range(1, 40)]
    chunks = split("\n".join(lines))
    assert all(fits(c) for c in chunks)
    for line in lines:
        assert any(line in c.split("\n") for c in chunks)

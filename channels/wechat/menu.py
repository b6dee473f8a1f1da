"""The Official Account's custom menu: one source for publishing it and for mapping clicks.

`python -m channels.wechat.menu` publishes it (menu/create through WECHAT_API_BASE with
WECHAT_APP_ID / WECHAT_APP_SECRET). A click arrives as a CLICK event with the item's key;
the channel sends the item's payload to Rasa, which starts the matching flow.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional


@dataclass(frozen=True)
class MenuItem:
    key: str
    name: str      # shown in WeChat; at most 4 Chinese characters fit a top-level button
    payload: str   # what Rasa receives (an intent payload)


MENU_ITEMS: List[MenuItem] = [
    MenuItem("REPORT_CLAIM", "我要报案", "/report_claim"),
    MenuItem("QUERY_STATUS", "进度查询", "/query_status"),
    MenuItem("ASK_MATERIALS", "材料清单", "/ask_materials"),
    MenuItem("REQUEST_HUMAN", "人工客服", "/request_human"),
]
_BY_KEY: Dict[str, MenuItem] = {item.key: item for item in MENU_ITEMS}


def item_for_key(key: Optional[str]) -> Optional[MenuItem]:
    return _BY_KEY.get((key or "").strip())


def menu_definition() -> dict:
    """The body of menu/create: three top-level buttons, the last one a sub-menu."""
    report, status, materials, human = MENU_ITEMS
    click = lambda item: {"type": "click", "name": item.name, "key": item.key}  # noqa: E731
    return {"button": [
        click(report),
        click(status),
        {"name": "更多服务", "sub_button": [click(materials), click(human)]},
    ]}


def main() -> None:  # pragma: no cover - talks to WeChat
    import redis

    from channels.wechat.client import WeChatApi
    from channels.wechat.config import WeChatConfig

    config = WeChatConfig.load()
    api = WeChatApi(config, redis.Redis.from_url(config.redis_url))
    result = api._with_token(lambda token: api.wechat.post(
        "menu/create", params={"access_token": token}, data=menu_definition()))
    print(f"menu published: {result}")


if __name__ == "__main__":  # pragma: no cover
    main()

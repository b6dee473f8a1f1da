"""Photos a customer sends on WeChat, recorded as materials of their claim.

The claim is the one filed in this conversation. A photo that arrives before there is a
report number (in the middle of reporting) is kept (its media id, in Redis for the 3 days
WeChat keeps temporary media) and filed as soon as the conversation has a report number.
Files are downloaded through WeChat's media API and stored by the Claims API, which
checks their size and type and that the claim belongs to this conversation.
"""
from __future__ import annotations

import asyncio
import logging
from typing import List, Optional, Tuple

from redis import asyncio as aioredis

from channels.claims_materials import ClaimMaterials
from channels.wechat import texts
from channels.wechat.client import WeChatApi

logger = logging.getLogger(__name__)

PREFIX = "wechat:pending_media:"
KEEP_SECONDS = 3 * 24 * 3600  # WeChat keeps temporary media for 3 days
MAX_KEPT = 20
CHANNEL = "wechat"


class PhotoFiler:
    def __init__(self, client: aioredis.Redis, api: Optional[WeChatApi],
                 materials: ClaimMaterials) -> None:
        self.redis = client
        self.api = api
        self.materials = materials

    async def receive(self, openid: str, media_id: str, report_no: Optional[str]) -> str:
        """The answer to a photo: filed, kept for later, or why it could not be."""
        if not report_no:
            await self._keep(openid, media_id)
            return texts.IMAGE_KEPT
        ok, refusal = await self._file(openid, media_id, report_no)
        return texts.IMAGE_SAVED.format(report_no=report_no) if ok else refusal

    async def has_kept(self, openid: str) -> bool:
        return bool(await self.redis.llen(PREFIX + openid))

    async def file_kept(self, openid: str, report_no: str) -> Optional[str]:
        """File every kept photo; the message to tell the customer (None: nothing kept)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrange(PREFIX + openid, 0, -1)
            pipe.delete(PREFIX + openid)
            kept, _ = await pipe.execute()
        media_ids: List[str] = [m.decode() if isinstance(m, bytes) else m for m in kept]
        if not media_ids:
            return None
        results = [await self._file(openid, media_id, report_no) for media_id in media_ids]
        filed = sum(1 for ok, _ in results if ok)
        if filed:
            return texts.IMAGES_FILED_LATER.format(count=filed, report_no=report_no)
        return next(refusal for ok, refusal in results if not ok)

    async def _keep(self, openid: str, media_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(PREFIX + openid, media_id)
            pipe.ltrim(PREFIX + openid, -MAX_KEPT, -1)
            pipe.expire(PREFIX + openid, KEEP_SECONDS)
            await pipe.execute()

    async def _file(self, openid: str, media_id: str, report_no: str) -> Tuple[bool, str]:
        if self.api is None:
            logger.error("Photo of %s not filed: WECHAT_APP_ID/WECHAT_APP_SECRET unset", openid)
            return False, texts.IMAGE_FAILED
        try:
            media = await asyncio.to_thread(self.api.download_media, media_id)
            result = await self.materials.submit(
                report_no=report_no, conversation_id=openid, channel=CHANNEL,
                filename=media.filename, content=media.content, content_type=media.content_type)
        except Exception:  # noqa: BLE001 - WeChat or the Claims API unreachable
            logger.exception("Photo %s of %s not filed", media_id, openid)
            return False, texts.IMAGE_FAILED
        if result.ok:
            return True, ""
        logger.warning("Claims API refused a photo for %s (%s): %s", report_no, result.status, result.body)
        return False, result.message_zh or texts.IMAGE_FAILED

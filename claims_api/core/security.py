"""Bearer-token scopes. Two static tokens: the bot's and staff's (docs/architecture.md)."""

from __future__ import annotations

import enum
import hmac

from claims_api.core.config import Settings


class Scope(str, enum.Enum):
    """What a caller may do: `staff` may call every `bot` endpoint as well."""

    bot = "bot"
    staff = "staff"


def scope_for_token(token: str | None, settings: Settings) -> Scope | None:
    """Map a presented token to its scope, comparing in constant time."""
    if not token:
        return None
    presented = token.encode("utf-8", "surrogatepass")
    if hmac.compare_digest(presented, settings.STAFF_API_TOKEN.encode()):
        return Scope.staff
    if hmac.compare_digest(presented, settings.CLAIMS_API_TOKEN.encode()):
        return Scope.bot
    return None

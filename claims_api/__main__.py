"""`python -m claims_api`: serve the API with uvicorn on CLAIMS_API_HOST:CLAIMS_API_PORT."""

from __future__ import annotations

import logging

import uvicorn

from claims_api.core.config import get_settings


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.LOG_LEVEL, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        "claims_api.main:app",
        host=settings.CLAIMS_API_HOST,
        port=settings.CLAIMS_API_PORT,
        log_level=settings.LOG_LEVEL.lower(),
    )


if __name__ == "__main__":
    main()

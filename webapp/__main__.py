"""`python -m webapp`: serve the web app on WEBAPP_HOST:WEBAPP_PORT (default 127.0.0.1:8001)."""
import os

import uvicorn

if __name__ == "__main__":
    uvicorn.run("webapp.main:app", host=os.environ.get("WEBAPP_HOST", "127.0.0.1"),
                port=int(os.environ.get("WEBAPP_PORT", "8001")), log_level="info")

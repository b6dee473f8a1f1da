"""Engine, sessions and schema migration.

The schema is owned by Alembic (claims_api/alembic); the app runs `upgrade head` at start
so a fresh SQLite file or PostgreSQL database needs no manual step.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

PACKAGE_DIR = Path(__file__).resolve().parents[1]
ALEMBIC_INI = PACKAGE_DIR / "alembic.ini"


def make_engine(database_url: str) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout and foreign keys.

    The busy timeout lets concurrent writers (uvicorn's thread pool) queue on SQLite's
    write lock instead of failing with "database is locked".
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_pre_ping=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # Safe with WAL (no corruption); only the last commits may be lost on power loss.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (we serialise after it)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


def alembic_config() -> Config:
    """An Alembic config pointing at the package's migrations, independent of the cwd."""
    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(PACKAGE_DIR / "alembic"))
    return cfg


def ensure_sqlite_directory(engine: Engine) -> None:
    """Create the folder of a SQLite file (var/ by default) when the app starts, not on import."""
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)


def run_migrations(engine: Engine) -> None:
    """`alembic upgrade head` on the given engine (its URL may carry a search_path)."""
    ensure_sqlite_directory(engine)
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        cfg.attributes["configure_logger"] = False
        command.upgrade(cfg, "head")


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False

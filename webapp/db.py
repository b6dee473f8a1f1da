"""The web app's own database (SQLAlchemy 2): agent accounts and what the agent console
keeps after a handoff. Shared with the staff studio.

WEBAPP_DATABASE_URL, default `sqlite:///var/webapp.db` beside the project. Tables are
created on first use (`init_db`); there is no migration history yet.

| table | rows |
|---|---|
| agents | console accounts: username, display name, bcrypt hash, active |
| handoffs | one per handoff: conversation, channel, reason, agent, requested/taken/ended times, rating |
| conversation_ratings | the customer's 1-5 rating of a handoff (the studio reads the 1-2s) |
| callback_requests | callback requests left outside working hours, open until an agent marks them done |

The last three are written from the Redis stream `handoff:events` (webapp/agent/records.py),
so they hold what the bot and every console instance did, exactly once.
"""
from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Iterator, Optional

from fastapi import Depends
from sqlalchemy import (Boolean, DateTime, Integer, String, Text, UniqueConstraint,
                        create_engine, event)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

ROOT = Path(__file__).resolve().parent.parent


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def database_url() -> str:
    return os.environ.get("WEBAPP_DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'webapp.db'}"


class Base(DeclarativeBase):
    pass


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(128))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Handoff(Base):
    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[Optional[str]] = mapped_column(String(40))
    reason: Mapped[Optional[str]] = mapped_column(String(40))
    summary: Mapped[Optional[str]] = mapped_column(Text)
    agent_username: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    requested_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    taken_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[Optional[str]] = mapped_column(String(40))
    rating: Mapped[Optional[int]] = mapped_column(Integer)


class ConversationRating(Base):
    __tablename__ = "conversation_ratings"
    __table_args__ = (UniqueConstraint("event_id", name="uq_conversation_ratings_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40))  # the handoff:events entry
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    handoff_id: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    agent_username: Mapped[Optional[str]] = mapped_column(String(64))
    channel: Mapped[Optional[str]] = mapped_column(String(40))
    rating: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CallbackRequest(Base):
    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[Optional[str]] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    preferred_time: Mapped[str] = mapped_column(String(200))
    reason: Mapped[Optional[str]] = mapped_column(String(40))
    summary: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    handled_by: Mapped[Optional[str]] = mapped_column(String(64))
    handled_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))


@lru_cache
def get_engine() -> Engine:
    url = database_url()
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:  # noqa: ANN001
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    Base.metadata.create_all(engine)
    return engine


@lru_cache
def _sessions() -> sessionmaker:
    return sessionmaker(get_engine(), expire_on_commit=False)


def new_session() -> Session:
    return _sessions()()


def init_db() -> None:
    get_engine()


def reset_caches() -> None:
    """Forget the engine (tests point WEBAPP_DATABASE_URL elsewhere)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    _sessions.cache_clear()


def get_session() -> Iterator[Session]:
    with new_session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

"""The studio's tables, in the web app's database (webapp/db.py).

| table | rows |
|---|---|
| studio_users | staff accounts (reviewer / maintainer), separate from agents |
| studio_inbox | one per distinct (normalised) misunderstood message |
| studio_publications | every model published to Rasa (rollback = the one before) |
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Float, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import Base, get_engine, new_session, utcnow  # noqa: F401  (re-exported)

ROLES = ("reviewer", "maintainer")


class StudioUser(Base):
    __tablename__ = "studio_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InboxItem(Base):
    __tablename__ = "studio_inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    norm_text: Mapped[str] = mapped_column(String(500), unique=True, index=True)
    text: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(String(200))  # comma-separated, sorted
    predicted_intent: Mapped[Optional[str]] = mapped_column(String(100))
    confidence: Mapped[Optional[float]] = mapped_column(Float)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    context: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of turns
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    resolution: Mapped[Optional[str]] = mapped_column(Text)  # intent / annotated text
    resolved_by: Mapped[Optional[str]] = mapped_column(String(64))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Publication(Base):
    __tablename__ = "studio_publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_path: Mapped[str] = mapped_column(String(500))
    previous_path: Mapped[Optional[str]] = mapped_column(String(500))  # live before this one
    published_by: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20), default="publish")  # or rollback
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def init_studio_db() -> None:
    Base.metadata.create_all(get_engine())

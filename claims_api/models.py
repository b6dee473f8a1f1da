"""ORM tables. Timestamps are stored as timezone-aware UTC and shown in Asia/Shanghai.

Money is stored in integer cents (SQLite has no exact decimal type).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware and UTC on the Python side.

    SQLite drops the offset, so values are normalised to UTC on the way in and the UTC
    tzinfo is put back on the way out; PostgreSQL stores them as timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Policy(Base):
    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_no: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    product: Mapped[str] = mapped_column(String(100))
    line: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    holder_name: Mapped[str] = mapped_column(String(100))
    insured_name: Mapped[str] = mapped_column(String(100))
    insured_id_number: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str] = mapped_column(String(20))
    plate_number: Mapped[str | None] = mapped_column(String(16))
    vehicle: Mapped[str | None] = mapped_column(String(100))
    insured_address: Mapped[str | None] = mapped_column(String(200))
    coverages: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    claims: Mapped[list[Claim]] = relationship(back_populates="policy")


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_policy_created", "policy_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_no: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="RESTRICT"))
    claim_type: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(30), index=True)
    incident_time: Mapped[datetime] = mapped_column(UTCDateTime)
    incident_place: Mapped[str] = mapped_column(String(200))
    cause: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    loss: Mapped[str] = mapped_column(Text)
    casualties: Mapped[bool] = mapped_column(Boolean)
    casualty_details: Mapped[str | None] = mapped_column(Text)
    insured_name: Mapped[str] = mapped_column(String(100))
    insured_id_number: Mapped[str | None] = mapped_column(String(18))
    contact_phone: Mapped[str] = mapped_column(String(20))
    plate_number: Mapped[str | None] = mapped_column(String(16))
    hospital: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(40))
    conversation_id: Mapped[str | None] = mapped_column(String(200))
    estimated_amount_cents: Mapped[int | None] = mapped_column(Integer)
    paid_amount_cents: Mapped[int | None] = mapped_column(Integer)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bank_account_tail: Mapped[str | None] = mapped_column(String(4))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    rejection_clause: Mapped[str | None] = mapped_column(Text)
    appeal_zh: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    policy: Mapped[Policy] = relationship(back_populates="claims", lazy="joined")
    events: Mapped[list[ClaimEvent]] = relationship(
        back_populates="claim",
        order_by="ClaimEvent.id",
        cascade="all, delete-orphan",
    )
    materials: Mapped[list[ClaimMaterial]] = relationship(
        back_populates="claim",
        order_by="ClaimMaterial.id",
        cascade="all, delete-orphan",
    )


class ClaimEvent(Base):
    """Stage history: who moved the claim, when, why, from where to where."""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    from_stage: Mapped[str | None] = mapped_column(String(30))
    to_stage: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="events")


class ClaimMaterial(Base):
    """A material a claim needs: requested (missing) or received."""

    __tablename__ = "claim_materials"
    __table_args__ = (UniqueConstraint("claim_id", "name", name="uq_claim_materials_claim_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    code: Mapped[str | None] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # "missing" | "received"
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    claim: Mapped[Claim] = relationship(back_populates="materials")


class Complaint(Base):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_no: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    conversation_id: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(50))
    report_no: Mapped[str | None] = mapped_column(String(20))
    policy_no: Mapped[str | None] = mapped_column(String(40))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """A message to the customer about a stage change; also appended to the Redis stream.

    `stream_id` stays empty while Redis is unreachable; the next publish sends the backlog.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    report_no: Mapped[str] = mapped_column(String(20), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    stage_label_zh: Mapped[str] = mapped_column(String(50))
    message_zh: Mapped[str] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(40))
    conversation_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stream_id: Mapped[str | None] = mapped_column(String(40))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyKey(Base):
    """One row per `Idempotency-Key`: the unique constraint is what stops double filing."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    response_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

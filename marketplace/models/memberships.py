"""How a person comes to belong to an existing organisation: its admin's invitation, or a request the
admin approves. (A new organisation is created by the person registering it, who becomes its admin.)"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.db import Base
from marketplace.models.accounts import User
from marketplace.models.organisations import Organisation


class Invitation(Base):
    """A single-use, expiring code an organisation admin hands to a colleague. Only the code's SHA-256 is
    stored, so the table alone lets nobody join."""

    __tablename__ = "organisation_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    organisation: Mapped[Organisation] = relationship()
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_by: Mapped[User | None] = relationship(foreign_keys=[used_by_id])
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class JoinRequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class JoinRequest(Base):
    __tablename__ = "join_requests"
    # A person waits for one organisation at a time.
    __table_args__ = (Index("uq_join_requests_pending_user", "user_id", unique=True,
                            sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    organisation: Mapped[Organisation] = relationship()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    status: Mapped[JoinRequestStatus] = mapped_column(
        Enum(JoinRequestStatus, native_enum=False, length=20, values_callable=lambda s: [v.value for v in s]),
        default=JoinRequestStatus.PENDING)
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

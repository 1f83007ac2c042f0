from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models.organisations import Organisation


class Role(enum.StrEnum):
    MEMBER = "member"
    ORGANISATION_ADMIN = "org_admin"
    PLATFORM_ADMIN = "platform_admin"


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda roles: [r.value for r in roles]),
        default=Role.MEMBER,
    )
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Part of the id kept in the session cookie: a new token (sign-out, password change) ends every
    # session signed with the old one, even a copied cookie.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token, server_default="")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_platform_admin(self) -> bool:
        return self.role is Role.PLATFORM_ADMIN

    @property
    def is_organisation_admin(self) -> bool:
        return self.role is Role.ORGANISATION_ADMIN and self.organisation_id is not None

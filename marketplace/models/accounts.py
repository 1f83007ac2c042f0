from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models.organisations import Organisation


class Role(str, enum.Enum):
    MEMBER = "member"
    ORGANISATION_ADMIN = "org_admin"
    PLATFORM_ADMIN = "platform_admin"


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

    @property
    def is_platform_admin(self) -> bool:
        return self.role is Role.PLATFORM_ADMIN

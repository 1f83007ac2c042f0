from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, String, func
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base


class OrganisationKind(enum.StrEnum):
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    VENDOR = "vendor"
    ENTERPRISE = "enterprise"
    TESTING_AGENCY = "testing_agency"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        Enum(OrganisationKind, native_enum=False, length=20, values_callable=lambda kinds: [k.value for k in kinds])
    )
    # Unified social credit code (统一社会信用代码); checksum validated before it is stored.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    region: Mapped[str | None] = mapped_column(String(100))
    verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    @property
    def province(self) -> str | None:
        return self.region.split("/")[0] if self.region else None

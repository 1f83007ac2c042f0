"""Writes a search outbox row for every posting change, inside the transaction that makes the change.

Hooked on the application's sessionmaker (app.py wires it), so no write path of the app can forget it:
if the transaction rolls back, its outbox rows vanish with it, and the indexer never sees a change that
did not happen. An organisation's change re-queues its postings only when it changed what their search
documents show of it (indexer.documents.INDEXED_OWNER_FIELDS).
"""
from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from indexer.documents import INDEXED_OWNER_FIELDS
from indexer.models import SearchChange
from marketplace.clock import utcnow
from marketplace.models import Organisation, Posting


def _change(posting_id: int, kind: str, operation: str, version: int) -> dict[str, Any]:
    now = utcnow()
    return {"posting_id": posting_id, "kind": kind, "operation": operation, "version": version,
            "created_at": now, "available_at": now}


def _indexed_fields_changed(organisation: Organisation) -> bool:
    attributes = inspect(organisation).attrs
    return any(attributes[name].history.has_changes() for name in INDEXED_OWNER_FIELDS)


def _record_changes(session: Session, _flush_context: Any) -> None:
    rows = []
    for obj in session.new:
        if isinstance(obj, Posting):
            rows.append(_change(obj.id, obj.kind, "upsert", obj.version))
    for obj in session.dirty:
        if isinstance(obj, Posting) and session.is_modified(obj, include_collections=False):
            rows.append(_change(obj.id, obj.kind, "upsert", obj.version))
        elif isinstance(obj, Organisation) and _indexed_fields_changed(obj):
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


# Sessionmakers already tracked, by identity while they live. Not event.contains(): SQLAlchemy's event
# registry is keyed by id(), so a new sessionmaker at a collected one's address looked tracked when it was not.
_tracked: weakref.WeakSet[sessionmaker[Session]] = weakref.WeakSet()


def install_change_tracking(sessions: sessionmaker[Session]) -> None:
    """Record posting changes of every session `sessions` makes (idempotent)."""
    if sessions not in _tracked:
        event.listen(sessions, "after_flush", _record_changes)
        _tracked.add(sessions)

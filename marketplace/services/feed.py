"""The harvest feed: public listings in the shared catalogue format, oldest change first, for another
platform to copy and keep current by asking for what changed since its last visit. Listings archived or
deleted since then come as tombstones, so the copy can drop them."""
from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from marketplace.models import DeletedPosting, Posting
from marketplace.services.records import to_record


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds") + "Z"


def tombstone(kind: str, ref: str, when: datetime) -> dict[str, Any]:
    return {"kind": kind, "ref": ref, "deleted": True, "updated_at": _iso(when)}


def last_modified(session: Session, kinds: Sequence[str]) -> datetime | None:
    """The time of the newest change the feed of these kinds holds (archives and deletions included)."""
    changed = union_all(
        select(func.max(Posting.updated_at).label("at")).where(Posting.kind.in_(kinds)),
        select(func.max(DeletedPosting.deleted_at).label("at")).where(DeletedPosting.kind.in_(kinds)))
    return session.scalar(select(func.max(changed.subquery().c.at)))


def entries(session: Session, kinds: Sequence[str], since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Every listing of these kinds changed at or after `since` (naive UTC), oldest first: a catalogue
    record with its `updated_at`, or a tombstone. Without `since`, the live listings only."""
    postings = select(Posting).where(Posting.kind.in_(kinds)).order_by(Posting.updated_at, Posting.id)
    if since is None:
        postings = postings.where(Posting.is_live)
    else:
        postings = postings.where(Posting.updated_at >= since)
    live = ((p.updated_at, p.id, _entry(p)) for p in session.scalars(postings.execution_options(yield_per=500)))
    if since is None:
        yield from (entry for _, _, entry in live)
        return
    deleted = select(DeletedPosting).where(DeletedPosting.kind.in_(kinds), DeletedPosting.deleted_at >= since)
    gone = ((d.deleted_at, d.posting_id, tombstone(d.kind, d.ref, d.deleted_at))
            for d in session.scalars(deleted.order_by(DeletedPosting.deleted_at, DeletedPosting.id)))
    for _, _, entry in heapq.merge(live, gone, key=lambda item: (item[0], item[1])):
        yield entry


def _entry(posting: Posting) -> dict[str, Any]:
    if not posting.is_live:
        return tombstone(posting.kind, posting.ref, posting.updated_at)
    return {**to_record(posting), "updated_at": _iso(posting.updated_at)}

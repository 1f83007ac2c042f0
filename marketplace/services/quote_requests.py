"""Asking a provider for a quote from any listing's page: about one of the asker's open needs, or a need
described there and then. A thread is one per need and listing, so asking again about the same need reuses it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.kinds import LISTING_KINDS
from marketplace.messages import Phrase
from marketplace.models import Inquiry, NeedStatus, Posting, TestNeed, User
from marketplace.services import deals, postings
from marketplace.services.access import require_organisation
from marketplace.services.errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class NewNeed:
    """The few facts a provider needs to quote, when the asker has no suitable need posted yet."""

    title: str
    sample_count: int | None = None
    sample_type: str = ""
    deadline: date | None = None


@dataclass(frozen=True)
class QuoteRequestView:
    listing: Posting
    needs: list[TestNeed]  # the asker's open needs
    threads: list[Inquiry]  # conversations the asker's organisation already has about this listing


def _listing(session: Session, actor: User, kind: str, listing_id: int) -> Posting:
    organisation_id = require_organisation(actor)
    listing = session.get(Posting, listing_id)
    if listing is None or listing.kind != kind or kind not in LISTING_KINDS:
        raise NotFound("No such listing; it may have been deleted.")
    if listing.organisation_id == organisation_id:
        raise ValidationFailed({"listing": Phrase("is your own organisation's listing")})
    return listing


def quote_request(session: Session, actor: User, kind: str, listing_id: int) -> QuoteRequestView:
    listing = _listing(session, actor, kind, listing_id)
    needs = session.scalars(select(TestNeed).where(TestNeed.organisation_id == actor.organisation_id,
                                                   TestNeed.status == NeedStatus.OPEN).order_by(TestNeed.id.desc()))
    threads = session.scalars(select(Inquiry).where(Inquiry.listing_id == listing.id,
                                                    Inquiry.requester_id == actor.organisation_id)
                              .order_by(Inquiry.id.desc()))
    return QuoteRequestView(listing, list(needs), list(threads))


def _need_record(actor: User, need: NewNeed, body: str) -> dict[str, Any]:
    """The new need's catalogue record: the message describes it, and it is in the asker's region."""
    optional = {"region": actor.organisation.region, "sample_count": need.sample_count,
                "sample_type": (need.sample_type or "").strip(),
                "deadline": need.deadline.isoformat() if need.deadline else None}
    return {"kind": "need", "title": (need.title or "").strip(), "description": (body or "").strip(),
            **{key: value for key, value in optional.items() if value not in (None, "")}}


def request_quote(session: Session, actor: User, kind: str, listing_id: int, body: str, need_id: int | None = None,
                  new_need: NewNeed | None = None) -> Inquiry:
    """Open (or add to) the thread about `need_id`, or post `new_need` first; the message asks for the quote."""
    listing = _listing(session, actor, kind, listing_id)
    deals.message_body(body)
    if need_id is None:
        if new_need is None:
            raise ValidationFailed({"need": Phrase("choose one of your needs or describe a new one")})
        record = _need_record(actor, new_need, body)
        postings.check_record(record)  # all is checked before the need is saved, so a refusal leaves nothing
        need_id = postings.create_posting(session, actor, record).id
    return deals.open_inquiry(session, actor, need_id, listing.id, body)

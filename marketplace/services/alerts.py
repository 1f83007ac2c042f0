"""Alerts for new listings: saved searches and open needs that a newly indexed listing matches.

Run by the indexer after a batch is acknowledged, so a listing is only announced once it can be found.
Bulk imports (a large outbox backlog) do not alert, to avoid flooding users with a whole catalogue.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from marketplace.kinds import posting_path
from marketplace.messages import Phrase
from marketplace.models import LISTING_KINDS, NeedStatus, Posting, SavedSearch, TestNeed, User
from marketplace.services.discovery import QUERY_ARGUMENTS, SearchParams, parse_params, search_postings
from marketplace.services.errors import ValidationFailed
from marketplace.services.matching import listing_query
from marketplace.services.notifications import notify_organisation, notify_users
from search.service import Preferences, Searcher

BULK_BACKLOG = 1000
NEEDS_PER_LISTING = 10


def save_search(session: Session, actor: User, name: str, arguments: MultiDict) -> SavedSearch:
    parse_params(arguments)  # refuse to save a search that cannot run
    name = (name or "").strip() or (arguments.get("q") or "saved search")
    if len(name) > 200:
        raise ValidationFailed({"name": Phrase("is too long (at most 200 characters)")})
    saved = SavedSearch(user_id=actor.id, name=name, arguments={
        key: values for key, values in arguments.to_dict(flat=False).items() if key in QUERY_ARGUMENTS})
    session.add(saved)
    session.commit()
    return saved


def saved_searches(session: Session, actor: User) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == actor.id).order_by(SavedSearch.id)))


def announce_new_listings(session: Session, searcher: Searcher, posting_ids: Sequence[int], backlog: int) -> int:
    """Notify owners of saved searches and of open needs that the new listings match; returns alerts sent."""
    if not posting_ids or backlog > BULK_BACKLOG:
        return 0
    new = {p.id: p for p in session.scalars(select(Posting).where(Posting.id.in_(posting_ids),
                                                                  Posting.kind.in_(LISTING_KINDS)))}
    if not new:
        return 0
    sent = 0
    for saved in session.scalars(select(SavedSearch)):
        page = search_postings(session, searcher, parse_params(MultiDict(
            [(k, v) for k, values in saved.arguments.items() for v in values] + [("limit", "50")])))
        found = [r.posting for r in page.results if r.posting.id in new]
        if found:
            user = session.get(User, saved.user_id)
            notify_users(session, [user], Phrase("New match for “%(search)s”: %(title)s", search=saved.name,
                                                 title=found[0].title), posting_path(found[0].kind, found[0].id))
            sent += 1
    for listing in new.values():
        # Keyword mode: an alert needs a shared term anyway, and it spares one embedding per listing.
        page = search_postings(session, searcher, SearchParams(text=listing_query(listing), kinds=("need",),
                                                               mode="keyword", limit=NEEDS_PER_LISTING,
                                                               preferences=Preferences()))
        for result in page.results:
            need = result.posting
            # Only needs with a keyword overlap: closeness alone is too weak a reason to interrupt someone.
            if (isinstance(need, TestNeed) and need.status is NeedStatus.OPEN and result.matched_terms
                    and need.organisation_id != listing.organisation_id):
                notify_organisation(session, need.organisation_id,
                                    Phrase("New listing for your need “%(need)s”: %(title)s", need=need.title,
                                           title=listing.title), posting_path(need.kind, need.id) + "/matches")
                sent += 1
    session.commit()
    return sent

"""Alerts for new listings: saved searches and open needs that a newly indexed listing matches.

Run by the indexer after a batch is acknowledged, so a listing is only announced once it can be found.
Bulk imports (a large outbox backlog) do not alert, to avoid flooding users with a whole catalogue.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from marketplace.kinds import posting_path
from marketplace.messages import Phrase
from marketplace.models import LISTING_KINDS, NeedStatus, Posting, SavedSearch, SentAlert, TestNeed, User
from marketplace.services.discovery import QUERY_ARGUMENTS, SearchParams, parse_params, search_postings
from marketplace.services.errors import ValidationFailed
from marketplace.services.matching import listing_query, qualified_matches
from marketplace.services.notifications import notify_organisation, notify_users
from search.service import Preferences, Searcher

BULK_BACKLOG = 1000
NEEDS_PER_LISTING = 10
# Notifications store their template: the wording alerts had before they said how well and why they
# match stays in the catalogue, so the ones already sent are still shown in the reader's language.
EARLIER_TEMPLATES = (Phrase("New match for “%(search)s”: %(title)s"),
                     Phrase("New listing for your need “%(need)s”: %(title)s"))


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
    """Notify owners of saved searches and of open needs that the new listings match well (the same
    relevance floor as leads: matching.qualified_matches), each pair once; returns alerts sent."""
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
        # A search with words alerts only on listings that share some: closeness alone is too weak.
        found = [r for r in page.results if r.posting.id in new and (r.matched_terms or not page.params.text)
                 and _first_time(session, f"search:{saved.id}:listing:{r.posting.id}")]
        if found:
            listing = found[0].posting
            notify_users(session, [session.get(User, saved.user_id)], Phrase(
                "New match for “%(search)s”: %(title)s (matched: %(terms)s)", search=saved.name,
                title=listing.title, terms=", ".join(found[0].matched_terms[:4]) or "—"),
                posting_path(listing.kind, listing.id))
            sent += 1
    for listing in new.values():
        # Candidates: needs sharing words with the listing (keyword mode spares an embedding per listing).
        page = search_postings(session, searcher, SearchParams(text=listing_query(listing), kinds=("need",),
                                                               mode="keyword", limit=NEEDS_PER_LISTING,
                                                               preferences=Preferences()))
        for result in page.results:
            need = result.posting
            if (not isinstance(need, TestNeed) or need.status is not NeedStatus.OPEN
                    or need.organisation_id == listing.organisation_id):
                continue
            match = next(iter(qualified_matches(session, searcher, need, {listing.id})), None)
            if match is None or not _first_time(session, f"need:{need.id}:listing:{listing.id}"):
                continue
            message = Phrase(
                "New listing for your need “%(need)s”: %(title)s, match %(score)d%% (no. %(rank)d of its matches; "
                "matched: %(terms)s)", need=need.title, title=listing.title, score=round(100 * match.relative_score),
                rank=match.rank, terms=", ".join(match.matched_terms[:4]))
            notify_organisation(session, need.organisation_id, message, posting_path(need.kind, need.id) + "/matches")
            sent += 1
    session.commit()
    return sent


def _first_time(session: Session, key: str) -> bool:
    """Record that the alert `key` names is being sent; False when it was already (by this or another worker)."""
    if session.scalar(select(SentAlert.id).where(SentAlert.key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(SentAlert(key=key))
    except IntegrityError:  # another worker recorded it in the meantime
        return False
    return True

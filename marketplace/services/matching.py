"""Matches for a need (ranked listings with reasons) and leads for providers (open needs they can serve)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.messages import Phrase
from marketplace.models import LISTING_KINDS, NeedStatus, Posting, TestNeed, User
from marketplace.services.access import is_member
from marketplace.services.discovery import Result, SearchParams, search_postings
from marketplace.services.postings import get_posting
from search.service import Searcher

REGION_BOOST = {"city": 0.15, "province": 0.08}
LEAD_HALF_LIFE_DAYS = 30


@dataclass
class Match:
    posting: Posting
    score: float
    reasons: list[Phrase] = field(default_factory=list)
    estimated_cost_cny: float | None = None


def need_query(need: TestNeed) -> str:
    parts = [need.title, need.sample_type or "", " ".join(need.standards or []), " ".join(need.keywords or []),
             (need.description or "")[:300]]
    return " ".join(p for p in parts if p)


def _region_fit(need: TestNeed, listing: Posting) -> str | None:
    if not need.region or not listing.region:
        return None
    if listing.region == need.region and "/" in need.region:
        return "city"
    if listing.region.split("/")[0] == need.region.split("/")[0]:
        return "province"
    return None


def estimated_cost(need: TestNeed, listing: Posting) -> float | None:
    """Cheapest per-sample fee times the sample count; per-hour fees are not comparable without a plan."""
    fees = [f["price_cny"] for f in getattr(listing, "fees", None) or [] if f.get("unit") == "sample"]
    if fees and need.sample_count:
        return min(fees) * need.sample_count
    return None


def explain(need: TestNeed, result: Result) -> Match:
    listing = result.posting
    match = Match(listing, result.score)
    if result.matched_terms:
        match.reasons.append(Phrase("matched: %(terms)s", terms=", ".join(result.matched_terms[:6])))
    similarity = getattr(result, "vector_similarity", None)
    if similarity is not None:
        match.reasons.append(Phrase("semantic closeness %(similarity).2f", similarity=similarity))
    fit = _region_fit(need, listing)
    if fit:
        match.score *= 1 + REGION_BOOST[fit]
        match.reasons.append(Phrase("same city") if fit == "city" else Phrase("same province"))
    certifications = getattr(listing, "certifications", None) or []
    if certifications:
        match.reasons.append(Phrase("certified: %(certifications)s", certifications=", ".join(certifications)))
    if need.domestic_only and getattr(listing, "origin", None) == "domestic":
        match.reasons.append(Phrase("domestic ✓"))
    match.estimated_cost_cny = estimated_cost(need, listing)
    if match.estimated_cost_cny is not None and need.budget_cny:
        cost = f"{match.estimated_cost_cny:,.0f}"
        match.reasons.append(Phrase("est. ¥%(cost)s within budget", cost=cost)
                             if match.estimated_cost_cny <= need.budget_cny
                             else Phrase("est. ¥%(cost)s over budget", cost=cost))
    return match


def matches_for_need(session: Session, searcher: Searcher, need: TestNeed, limit: int = 30) -> list[Match]:
    page = search_postings(session, searcher, SearchParams(text=need_query(need), kinds=LISTING_KINDS,
                                                           limit=min(100, limit * 2)))
    results = [r for r in page.results if r.posting.organisation_id != need.organisation_id]
    if need.domestic_only:
        # Imported instruments cannot serve a domestic-only need; transfers have no origin and stay.
        results = [r for r in results if getattr(r.posting, "origin", None) != "imported"]
    matches = [explain(need, r) for r in results]
    matches.sort(key=lambda m: m.score, reverse=True)
    return matches[:limit]


@dataclass(frozen=True)
class NeedMatches:
    need: TestNeed
    matches: list[Match]
    is_owner: bool  # may contact the providers


def need_matches(session: Session, searcher: Searcher, actor: User | None, need_id: int) -> NeedMatches:
    need = get_posting(session, need_id, "need")
    assert isinstance(need, TestNeed)
    return NeedMatches(need, matches_for_need(session, searcher, need), is_member(actor, need.organisation_id))


@dataclass
class Lead:
    need: TestNeed
    score: float
    via: Posting


def leads_for_actor(session: Session, searcher: Searcher, actor: User) -> list[Lead]:
    """The leads page: open needs matching the listings of the actor's organisation."""
    if actor.organisation_id is None:
        return []
    return leads_for_organisation(session, searcher, actor.organisation_id)


def listing_query(listing: Posting) -> str:
    extras = [getattr(listing, name, None) or "" for name in ("model", "manufacturer")]
    return " ".join([listing.title, *(listing.keywords or []), *extras])


def leads_for_organisation(session: Session, searcher: Searcher, organisation_id: int,
                           listings: Sequence[Posting] | None = None, limit: int = 30) -> list[Lead]:
    """Open needs that match any of the organisation's listings, best and newest first."""
    if listings is None:
        listings = session.scalars(select(Posting).where(Posting.organisation_id == organisation_id,
                                                         Posting.kind.in_(LISTING_KINDS), Posting.is_live)
                                   .order_by(Posting.updated_at.desc()).limit(30)).all()
    best: dict[int, Lead] = {}
    now = utcnow()
    for listing in listings:
        page = search_postings(session, searcher, SearchParams(text=listing_query(listing), kinds=("need",), limit=20))
        for result in page.results:
            need = result.posting
            if need.organisation_id == organisation_id or need.status is not NeedStatus.OPEN:
                continue
            age_days = max(0.0, (now - need.created_at).total_seconds() / 86400) if need.created_at else 0.0
            score = result.score * math.pow(0.5, age_days / LEAD_HALF_LIFE_DAYS)
            if need.id not in best or score > best[need.id].score:
                best[need.id] = Lead(need, score, listing)
    return sorted(best.values(), key=lambda lead: lead.score, reverse=True)[:limit]

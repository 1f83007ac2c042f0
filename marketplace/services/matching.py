"""Matches for a need (ranked listings with reasons) and leads for providers (open needs they can serve)."""
from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.messages import Phrase
from marketplace.models import LISTING_KINDS, NeedStatus, Posting, TestNeed, User
from marketplace.services.access import is_member
from marketplace.services.discovery import Result, SearchParams, search_postings
from marketplace.services.postings import get_visible
from marketplace.understanding import topic
from search.service import Preferences, Searcher

LEAD_HALF_LIFE_DAYS = 30
# The relevance floor of leads and alerts: a listing is worth telling someone about for a need only when
# it is among the need's own best matches, ranked as the need's matches page ranks them, and shares at
# least two telling words (or synonyms) with the need (Match.telling_terms): semantic closeness alone is
# too weak a reason to interrupt anyone, and one rare word is often a side topic (a TEM shares 颗粒 with
# a polymer's infrared analysis). A rank and a count, not a score: fused scores have no fixed scale,
# and they change with the model.
LEAD_RANK_FLOOR = 10
LEAD_MIN_TELLING_TERMS = 2
# A need's matches stop where they score under this share of its best match's (the percentage the page
# shows): further down are listings sharing one telling word with a long need and little else.
# bench.need_matches on market-tune (a tuning set; docs/perf-log.md, 2026-12-06): at 0.1, 15.8 matches a
# need instead of 27.2, labelled relevant 0.522 of them instead of 0.342, grade >= 2 listings shown 354
# instead of 367, nDCG@10 0.818 instead of 0.823; at 0.2, 10.5, 0.657, 321 and 0.802.
MATCH_SCORE_FLOOR = 0.1


@dataclass
class Match:
    posting: Posting
    score: float
    reasons: list[Phrase] = field(default_factory=list)
    estimated_cost_cny: float | None = None
    matched_terms: tuple[str, ...] = ()  # the telling ones first
    telling_terms: tuple[str, ...] = ()  # shared words rare enough to be evidence (search.service.Hit)
    rank: int = 0  # 1-based among the need's matches
    relative_score: float = 1.0  # score / the need's best match's score: what people are shown, as a percentage


def need_query(need: TestNeed) -> str:
    """The words a need's matches are searched with: what it asks to have done. Its place and the
    certifications its report must carry are weighed as preferences (need_search) instead."""
    parts = [need.title, need.sample_type or "", " ".join(need.standards or []), " ".join(need.keywords or []),
             (need.description or "")[:300]]
    return topic(" ".join(p for p in parts if p), utcnow().date())


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
    telling = tuple(result.telling_terms)
    terms = telling + tuple(term for term in result.matched_terms if term not in telling)
    match = Match(listing, result.score, matched_terms=terms, telling_terms=telling)
    if terms:
        match.reasons.append(Phrase("matched: %(terms)s", terms=", ".join(terms[:6])))
    similarity = getattr(result, "vector_similarity", None)
    if similarity is not None:
        match.reasons.append(Phrase("semantic closeness %(similarity).2f", similarity=similarity))
    fit = _region_fit(need, listing)
    if fit:  # the search already ranked it higher (Preferences.region)
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


def need_search(need: TestNeed, limit: int) -> SearchParams:
    """What a need's matches are searched with: its topic, every kind of listing, shared instruments
    preferred (a test need), then listings near it and holding the certifications it asks for; only
    listings with evidence of serving it (a telling shared word, or closeness in meaning for one in the
    other language), however few: a need's text shares common words with most listings."""
    preferences = Preferences(kinds=("instrument",), region=need.region,
                              certifications=tuple(need.certifications or ()))
    return SearchParams(text=need_query(need), kinds=LISTING_KINDS, limit=limit, preferences=preferences,
                        evidence_required=True)


def matches_for_need(session: Session, searcher: Searcher, need: TestNeed, limit: int = 30) -> list[Match]:
    page = search_postings(session, searcher, need_search(need, min(100, limit * 2)))
    results = [r for r in page.results if r.posting.organisation_id != need.organisation_id]
    if need.domestic_only:
        # Imported instruments cannot serve a domestic-only need; transfers have no origin and stay.
        results = [r for r in results if getattr(r.posting, "origin", None) != "imported"]
    best = results[0].score if results else 0.0
    matches = [explain(need, r) for r in results if r.score >= MATCH_SCORE_FLOOR * best][:limit]
    for rank, match in enumerate(matches, start=1):
        match.rank, match.relative_score = rank, match.score / best if best else 0.0
    return matches


def qualified_matches(session: Session, searcher: Searcher, need: TestNeed,
                      listing_ids: Collection[int]) -> list[Match]:
    """The need's matches among `listing_ids` that pass the relevance floor (above), best first."""
    return [m for m in matches_for_need(session, searcher, need, limit=LEAD_RANK_FLOOR)
            if m.posting.id in listing_ids and len(m.telling_terms) >= LEAD_MIN_TELLING_TERMS]


@dataclass(frozen=True)
class NeedMatches:
    need: TestNeed
    matches: list[Match]
    is_owner: bool  # may contact the providers


def need_matches(session: Session, searcher: Searcher, actor: User | None, need_id: int) -> NeedMatches:
    need = get_visible(session, actor, need_id, "need")
    assert isinstance(need, TestNeed)
    return NeedMatches(need, matches_for_need(session, searcher, need), is_member(actor, need.organisation_id))


@dataclass
class Lead:
    need: TestNeed
    score: float  # the match's relative score, lowered with the need's age
    via: Posting  # the organisation's listing that matches it best
    match: Match  # how well, and why

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
    """Open needs for which one of the organisation's listings is among the best matches (the relevance
    floor), best and newest first. Candidates are the needs each listing's words find; each is then
    ranked from the need's side, as its owner sees its matches."""
    if listings is None:
        listings = session.scalars(select(Posting).where(Posting.organisation_id == organisation_id,
                                                         Posting.kind.in_(LISTING_KINDS), Posting.is_live)
                                   .order_by(Posting.updated_at.desc()).limit(30)).all()
    candidates: dict[int, TestNeed] = {}
    for listing in listings:
        page = search_postings(session, searcher, SearchParams(text=listing_query(listing), kinds=("need",), limit=20,
                                                               preferences=Preferences()))
        for result in page.results:
            need = result.posting
            if (isinstance(need, TestNeed) and need.organisation_id != organisation_id
                    and need.status is NeedStatus.OPEN):
                candidates.setdefault(need.id, need)
    listing_ids = {listing.id for listing in listings}
    now = utcnow()
    leads = []
    for need in candidates.values():
        qualified = qualified_matches(session, searcher, need, listing_ids)
        if qualified:
            best = qualified[0]
            age_days = max(0.0, (now - need.created_at).total_seconds() / 86400) if need.created_at else 0.0
            leads.append(Lead(need, best.relative_score * math.pow(0.5, age_days / LEAD_HALF_LIFE_DAYS),
                              best.posting, best))
    return sorted(leads, key=lambda lead: lead.score, reverse=True)[:limit]

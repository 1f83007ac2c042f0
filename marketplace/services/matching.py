"""Matches for a need (ranked listings with reasons) and leads for providers (open needs they can serve)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.models import LISTING_KINDS, NeedStatus, Posting, TestNeed
from marketplace.services.discovery import Result, SearchParams, search_postings
from search.service import Searcher

REGION_BOOST = {"city": 0.15, "province": 0.08}
LEAD_HALF_LIFE_DAYS = 30


@dataclass
class Match:
    posting: Posting
    score: float
    reasons: list[str] = field(default_factory=list)
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
        match.reasons.append("matched 匹配词: " + ", ".join(result.matched_terms[:6]))
    similarity = getattr(result, "vector_similarity", None)
    if similarity is not None:
        match.reasons.append(f"semantic closeness 语义相似度 {similarity:.2f}")
    fit = _region_fit(need, listing)
    if fit:
        match.score *= 1 + REGION_BOOST[fit]
        match.reasons.append("same city 同城" if fit == "city" else "same province 同省")
    certifications = getattr(listing, "certifications", None) or []
    if certifications:
        match.reasons.append("certified 资质: " + ", ".join(certifications))
    if need.domestic_only and getattr(listing, "origin", None) == "domestic":
        match.reasons.append("domestic 国产 ✓")
    match.estimated_cost_cny = estimated_cost(need, listing)
    if match.estimated_cost_cny is not None and need.budget_cny:
        within = match.estimated_cost_cny <= need.budget_cny
        match.reasons.append(f"est. ¥{match.estimated_cost_cny:,.0f} {'within' if within else 'over'} budget "
                             f"{'在预算内' if within else '超预算'}")
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


@dataclass
class Lead:
    need: TestNeed
    score: float
    via: Posting


def listing_query(listing: Posting) -> str:
    extras = [getattr(listing, name, None) or "" for name in ("model", "manufacturer")]
    return " ".join([listing.title, *(listing.keywords or []), *extras])


def leads_for_organisation(session: Session, searcher: Searcher, organisation_id: int,
                           listings: Sequence[Posting] | None = None, limit: int = 30) -> list[Lead]:
    """Open needs that match any of the organisation's listings, best and newest first."""
    if listings is None:
        listings = session.scalars(select(Posting).where(Posting.organisation_id == organisation_id,
                                                         Posting.kind.in_(LISTING_KINDS))
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

"""/api/v1/search and /api/v1/needs/<id>/matches: the ranked side of the API."""
from __future__ import annotations

from flask import Blueprint, request

from marketplace.services import discovery, matching
from marketplace.web.api import representations as show
from marketplace.web.api import schemas
from marketplace.web.api.openapi import PUBLIC, responses, spec
from marketplace.web.context import db_session, searcher

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/search")
@spec.validate(operation_id="search", query=schemas.SearchQuery, resp=responses(HTTP_200=schemas.SearchPage),
               tags=["Search"], security=PUBLIC)
def search():
    """Search listings\n\nHybrid keyword and semantic search over the public listings, with the search page's
    filters; facets count the filtered matches. Archived listings never appear."""
    page = discovery.search_summaries(db_session(), searcher(), discovery.parse_params(request.args))
    return schemas.SearchPage(
        total=page.total, mode=page.mode,
        results=[schemas.SearchResult(id=r.posting.id, ref=r.posting.ref, kind=r.posting.kind, title=r.posting.title,
                                      score=r.score, highlights=r.highlights) for r in page.results],
        facets={name: [schemas.FacetCount(value=v, count=c) for v, c in counts]
                for name, counts in page.facets.items()},
    )


@bp.get("/needs/<int:need_id>/matches")
@spec.validate(operation_id="need_matches", resp=responses(404, HTTP_200=schemas.Matches), tags=["Search"],
               security=PUBLIC)
def need_matches(need_id: int):
    """Listings that match a need\n\nBest first, each with the reasons it matched and, where fees allow, an
    estimated cost."""
    found = matching.need_matches(db_session(), searcher(), None, need_id)
    return schemas.Matches(need=show.summary(found.need), matches=[
        schemas.Match(listing=show.summary(m.posting), score=m.score, reasons=[str(r) for r in m.reasons],
                      estimated_cost_cny=m.estimated_cost_cny) for m in found.matches])

from flask import Blueprint, jsonify, request

from marketplace.services import discovery
from marketplace.services.errors import SearchUnavailable
from marketplace.web.context import db_session, searcher

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/search")
def search():
    params = discovery.parse_params(request.args)
    page = discovery.search_summaries(db_session(), searcher(), params)
    if page.search_unavailable:  # programs retry; the pages show the database's simple matches instead
        raise SearchUnavailable("Search is temporarily unavailable; try again in a minute.")
    return jsonify({
        "total": page.total,
        "mode": page.mode,
        "results": [
            {"ref": r.posting.ref, "kind": r.posting.kind, "title": r.posting.title, "score": r.score,
             "highlights": r.highlights, "id": r.posting.id}
            for r in page.results
        ],
        "facets": {name: [{"value": v, "count": c} for v, c in counts] for name, counts in page.facets.items()},
    })

from flask import Blueprint, jsonify, request

from marketplace.services import discovery
from marketplace.web.context import db_session, searcher

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/search")
def search():
    params = discovery.parse_params(request.args)
    page = discovery.search_summaries(db_session(), searcher(), params)
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

from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from marketplace.services import health
from marketplace.services.postings import count_by_kind
from marketplace.web.context import db_session, searcher

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    return render_template("home.html", counts=count_by_kind(db_session()), user=current_user)


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 when the database, the search backend and the embedding model are ready,
    else 503; the JSON says which part is not."""
    ready, checks = health.check(db_session(), searcher())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503

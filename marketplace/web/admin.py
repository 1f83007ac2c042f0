from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from marketplace.services.errors import Forbidden

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _platform_admins_only():
    if not current_user.is_platform_admin:
        raise Forbidden("Only platform administrators can see this page.")


@bp.get("/indexer")
def indexer_status():
    status = current_app.extensions["sync_status"]()
    try:
        indexed = current_app.extensions["search"].searcher.backend.count()
    except Exception as error:  # the page must still show the outbox when the backend is down
        indexed = f"unavailable ({type(error).__name__})"
    return render_template("admin/indexer.html", status=status, indexed=indexed)

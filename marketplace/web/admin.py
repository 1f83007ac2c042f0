from flask import Blueprint, render_template
from flask_login import current_user, login_required

from marketplace.services.access import require_platform_admin
from marketplace.services.search_sync import index_status
from marketplace.web.context import db_session, searcher

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _platform_admins_only():
    require_platform_admin(current_user)


@bp.get("/indexer")
def indexer_status():
    return render_template("admin/indexer.html", index=index_status(db_session(), searcher()))

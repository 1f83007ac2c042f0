from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from marketplace.services.access import require_platform_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _platform_admins_only():
    require_platform_admin(current_user)


@bp.get("/indexer")
def indexer_status():
    # The indexer's status reader, wired in app.py: marketplace does not import the indexer.
    return render_template("admin/indexer.html", index=current_app.extensions["index_status"]())

from flask import Blueprint, current_app, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.kinds import posting_path
from marketplace.services import postings
from marketplace.services.access import require_platform_admin
from marketplace.web.context import db_session

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _platform_admins_only():
    require_platform_admin(current_user)


@bp.get("/indexer")
def indexer_status():
    # The indexer's status reader, wired in app.py: marketplace does not import the indexer.
    return render_template("admin/indexer.html", index=current_app.extensions["index_status"]())


@bp.post("/postings/<int:posting_id>/<any(hide, show):action>")
def visibility(posting_id: int, action: str):
    posting = postings.set_hidden(db_session(), current_user, posting_id, hidden=action == "hide")
    flash(_("Hidden: only its owners and platform administrators see it.") if action == "hide"
          else _("Shown again to everyone."))
    return redirect(posting_path(posting.kind, posting.id))

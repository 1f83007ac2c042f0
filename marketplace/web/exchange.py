"""Data exchange on the site: an organisation uploads its uniquip equipment feed, or downloads its
instruments as one."""
from __future__ import annotations

import io

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from marketplace.services import uniquip
from marketplace.services.access import require_organisation
from marketplace.web.context import db_session
from marketplace.web.forms import UniquipUploadForm

bp = Blueprint("exchange", __name__, url_prefix="/exchange")


@bp.before_request
@login_required
def _signed_in_only():
    return None


@bp.route("/uniquip", methods=["GET", "POST"], endpoint="uniquip")
def uniquip_page():
    form = UniquipUploadForm()
    imported = None
    if form.validate_on_submit():
        imported = uniquip.import_for_organisation(db_session(), current_user, form.file.data.read())
    status = 422 if form.errors or (imported and imported.report.errors) else 200
    return render_template("exchange/uniquip.html", form=form, imported=imported), status


@bp.get("/uniquip.csv")
def uniquip_export():
    stream = io.StringIO()
    uniquip.export_uniquip(db_session(), stream, require_organisation(current_user))
    return Response(stream.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="equipment-uniquip.csv"'})

"""Per-role dashboards, need matches, provider leads, saved searches and notifications."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.services import alerts, matching, notifications
from marketplace.services.dashboard import dashboard
from marketplace.web.context import db_session, render_page, searcher
from marketplace.web.forms import MessageForm

bp = Blueprint("dashboard", __name__)


@bp.get("/needs/<int:need_id>/matches")
def need_matches(need_id: int):
    """Ranked listings of all three kinds for one need, each with the reasons it matched."""
    found = matching.need_matches(db_session(), searcher(), current_user, need_id)
    return render_page("dashboard/matches.html", "dashboard/_matches.html", need=found.need, matches=found.matches,
                       is_owner=found.is_owner, message_form=MessageForm())


@bp.get("/dashboard")
@login_required
def index():
    return render_template("dashboard/index.html", board=dashboard(db_session(), searcher(), current_user))


@bp.get("/leads")
@login_required
def leads():
    found = matching.leads_for_actor(db_session(), searcher(), current_user)
    return render_template("dashboard/leads.html", leads=found)


@bp.post("/saved-searches")
@login_required
def save_search():
    arguments = request.form.copy()
    arguments.pop("csrf_token", None)
    name = arguments.pop("name", "")
    alerts.save_search(db_session(), current_user, name, arguments)
    flash(_("Saved: you will be notified of new matches."))
    return redirect(url_for("dashboard.index"))


@bp.post("/notifications/read")
@login_required
def read_notifications():
    notifications.mark_all_read(db_session(), current_user)
    return redirect(url_for("dashboard.index"))

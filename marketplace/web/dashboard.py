"""Per-role dashboards, need matches, provider leads, saved searches and notifications."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.models import LISTING_KINDS, OrganisationKind, Posting, TestNeed
from marketplace.services import alerts, bookings, deals, matching, notifications
from marketplace.services.postings import get_posting
from marketplace.web.context import db_session, render_page, searcher
from marketplace.web.forms import MessageForm

bp = Blueprint("dashboard", __name__)

PROVIDER_KINDS = {OrganisationKind.VENDOR, OrganisationKind.UNIVERSITY, OrganisationKind.INSTITUTE,
                  OrganisationKind.TESTING_AGENCY}


@bp.get("/needs/<int:need_id>/matches")
def need_matches(need_id: int):
    """Ranked listings of all three kinds for one need, each with the reasons it matched."""
    session = db_session()
    need = get_posting(session, need_id, "need")
    matches = matching.matches_for_need(session, searcher(), need)
    is_owner = current_user.is_authenticated and current_user.organisation_id == need.organisation_id
    return render_page("dashboard/matches.html", "dashboard/_matches.html", need=need, matches=matches,
                       is_owner=is_owner, message_form=MessageForm())


@bp.get("/dashboard")
@login_required
def index():
    session = db_session()
    organisation = current_user.organisation
    own = []
    if organisation is not None:
        own = session.scalars(select(Posting).where(Posting.organisation_id == organisation.id)
                              .order_by(Posting.updated_at.desc()).limit(100)).all()
    my_needs = [p for p in own if isinstance(p, TestNeed)]
    my_listings = [p for p in own if p.kind in LISTING_KINDS]
    leads = []
    if organisation is not None and organisation.kind in PROVIDER_KINDS and my_listings:
        leads = matching.leads_for_organisation(session, searcher(), organisation.id, my_listings[:10], limit=15)
    return render_template(
        "dashboard/index.html", organisation=organisation, my_needs=my_needs, my_listings=my_listings, leads=leads,
        inquiries=deals.inquiries_for(session, current_user) if organisation else [],
        requested=bookings.bookings_of_requester(session, current_user) if organisation else [],
        received=bookings.bookings_for_owner(session, current_user) if organisation else [],
        notifications=notifications.unread(session, current_user),
        saved=alerts.saved_searches(session, current_user))


@bp.get("/leads")
@login_required
def leads():
    organisation_id = current_user.organisation_id
    found = matching.leads_for_organisation(db_session(), searcher(), organisation_id) if organisation_id else []
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

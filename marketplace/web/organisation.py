"""The organisation page: members, invitations and join requests for administrators; for someone without
an organisation, the state of their request, or ways to join one or register a new one."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.services import memberships
from marketplace.services.errors import ValidationFailed
from marketplace.web.context import db_session
from marketplace.web.i18n import attach_errors
from marketplace.web.membership_forms import InvitationForm, JoinRequestForm, OrganisationForm

bp = Blueprint("organisation", __name__)


def _page(status: int = 200, new_code: str | None = None, **forms):
    session, user = db_session(), current_user
    forms = {"invitation_form": InvitationForm(), "join_form": JoinRequestForm(),
             "organisation_form": OrganisationForm(), **forms}
    return render_template(
        "organisation/index.html", organisation=user.organisation, members=memberships.members(session, user),
        invitations=memberships.open_invitations(session, user) if user.is_organisation_admin else [],
        requests=memberships.requests_to_decide(session, user), pending=memberships.pending_request(session, user),
        new_code=new_code, **forms), status


@bp.get("/organisation")
@login_required
def index():
    return _page()


@bp.post("/organisation/invitations")
@login_required
def invite():
    _, code = memberships.create_invitation(db_session(), current_user)
    return _page(201, new_code=code)  # shown once: only its digest is stored


@bp.post("/organisation/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(invitation_id: int):
    memberships.revoke_invitation(db_session(), current_user, invitation_id)
    return redirect(url_for(".index"))


@bp.post("/organisation/requests/<int:request_id>/<any(approve, decline):action>")
@login_required
def decide(request_id: int, action: str):
    memberships.decide_request(db_session(), current_user, request_id, action == "approve")
    return redirect(url_for(".index"))


@bp.post("/organisation/members/<int:user_id>/remove")
@login_required
def remove_member(user_id: int):
    memberships.remove_member(db_session(), current_user, user_id)
    return redirect(url_for(".index"))


def _submit(form, form_name: str, act):
    """Run `act` with a valid form and go back to the page; else the page again, errors on that form."""
    if form.validate_on_submit():
        try:
            act(form)
        except ValidationFailed as failure:
            attach_errors(form, failure.errors)
        else:
            return redirect(url_for(".index"))
    return _page(422, **{form_name: form})


def _join(form: InvitationForm) -> None:
    organisation = memberships.join_by_invitation(db_session(), current_user, form.code.data)
    flash(_("Welcome to %(organisation)s!", organisation=organisation.name))


@bp.post("/organisation/join")
@login_required
def join():
    return _submit(InvitationForm(), "invitation_form", _join)


@bp.post("/organisation/request")
@login_required
def ask():
    return _submit(JoinRequestForm(), "join_form", lambda form: memberships.ask_to_join(
        db_session(), current_user, form.organisation_name.data or "", form.credit_code.data, form.message.data))


@bp.post("/organisation/request/cancel")
@login_required
def cancel():
    memberships.cancel_request(db_session(), current_user)
    return redirect(url_for(".index"))


@bp.post("/organisation/new")
@login_required
def create():
    return _submit(OrganisationForm(), "organisation_form", lambda form: memberships.create_organisation_for(
        db_session(), current_user, form.organisation_name.data or "", form.organisation_kind.data,
        form.credit_code.data or None, form.region.data or None))


@bp.get("/join/<code>")
def invitation_link(code: str):
    """An invitation link: a signed-in person confirms joining; anyone else registers with the code."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.register", invitation=code))
    invitation = memberships.invitation_for_code(db_session(), code)
    return render_template("organisation/join.html", invitation=invitation, form=InvitationForm(code=code))

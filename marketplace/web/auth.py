from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.services import accounts, memberships
from marketplace.services.errors import ValidationFailed
from marketplace.web.context import db_session, passwords
from marketplace.web.forms import LoginForm, PasswordForm, RegisterForm
from marketplace.web.i18n import attach_errors
from marketplace.web.urls import next_or_home

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db_session(), passwords(), form.email.data, form.password.data)
        if user:
            login_user(user)
            return redirect(next_or_home(request.args.get("next")))
        form.password.errors.append(_("E-mail or password is wrong."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if request.method == "GET" and request.args.get("invitation"):
        form.invitation.data = request.args["invitation"]
    invitation = memberships.invitation_for_code(db_session(), form.invitation.data) if form.invitation.data else None
    if form.validate_on_submit():
        try:
            user = accounts.register(
                db_session(), passwords(), email=form.email.data, password=form.password.data,
                display_name=form.display_name.data, organisation_name=form.organisation_name.data or "",
                organisation_kind=form.organisation_kind.data or "", credit_code=form.credit_code.data or None,
                region=form.region.data or None, invitation=form.invitation.data or None)
        except ValidationFailed as failure:
            attach_errors(form, failure.errors)
        else:
            login_user(user)
            if user.organisation_id is None:
                flash(_("Welcome! Your request to join waits for an administrator's answer; meanwhile you can "
                        "search and browse."))
                return redirect(url_for("organisation.index"))
            flash(_("Welcome to Yiqi Match!"))
            return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form, invitation=invitation), status


@bp.post("/logout")
@login_required
def logout():
    user = current_user._get_current_object()
    logout_user()
    accounts.end_sessions(db_session(), user)  # a copy of the cookie must not outlive the sign-out
    return redirect(url_for("home.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db_session(), passwords(), current_user, form.current_password.data,
                                     form.new_password.data)
        except ValidationFailed as failure:
            attach_errors(form, failure.errors)
        else:
            login_user(current_user._get_current_object())  # this session goes on with the new token
            flash(_("Password changed. You were signed out everywhere else."))
            return redirect(url_for("dashboard.index"))
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status

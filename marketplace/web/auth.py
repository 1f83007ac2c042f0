from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from marketplace.services import accounts
from marketplace.services.errors import ValidationFailed
from marketplace.web.context import db_session, passwords
from marketplace.web.forms import LoginForm, RegisterForm
from marketplace.web.i18n import localise_errors

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: never redirect a signed-in user to another site.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db_session(), passwords(), form.email.data, form.password.data)
        if user:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("E-mail or password is wrong."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(
                db_session(), passwords(), email=form.email.data, password=form.password.data,
                display_name=form.display_name.data, organisation_name=form.organisation_name.data,
                organisation_kind=form.organisation_kind.data, credit_code=form.credit_code.data or None,
                region=form.region.data or None)
        except ValidationFailed as failure:
            for field, message in localise_errors(failure.errors).items():
                getattr(form, field, form.email).errors.append(message)
        else:
            login_user(user)
            flash(_("Welcome to Yiqi Match!"))
            return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("home.index"))

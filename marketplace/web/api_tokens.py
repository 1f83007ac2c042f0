"""The organisation's API tokens: create (the secret is shown once), list and revoke."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.services import api_tokens
from marketplace.services.errors import ValidationFailed
from marketplace.web.context import db_session
from marketplace.web.forms import ApiTokenForm
from marketplace.web.i18n import localise_errors

bp = Blueprint("api_tokens", __name__, url_prefix="/api-tokens")


@bp.before_request
@login_required
def _signed_in_only():
    return None


def _page(form: ApiTokenForm, issued: api_tokens.IssuedToken | None = None, status: int = 200):
    tokens = api_tokens.tokens_of(db_session(), current_user)
    return render_template("api_tokens/index.html", tokens=tokens, form=form, issued=issued), status


@bp.get("/")
def index():
    return _page(ApiTokenForm())


@bp.post("/")
def create():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        issued = api_tokens.create_token(db_session(), current_user, form.name.data, form.scope.data)
    except ValidationFailed as failure:
        form.form_errors.extend(f"{k}: {v}" for k, v in localise_errors(failure.errors).items())
        return _page(form, status=422)
    # Rendered, not redirected: the secret must not travel through the session or a URL.
    return _page(ApiTokenForm(formdata=None), issued, status=201)


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int):
    token = api_tokens.revoke_token(db_session(), current_user, token_id)
    flash(_("Token “%(name)s” revoked: requests with it are now refused.", name=token.name))
    return redirect(url_for(".index"))

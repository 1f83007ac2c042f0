"""Create, edit, list and view pages for the three listing kinds and for test needs."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import kinds
from marketplace.services import postings as service
from marketplace.services.errors import PreconditionFailed, ValidationFailed
from marketplace.services.records import to_record
from marketplace.web.context import db_session, render_page
from marketplace.web.forms import FORM_BY_KIND, PostingForm
from marketplace.web.i18n import localise, localise_errors

bp = Blueprint("postings", __name__)


def _kind(slug: str) -> str:
    kind = kinds.by_slug(slug)
    if kind is None:
        abort(404)
    return kind.name


def _attach_errors(form: PostingForm, errors: dict[str, str]) -> None:
    for key, message in localise_errors(errors).items():
        field = form.input_for(key)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(f"{key}: {message}")


def _form_page(form: PostingForm, kind: str, posting=None, status: int = 200):
    return render_page("postings/form.html", "postings/_form.html", form=form, kind=kind,
                       slug=kinds.KINDS[kind].slug, posting=posting), status


@bp.get("/<slug>/")
def list_postings(slug: str):
    kind = _kind(slug)
    mine = request.args.get("mine") == "1" and current_user.is_authenticated
    page = service.list_postings(db_session(), kind, page=request.args.get("page", 1, type=int),
                                 organisation_id=current_user.organisation_id if mine else None)
    return render_page("postings/list.html", "postings/_rows.html", page=page, kind=kind, slug=slug, mine=mine)


@bp.get("/<slug>/<int:posting_id>")
def show(slug: str, posting_id: int):
    view = service.posting_view(db_session(), current_user, posting_id, _kind(slug))
    return render_template("postings/show.html", view=view, posting=view.posting, slug=slug)


@bp.route("/<slug>/new", methods=["GET", "POST"])
@login_required
def create(slug: str):
    kind = _kind(slug)
    form = FORM_BY_KIND[kind]()
    if form.validate_on_submit():
        try:
            posting = service.create_posting(db_session(), current_user, form.to_record())
        except ValidationFailed as failure:
            _attach_errors(form, failure.errors)
        else:
            flash(_("Saved."))
            return redirect(url_for(".show", slug=slug, posting_id=posting.id))
    return _form_page(form, kind, status=422 if form.errors or form.form_errors else 200)


@bp.route("/<slug>/<int:posting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, posting_id: int):
    kind = _kind(slug)
    posting = service.get_for_edit(db_session(), current_user, posting_id, kind)
    form = FORM_BY_KIND[kind]()
    if request.method == "GET":
        form.load(to_record(posting), posting.version)
    elif form.validate_on_submit():
        try:
            service.update_posting(db_session(), current_user, posting_id, form.to_record(), form.expected_version)
        except ValidationFailed as failure:
            _attach_errors(form, failure.errors)
        except PreconditionFailed as failure:  # keep what they typed, so they can compare and save again
            form.form_errors.append(localise(failure.message))
            form.version.data = str(posting.version)
            return _form_page(form, kind, posting, status=409)
        else:
            flash(_("Saved."))
            return redirect(url_for(".show", slug=slug, posting_id=posting_id))
    return _form_page(form, kind, posting, status=422 if form.errors or form.form_errors else 200)


@bp.post("/<slug>/validate")
def validate(slug: str):
    """Inline validation: the form re-rendered with its errors; htmx picks the field it needs."""
    kind = _kind(slug)
    form = FORM_BY_KIND[kind]()
    if form.validate():
        try:
            service.check_record(form.to_record())
        except ValidationFailed as failure:
            _attach_errors(form, failure.errors)
    return render_template("postings/_form.html", form=form, kind=kind, slug=slug, posting=None)


@bp.post("/<slug>/<int:posting_id>/delete")
@login_required
def delete(slug: str, posting_id: int):
    _kind(slug)
    removal = service.remove_posting(db_session(), current_user, posting_id)
    if removal is service.Removal.ARCHIVED:
        flash(_("Archived: others have inquiries, orders or bookings on it, so it stays readable for them "
                "but leaves lists and search."))
    else:
        flash(_("Deleted."))
    return redirect(url_for(".list_postings", slug=slug, mine=1))

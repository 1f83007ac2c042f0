"""Pages for what the policies ask: domestic alternatives, sharing reports, subsidy policies."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import ServiceUnavailable

from marketplace.messages import Phrase
from marketplace.models import SharedInstrument
from marketplace.services import alternatives, sharing, vouchers
from marketplace.services.errors import Forbidden, ValidationFailed
from marketplace.web.context import db_session, searcher
from marketplace.web.forms import SubsidyPolicyForm, UsageForm, parse_specs
from marketplace.web.rate_limits import one_at_a_time

bp = Blueprint("policy", __name__)
COMPARISON_ARGUMENTS = ("imported", "specs")  # all a comparison's links carry over


def _comparison():
    text = request.args.get("imported", "")
    try:
        specs = parse_specs(request.args.get("specs", ""))
    except Exception as error:  # WTForms' ValidationError carries the line that is wrong
        raise ValidationFailed({"specs": str(error)}) from None
    return alternatives.find_alternatives(db_session(), searcher(), text, specs)


@bp.get("/alternatives")
def alternatives_page():
    """Find domestic products that replace an imported instrument, specs side by side."""
    comparison = _comparison() if request.args.get("imported") else None
    return render_template("policy/alternatives.html", comparison=comparison, args=request.args)


@bp.get("/alternatives/comparison.pdf")
def alternatives_pdf():
    from weasyprint import HTML  # heavy; only loaded when a PDF is asked for

    html = render_template("policy/comparison_print.html", comparison=_comparison(), today=date.today())
    with one_at_a_time("comparison-pdf") as mine:
        if not mine:  # about 2 s of CPU: one render per host at a time keeps the other workers for searches
            raise ServiceUnavailable(Phrase("Another comparison PDF is being made; try again in a few seconds."),
                                     retry_after=5)
        pdf = HTML(string=html, base_url=request.host_url).write_pdf()
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": "attachment; filename=domestic-alternatives.pdf"})


@bp.get("/alternatives/comparison")
def alternatives_print():
    return render_template("policy/comparison_print.html", comparison=_comparison(), today=date.today())


def _organisation_id() -> int:
    if current_user.organisation_id is None:
        raise Forbidden("Sharing reports belong to an organisation; join one first.")
    return current_user.organisation_id


def _usage_form() -> UsageForm:
    form = UsageForm()
    form.instrument_id.choices = [(i.id, i.title) for i in db_session().scalars(
        select(SharedInstrument).where(SharedInstrument.organisation_id == current_user.organisation_id))]
    return form


@bp.route("/sharing", methods=["GET", "POST"])
@login_required
def sharing_report():
    organisation_id = _organisation_id()
    year = request.args.get("year", date.today().year, type=int)
    if not 2000 <= year <= 2100:
        abort(400, description="year must be between 2000 and 2100")
    form = _usage_form()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            sharing.record_manual_use(db_session(), current_user, form.instrument_id.data, form.used_on.data,
                                      float(form.hours.data or 0), form.samples.data or 0, form.external.data,
                                      float(form.income_cny.data or 0), form.note.data)
            return redirect(url_for(".sharing_report", year=form.used_on.data.year))
        status = 422
    rows = sharing.yearly_report(db_session(), organisation_id, year)
    if request.args.get("format") == "csv":
        return Response(sharing.report_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=sharing-{year}.csv"})
    return render_template("policy/sharing.html", rows=rows, totals=sharing.report_totals(rows), year=year,
                           form=form), status


@bp.route("/admin/subsidies", methods=["GET", "POST"])
@login_required
def subsidies():
    if not current_user.is_platform_admin:
        raise Forbidden("Only platform administrators manage subsidy policies.")
    form = SubsidyPolicyForm()
    status = 200
    if form.validate_on_submit():
        vouchers.create_policy(db_session(), form.name.data, float(form.rate.data),
                               float(form.cap_cny.data) if form.cap_cny.data is not None else None,
                               form.organisation_kinds.data, form.listing_kinds.data, form.region.data or "")
        return redirect(url_for(".subsidies"))
    if request.method == "POST":
        status = 422
    return render_template("policy/subsidies.html", form=form, policies=vouchers.active_policies(db_session())), status

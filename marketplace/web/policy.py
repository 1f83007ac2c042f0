"""Pages for what the policies ask: domestic alternatives, sharing reports, subsidy policies."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import ServiceUnavailable

from marketplace import taxonomy
from marketplace.clock import lab_today
from marketplace.messages import Phrase
from marketplace.services import alternatives, sharing, vouchers
from marketplace.services.access import require_platform_admin
from marketplace.services.errors import ValidationFailed
from marketplace.web.context import db_session, searcher
from marketplace.web.forms import SubsidyPolicyForm, UsageForm
from marketplace.web.i18n import attach_errors
from marketplace.web.rate_limits import one_at_a_time

bp = Blueprint("policy", __name__)
COMPARISON_ARGUMENTS = ("imported", "specs", "category")  # all a comparison's links carry over
FIRST_YEAR_LISTED = 2015  # the year filter's oldest choice; other years are reached with ?year=


def _comparison():
    return alternatives.find_alternatives(db_session(), searcher(), request.args.get("imported", ""),
                                          request.args.get("specs", ""),
                                          instrument_class=request.args.get("category") or None)


@bp.get("/alternatives")
def alternatives_page():
    """Find domestic products that replace an imported instrument, specs side by side."""
    comparison = _comparison() if request.args.get("imported") else None
    return render_template("policy/alternatives.html", comparison=comparison, args=request.args,
                           categories=taxonomy.categories())


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


EXPORTS = {"csv": ("text/csv; charset=utf-8", sharing.report_csv),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", sharing.report_xlsx)}


@bp.route("/sharing", methods=["GET", "POST"])
@login_required
def sharing_report():
    """The yearly sharing report (filtered by year, and by organisation for platform administrators), its
    CSV and Excel exports, and recording use by hand."""
    year = request.args.get("year", lab_today().year, type=int)
    report = sharing.sharing_report(db_session(), current_user, year, request.args.get("organisation", type=int))
    if request.args.get("format") in EXPORTS:
        mimetype, export = EXPORTS[request.args["format"]]
        return Response(export(report), mimetype=mimetype, headers={
            "Content-Disposition": f"attachment; filename=sharing-{year}.{request.args['format']}"})
    form = UsageForm()
    form.instrument_id.choices = report.instruments
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                sharing.record_manual_use(db_session(), current_user, form.instrument_id.data, form.used_on.data,
                                          float(form.hours.data or 0), form.samples.data or 0, form.external.data,
                                          float(form.income_cny.data or 0), form.note.data, form.user_name.data)
            except ValidationFailed as failure:
                attach_errors(form, failure.errors)
            else:
                flash(_("Use recorded."))
                return redirect(url_for(".sharing_report", year=form.used_on.data.year))
    return render_template("policy/sharing.html", report=report, form=form,
                           years=range(lab_today().year, FIRST_YEAR_LISTED - 1, -1)), status


@bp.route("/admin/subsidies", methods=["GET", "POST"])
@login_required
def subsidies():
    require_platform_admin(current_user)
    form = SubsidyPolicyForm()
    status = 200
    if form.validate_on_submit():
        vouchers.create_policy(db_session(), current_user, form.name.data, float(form.rate.data),
                               float(form.cap_cny.data) if form.cap_cny.data is not None else None,
                               form.organisation_kinds.data, form.listing_kinds.data, form.region.data or "")
        return redirect(url_for(".subsidies"))
    if request.method == "POST":
        status = 422
    return render_template("policy/subsidies.html", form=form, policies=vouchers.active_policies(db_session())), status

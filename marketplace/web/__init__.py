"""The web layer: thin blueprints over the services, htmx fragments, the JSON API."""
from __future__ import annotations

from flask import Flask, make_response, render_template
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from marketplace import kinds
from marketplace.messages import Phrase
from marketplace.models import User
from marketplace.services import accounts, discovery
from marketplace.services.errors import ServiceError
from marketplace.web import (
    admin,
    api_tokens,
    auth,
    bookings,
    dashboard,
    deals,
    exchange,
    home,
    organisation,
    policy,
    postings,
    search,
)
from marketplace.web.api import init_api
from marketplace.web.api.problems import is_api_request, problem
from marketplace.web.context import db_session
from marketplace.web.i18n import init_i18n, localise, localise_errors
from marketplace.web.rate_limits import init_rate_limits
from marketplace.web.security import init_security
from marketplace.web.urls import url_with_arguments

login_manager = LoginManager()
login_manager.login_view = "auth.login"
csrf = CSRFProtect()
htmx = HTMX()


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    return accounts.user_for_session(db_session(), session_id)


MESSAGES = {
    404: Phrase("Page not found."),
    405: Phrase("This address does not accept that kind of request."),
    413: Phrase("The upload is too large."),
    429: Phrase("Too many attempts in a short time. Wait a few minutes, then try again."),
}


def _error_response(status: int, message: str, errors: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None):
    """Problem details for the API, in English (a stable contract for programs); a page in the reader's language."""
    if is_api_request():
        return problem(status, message, errors, headers)
    text = "; ".join(f"{field}: {m}" for field, m in localise_errors(errors).items()) if errors else localise(message)
    return render_template("error.html", status=status, message=text), status


def init_web(app: Flask) -> None:
    init_security(app)
    init_i18n(app)
    app.jinja_env.globals.update(posting_kinds=kinds.KINDS, posting_path=kinds.posting_path,
                                 listing_kinds=[kinds.KINDS[name] for name in kinds.LISTING_KINDS])
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)

    for blueprint in (home.bp, auth.bp, postings.bp, search.bp, admin.bp, deals.bp, bookings.bp,
                      dashboard.bp, policy.bp, organisation.bp, api_tokens.bp, exchange.bp):
        app.register_blueprint(blueprint)
    init_api(app, csrf)
    init_rate_limits(app)
    app.jinja_env.globals.update(url_with_arguments=url_with_arguments, search_arguments=discovery.QUERY_ARGUMENTS,
                                 comparison_arguments=policy.COMPARISON_ARGUMENTS)

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        return _error_response(error.status, error.message, getattr(error, "errors", None),
                               getattr(error, "headers", None))

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return _error_response(400,
                               Phrase("The form expired or was not sent from this site; "
                                      "reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        response = make_response(_error_response(error.code or 500, MESSAGES.get(error.code, error.description)))
        if retry_after := dict(error.get_headers()).get("Retry-After"):  # 429 and 503 say when to come back
            response.headers["Retry-After"] = retry_after
        return response

    @app.after_request
    def _vary_on_htmx(response):
        # One URL serves a full page or a fragment, so caches must key on the HX-Request header.
        response.vary.add("HX-Request")
        return response

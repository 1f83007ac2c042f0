"""Chinese and English interface with Flask-Babel: the user's choice, else the browser's, else Chinese."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, redirect, request, session
from flask_babel import Babel, LazyString, get_locale, gettext
from flask_babel import lazy_gettext as _l

from marketplace import taxonomy
from marketplace.messages import translate
from marketplace.web.urls import next_or_home

LANGUAGES = {"zh": "中文", "en": "English"}
# The states of quotes, orders and bookings as people read them (the `status` template filter).
STATUS_LABELS = {"requested": _l("requested"), "approved": _l("approved"), "declined": _l("declined"),
                 "cancelled": _l("cancelled"), "completed": _l("completed"), "offered": _l("offered"),
                 "withdrawn": _l("withdrawn"), "accepted": _l("accepted"), "expired": _l("expired"),
                 "in_progress": _l("in progress"),
                 "open": _l("open"), "closed": _l("closed")}

bp = Blueprint("i18n", __name__)
babel = Babel()


def select_locale() -> str:
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.get("/language/<code>")
def switch(code: str):
    if code not in LANGUAGES:
        abort(404)
    session["language"] = code
    return redirect(next_or_home(request.args.get("next")))


def localise(message: str) -> str:
    """A service's message (a `Phrase`) in the reader's language."""
    return translate(message, gettext)


def lazy_localise(message: str) -> LazyString:
    """Translated when shown, for labels built once at import (form fields)."""
    return LazyString(localise, message)


def status_label(value: str) -> str:
    return str(STATUS_LABELS[value]) if value in STATUS_LABELS else gettext(value)


def category_name(path: str) -> str:
    """A category's own name (the path's last segment) in the reader's language."""
    if str(get_locale()) == "zh":
        return path.rsplit("/", 1)[-1]
    return taxonomy.category_names_en().get(path, path.rsplit("/", 1)[-1])


def localise_errors(errors: dict[str, str]) -> dict[str, str]:
    return {field: localise(message) for field, message in errors.items()}


def attach_errors(form, errors: dict[str, str]) -> None:
    """A service's field errors shown on the form's fields of those names (else above the form)."""
    for field, message in localise_errors(errors).items():
        (form[field].errors if field in form else form.form_errors).append(message)


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(languages=LANGUAGES, current_language=lambda: str(get_locale()))
    app.jinja_env.filters["status"] = status_label
    app.jinja_env.filters["localise"] = localise
    app.jinja_env.filters["category_name"] = category_name

"""Chinese and English interface with Flask-Babel: the user's choice, else the browser's, else Chinese."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from flask_babel import Babel, get_locale

LANGUAGES = {"zh": "中文", "en": "English"}

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
    target = request.args.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("home.index"))


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(languages=LANGUAGES, current_language=lambda: str(get_locale()))

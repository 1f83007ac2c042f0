"""Request-scoped access to the app's database session and search, for thin views."""
from __future__ import annotations

from flask import current_app, render_template, request
from sqlalchemy.orm import Session

from marketplace.passwords import PasswordHasher


def db_session() -> Session:
    return current_app.extensions["database"].session


def stream_session() -> Session:
    """A session of its own for a streamed response, which outlives the request and its session: the
    stream closes it when it ends or the client goes away."""
    return current_app.extensions["database"].new_session()


def passwords() -> PasswordHasher:
    return current_app.extensions["passwords"]


def searcher():
    return current_app.extensions["search"].searcher


def render_page(full_template: str, fragment_template: str, **context) -> str:
    """Render the fragment alone for htmx requests and the whole page otherwise."""
    return render_template(fragment_template if is_fragment_request() else full_template, **context)


def is_fragment_request() -> bool:
    """htmx asks for a fragment, except on history restore, which needs the full page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"

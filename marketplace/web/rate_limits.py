"""Rate limits on what an attacker repeats: password guesses, sign-ups, the costly comparison PDF, and
the REST API's requests.

Flask-Limiter counts in the application's database (`marketplace.rate_limit_storage`), so every gunicorn
worker and every host share the counts. Sign-in failures are counted per account and per client
address; only failures count, so someone who types their password right is never slowed down.
"""
from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, request
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_login import current_user

from marketplace.rate_limit_storage import DatabaseStorage
from marketplace.web.api import api_endpoints
from marketplace.web.api.auth import ACTOR


def client_address() -> str:
    return request.remote_addr or "unknown"


def account_named_in_form() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


def signed_in_account() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else client_address()


def everyone() -> str:
    return "everyone"


def failed(response: Response) -> bool:
    """A sign-in or password form sent back with errors (a success redirects)."""
    return response.status_code == 422


def rendered(response: Response) -> bool:
    """Only what was delivered counts, so a refused request costs a read, not a write as well."""
    return response.status_code == 200


# endpoint -> (setting naming the limit, whom it counts, which responses count: None = every request)
LIMITS: dict[str, list[tuple[str, Callable[[], str], Callable[[Response], bool] | None]]] = {
    "auth.login": [("LOGIN_LIMIT_PER_ACCOUNT", account_named_in_form, failed),
                   ("LOGIN_LIMIT_PER_ADDRESS", client_address, failed)],
    "auth.change_password": [("LOGIN_LIMIT_PER_ACCOUNT", signed_in_account, failed)],
    "auth.register": [("REGISTER_LIMIT_PER_ADDRESS", client_address, None)],
    # About 2 s of CPU each: without a cap, a few anonymous clients starve every search.
    "policy.alternatives_pdf": [("PDF_LIMIT_PER_ADDRESS", client_address, rendered),
                                ("PDF_LIMIT_TOTAL", everyone, rendered)],
}


def api_client() -> str:
    """Whom an API request counts against: its token (checked before any view runs), else its address."""
    actor = request.environ.get(ACTOR)
    return f"token:{actor.token_id}" if actor is not None else f"api:{client_address()}"


def api_limit() -> str:
    setting = "API_LIMIT_PER_TOKEN" if request.environ.get(ACTOR) is not None else "API_LIMIT_ANONYMOUS"
    return current_app.config[setting]


@contextmanager
def one_at_a_time(name: str) -> Iterator[bool]:
    """Whether this process may do the costly thing `name` now: at most one process of this host does it at
    a time (an advisory file lock), so other workers stay free for cheap requests such as searches."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        yield True
        return
    locks = Path(current_app.instance_path) / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with (locks / f"{name}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def init_rate_limits(app: Flask) -> Limiter:
    limiter = Limiter(client_address, app=app, storage_uri=DatabaseStorage.URI,
                      storage_options={"engine": app.extensions["database"].engine},
                      strategy="fixed-window", headers_enabled=True, key_prefix="yiqi",
                      swallow_errors=True)  # a counting failure is logged and lets the request through
    for endpoint, limits in LIMITS.items():
        view = app.view_functions[endpoint]
        for setting, key, counted in limits:
            methods = ["POST"] if endpoint.startswith("auth.") else None  # reading a form is never limited
            view = limiter.limit(app.config[setting], key_func=key, deduct_when=counted, methods=methods)(view)
        app.view_functions[endpoint] = view
    # Every API operation draws on one allowance per client, so no endpoint is a way around it.
    api = limiter.shared_limit(api_limit, scope="api", key_func=api_client)
    for endpoint in api_endpoints(app):
        app.view_functions[endpoint] = api(app.view_functions[endpoint])
    # The wrappers hold the limiter weakly; Flask-Limiter keeps it in app.extensions only when enabled.
    app.extensions["rate_limiter"] = limiter
    return limiter

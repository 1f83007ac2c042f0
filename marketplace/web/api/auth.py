"""Who an API request acts for: the holder of the bearer token it carries, or nobody.

The API never reads the session cookie, so a signed-in browser cannot be made to write through it
(no CSRF), and services get the token's actor exactly as the web gives them the signed-in user.
"""
from __future__ import annotations

from flask import request

from marketplace.services import api_tokens
from marketplace.services.api_tokens import TokenActor
from marketplace.services.errors import Forbidden, Unauthorized
from marketplace.web.context import db_session


class InsufficientScope(Forbidden):
    headers = {"WWW-Authenticate": 'Bearer realm="api", error="insufficient_scope", scope="read_write"'}


ACTOR = "yiqi.api_actor"  # where a request keeps its actor once the token was checked


def token_actor() -> TokenActor | None:
    """The token's actor, or None for a request without one (an invalid token is a 401, never ignored)."""
    if ACTOR not in request.environ:
        header = request.headers.get("Authorization")
        actor = None
        if header is not None:
            scheme, _, secret = header.strip().partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise Unauthorized("Send the API token as: Authorization: Bearer <token>.")
            actor = api_tokens.authenticate(db_session(), secret.strip())
        request.environ[ACTOR] = actor
    return request.environ[ACTOR]


def reader() -> TokenActor:
    actor = token_actor()
    if actor is None:
        raise Unauthorized("This needs an API token: an administrator of your organisation creates one under "
                           "API tokens.")
    return actor


def writer() -> TokenActor:
    actor = reader()
    if not actor.can_write:
        raise InsufficientScope("This token may only read; writing needs a read_write token.")
    return actor

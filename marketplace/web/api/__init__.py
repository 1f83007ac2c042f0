"""REST API v1 (/api/v1) with its OpenAPI 3.1 document and rendered documentation (/api/docs).

Handlers parse (spectree validates against the pydantic models), call one service, and build the reply
through its model. Authentication is an organisation's bearer token (auth.py); errors are problem+json.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFProtect

from marketplace.messages import Phrase
from marketplace.services.errors import NotFound, ServiceError, ValidationFailed
from marketplace.web.api import deals, discovery, feed, postings
from marketplace.web.api.auth import token_actor
from marketplace.web.api.openapi import openapi_document
from marketplace.web.api.problems import is_api_request

docs = Blueprint("api_docs", __name__)
MAX_ID = 2_147_483_647


@docs.get("/api/v1/openapi.json")
def openapi():
    return jsonify(openapi_document())


@docs.get("/api/docs")
def documentation():
    return render_template("api/docs.html")


class UnsupportedMediaType(ServiceError):
    status = 415


def _nul_fields(value: Any, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [f for key, item in value.items() for f in _nul_fields(item, f"{path}.{key}" if path else str(key))]
    if isinstance(value, list):
        return [f for index, item in enumerate(value)
                for f in _nul_fields(item, f"{path}.{index}" if path else str(index))]
    return []


def check_request() -> None:
    """A token, when sent, is valid (public reads included: its holder's rate limit applies); bodies are JSON;
    no text in them holds a NUL character (PostgreSQL cannot store one)."""
    if not is_api_request():
        return
    if any(isinstance(value, int) and value > MAX_ID for value in (request.view_args or {}).values()):
        raise NotFound("No such resource.")  # ids are 32-bit; SQLite cannot even compare a larger number
    token_actor()
    body: Any = None
    if request.content_length or request.get_data(cache=True):  # (a form body was read into request.form)
        if not request.is_json:
            raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")
        try:
            body = json.loads(request.get_data(cache=True))
        except (ValueError, RecursionError):
            raise ServiceError("The body is not valid JSON.") from None
    nul = _nul_fields(body)  # the query string's are refused for the whole site (web/security.py)
    if nul:
        raise ValidationFailed({field: Phrase("must not contain NUL characters") for field in nul})


OPERATIONS = (discovery.bp, postings.bp, deals.bp, feed.bp)


def api_endpoints(app: Flask) -> list[str]:
    """The endpoints of the API's operations (what its rate limit counts)."""
    names = {blueprint.name for blueprint in OPERATIONS}
    return [endpoint for endpoint in app.view_functions if endpoint.split(".")[0] in names]


def init_api(app: Flask, csrf: CSRFProtect) -> None:
    app.before_request(check_request)
    for blueprint in (*OPERATIONS, docs):
        app.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # authenticated by bearer tokens only, never by the session cookie

"""Every error under /api/ as RFC 9457 problem details (application/problem+json), in English: a stable
contract for programs. Field errors come as a list of {field, message}."""
from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, request
from pydantic import ValidationError

from marketplace.web.api.schemas import FieldProblem, Problem

PROBLEM_JSON = "application/problem+json"
# The bearer-token challenge (RFC 6750) every 401 carries.
CHALLENGE = 'Bearer realm="api"'


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, detail: str, errors: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None) -> Response:
    body = Problem(type="about:blank", title=HTTPStatus(status).phrase, status=status, detail=str(detail),
                   instance=request.path, errors=[FieldProblem(field=field, message=str(message))
                                                  for field, message in (errors or {}).items()])
    response = current_app.response_class(body.model_dump_json(), status=status, mimetype=PROBLEM_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = CHALLENGE
    response.headers.update(headers or {})
    return response


def field_errors(error: ValidationError) -> dict[str, str]:
    """Pydantic's errors by field path: fees.0.price_cny -> "Input should be ..."."""
    errors: dict[str, str] = {}
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "body"
        errors.setdefault(field, item["msg"])
    return errors

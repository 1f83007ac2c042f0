from __future__ import annotations

from typing import Any

from marketplace.messages import Phrase


class ServiceError(Exception):
    """Base for errors a person can act on; web handlers turn them into 4xx responses, in the reader's
    language. `message` is an English template with %(name)s placeholders filled from `values`."""

    status = 400

    def __init__(self, message: str, **values: Any) -> None:
        self.message = Phrase(message, **values)
        super().__init__(str(self.message))


class ValidationFailed(ServiceError):
    status = 422

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors  # field -> Phrase (or plain str)
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class PreconditionFailed(ServiceError):
    """The client changed a posting from a version someone else has changed since (HTTP If-Match)."""

    status = 412


class Unauthorized(ServiceError):
    """No valid credentials: the API answers 401 with a WWW-Authenticate challenge."""

    status = 401

class ServiceError(Exception):
    """Base for errors a person can act on; web handlers turn them into 4xx responses."""

    status = 400


class ValidationFailed(ServiceError):
    status = 422

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409

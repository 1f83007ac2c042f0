"""API clients: an organisation's read-write and read-only tokens, and a second organisation's."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from marketplace.services import api_tokens
from tests.factories import register


@dataclass
class Holder:
    """An organisation with API tokens, and its administrator."""

    user: object
    write: dict[str, str]  # request headers with a read_write token
    read: dict[str, str]  # with a read-only token


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def holder(session, **registration) -> Holder:
    user = register(session, **registration)
    write = api_tokens.create_token(session, user, "integration", "read_write").secret
    read = api_tokens.create_token(session, user, "dashboard", "read").secret
    return Holder(user, bearer(write), bearer(read))


@pytest.fixture
def lab(session) -> Holder:
    return holder(session)


@pytest.fixture
def sme(session) -> Holder:
    return holder(session, email="sme@example.com", organisation="武汉某药业有限公司", kind="enterprise")

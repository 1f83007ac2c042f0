"""/healthz tells a load balancer whether this instance can serve: database, search backend, embedding model."""
from __future__ import annotations

import socket
from contextlib import contextmanager

import pytest

from app import create_app
from tests.conftest import app_settings


def closed_port() -> int:
    """A port nothing listens on: one the system just handed out and this test let go of."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def an_app(database_url: str, tmp_path, **overrides):
    """An app whose parts may be out of reach (so nothing is cleared afterwards)."""
    app = create_app(app_settings(database_url, tmp_path, **overrides))
    try:
        yield app
    finally:
        app.extensions["search"].close()
        app.extensions["database"].dispose()


def test_a_ready_instance_answers_200_with_every_part_ready(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "search_backend": "ok",
                                                        "embedding_model": "ready"}}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unreachable_search_backend_makes_the_instance_unavailable(database_url, tmp_path):
    with an_app(database_url, tmp_path, SEARCH_BACKEND="opensearch",
                OPENSEARCH_URL=f"http://127.0.0.1:{closed_port()}", OPENSEARCH_INDEX="health-test") as app:
        response = app.test_client().get("/healthz")
        assert (response.status_code, response.json["status"]) == (503, "unavailable"), response.json
        assert response.json["checks"]["search_backend"] == "unreachable"
        assert response.json["checks"]["database"] == "ok"


def test_an_unreachable_database_makes_the_instance_unavailable(tmp_path):
    missing = tmp_path / "no-such-directory" / "marketplace.sqlite3"
    with an_app(f"sqlite:///{missing}", tmp_path) as app:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json["checks"]["database"] == "unreachable"
        assert response.json["checks"]["search_backend"] == "ok"

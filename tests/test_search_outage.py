"""OpenSearch unreachable (the app points at a port where nothing answers): the pages that search fall
back to the database's keyword matches and say so, the API answers 503 with Retry-After, `indexer
status` says the backend is down, and a worker backing off exits promptly on SIGTERM."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import create_app
from marketplace.services import postings
from tests import servers
from tests.conftest import app_settings
from tests.factories import PASSWORD, instrument_record, need_record, register

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def closed_port():
    """A port bound but never listening: every connection is refused, and nothing else can take it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port of the kernel's choosing: no clash with other test runs
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def app(database_url, tmp_path, closed_port):
    servers.opensearch_url()  # the backend under test is OpenSearch's, made unreachable
    app = create_app(app_settings(database_url, tmp_path, SEARCH_BACKEND="opensearch",
                                  OPENSEARCH_URL=f"http://127.0.0.1:{closed_port}", OPENSEARCH_INDEX="outage"))
    yield app
    app.extensions["search"].close()  # no index to clear: none was ever reachable
    app.extensions["database"].dispose()


@pytest.fixture
def catalogue(app, session):
    lab = register(session)
    instrument = postings.create_posting(session, lab, instrument_record(title="高效液相色谱仪 HPLC 共享"))
    sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
    need = postings.create_posting(session, sme, need_record(owner=None, title="胶囊 HPLC 检测"))
    return instrument.id, need.id


def sign_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_the_search_page_shows_database_matches_and_says_search_is_unavailable(client, catalogue):
    response = client.get("/search?q=液相色谱仪")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Search is temporarily unavailable" in text and "高效液相色谱仪 HPLC 共享" in text


def test_the_api_answers_503_with_retry_after(client, catalogue):
    response = client.get("/api/v1/search?q=HPLC")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.content_type == "application/problem+json"
    assert "temporarily unavailable" in response.get_json()["detail"]


def test_matches_alternatives_dashboard_and_leads_answer_without_the_backend(client, catalogue):
    instrument_id, need_id = catalogue
    sign_in(client, "sme@example.com")
    matches = client.get(f"/needs/{need_id}/matches")
    assert matches.status_code == 200 and "高效液相色谱仪 HPLC 共享" in matches.get_data(as_text=True)
    assert client.get("/alternatives?imported=Agilent").status_code == 200
    sign_in(client, "lab@example.com")
    assert client.get("/dashboard").status_code == 200
    assert client.get("/leads").status_code == 200


def test_indexer_status_says_the_backend_is_down(app, catalogue):
    result = app.test_cli_runner().invoke(args=["indexer", "status"])
    assert result.exit_code == 2
    assert "pending changes: 2" in result.output
    assert "indexed documents: unknown: the search backend is down (BackendUnavailable)" in result.output


def test_a_worker_backing_off_exits_promptly_on_sigterm(app, catalogue):
    env = {**os.environ, **{f"MARKETPLACE_{key}": str(app.config[key]) for key in (
        "SECRET_KEY", "DATABASE_URL", "SEARCH_BACKEND", "OPENSEARCH_URL", "OPENSEARCH_INDEX", "EMBEDDING_MODEL")}}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "indexer", "run", "--poll-interval", "5"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(12)  # started, failed its first batch, and is now in a backoff of 10 s
    assert worker.poll() is None, worker.communicate()
    sent = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=30)
    assert time.monotonic() - sent < 5, err
    assert worker.returncode == 0 and "indexed 0 changes" in out, err

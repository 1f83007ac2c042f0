"""Load and faults on the production shape: gunicorn workers and an indexer process on PostgreSQL and
OpenSearch, concurrent writes (API) and searches (pages and API); meanwhile the indexer is killed with
SIGKILL and restarted, and OpenSearch is made unreachable (a TCP relay in front of it is closed) and
back. No 5xx may come outside the outage (during it the API's search may answer 503), no acknowledged
write may be lost, and afterwards `indexer verify` finds the index equal to the database."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from marketplace.models import Posting
from marketplace.services import api_tokens
from tests import servers
from tests.conftest import app_settings, fresh_database
from tests.factories import instrument_record, register

ROOT = Path(__file__).resolve().parents[2]
WRITERS, SEARCHERS = 2, 3
# Each writer posts at this rate, not as fast as the API answers: the backlog the restarted indexer must
# drain within the bound below must not grow with the machine's speed (unthrottled, a fast run
# acknowledged 1,201 writes in 48 s and the indexer, announcing each to saved searches, took about
# 280 s to drain them at 3.3 listings/s).
WRITES_PER_SECOND = 5


class Relay:
    """A TCP relay to OpenSearch that can be closed (connections cut, new ones refused) and opened again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.is_open, self.sockets = target, True, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.is_open = False
        for end in self.sockets:
            _shut(end)
        self.sockets.clear()

    def reopen(self) -> None:
        self.is_open = True

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            if not self.is_open:
                _shut(client)
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                _shut(client)
                continue
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _shut(end: socket.socket) -> None:
    try:
        end.shutdown(socket.SHUT_RDWR)
        end.close()
    except OSError:
        pass


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        _shut(sink)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.opensearch
def test_writes_and_searches_survive_an_indexer_kill_and_an_opensearch_outage(request, tmp_path):
    host, port = servers.opensearch_url().removeprefix("http://").rstrip("/").split(":")
    relay = Relay((host, int(port)))
    config = app_settings(fresh_database(request, "postgresql", tmp_path), tmp_path, SEARCH_BACKEND="opensearch",
                          OPENSEARCH_URL=f"http://127.0.0.1:{relay.port}",
                          OPENSEARCH_INDEX=f"load-{uuid.uuid4().hex[:8]}",
                          API_LIMIT_PER_TOKEN="100000 per minute", API_LIMIT_ANONYMOUS="100000 per minute")
    app = create_app(config)
    database = app.extensions["database"]
    with app.app_context():
        user = register(database.session)
        token = api_tokens.create_token(database.session, user, "load", "read_write").secret
    env = {**os.environ, **{f"MARKETPLACE_{k}": str(v) for k, v in config.items() if k != "TESTING"},
           "OMP_NUM_THREADS": "1"}
    web_port = free_port()
    web = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{web_port}",
                            "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=(tmp_path / "gunicorn.log").open("w"))
    indexer_command = [sys.executable, "-m", "flask", "--app", "app", "indexer", "run", "--batch-size", "5",
                       "--poll-interval", "0.2", "--lease-seconds", "3"]
    indexer = subprocess.Popen(indexer_command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base, outage, stop = f"http://127.0.0.1:{web_port}", threading.Event(), threading.Event()
    acknowledged: list[str] = []
    failures: list[str] = []
    searched = [0]

    def call(method: str, path: str, body: dict | None = None) -> int:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:  # refused or cut: counted like a 5xx
            return 599

    def write(n: int) -> None:
        count = 0
        while not stop.is_set():
            ref = f"load-{n}-{count}"
            record = {k: v for k, v in instrument_record(ref=ref, title=f"液相色谱仪 {ref}").items()
                      if k not in ("kind", "owner")}
            status = call("POST", "/api/v1/instruments", record)
            if status == 201:
                acknowledged.append(ref)
            elif status >= 500:
                failures.append(f"write {ref}: {status}")
            count += 1
            stop.wait(1 / WRITES_PER_SECOND)

    def search(n: int) -> None:
        while not stop.is_set():
            during = outage.is_set()
            for path in ("/search?q=" + urllib.parse.quote("液相色谱仪"), "/api/v1/search?q=HPLC"):
                status = call("GET", path)
                if status >= 500 and not (during or outage.is_set()) and not (status == 503 and "/api/" in path):
                    failures.append(f"{path}: {status}")
                searched[0] += 1

    deadline = time.monotonic() + 120
    while call("GET", "/search?q=x") != 200:  # the workers are up
        assert time.monotonic() < deadline and web.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
        time.sleep(0.5)
    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=search, args=(n,)) for n in range(SEARCHERS)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(10)
        indexer.send_signal(signal.SIGKILL)
        indexer.wait(10)
        time.sleep(3)
        indexer = subprocess.Popen(indexer_command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(5)
        outage.set()
        relay.close()
        time.sleep(8)
        relay.reopen()
        time.sleep(2)  # answers already in flight when the relay opened count as the outage's
        outage.clear()
        time.sleep(8)
    finally:
        stop.set()
        for thread in threads:
            thread.join(120)
    try:
        with database.new_session() as session:  # no acknowledged write lost
            refs = set(session.scalars(select(Posting.ref).where(Posting.ref.like("load-%"))))
        assert set(acknowledged) <= refs and len(acknowledged) > 10, (len(acknowledged), len(refs))
        log = (tmp_path / "gunicorn.log").read_text()
        assert failures == [] and searched[0] > 50, (failures, searched, log[-6000:])
        deadline = time.monotonic() + 240
        while True:  # the restarted indexer drains what the outage held back (its backoff included)
            result = app.test_cli_runner().invoke(args=["indexer", "verify"])
            if "index matches the database" in result.output:
                break
            assert time.monotonic() < deadline, result.output[-3000:]
            time.sleep(3)
        with database.new_session() as session:
            assert session.scalar(select(func.count()).select_from(Posting)) == len(refs)
    finally:
        for process in (indexer, web):
            process.terminate()
            process.wait(30)
        app.extensions["search"].searcher.backend.clear()
        app.extensions["database"].dispose()

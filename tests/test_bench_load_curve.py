"""bench.search's latency against load: each client count measured on each server, medians over rounds."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SERVICE_SECONDS = 0.01


class OneAtATime(BaseHTTPRequestHandler):
    """A search API that serves one request at a time, each taking SERVICE_SECONDS: a one-core server."""

    busy = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        with self.busy:
            time.sleep(SERVICE_SECONDS)
        body = json.dumps({"results": [], "mode": "hybrid"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def one_core_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), OneAtATime)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_more_clients_than_the_server_can_serve_at_once_only_queue(one_core_server):
    from bench.search import load_curve  # imports the app; only this test needs it

    curve = load_curve({"embedded": one_core_server}, [1, 4], requests_total=24, rounds=2)

    assert set(curve) == {"embedded"} and set(curve["embedded"]) == {1, 4}
    alone, four = curve["embedded"][1], curve["embedded"][4]
    assert set(alone) == {"p50", "p95", "p99", "rps", "cpu_ms", "client_cpu_ms"}
    assert alone["p50"] >= SERVICE_SECONDS * 1000
    # Four clients of a server that serves one at a time: each waits for the other three, and the
    # throughput stays the server's (Little's law), so a latency figure needs its load beside it.
    assert four["p50"] > 2.5 * alone["p50"]
    assert four["rps"] < 1.5 * alone["rps"]

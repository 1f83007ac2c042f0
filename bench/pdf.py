"""The comparison PDF under load: search latency while anonymous clients keep asking for PDFs (about 2 s
of CPU each), with the rate limits off (as before they existed) and on.

1,000 demo listings on the embedded backend, served by gunicorn as in production (bench.serve). One
client searches in a closed loop the whole time; N clients on the same address ask for PDFs of varying
imported models. `python -m bench.pdf [--seconds 30] [--pdf-clients 6]`
"""
from __future__ import annotations

import argparse
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

from sqlalchemy import delete

from bench.common import machine_busy_seconds, median, percentile, table, write_report
from bench.search import (
    QUERIES,
    app_environment,
    backend_settings,
    build_database,
    documents_and_vectors,
    get,
    load_backend,
    serve,
    stop,
)
from marketplace.db import Database
from marketplace.models import RateLimitCounter

LISTINGS = 1000


def ask_for_pdfs(base: str, client: int, stop: threading.Event, statuses: Counter) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        query = urllib.parse.urlencode({"imported": f"Agilent 1260 Infinity II {client}-{n}"})
        try:
            with urllib.request.urlopen(f"{base}/alternatives/comparison.pdf?{query}", timeout=60) as response:
                response.read()
                statuses[response.status] += 1
        except urllib.error.HTTPError as error:
            statuses[error.code] += 1


def measure(base: str, seconds: float, pdf_clients: int) -> dict[str, float]:
    stop, statuses = threading.Event(), Counter()
    threads = [threading.Thread(target=ask_for_pdfs, args=(base, n, stop, statuses)) for n in range(pdf_clients)]
    for thread in threads:
        thread.start()
    latencies, busy, started = [], machine_busy_seconds(), time.monotonic()
    while time.monotonic() - started < seconds:
        latencies.append(get(base, QUERIES[len(latencies) % len(QUERIES)]))
    busy = machine_busy_seconds() - busy
    stop.set()
    for thread in threads:
        thread.join()
    other = sum(count for status, count in statuses.items() if status not in (200, 429, 503))
    assert not other, f"PDF requests failed: {statuses}"
    return {"p50": median(latencies), "p95": percentile(latencies, 95), "searches": len(latencies),
            "rendered": statuses[200], "refused": statuses[429], "deferred": statuses[503], "busy": busy / seconds}


def run(seconds: float, pdf_clients: int) -> str:
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        directory = Path(workdir)
        url, _ = build_database(LISTINGS, directory)
        settings = backend_settings("embedded", directory, "bench-pdf")
        documents, vectors, _ = documents_and_vectors(url, "fp32")
        load_backend(settings, documents, vectors)
        database = Database(url)
        for limits in ("false", "true"):
            with database.engine.begin() as connection:  # each configuration starts with no counts
                connection.execute(delete(RateLimitCounter))
            process, base = serve({**app_environment(url, settings), "MARKETPLACE_RATELIMIT_ENABLED": limits}, 2)
            try:
                for clients in (0, pdf_clients):
                    result = measure(base, seconds, clients)
                    rows.append(["on" if limits == "true" else "off", clients, f"{result['p50']:.1f}",
                                 f"{result['p95']:.1f}", result["searches"], result["rendered"], result["refused"],
                                 result["deferred"], f"{result['busy']:.2f}"])
                    print(rows[-1], flush=True)
            finally:
                stop([process])
        database.dispose()
    return table(["rate limits", "PDF clients", "search p50 ms", "search p95 ms", "searches", "PDFs rendered",
                  "PDFs refused (429)", "PDFs deferred (503)", "busy cores"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--pdf-clients", type=int, default=6)
    arguments = parser.parse_args()
    body = run(arguments.seconds, arguments.pdf_clients)
    note = (f"{LISTINGS:,} demo listings, embedded backend, gunicorn with 4 single-threaded workers; one search "
            f"client in a closed loop for {arguments.seconds:.0f} s per row, alongside the PDF clients (one address, "
            "a new imported model each request). As shipped: 6 PDFs a minute per address, 30 for everyone, one "
            "render at a time per host (others get 503 with Retry-After).")
    print(write_report("pdf", "Comparison PDF under load", note + "\n\n" + body))


if __name__ == "__main__":
    main()

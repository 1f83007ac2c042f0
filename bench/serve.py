"""Serve the app for a benchmark the way production would: gunicorn, two single-threaded workers per core.

Configuration comes from MARKETPLACE_* variables; `python -m bench.serve PORT [WORKERS]`.
"""
import os
import sys

if __name__ == "__main__":
    port = sys.argv[1]
    # Single-threaded workers, two per core: a search is mostly Python, so threads of one worker only
    # take turns on its interpreter lock, and the slowest requests waited longest. Measured at 100k
    # listings, 8 clients: p95 140-145 ms against 200-213 ms for 2 workers x 4 threads, at the same
    # throughput. Two per core so that one waiting on OpenSearch or SQLite leaves the core to another.
    workers = sys.argv[2] if len(sys.argv) > 2 else str(2 * (os.cpu_count() or 2))
    # One torch thread per process: requests run in parallel already, and torch's own thread pool
    # spinning on the same 2 cores cost a third of the throughput (66 -> 89 req/s at 10k listings).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", workers,
                               "--preload", "--log-level", "warning", "app:create_server_app()"])

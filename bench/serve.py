"""Serve the app for a benchmark the way production would: gunicorn, one worker per core.

Configuration comes from MARKETPLACE_* variables; `python -m bench.serve PORT [WORKERS]`.
"""
import os
import sys

if __name__ == "__main__":
    port = sys.argv[1]
    workers = sys.argv[2] if len(sys.argv) > 2 else str(os.cpu_count() or 2)
    # One torch thread per process: requests run in parallel already, and torch's own thread pool
    # spinning on the same 2 cores cost a third of the throughput (66 -> 89 req/s at 10k listings).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", workers,
                               "--threads", "4", "--preload", "--log-level", "warning", "app:create_app()"])

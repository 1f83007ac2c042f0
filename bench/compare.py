"""A/B benchmark: two revisions serve the same catalogue and index, their load rounds taking turns.

This machine's speed drifts by tens of percent within an hour and by twice that between days, so a
change is only measured by a paired run. The database and the index are built once, with the code
checked out here (so both revisions must read that index format); each revision is checked out with
`git worktree`, served by gunicorn as in bench.search, and the rounds alternate. Writes
bench/results/compare.md.

    python -m bench.compare 1d25b45 HEAD --size 100000 --backend opensearch
    python -m bench.compare main~1 main --size 300000 --distinct-texts 20000
"""
from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from bench.common import table, write_report
from bench.search import (
    QUERIES,
    RANKING,
    ROOT,
    app_environment,
    backend_settings,
    build_database,
    documents_and_vectors,
    load_backend,
    load_test,
    serve,
    stop,
)
from search.factory import create_backend

STATISTICS = ("cold", "p50", "p95", "p99", "rps", "cpu_ms")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def run(revisions: list[str], size: int, backend: str, clients: int, requests_total: int, rounds: int,
        distinct_texts: int | None = None) -> str:
    commits = [git("rev-parse", "--short", "--verify", f"{revision}^{{commit}}") for revision in revisions]
    if len(set(commits)) != len(commits):
        raise SystemExit(f"bench.compare: {' and '.join(revisions)} are the same commit ({commits[0]})")
    with tempfile.TemporaryDirectory(prefix=f"bench-compare-{size}-") as tmp:
        directory = Path(tmp)
        checkouts = {commit: directory / f"code-{commit}" for commit in commits}
        url, _ = build_database(size, directory, distinct_texts)
        documents, vectors, _ = documents_and_vectors(url, "bf16")
        settings = backend_settings(backend, directory, f"bench-compare-{size}")
        load_backend(settings, documents, vectors)
        processes, servers = [], {}
        try:
            for commit, checkout in checkouts.items():
                git("worktree", "add", "--detach", str(checkout), commit)
                process, servers[commit] = serve(app_environment(url, settings), clients, root=checkout)
                processes.append(process)
            results = load_test(servers, clients, requests_total, rounds)
        finally:
            stop(processes)
            for checkout in checkouts.values():  # also those never added: removing one then just fails
                subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=ROOT, capture_output=True)
            if backend == "opensearch":
                create_backend(settings, RANKING).clear()
    rows = [[commit, git("log", "-1", "--format=%s", commit), *(f"{results[commit][k]:.1f}" for k in STATISTICS)]
            for commit in commits]
    first, last = (results[commit] for commit in (commits[0], commits[-1]))
    rows.append([f"{commits[-1]} / {commits[0]}", "ratio", *(f"{last[k] / first[k]:.2f}" for k in STATISTICS)])
    repeated = f" (the first {distinct_texts:,} listings' texts repeated)" if distinct_texts else ""
    return (f"{size:,} listings{repeated} on the {backend} backend; search API under {clients} concurrent clients, "
            f"{len(QUERIES)} bilingual queries, medians of {rounds} rounds of {requests_total} requests each, the "
            "revisions' rounds alternating (latency in ms; CPU: ms of the whole machine's CPU per search, "
            "app, search engine and load client together).\n\n"
            + table(["revision", "subject", "cold p50 (with embedding)", "p50", "p95", "p99", "req/s", "CPU ms/search"],
                    rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revisions", nargs=2, help="two git revisions, e.g. main~1 main")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--backend", default="opensearch", choices=["embedded", "opensearch"])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=800, help="requests per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--distinct-texts", type=int, default=None,
                        help="repeat the first N listings' texts under new refs, as bench.search does, so that "
                             "every vector comes from the cache")
    args = parser.parse_args()
    body = run(args.revisions, args.size, args.backend, args.clients, args.requests, args.rounds, args.distinct_texts)
    print(write_report("compare", "A/B benchmark", body))


if __name__ == "__main__":
    main()

"""Search benchmark: N bilingual listings on each backend in one run.

Measures catalogue import and indexing throughput, query-embedding time, search API latency
(p50/p95/p99, cold and warm query cache) and throughput under 8 concurrent clients, and RSS of the
app and of this (indexing) process; with --load-curve, latency at each of several client counts.
Writes bench/results/search.md.

    python -m bench.search --sizes 1000 10000 100000 --backends embedded opensearch
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
from sqlalchemy import select

from bench.common import (
    RESULTS,
    embedding_settings,
    listings,
    machine_busy_seconds,
    median,
    model_name,
    percentile,
    pss_mib,
    query_vectors,
    resolved_precision,
    rss_mib,
    table,
    vector_legs,
    write_report,
)
from bench.vector_cache import cache_path, cached_embeddings
from indexer.documents import posting_document
from marketplace import migrations
from marketplace.db import Database
from marketplace.models import Posting
from marketplace.services import catalog
from search.backend import Upsert
from search.embeddings import PRECISIONS
from search.factory import create_backend, create_embedder
from search.ranking import RankingSettings

ROOT = Path(__file__).resolve().parents[1]
RANKING = RankingSettings()  # what the app ranks with
QUERIES = [
    "液相色谱 检测 胶囊 杂质 武汉", "HPLC impurity test for capsules", "扫描电镜 断口分析", "SEM EDS mapping",
    "X射线衍射 晶型", "XRD phase identification", "核磁共振 结构解析", "NMR 1H 13C", "ICP-MS 重金属 大米",
    "heavy metals in water", "气质联用 农残", "pesticide residues GC-MS", "激光粒度 锂电池", "particle size battery",
    "比表面积 催化剂", "BET surface area", "万能试验机 拉伸", "tensile testing plastics", "三坐标 尺寸检测",
    "电磁兼容 辐射发射", "EMC radiated emission", "盐雾试验 涂层", "salt spray coating", "工业CT 电池",
    "流式细胞 凋亡", "qPCR 转基因", "拉曼 石墨烯", "Raman graphene", "热重 差示扫描量热", "TGA DSC polymer",
    "国产 液相色谱仪 替代 Agilent 1260", "domestic alternative to Waters e2695", "原子吸收 铅 镉",
    "红外光谱 高分子 鉴别",
    "透射电镜 纳米颗粒", "AFM surface roughness", "紫外可见 分光光度计", "XRF RoHS screening", "基因毒性杂质 LC-MS/MS",
    "手性色谱柱 技术转让",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_database(size: int, directory: Path, distinct_texts: int | None = None) -> tuple[str, float]:
    url = f"sqlite:///{directory / 'bench.sqlite3'}"
    database = Database(url)
    migrations.upgrade(database.engine)
    started = time.perf_counter()
    with database.new_session() as session:
        report = catalog.import_records(session, enumerate(listings(size, distinct_texts), start=1))
    elapsed = time.perf_counter() - started
    assert not report.errors, report.errors[:3]
    database.dispose()
    return url, size / elapsed


def documents_and_vectors(url: str, precision: str):
    database = Database(url)
    with database.new_session() as session:
        documents = [posting_document(p) for p in session.scalars(select(Posting).order_by(Posting.id))]
    database.dispose()
    embedder = create_embedder(embedding_settings(precision=precision))
    embedder.load()
    path = cache_path(model_name(), embedder.precision)
    texts = [d.embedding_text() for d in documents]
    vectors, rate = cached_embeddings(embedder, texts, path)
    return documents, own_vectors(texts, vectors), rate


def own_vectors(texts: list[str], vectors: np.ndarray, spread: float = 0.1) -> np.ndarray:
    """Each listing its own vector: a listing whose text repeats an earlier one's (a catalogue built with
    --distinct-texts) gets that vector moved by a random step of length `spread` (from a fixed seed), then
    normalised, cosine about 0.995 to the original. Exact copies would misrepresent a catalogue of
    distinct listings: Lucene's HNSW graph over fifty copies of each vector returns about 34 of 50
    neighbours, and a filtered k-NN query then scans every listing the filter passes."""
    first: dict[str, int] = {}
    repeats = np.array([i for i, text in enumerate(texts) if first.setdefault(text, i) != i], dtype=np.int64)
    moved = vectors.copy()
    if len(repeats):
        steps = np.random.default_rng(0).standard_normal((len(repeats), vectors.shape[1]), dtype=np.float32)
        moved[repeats] += steps * (spread / np.linalg.norm(steps, axis=1, keepdims=True))
        moved[repeats] /= np.linalg.norm(moved[repeats], axis=1, keepdims=True)
    return moved


def backend_settings(backend: str, directory: Path, index: str) -> dict:
    """Where a benchmark's index lives: a directory of the run (embedded) or an OpenSearch index."""
    return {"backend": backend, "path": str(directory / f"index-{backend}"), "index": index,
            "url": os.environ.get("MARKETPLACE_OPENSEARCH_URL", "http://127.0.0.1:9200")}


def app_environment(database_url: str, settings: dict) -> dict:
    return {**os.environ, "MARKETPLACE_DATABASE_URL": database_url, "MARKETPLACE_SEARCH_BACKEND": settings["backend"],
            "MARKETPLACE_SEARCH_PATH": settings["path"], "MARKETPLACE_OPENSEARCH_URL": settings["url"],
            "MARKETPLACE_OPENSEARCH_INDEX": settings["index"], "HF_HUB_OFFLINE": "1",
            # Eight clients from one address would meet the anonymous API limit (300 a minute) at once.
            "MARKETPLACE_RATELIMIT_ENABLED": "false",
            # The server refuses the built-in development key; a benchmark's sessions need no lasting one.
            "MARKETPLACE_SECRET_KEY": os.environ.get("MARKETPLACE_SECRET_KEY") or secrets.token_hex(32)}


def load_backend(settings: dict, documents, vectors) -> tuple[float, float | None, float | None]:
    """Load the index the way a deployment fills a new one: a rebuild (bulk load, then merge; the embedded
    backend's also builds its in-memory columns once and saves them as the new file's checkpoint). Returns
    documents/s and, for the embedded backend, the seconds a fresh process takes to load it into memory
    (what `app:create_server_app()` does before gunicorn forks): from its rows, as without a checkpoint
    (removed for this; the load saves it again), and from the checkpoint, as every start after the rebuild
    does."""
    backend = create_backend(settings, RANKING)
    backend.clear()
    started = time.perf_counter()
    backend.rebuild(Upsert(d, v) for d, v in zip(documents, vectors))
    rate = len(documents) / (time.perf_counter() - started)
    backend.close()
    if settings["backend"] != "embedded":
        return rate, None, None
    for saved in Path(settings["path"]).glob("columns-*.pickle"):
        saved.unlink()
    loads = []
    for _ in ("from its rows", "from its checkpoint"):
        fresh = create_backend(settings, RANKING)
        started = time.perf_counter()
        fresh.warm()
        loads.append(time.perf_counter() - started)
        fresh.close()
    return rate, loads[0], loads[1]


def query_embedding_ms(precision: str) -> float:
    embedder = create_embedder(embedding_settings(precision=precision))
    embedder.embed_query("warm up")
    timings = []
    for query in QUERIES:
        started = time.perf_counter()
        embedder.embed_queries([query])  # bypass the cache
        timings.append((time.perf_counter() - started) * 1000)
    return median(timings)


def serve(env: dict, clients: int, root: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """gunicorn serving the code in `root` (bench.compare serves other revisions' checkouts)."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "bench.serve", str(port)], cwd=root,
                               env={**env, "PYTHONPATH": str(root)}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # the master loads the model and the index first: slow on a busy machine
    while time.monotonic() < deadline:
        try:
            get(base, "warm up")
            break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError("the app did not start")
    # Each worker builds its index on its first search and loads the model in the background, answering
    # by keywords meanwhile: nothing is measured until a round reaching every worker ran hybrid throughout.
    with ThreadPoolExecutor(max_workers=clients) as pool:
        while set(pool.map(lambda _: search_mode(base), range(clients * 4))) != {"hybrid"}:
            if time.monotonic() > deadline + 300:
                process.kill()
                raise RuntimeError("the app's workers did not load the embedding model")
            time.sleep(2)
    return process, base


def stop(processes: Iterable[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
        try:
            process.wait(60)  # gunicorn gives its workers their graceful timeout
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def memory_alone(env: dict, clients: int, requests_total: int) -> tuple[float, float]:
    """App memory (`app_memory_mib`) after a warm round, with no other app running: PSS splits a page among
    every process mapping it, so the other backend's app, mapping the same libraries and model file,
    would take a share of them."""
    process, base = serve(env, clients)
    try:
        warm_round(base, clients, requests_total)
        return app_memory_mib(process)
    finally:
        stop([process])


def app_memory_mib(process: subprocess.Popen) -> tuple[float, float]:
    """The gunicorn master and its workers together: the sum of their RSS (shared pages counted in each
    process) and of their PSS (shared pages counted once)."""
    pids = [process.pid, *map(int, Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split())]
    return sum(rss_mib(pid) for pid in pids), sum(pss_mib(pid) for pid in pids)


def search(base: str, query: str) -> dict:
    with urllib.request.urlopen(f"{base}/api/v1/search?" + urllib.parse.urlencode({"q": query}), timeout=30) as reply:
        return json.loads(reply.read())


def search_mode(base: str) -> str:
    return search(base, "warm up")["mode"]


def get(base: str, query: str) -> float:
    started = time.perf_counter()
    assert "results" in search(base, query)
    return (time.perf_counter() - started) * 1000


def cold_pass(base: str) -> list[float]:
    """First sight of each query: the embedding is computed, not cached."""
    return [get(base, q) for q in QUERIES]


def warm_round(base: str, clients: int, requests_total: int) -> dict[str, float]:
    """`clients` closed-loop clients sending the queries over and over: latency percentiles, req/s, the
    CPU the whole machine spent per search (app, search engine and load client together) and the part
    of it this process, the load client, spent: on one machine the clients take cores from the server."""
    work = [QUERIES[i % len(QUERIES)] for i in range(requests_total)]
    with ThreadPoolExecutor(max_workers=clients) as pool:
        busy, client_busy = machine_busy_seconds(), time.process_time()
        started = time.perf_counter()
        latencies = list(pool.map(lambda q: get(base, q), work))
        elapsed = time.perf_counter() - started
    return {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "rps": requests_total / elapsed, "cpu_ms": (machine_busy_seconds() - busy) / requests_total * 1000,
            "client_cpu_ms": (time.process_time() - client_busy) / requests_total * 1000}


def load_test(servers: dict[str, str], clients: int, requests_total: int, rounds: int) -> dict[str, dict[str, float]]:
    """Each statistic as the median over `rounds` rounds, the servers' rounds taking turns so that a
    slow spell of this shared machine hits every backend alike."""
    cold = {name: median(cold_pass(base)) for name, base in servers.items()}
    for base in servers.values():  # unmeasured: each worker process has its own query-embedding cache
        warm_round(base, clients, requests_total)
    measured = load_curve(servers, [clients], requests_total, rounds)
    return {name: {"cold": cold[name], **measured[name][clients]} for name in servers}


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each statistic of several rounds' `warm_round` results, as its median."""
    return {key: median([run[key] for run in runs]) for key in runs[0]}


def load_curve(servers: dict[str, str], client_counts: list[int], requests_total: int,
               rounds: int) -> dict[str, dict[int, dict[str, float]]]:
    """Latency and throughput at each number of closed-loop clients, per backend: medians of `rounds`
    rounds, the servers taking turns. Once the clients keep every core busy, throughput stops rising and
    each further client only queues, so latency grows with clients / req/s: a p95 means something only
    with the load it was measured at."""
    measured: dict[str, dict[int, list[dict[str, float]]]] = {name: {} for name in servers}
    for _ in range(rounds):
        for clients in client_counts:
            for name, base in servers.items():
                measured[name].setdefault(clients, []).append(warm_round(base, clients, requests_total))
    return {name: {clients: medians(runs) for clients, runs in by_clients.items()}
            for name, by_clients in measured.items()}


def vector_leg(settings: dict, size: int) -> list[str]:
    """The embedded backend's vector leg alone, exact scan against the approximate index: median ms
    per query (one thread) and the approximate index's recall of the exact neighbours, at the depth the
    searcher fuses (RankingSettings.fusion_depth)."""
    exact = create_backend(settings, replace(RANKING, ann_min_rows=10**9))
    approximate = create_backend(settings, RANKING)
    exact_ms, approximate_ms, recall = vector_legs(exact, approximate, query_vectors(QUERIES), RANKING.fusion_depth)
    exact.close()
    approximate.close()
    if size < RANKING.ann_min_rows:
        return [f"{exact_ms:.1f}", f"not built below {RANKING.ann_min_rows:,} listings", ""]
    return [f"{exact_ms:.1f}", f"{approximate_ms:.1f}", f"{recall:.3f}"]


def run(sizes: list[int], backends: list[str], clients: int, requests_total: int, rounds: int, precision: str,
        distinct_texts: int | None = None, curve_clients: list[int] | None = None) -> str:
    rows, ingest_rows, vector_rows, curve_rows = [], [], [], []
    embedding_ms = query_embedding_ms(precision)
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as tmp:
            directory = Path(tmp)
            url, import_rate = build_database(size, directory, distinct_texts)
            documents, vectors, embed_rate = documents_and_vectors(url, precision)
            processes, servers, ingest = {}, {}, {}
            try:
                for name in backends:
                    settings = backend_settings(name, directory, f"bench-{size}")
                    index_rate, load_seconds, restart_seconds = load_backend(settings, documents, vectors)
                    if name == "embedded":
                        vector_rows.append([f"{size:,}", *vector_leg(settings, size)])
                    ingest[name] = {"import_rows_s": import_rate, "index_docs_s": index_rate,
                                    "load_s": load_seconds, "restart_s": restart_seconds}
                    ingest_rows.append([f"{size:,}", name, f"{import_rate:,.0f}",
                                        f"{embed_rate:,.0f}" if embed_rate else "cached", f"{index_rate:,.0f}",
                                        *((f"{load_seconds:.1f}", f"{restart_seconds:.1f}") if load_seconds is not None
                                          else ("(server)", "(server)")),
                                        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f}"])
                    processes[name], servers[name] = serve(app_environment(url, settings), clients)
                results = load_test(servers, clients, requests_total, rounds)
                curve = load_curve(servers, curve_clients, requests_total, rounds) if curve_clients else {}
                curve_rows += [[f"{size:,}", name, str(count), *(f"{stats[k]:.1f}" for k in ("p50", "p95", "p99")),
                                f"{stats['rps']:.0f}", f"{stats['cpu_ms']:.1f}", f"{stats['client_cpu_ms']:.1f}"]
                               for name, by_clients in curve.items() for count, stats in by_clients.items()]
                stop(processes.pop(name) for name in list(processes))
                for name, stats in results.items():
                    rss, pss = memory_alone(app_environment(url, backend_settings(name, directory, f"bench-{size}")),
                                            clients, requests_total)
                    rows.append([f"{size:,}", name, *(f"{stats[k]:.1f}" for k in ("cold", "p50", "p95", "p99")),
                                 f"{stats['rps']:.0f}", f"{rss:,.0f}", f"{pss:,.0f}"])
                    record_growth({"listings": size, "backend": name, "model": model_name(), **stats,
                                   "distinct_texts": min(size, distinct_texts or size),
                                   "app_rss_mib": rss, "app_pss_mib": pss, **ingest[name]})
                    print(rows[-1], flush=True)
            finally:
                stop(processes.values())
                if "opensearch" in backends:
                    create_backend(backend_settings("opensearch", directory, f"bench-{size}"), RANKING).clear()
    repeated = (f"Catalogues larger than {distinct_texts:,} listings repeat the first {distinct_texts:,} listings' "
                "texts under new refs, so that every vector comes from the cache: the keyword leg sees each text "
                "several times; each repeat's vector is moved a little (cosine about 0.995, `own_vectors`), as "
                "exact copies would leave the HNSW graph returning fewer than k neighbours.\n\n"
                ) if distinct_texts and max(sizes) > distinct_texts else ""
    body = repeated + (
        f"Embedding model: **{model_name()}** (the app's configured default). Query embedding ({precision}, uncached, "
        f"median of {len(QUERIES)}): **{embedding_ms:.1f} ms**.\n\n"
        f"### Search API (`GET /api/v1/search`, {len(QUERIES)} bilingual queries, {clients} concurrent clients, "
        f"{requests_total} requests a round, medians of {rounds} rounds; latency in ms)\n\n"
        + table(["listings", "backend", "cold p50 (with embedding)", "p50", "p95", "p99", "req/s",
                 "app RSS MiB (sum)", "app PSS MiB"], rows)
        + "\n\nApp memory is the gunicorn master and its workers together, each app served again alone after the "
          "load test and measured after one warm round: RSS summed (pages the workers share counted in each) and "
          "PSS (each shared page counted once: the memory they take). The model and the embedded index are "
          "loaded before the workers fork, one copy for all.\n\n"
        + (f"### Latency against load (the same servers, {requests_total} requests a round, medians of {rounds} "
           "rounds, the client counts taking turns; latency in ms)\n\n"
           + table(["listings", "backend", "concurrent clients", "p50", "p95", "p99", "req/s",
                    "machine CPU ms a search", "of which the load client"], curve_rows)
           + "\n\nClosed-loop clients: each sends its next search when the last one answered. Once they keep both "
             "cores busy, more clients add no throughput, only a queue: latency then grows as clients / req/s "
             "(Little's law). The CPU columns are the whole machine's (app, search engine and the load client) over "
             "the searches served, and the load client's own share of it.\n\n" if curve_rows else "")
        + f"### Ingest (embedding in {precision}; indexing is a full rebuild with its final merge, "
          "without embedding)\n\n"
        + table(["listings", "backend", "import rows/s", "embed docs/s", "index docs/s",
                 "embedded index load from rows s", "start from checkpoint s", "indexer peak RSS MiB"], ingest_rows)
        + "\n\nThe embedded backend's rebuild builds its in-memory columns once and saves them as a checkpoint "
          "beside the new file before it goes live (its index docs/s include that); every process that starts "
          "later loads the checkpoint and then the rows written since (the start-from-checkpoint column). "
          "The load-from-rows column is a start without a checkpoint, from every row (the bench removes it "
          "for this).\n\n"
          "Embed docs/s counts the distinct texts the run embedded; vectors of texts an earlier run embedded "
          "(same model and precision) come from bench/.cache, keyed by text (\"cached\" when all did).\n\n"
          "Warm latencies repeat the same queries (after an unmeasured warm-up round), so query embeddings "
          "come from the cache; the cold column pays the embedding once per query. The backends' servers run "
          "side by side and their rounds take turns. Timings on a shared 2-core machine are noisy: compare "
          "ratios.\n\n"
        + f"### Vector leg of the embedded backend ({len(QUERIES)} queries, top {RANKING.fusion_depth}, "
          "one thread, ms)\n\n"
        + table(["listings", "exact scan", "approximate (IVF)", f"recall@{RANKING.fusion_depth} of the approximate"],
                vector_rows))
    return body


GROWTH = RESULTS / "growth.json"


def record_growth(measurement: dict) -> None:
    """Keep the newest measurement per catalogue size, backend and model in bench/results/growth.json,
    which `python -m bench.growth` plots: runs at different sizes add up to one curve."""
    measurements = json.loads(GROWTH.read_text()) if GROWTH.exists() else []
    key = ("listings", "backend", "model")
    measurements = [m for m in measurements if any(m[k] != measurement[k] for k in key)]
    measurements.append({k: round(v, 2) if isinstance(v, float) else v for k, v in measurement.items()})
    GROWTH.write_text(json.dumps(sorted(measurements, key=lambda m: [m[k] for k in key]), indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # 1,000 listings as well: the per-request cost that does not grow with the catalogue.
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["embedded", "opensearch"])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--load-curve", type=int, nargs="+", metavar="CLIENTS",
                        help="also measure latency at each of these client counts, e.g. 1 2 4 8")
    parser.add_argument("--requests", type=int, default=800, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--precision", default="auto", choices=PRECISIONS, help="embedding precision")
    parser.add_argument("--distinct-texts", type=int,
                        help="repeat the first N listings' texts (new refs) beyond N, so vectors come from the cache")
    parser.add_argument("--report", default="search",
                        help="bench/results/<report>.md: a partial run (other sizes, one backend) keeps the full one")
    args = parser.parse_args()
    body = run(args.sizes, args.backends, args.clients, args.requests, args.rounds, resolved_precision(args.precision),
               args.distinct_texts, args.load_curve)
    print(write_report(args.report, "Search benchmark", body, module="search"))


if __name__ == "__main__":
    main()

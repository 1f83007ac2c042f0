"""Need understanding: what a search query or a posted need's free text asks for.

    understand("胶囊剂有关物质检测 HPLC，200 个样品，武汉，两周内", today=date(2026, 3, 10))
    -> region 湖北省/武汉市, sample type 胶囊, 200 samples, deadline 2026-03-24, intent test_service,
       search_text "胶囊剂有关物质检测 HPLC"

Pure functions over the text and the region table: no Flask, no database. Every field keeps the span
it was read from, so an interface can show it as a removable chip and the search engine can rank on
the rest (`Understanding.search_text`).
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from marketplace.understanding import deadlines, intent, quantities, vocabulary
from marketplace.understanding.places import gazetteer
from marketplace.understanding.segmentation import words
from marketplace.understanding.values import (
    Budget,
    Certification,
    Deadline,
    Intent,
    Region,
    SampleCount,
    SampleType,
    Span,
    Standard,
    Understanding,
)

__all__ = ["understand", "topic", "preload", "Understanding", "Region", "Certification", "SampleType", "SampleCount",
           "Deadline", "Budget", "Standard", "Intent", "Span"]

# Where a span was cut out: the separators and little joining words it leaves behind.
_JOINERS = r"(?:[\s,，、;；。!！?？:：]|\b(?:and|or|in|at|by|for|with|of|within|before)\b|及|和|或|在|的|于)"
_LEFT_OVER_AFTER = re.compile(rf"^{_JOINERS}+")
_LEFT_OVER_BEFORE = re.compile(rf"{_JOINERS}+$")
_SPACES = re.compile(r"\s+")


def preload() -> None:
    """Build what a first reading builds (jieba's general dictionary, about 55 MB, the region table and
    the patterns): a server's master does before it forks, so that its workers share them."""
    understand("武汉 200 个样品 HPLC 检测，CMA，两周内，预算 5 万元", date.today())


# A search reads its query again on every page, facet click and refresh; the reading depends only on
# the text and the day, and is immutable, so the recent ones are kept (a tenth of a search's CPU).
@lru_cache(maxsize=2048)
def understand(text: str, today: date) -> Understanding:
    """Read `text` (Chinese, English or both); relative deadlines are resolved from `today`."""
    sample_types = vocabulary.sample_types(text)
    kinds = "|".join(re.escape(kind.span.text) for kind in sample_types)
    count = quantities.sample_count(text, kinds or None)
    budget = quantities.budget(text, count.count if count else None)
    deadline = deadlines.deadline(text, today)
    regions = gazetteer().find(words(text))
    evidence = {Intent.TEST_SERVICE: 2 * bool(count) + bool(sample_types)}
    purpose, cues, purchase_verbs = intent.intent(text, evidence)
    removed = [span for region in regions for span in region.spans] + [
        found.span for found in (count, budget, deadline) if found] + list(purchase_verbs)
    return Understanding(
        text=text, search_text=_without(text, removed), regions=regions,
        certifications=vocabulary.certifications(text), sample_types=sample_types, sample_count=count,
        deadline=deadline, budget=budget, standards=vocabulary.standards(text), intent=purpose, intent_cues=cues)


def topic(text: str, today: date) -> str:
    """What `text` asks to have done, for matching a posted need to listings: its search_text less the
    certifications too. A need holds those as a field, weighed as a preference; as words ("CMA", with
    the place a search_text leaves out) a listing shares them whatever it does."""
    search_text = understand(text, today).search_text
    return _without(search_text, [mention.span for mention in vocabulary.certification_mentions(search_text)])


def _without(text: str, spans: list[Span]) -> str:
    """The text less the spans, and less what held them in ("，", "and", "的")."""
    pieces, position = [], 0
    for span in sorted(spans) + [Span(len(text), len(text), "")]:
        piece = text[position:span.start]
        if position > 0:
            piece = _LEFT_OVER_AFTER.sub("", piece)
        if span.start < len(text):
            piece = _LEFT_OVER_BEFORE.sub("", piece)
        pieces.append(piece)
        position = max(position, span.end)
    return _SPACES.sub(" ", " ".join(pieces)).strip(" ,，、;；。")

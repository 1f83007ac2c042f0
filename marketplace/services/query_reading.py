"""What a search query asks for besides its topic: need understanding (marketplace.understanding) reads
place, certifications, sample type and count, deadline, budget and intent; the searcher gets them as
soft preferences (listings that have them rank higher, none is hidden) and sees each as a chip that
can be removed (the `drop` argument names its key) or made a filter."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from marketplace.messages import Phrase
from marketplace.understanding import Intent, Understanding, understand
from search.service import Preferences

# What each intent puts first (issue 17): a test need shared instruments, a buyer products for sale,
# technology seekers transfers.
INTENT_KINDS = {Intent.TEST_SERVICE: ("instrument",), Intent.BUY_INSTRUMENT: ("product",),
                Intent.TECHNOLOGY: ("transfer",)}
INTENT_LABELS = {Intent.TEST_SERVICE: Phrase("testing: shared instruments first"),
                 Intent.BUY_INSTRUMENT: Phrase("buying: instruments for sale first"),
                 Intent.TECHNOLOGY: Phrase("technology: transfers first")}


@dataclass(frozen=True)
class Chip:
    key: str  # what the `drop` argument names to remove it: "region:湖北省/武汉市"
    label: Phrase  # what it is: "Region"
    value: str  # as shown in Chinese, and in English unless value_en says otherwise (a Phrase is translated)
    value_en: str | None = None
    filter: tuple[str, str] | None = None  # (query argument, value): the chip made a hard filter


@dataclass(frozen=True)
class ReadQuery:
    text: str  # what the search engine ranks on
    preferences: Preferences
    chips: tuple[Chip, ...]
    understanding: Understanding


@dataclass(frozen=True)
class Filtered:
    """What the searcher already filters on: a chip for it would say nothing new."""

    region: str | None = None
    certifications: tuple[str, ...] = ()
    kinds_chosen: bool = False


def read_query(text: str, today: date, dropped: Collection[str] = (), filtered: Filtered = Filtered()) -> ReadQuery:
    understanding = understand(text, today)
    chips = [chip for chip in _chips(understanding, filtered) if chip.key not in dropped]
    kept = {chip.key for chip in chips}
    region = understanding.region
    intent_kinds = INTENT_KINDS.get(understanding.intent, ())
    preferences = Preferences(
        kinds=intent_kinds if f"intent:{understanding.intent}" in kept else (),
        region=region.path if region and f"region:{region.path}" in kept else None,
        certifications=tuple(c.code for c in understanding.certifications if f"certification:{c.code}" in kept))
    search_text = understanding.search_text
    for sample_type in understanding.sample_types:  # a removed sample type leaves the search text too
        if f"sample_type:{sample_type.name}" not in kept:
            search_text = search_text.replace(sample_type.span.text, " ", 1)
    # A query of nothing but a place ("武汉") still searches its words rather than browsing everything.
    return ReadQuery(search_text.strip() or text, preferences, tuple(chips), understanding)


def _chips(understanding: Understanding, filtered: Filtered) -> list[Chip]:
    chips = []
    region = understanding.region
    if region and not filtered.region:  # a region chosen by hand outranks one read from the words
        chips.append(Chip(f"region:{region.path}", Phrase("Region"), region.city or region.province,
                          region.city_en or region.province_en, ("region", region.path)))
    seen = set(filtered.certifications)
    for certification in understanding.certifications:
        if certification.code not in seen:
            seen.add(certification.code)
            chips.append(Chip(f"certification:{certification.code}", Phrase("Certification"), certification.code,
                              filter=("certification", certification.code)))
    if understanding.intent in INTENT_KINDS and not filtered.kinds_chosen:
        chips.append(Chip(f"intent:{understanding.intent}", Phrase("Looking for"), INTENT_LABELS[understanding.intent],
                          filter=("kind", INTENT_KINDS[understanding.intent][0])))
    names = {s.name: s.name_en for s in understanding.sample_types}
    chips += [Chip(f"sample_type:{name}", Phrase("Sample type"), name, name_en) for name, name_en in names.items()]
    if understanding.sample_count:
        count = understanding.sample_count.count
        chips.append(Chip(f"sample_count:{count}", Phrase("Samples"), str(count)))
    if understanding.deadline:
        deadline = understanding.deadline.date.isoformat()
        chips.append(Chip(f"deadline:{deadline}", Phrase("Deadline"), deadline))
    if understanding.budget:
        cny = understanding.budget.cny
        chips.append(Chip(f"budget:{cny:.0f}", Phrase("Budget"), f"¥{cny:,.0f}"))
    return chips


def need_fields(text: str, today: date) -> dict[str, object]:
    """A posted need's fields as its free text states them (catalogue record values), for the form to
    pre-fill where the person left a field empty."""
    understanding = understand(text, today)
    fields: dict[str, object] = {}
    if understanding.region:
        fields["region"] = understanding.region.path
    if understanding.sample_types:
        fields["sample_type"] = understanding.sample_types[0].name
    if understanding.sample_count:
        fields["sample_count"] = understanding.sample_count.count
    if understanding.deadline and understanding.deadline.date >= today:
        fields["deadline"] = understanding.deadline.date.isoformat()
    if understanding.budget:
        fields["budget_cny"] = understanding.budget.cny
    if understanding.certifications:
        fields["certifications"] = list(dict.fromkeys(c.code for c in understanding.certifications))
    if understanding.standards:
        fields["standards"] = [s.code for s in understanding.standards]
    return fields

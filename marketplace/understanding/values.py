"""What need understanding returns: frozen values, each extracted field with the text it came from."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, order=True)
class Span:
    """Where a field came from: text[start:end] of the text that was read."""

    start: int
    end: int
    text: str


class Intent(enum.StrEnum):
    TEST_SERVICE = "test_service"        # have samples tested: shared instruments first
    BUY_INSTRUMENT = "buy_instrument"    # buy an instrument: products for sale first
    TECHNOLOGY = "technology"            # license a patent, transfer or co-develop a technology
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Region:
    """A province, and the prefecture-level city when the text names one (directly or by a district)."""

    province: str
    province_en: str
    city: str | None
    city_en: str | None
    district: str | None
    spans: tuple[Span, ...]

    @property
    def path(self) -> str:
        """The catalogue's region path: "湖北省/武汉市", or "湖北省" for a province alone."""
        return f"{self.province}/{self.city}" if self.city else self.province


@dataclass(frozen=True)
class Certification:
    code: str   # "CMA", "CNAS", "CMAF", "GLP", "GMP", "ILAC-MRA", "DILAC"
    span: Span


@dataclass(frozen=True)
class SampleType:
    name: str       # the Chinese name, as a need's sample_type field holds it: "胶囊"
    name_en: str    # "capsule"
    span: Span


@dataclass(frozen=True)
class SampleCount:
    count: int
    span: Span


@dataclass(frozen=True)
class Deadline:
    date: date
    span: Span


@dataclass(frozen=True)
class Budget:
    cny: float      # the most the person will pay: the upper end of a range, in yuan
    span: Span


@dataclass(frozen=True)
class Standard:
    code: str       # as written, spacing normalised: "GB/T 19077-2016", "ICH Q3D"
    span: Span


@dataclass(frozen=True)
class Understanding:
    """A search query or a posted need's free text, read.

    `search_text` is the text with the spans that carry no topical meaning removed (place, sample
    count, deadline, budget, purchase verbs): what the search engine should rank on. Instrument
    words, sample types, certifications and standards stay in it.
    """

    text: str
    search_text: str
    regions: tuple[Region, ...]
    certifications: tuple[Certification, ...]
    sample_types: tuple[SampleType, ...]
    sample_count: SampleCount | None
    deadline: Deadline | None
    budget: Budget | None
    standards: tuple[Standard, ...]
    intent: Intent
    intent_cues: tuple[Span, ...]

    @property
    def region(self) -> Region | None:
        """The first place the text names; `regions` holds every distinct one ("武汉或长沙")."""
        return self.regions[0] if self.regions else None

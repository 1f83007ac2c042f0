"""Domestic alternatives to an imported instrument, compared spec by spec for a procurement justification."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from marketplace.messages import Phrase
from marketplace.models import LISTING_KINDS, DomesticProduct
from marketplace.services.discovery import SearchParams, search_postings
from marketplace.services.errors import ValidationFailed
from marketplace.taxonomy import category_paths
from marketplace.text_formats import TextFormatError, parse_specs
from search.service import Preferences, Searcher

MAX_QUERY = 200
# How many of the best-matching listings vote on the imported instrument's class.
CLASS_VOTERS = 5


@dataclass
class Alternative:
    product: DomesticProduct
    named_replacement: bool  # the vendor lists the imported model among those it replaces
    score: float


@dataclass
class Comparison:
    imported: str
    imported_specs: dict[str, str]
    alternatives: list[Alternative]
    spec_names: list[str] = field(default_factory=list)
    # The instrument class (a category path, "分析仪器/色谱仪器") every alternative belongs to; None when
    # neither the buyer nor the catalogue tells it, and then only named replacements are offered.
    instrument_class: str | None = None


def find_alternatives(session: Session, searcher: Searcher, imported: str, imported_specs: str = "",
                      limit: int = 10, instrument_class: str | None = None) -> Comparison:
    """Domestic products of the imported instrument's class only, however few (a spectrometer that shares
    a model number is no alternative to a chromatograph). Products whose vendor names the imported model
    among those they replace come first. `imported_specs` is what the buyer typed, `name: value` per
    line; `instrument_class` a category path the buyer chose, else the class is read from the catalogue."""
    try:
        specs = parse_specs(imported_specs)
    except TextFormatError as error:
        raise ValidationFailed({"specs": error.message}) from None
    imported = (imported or "").strip()
    if not imported:
        raise ValidationFailed({"imported": Phrase("name the imported brand and model, or describe the instrument")})
    if len(imported) > MAX_QUERY:
        raise ValidationFailed({"imported": Phrase("is too long (at most %(limit)d characters)", limit=MAX_QUERY)})
    if instrument_class and instrument_class not in category_paths():
        raise ValidationFailed({"category": Phrase("is not a category of the instrument classification")})
    named = session.scalars(select(DomesticProduct).where(
        func.lower(cast(DomesticProduct.replaces, String)).contains(imported.lower()), DomesticProduct.is_visible)
        .limit(limit)).all()
    instrument_class = instrument_class or _class_of(session, searcher, imported)
    # A vendor's own claim to replace the model stands unless its listing says it is of another class.
    alternatives = [Alternative(p, True, float("inf")) for p in named
                    if not p.category or instrument_class is None or _same_class(p.category, instrument_class)]
    if instrument_class:
        page = search_postings(session, searcher, SearchParams(
            text=imported, kinds=("product",), origin="domestic", category=instrument_class, limit=limit,
            preferences=Preferences()))
        seen = {a.product.id for a in alternatives}
        alternatives += [Alternative(r.posting, False, r.score) for r in page.results if r.posting.id not in seen]
    alternatives = alternatives[:limit]
    names = list(specs)
    for alternative in alternatives:
        names += [name for name in alternative.product.specs or {} if name not in names]
    return Comparison(imported, specs, alternatives, names, instrument_class)


def _same_class(category: str, instrument_class: str) -> bool:
    return category == instrument_class or category.startswith(instrument_class + "/")


def _class_of(session: Session, searcher: Searcher, imported: str) -> str | None:
    """The class the best-matching listings of every kind (the same model shared by a lab, products
    naming it as replaced) mostly share, each voting with its relevance score: a listing that names
    the model in passing (a mass spectrometer claiming to replace a chromatograph) and scores about
    as well as the model's own listing does not outvote it and the class's other matches."""
    page = search_postings(session, searcher, SearchParams(text=imported, kinds=LISTING_KINDS, limit=CLASS_VOTERS,
                                                           preferences=Preferences()))
    votes: dict[str, float] = {}
    for result in page.results:
        category = result.posting.category
        if category and "/" in category:  # a top-level category alone ("分析仪器") is no class
            path = "/".join(category.split("/")[:2])
            votes[path] = votes.get(path, 0.0) + result.score
    return max(votes, key=lambda path: votes[path]) if votes else None

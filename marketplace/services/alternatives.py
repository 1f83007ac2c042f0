"""Domestic alternatives to an imported instrument, compared spec by spec for a procurement justification."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from marketplace.messages import Phrase
from marketplace.models import DomesticProduct
from marketplace.services.discovery import SearchParams, search_postings
from marketplace.services.errors import ValidationFailed
from marketplace.text_formats import TextFormatError, parse_specs
from search.service import Preferences, Searcher

MAX_QUERY = 200


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


def find_alternatives(session: Session, searcher: Searcher, imported: str, imported_specs: str = "",
                      limit: int = 10) -> Comparison:
    """`imported_specs` is what the buyer typed, `name: value` per line."""
    try:
        specs = parse_specs(imported_specs)
    except TextFormatError as error:
        raise ValidationFailed({"specs": error.message}) from None
    imported = (imported or "").strip()
    if not imported:
        raise ValidationFailed({"imported": Phrase("name the imported brand and model, or describe the instrument")})
    if len(imported) > MAX_QUERY:
        raise ValidationFailed({"imported": Phrase("is too long (at most %(limit)d characters)", limit=MAX_QUERY)})
    named = session.scalars(select(DomesticProduct).where(
        func.lower(cast(DomesticProduct.replaces, String)).contains(imported.lower())).limit(limit)).all()
    page = search_postings(session, searcher, SearchParams(text=imported, kinds=("product",), origin="domestic",
                                                           limit=limit, preferences=Preferences()))
    alternatives = [Alternative(p, True, float("inf")) for p in named]
    seen = {p.id for p in named}
    alternatives += [Alternative(r.posting, False, r.score) for r in page.results if r.posting.id not in seen]
    alternatives = alternatives[:limit]
    names = list(specs)
    for alternative in alternatives:
        names += [name for name in alternative.product.specs or {} if name not in names]
    return Comparison(imported, specs, alternatives, names)

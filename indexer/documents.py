"""From postings to search documents and index operations: the one place that knows both a catalogue
record's fields (marketplace) and what a search document holds (search).

Documents are built from rows inside a database transaction (`documents`); embedding them, the slow
part, happens after it ended (`with_vectors`), so that no transaction stays open while the model runs.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from marketplace.kinds import KINDS
from marketplace.messages import catalogue, translate
from marketplace.models import Posting
from marketplace.search_gateway import document_id
from marketplace.services.quality import completeness
from marketplace.services.records import to_record
from search.backend import Upsert
from search.documents import SearchDocument
from search.embeddings import Embedder


def _strings(values: Any) -> list[str]:
    if not values:
        return []
    if isinstance(values, Mapping):
        return [f"{key} {value}" for key, value in values.items()]
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values if v is not None]


def _price_range(record: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """One CNY range per listing: its fees, its price range, a transfer's asking price or a need's budget."""
    prices = [float(f["price_cny"]) for f in record.get("fees") or []
              if isinstance(f, Mapping) and f.get("price_cny") is not None]
    prices += [float(record[key]) for key in ("price_min_cny", "price_max_cny", "asking_price_cny", "budget_cny")
               if record.get(key) is not None]
    return (min(prices), max(prices)) if prices else (None, None)


# What a search document shows of the posting's organisation (in its body, from record["owner"]): a
# change of these re-queues the organisation's postings (indexer.change_tracking), of others not.
INDEXED_OWNER_FIELDS = ("name",)


# Choices a listing's page shows as words, searched in both languages ("转让 assignment"): the record
# holds codes, and people type the words ("可以转让的专利"). Service modes and origin stay out: their
# words (sample, 国产) are in most listings, and long needs then matched them all (docs/perf-log.md).
SHOWN_CHOICES = ("transfer_modes",)


def _labels(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The words the listing's page shows for its coded fields, Chinese then English: the chosen
    choices' labels, and the patents field's label before numbers that never say "patent"."""
    kind, chinese = KINDS.get(record.get("kind", "")), catalogue("zh").gettext
    if kind is None:
        return ()
    names = {field.name: field for field in kind.fields}
    labels = [names[name].choice_label(value) for name in SHOWN_CHOICES if name in names
              for value in _strings(record.get(name))]
    if record.get("patents") and "patents" in names:
        labels.append(names["patents"].label)
    return tuple(f"{translate(label, chinese)} {label}" for label in labels)


def _body(record: Mapping[str, Any]) -> str:
    owner = record.get("owner") or {}
    parts = [
        record.get("description") or "",
        *_strings(record.get("capabilities")),
        *_strings(record.get("standards")),
        *_strings(record.get("keywords")),
        *_strings([record.get(key) for key in ("model", "manufacturer", "field", "sample_type")]),
        *_strings(record.get("replaces")),
        *_strings(record.get("specs")),
        *_strings(record.get("patents")),
        *(f.get("item", "") for f in record.get("fees") or [] if isinstance(f, Mapping)),
        owner.get("name") or "",
        # Places and categories are typed into queries ("武汉 色谱") as often as they are chosen as filters.
        *(path.replace("/", " ") for path in _strings([record.get("region"), record.get("category")])),
    ]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def build_document(doc_id: str, version: int, record: Mapping[str, Any]) -> SearchDocument:
    """The search document of a catalogue record (the shape of marketplace/data/listing.schema.json)."""
    low, high = _price_range(record)
    completeness = record.get("completeness")
    return SearchDocument(
        doc_id=str(doc_id), version=int(version), kind=record["kind"], ref=record["ref"], title=record["title"],
        body=_body(record), category=record.get("category") or None, region=record.get("region") or None,
        origin=record.get("origin") or None,
        certifications=tuple(sorted({c.strip().upper() for c in _strings(record.get("certifications")) if c.strip()})),
        service_modes=tuple(sorted(set(_strings(record.get("service_modes"))))),
        price_cny_low=low, price_cny_high=high,
        completeness=1.0 if completeness is None else min(1.0, max(0.0, float(completeness))),
        labels=_labels(record),
    )


def posting_document(posting: Posting) -> SearchDocument:
    record = to_record(posting)
    # Completeness travels with the document so the backend can rank incomplete listings lower.
    record["completeness"] = completeness(record).score
    return build_document(document_id(posting.id), posting.version, record)


def documents(postings: Sequence[Posting]) -> tuple[list[SearchDocument], dict[int, str]]:
    """The postings' documents, and posting id -> error for those whose data makes no document (a
    number that is not finite, say): one bad posting must not stop the others. Call inside the
    transaction that loaded them."""
    built, failed = [], {}
    for posting in postings:
        try:
            built.append(posting_document(posting))
        except (ValueError, TypeError, KeyError) as error:
            failed[posting.id] = f"no search document: {type(error).__name__}: {error}"
    return built, failed


def with_vectors(documents: Sequence[SearchDocument], embedder: Embedder) -> list[Upsert]:
    """The documents with their vectors, embedded in one batch: call outside any transaction."""
    if not documents:
        return []
    vectors = embedder.embed([d.embedding_text() for d in documents])
    model = embedder.fingerprint.key
    return [Upsert(document, vector, model) for document, vector in zip(documents, vectors, strict=True)]

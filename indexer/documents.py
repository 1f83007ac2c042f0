"""From posting rows to search documents and index operations."""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from marketplace.models import Posting
from marketplace.services.quality import completeness
from marketplace.services.records import to_record
from search.backend import Upsert
from search.documents import SearchDocument, build_document
from search.embeddings import Embedder


def doc_id(posting_id: int) -> str:
    return str(posting_id)


def posting_document(posting: Posting) -> SearchDocument:
    record = to_record(posting)
    # Completeness travels with the document so the backend can rank incomplete listings lower.
    record["completeness"] = completeness(record).score
    return build_document(doc_id(posting.id), posting.version, record)


def upserts(postings: Sequence[Posting], embedder: Embedder) -> list[Upsert]:
    """Documents with their vectors, embedded in one batch."""
    documents = [posting_document(p) for p in postings]
    if not documents:
        return []
    vectors = embedder.embed([d.embedding_text() for d in documents])
    return [Upsert(document, vector) for document, vector in zip(documents, vectors)]


def batched_upserts(postings: Iterable[Posting], embedder: Embedder, batch_size: int) -> Iterator[Upsert]:
    batch: list[Posting] = []
    for posting in postings:
        batch.append(posting)
        if len(batch) >= batch_size:
            yield from upserts(batch, embedder)
            batch = []
    yield from upserts(batch, embedder)

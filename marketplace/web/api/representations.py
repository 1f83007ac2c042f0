"""Domain objects as the API's response models (see schemas.py): every reply is built through its model,
which checks it against the document."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import url_for

from marketplace.kinds import posting_path
from marketplace.models import Inquiry, Message, Order, Posting, Quote
from marketplace.services.deals import Thread
from marketplace.services.records import to_record
from marketplace.web.api import schemas


def aware(moment: datetime | None) -> datetime | None:
    """Stored times are naive UTC; the API says so (…Z)."""
    return moment.replace(tzinfo=UTC) if moment is not None else None


def version_tag(posting: Posting) -> str:
    """The posting's entity tag: its id and version (strong; quoted in headers)."""
    return f"{posting.id}-{posting.version}"


def etag(posting: Posting) -> str:
    return f'"{version_tag(posting)}"'


def posting_url(posting: Posting) -> str:
    return url_for(f"api_postings.read_{posting.kind}", posting_id=posting.id)


def _links(posting: Posting) -> schemas.PostingLinks:
    return schemas.PostingLinks(self=posting_url(posting), html=posting_path(posting.kind, posting.id))


def posting(item: Posting) -> schemas.Reply:
    record = to_record(item)
    owner = item.organisation
    record["owner"] = {"id": owner.id, "name": owner.name, "kind": owner.kind.value}
    return schemas.POSTING_APIS[item.kind].output.model_validate({
        **record, "id": item.id, "version": item.version, "created_at": aware(item.created_at),
        "updated_at": aware(item.updated_at), "archived_at": aware(item.archived_at), "links": _links(item)})


def summary(item: Posting) -> schemas.PostingSummary:
    return schemas.PostingSummary(id=item.id, kind=item.kind, ref=item.ref, title=item.title,
                                  archived=not item.is_live, links=_links(item))


def message(item: Message) -> schemas.MessageOut:
    return schemas.MessageOut(id=item.id, author=item.author.display_name, body=item.body,
                              created_at=aware(item.created_at))


def order(item: Order) -> schemas.OrderOut:
    return schemas.OrderOut(id=item.id, quote_id=item.quote_id, status=item.status.value,
                            created_at=aware(item.created_at), completed_at=aware(item.completed_at))


def quote(item: Quote, net_price_cny: float | None = None) -> schemas.QuoteOut:
    return schemas.QuoteOut(
        id=item.id, inquiry_id=item.inquiry_id, price_cny=item.price_cny, net_price_cny=net_price_cny,
        turnaround_days=item.turnaround_days, conditions=item.conditions, status=item.status.value,
        created_at=aware(item.created_at), decided_at=aware(item.decided_at),
        order=order(item.order) if item.order is not None else None)


def inquiry(found: Thread) -> schemas.InquiryOut:
    item: Inquiry = found.inquiry
    return schemas.InquiryOut(
        id=item.id, need=summary(item.need), listing=summary(item.listing),
        requester=schemas.OrganisationSummary(id=item.requester.id, name=item.requester.name),
        provider=schemas.OrganisationSummary(id=item.provider.id, name=item.provider.name),
        created_at=aware(item.created_at), messages=[message(m) for m in item.messages],
        quotes=[quote(q, found.net_prices[q.id].net_cny if q.id in found.net_prices else None)
                for q in item.quotes])

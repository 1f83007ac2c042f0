"""/api/v1/feed.jsonl: the harvest feed (services/feed.py) with Last-Modified and If-Modified-Since."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Literal

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict
from pydantic import Field as Property
from werkzeug.http import http_date

from marketplace.kinds import LISTING_KINDS
from marketplace.services import feed as harvest
from marketplace.web.api.openapi import PUBLIC, describe, responses, spec
from marketplace.web.context import db_session, stream_session

bp = Blueprint("api_feed", __name__, url_prefix="/api/v1")
JSON_LINES = "application/jsonl"


class FeedQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    updated_since: datetime = Property(None, description="only what changed at or after this time (ISO 8601; UTC "
                                                         "unless it has an offset), tombstones included")
    kind: list[Literal[LISTING_KINDS]] = Property(None, description="only these kinds (default: all listings)")


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@bp.get("/feed.jsonl")
@spec.validate(operation_id=describe("feed", headers={200: ("Last-Modified",), 304: ("Last-Modified",)},
                                     media={200: JSON_LINES}),
               query=FeedQuery, resp=responses(HTTP_200=None, HTTP_304=None), tags=["Feed"], security=PUBLIC)
def feed():
    """Harvest the public listings\n\nJSON Lines, one listing per line in the shared catalogue format
    (listing.schema.json) plus its `updated_at`, oldest change first. Keep the newest `updated_at` you saw (or
    the Last-Modified header) and ask with `updated_since` next time: you get what changed since, including
    `{"kind", "ref", "deleted": true, "updated_at"}` tombstones for listings archived or deleted meanwhile.
    If-Modified-Since answers 304 when nothing changed."""
    query = request.context.query
    kinds = tuple(query.kind or LISTING_KINDS)
    session = db_session()
    modified = harvest.last_modified(session, kinds)
    headers = {"Last-Modified": http_date(modified.replace(tzinfo=UTC))} if modified else {}
    since = request.if_modified_since
    if modified and since and modified.replace(microsecond=0, tzinfo=UTC) <= since:
        return Response(status=304, headers=headers)
    since_update, stream = _utc(query.updated_since), stream_session()

    def lines() -> Iterator[str]:
        with stream:
            for entry in harvest.entries(stream, kinds, since_update):
                yield json.dumps(entry, ensure_ascii=False) + "\n"
    return Response(lines(), mimetype=JSON_LINES, headers=headers)

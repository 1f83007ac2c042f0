"""/api/v1/<kind>: list, read, create, replace and archive postings of every kind, one set of routes per
kind in the registry, each with that kind's models."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, request, url_for

from marketplace.kinds import KINDS, Kind
from marketplace.services import postings
from marketplace.services.errors import PreconditionFailed, ServiceError
from marketplace.web.api import representations as show
from marketplace.web.api.auth import writer
from marketplace.web.api.openapi import PUBLIC, TOKEN, describe, follow, responses, spec
from marketplace.web.api.schemas import POSTING_APIS, IfMatch, PostingApi
from marketplace.web.context import db_session

bp = Blueprint("api_postings", __name__, url_prefix="/api/v1")
ITEM = "<int:posting_id>"
STRONG_ETAG = re.compile(r'^"(\d+)-(\d+)"$')


class PreconditionRequired(ServiceError):
    status = 428


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def expected_version(posting_id: int) -> int | None:
    """The version If-Match names (None for `*`: any version). Weak tags never match (RFC 9110)."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired("Send If-Match with the ETag of the version you read, so that nobody's "
                                   "change is overwritten without notice.")
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags:
        return None
    for tag in tags:
        match = STRONG_ETAG.match(tag)
        if match and int(match[1]) == posting_id:
            return int(match[2])
    raise PreconditionFailed("If-Match names no version of this posting; read it again for its ETag.")


def _record(body: Any, kind: Kind) -> dict[str, Any]:
    record = body.model_dump(mode="json", exclude_none=True)
    record["kind"] = kind.name
    record.setdefault("description", "")
    return record


def _versioned(item, status: int = 200, **headers: str):
    return show.posting(item), status, {"ETag": show.etag(item), **headers}


def _route(rule: str, endpoint: str, methods: list[str], view: Callable, summary: str, **validation: Any) -> None:
    view.__name__, view.__doc__ = endpoint, summary
    bp.add_url_rule(rule, endpoint, spec.validate(operation_id=endpoint, **validation)(view), methods=methods)


def _register(kind: Kind, models: PostingApi) -> None:
    name, plural, base = kind.name, str(kind.plural).lower(), f"/{kind.slug}"
    tags = [str(kind.plural)]

    def list_postings():
        query = request.context.query
        page = postings.browse_postings(db_session(), postings.Browse(
            kind=name, owner_id=query.owner, updated_since=_naive_utc(query.updated_since),
            include_archived=query.include_archived, region=query.region, category=query.category,
            origin=getattr(query, "origin", None), certifications=tuple(getattr(query, "certification", None) or ()),
            service_modes=tuple(getattr(query, "service_mode", None) or ()), before_id=query.cursor,
            limit=query.limit))
        next_url = None
        if page.next_before_id is not None:
            arguments = request.args.to_dict(flat=False)
            arguments["cursor"] = [str(page.next_before_id)]
            next_url = url_for(f".list_{name}", **arguments)
        body = models.page(items=[show.posting(p) for p in page.items], next=next_url, limit=query.limit)
        return body, 200, ({"Link": f'<{next_url}>; rel="next"'} if next_url else {})

    def read(posting_id: int):
        item = postings.get_posting(db_session(), posting_id, name)
        if request.if_none_match.contains(show.version_tag(item)):
            return "", 304, {"ETag": show.etag(item)}
        return _versioned(item)

    def create():
        item = postings.create_posting(db_session(), writer(), _record(request.context.json, kind))
        return _versioned(item, 201, Location=show.posting_url(item))

    def replace(posting_id: int):
        actor = writer()
        postings.get_posting(db_session(), posting_id, name)  # a posting of another kind is not here
        item = postings.update_posting(db_session(), actor, posting_id, _record(request.context.json, kind),
                                       expected_version(posting_id))
        return _versioned(item)

    def archive(posting_id: int):
        actor = writer()
        postings.get_posting(db_session(), posting_id, name)
        return _versioned(postings.archive_posting(db_session(), actor, posting_id, expected_version(posting_id)))

    _route(base, describe(f"list_{name}", headers={200: ("Link",)}), ["GET"], list_postings,
           f"List {plural}\n\nNewest first; archived ones only with include_archived.", query=models.query,
           resp=responses(HTTP_200=models.page), tags=tags, security=PUBLIC)
    _route(f"{base}/{ITEM}", describe(f"read_{name}", headers={200: ("ETag",), 304: ("ETag",)}), ["GET"], read,
           f"Read one of the {plural}\n\nArchived ones too (archived_at is set). With If-None-Match: 304 when "
           "unchanged.", resp=responses(404, HTTP_200=models.output, HTTP_304=None), tags=tags, security=PUBLIC)
    created = {"posting_id": "$response.body#/id"}
    versioned = {**created, "header.If-Match": "$response.header.ETag"}
    links = {201: {"read": follow(f"read_{name}", **created), "replace": follow(f"replace_{name}", **versioned),
                   "archive": follow(f"archive_{name}", **versioned)}}
    _route(base, describe(f"create_{name}", headers={201: ("ETag", "Location")}, links=links), ["POST"], create,
           f"Create one of the {plural}\n\nOwned by the token's organisation. `ref` is your own id for it, "
           "unique per kind.", json=models.create,
           resp=responses(400, 403, 415, HTTP_201=models.output), tags=tags, security=TOKEN)
    _route(f"{base}/{ITEM}", describe(f"replace_{name}", headers={200: ("ETag",)}), ["PUT"], replace,
           f"Replace one of the {plural}\n\nThe body is the whole posting: a field left out is cleared. Needs "
           "If-Match.", json=models.replace, headers=IfMatch,
           resp=responses(400, 403, 404, 409, 412, 415, 428, HTTP_200=models.output), tags=tags, security=TOKEN)
    _route(f"{base}/{ITEM}/archive", describe(f"archive_{name}", headers={200: ("ETag",)}), ["POST"], archive,
           f"Archive one of the {plural}\n\nIt leaves lists, search and the feed (as a tombstone) and can no "
           "longer change; inquiries, quotes, orders and bookings on it stay readable by both parties. Needs "
           "If-Match.", headers=IfMatch, resp=responses(403, 404, 409, 412, 428, HTTP_200=models.output),
           tags=tags, security=TOKEN)


for _kind in KINDS.values():
    _register(_kind, POSTING_APIS[_kind.name])

"""Is this instance ready to serve: its database answers, and the search side (backend, embedding model)."""
from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from search.service import Searcher

log = logging.getLogger(__name__)
READY = {"database": "ok", "search_backend": "ok", "embedding_model": "ready"}


def check(session: Session, searcher: Searcher) -> tuple[bool, dict[str, str]]:
    """(ready, each part's state): ready only when every part is."""
    try:
        session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        log.warning("database health check failed", exc_info=True)
        session.rollback()
        database = "unreachable"
    checks = {"database": database, **searcher.health()}
    return checks == READY, checks

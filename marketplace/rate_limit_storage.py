"""A storage for the `limits` library (which Flask-Limiter counts with) in the application's database.

Flask-Limiter's own storages are process memory (each gunicorn worker would count alone, multiplying
every limit by the number of workers) or a Redis, Memcached or MongoDB server, which a fresh install
does not have. The database is already shared by every worker and host, so counters live there: one
row per window, incremented with a single atomic upsert on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import itertools
import time

from limits.storage import Storage
from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from marketplace.models.rate_limits import RateLimitCounter

COUNTERS = RateLimitCounter.__table__
PURGE_EVERY = 500  # increments between sweeps of expired windows


class DatabaseStorage(Storage):
    """Fixed-window counters; expects `engine` (the app's SQLAlchemy engine) among the storage options."""

    STORAGE_SCHEME = ["marketplace-database"]
    URI = "marketplace-database://"

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, *, engine: Engine, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._increments = itertools.count(1)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        expired = COUNTERS.c.expires_at <= now
        upsert = self._insert(COUNTERS).values(key=key, count=amount, expires_at=now + expiry)
        upsert = upsert.on_conflict_do_update(index_elements=[COUNTERS.c.key], set_={
            "count": case((expired, amount), else_=COUNTERS.c.count + amount),
            "expires_at": case((expired, now + expiry), else_=COUNTERS.c.expires_at),
        }).returning(COUNTERS.c.count)
        with self.engine.begin() as connection:
            count = connection.execute(upsert).scalar_one()
            if next(self._increments) % PURGE_EVERY == 0:
                connection.execute(delete(COUNTERS).where(expired))
        return count

    def get(self, key: str) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(select(COUNTERS.c.count).where(
                COUNTERS.c.key == key, COUNTERS.c.expires_at > time.time())) or 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as connection:
            expires_at = connection.scalar(select(COUNTERS.c.expires_at).where(COUNTERS.c.key == key))
        return expires_at if expires_at and expires_at > time.time() else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.scalar(select(func.count()).select_from(COUNTERS))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(delete(COUNTERS)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(COUNTERS).where(COUNTERS.c.key == key))

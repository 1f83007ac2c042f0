from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC, so outbox timestamps compare the same way on SQLite and PostgreSQL."""
    return datetime.now(timezone.utc).replace(tzinfo=None)

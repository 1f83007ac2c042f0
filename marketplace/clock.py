from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, so outbox timestamps compare the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)

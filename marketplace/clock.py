from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# Bookings, opening hours and quote validity are the labs' wall-clock times. The platform's labs are all in
# China, which has one time zone and no daylight saving, so one zone serves every instrument.
LAB_TIME_ZONE = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Naive UTC, so outbox timestamps compare the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def lab_now() -> datetime:
    """Naive wall-clock time at the labs, the clock booking slots are written in."""
    return datetime.now(LAB_TIME_ZONE).replace(tzinfo=None)


def lab_today() -> date:
    return lab_now().date()

"""Building and following URLs from what a request carries, without letting it choose where they lead."""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from flask import url_for
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

# Every id column is a 32-bit integer on PostgreSQL (and SQLite's are 64-bit): a larger id in a path
# made the database raise (a 500). Routes' <int:...> match only ids that can exist, so others are a 404.
MAX_ID = 2**31 - 1


def _at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit: an id past it matches no route at all (a 404
    for every method; a converter that refuses it after matching leaves werkzeug answering 405)."""
    digits = str(limit)
    shorter = rf"\d{{1,{len(digits) - 1}}}" if len(digits) > 1 else None
    same_length = [digits[:i] + f"[0-{int(d) - 1}]" + rf"\d{{{len(digits) - i - 1}}}"
                   for i, d in enumerate(digits) if d != "0"] + [digits]
    return "(?:" + "|".join(filter(None, [shorter, *same_length])) + ")"


class IdConverter(IntegerConverter):
    regex = _at_most(MAX_ID)

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's parameter name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _is_same_site_path(target: str) -> bool:
    # Browsers drop tabs and newlines from URLs and read "\" as "/", so "/\t/evil.com" and "/\evil.com"
    # lead to another host: refuse any control character or backslash, then anything but "/path".
    if any(ord(c) < 0x20 or c in "\x7f\\" for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def same_site_path(target: str | None) -> str | None:
    """`target` if it is a path on this site (checked as sent and after each percent-decoding, since
    some clients and proxies decode once more), else None."""
    if not target or len(target) > 2000:
        return None
    decoded, seen = target, set()
    while decoded not in seen:
        if not _is_same_site_path(decoded):
            return None
        seen.add(decoded)
        decoded = unquote(decoded)
    return target


def next_or_home(target: str | None) -> str:
    """Where to send someone after signing in or switching language: `next` when it stays on this site."""
    return same_site_path(target) or url_for("home.index")


def url_with_arguments(endpoint: str, arguments: MultiDict | dict, allowed: Iterable[str], **values) -> str:
    """url_for with only the named query arguments carried over: never a key of url_for's own
    (endpoint, _external, _scheme, _anchor, _method) or of the route, taken from a request."""
    if not isinstance(arguments, MultiDict):
        arguments = MultiDict([(key, v) for key, value in arguments.items()
                               for v in (value if isinstance(value, list) else [value])])
    carried = {key: arguments.getlist(key) for key in allowed if key in arguments and key not in values}
    return url_for(endpoint, **carried, **values)

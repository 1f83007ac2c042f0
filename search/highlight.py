"""Highlights: escape first, then wrap matches in <mark>, so listing text can never inject HTML."""
from __future__ import annotations

import re
from html import escape
from typing import Sequence

SNIPPET_CHARS = 160
MAX_SNIPPETS = 2


def _pattern(surfaces: Sequence[str]) -> re.Pattern | None:
    if not surfaces:
        return None
    return re.compile("|".join(re.escape(s) for s in surfaces), re.IGNORECASE)


def _marked(text: str, pattern: re.Pattern) -> str:
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def highlight(title: str, body: str, surfaces: Sequence[str]) -> dict[str, list[str]]:
    """{"title": [marked title]} when the title matches, {"body": [snippets]} around body matches."""
    pattern = _pattern(surfaces)
    if pattern is None:
        return {}
    result: dict[str, list[str]] = {}
    if pattern.search(title):
        result["title"] = [_marked(title, pattern)]
    snippets, covered = [], -1
    for match in pattern.finditer(body):
        if match.start() < covered:
            continue
        start = max(0, match.start() - SNIPPET_CHARS // 3)
        end = min(len(body), start + SNIPPET_CHARS)
        snippets.append(_marked(body[start:end].replace("\n", " "), pattern))
        covered = end
        if len(snippets) == MAX_SNIPPETS:
            break
    if snippets:
        result["body"] = snippets
    return result

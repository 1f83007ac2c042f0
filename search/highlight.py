"""Highlights: escape first, then wrap matches in <mark>, so listing text can never inject HTML.

Done here, over the stored original text, for both backends: the indexes hold jieba tokens, so an
engine's own highlighter (OpenSearch's included) could only mark those lower-cased tokens, not the
listing's own words.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from html import escape

SNIPPET_CHARS = 160
MAX_SNIPPETS = 2
WORD_CHAR = "[0-9a-zA-Z]"
LONGEST_WORD_KEPT = 20  # a snippet's edge moves off a Latin word at most this far (not across a URL)
_WORD_HEAD = re.compile(f"{WORD_CHAR}{{1,{LONGEST_WORD_KEPT}}}(?!{WORD_CHAR})\\s*")
_WORD_TAIL = re.compile(f"\\s*(?<!{WORD_CHAR}){WORD_CHAR}{{1,{LONGEST_WORD_KEPT}}}$")


def _surface_pattern(surface: str) -> str:
    """Latin surfaces match whole words only ("ms" not inside "terms"); spaces match any whitespace."""
    body = r"\s+".join(re.escape(part) for part in surface.split())
    start = f"(?<!{WORD_CHAR})" if re.match(WORD_CHAR, surface) else ""
    end = f"(?!{WORD_CHAR})" if re.search(WORD_CHAR + "$", surface) else ""
    return start + body + end


def _off_words(body: str, start: int, end: int) -> tuple[int, int]:
    """`start` and `end` moved off the middle of a Latin word and past spaces: a snippet starting
    "nsing or co-development" starts at "or". Neither moves past a match: Latin matches begin and end
    at word edges, so the word cut is never one of them, and no match starts or ends with a space."""
    if 0 < start < len(body) and re.match(WORD_CHAR, body[start - 1]):
        head = _WORD_HEAD.match(body, start)
        if head and head.end() < end:
            start = head.end()
    if 0 < end < len(body) and re.match(WORD_CHAR, body[end]):
        tail = _WORD_TAIL.search(body, start, end)
        if tail and tail.start() > start:
            end = tail.start()
    text = body[start:end]
    return start + len(text) - len(text.lstrip()), start + len(text.rstrip())  # no space inside the "…"


def _marked(text: str, spans: Iterable[tuple[int, int]], offset: int = 0) -> str:
    """`text` escaped, with the matches at `spans` wrapped in <mark>. `spans` are (start, end) pairs in
    order, counted in the longer string that `text` was cut from at position `offset`."""
    out, last = [], 0
    for start, end in spans:
        start, end = start - offset, end - offset
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


class Highlighter:
    """Marks one query's surfaces (compiled once per query, applied to each hit of the page)."""

    def __init__(self, surfaces: Sequence[str]) -> None:
        surfaces = sorted({s for s in surfaces if s.strip()}, key=len, reverse=True)  # longest wins
        # Python's re tries every alternative at every position; a lookahead for the surfaces' first
        # characters rejects most positions at once: 5 times faster on listing bodies.
        first_characters = "".join(sorted({re.escape(s.split()[0][0]) for s in surfaces}))
        self._pattern = (re.compile(f"(?=[{first_characters}])(?:{'|'.join(_surface_pattern(s) for s in surfaces)})",
                                    re.IGNORECASE) if surfaces else None)

    def __call__(self, title: str, body: str) -> dict[str, list[str]]:
        """{"title": [marked title]} when the title matches, {"body": [snippets]} around body matches."""
        pattern = self._pattern
        if pattern is None:
            return {}
        result: dict[str, list[str]] = {}
        title_spans = [match.span() for match in pattern.finditer(title)]
        if title_spans:
            result["title"] = [_marked(title, title_spans)]
        # One pass over the body: each snippet marks the matches found there instead of matching its
        # text again (a fifth of the highlighting time), and ends after a match rather than inside it.
        spans = [match.span() for match in pattern.finditer(body)]
        snippets, covered = [], 0
        for first_start, first_end in spans:
            if first_start < covered:
                continue
            start = max(0, first_start - SNIPPET_CHARS // 3)
            end = min(len(body), max(start + SNIPPET_CHARS, first_end))
            end = max([end, *(e for s, e in spans if s < end < e)])  # a match the end would cut, whole
            start, end = _off_words(body, start, end)
            inside = [(s, e) for s, e in spans if s >= start and e <= end]
            snippets.append(_marked(body[start:end].replace("\n", " "), inside, start))
            covered = end
            if len(snippets) == MAX_SNIPPETS:
                break
        if snippets:
            result["body"] = snippets
        return result


@lru_cache(maxsize=1024)
def highlighter(surfaces: tuple[str, ...]) -> Highlighter:
    """One Highlighter per set of surfaces, kept while recent: a query's pattern is built again on
    every page of it otherwise (a twentieth of a search's CPU)."""
    return Highlighter(surfaces)

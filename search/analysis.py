"""Bilingual text analysis shared by every backend, so that both index and query the same terms.

Why terms are computed here rather than by each engine's analyzer: the Chinese segmentation (jieba
with our domain dictionary) and the synonym groups must behave identically on SQLite FTS5 and on
OpenSearch, and neither engine ships jieba. Documents are indexed as space-separated terms:

- words: jieba's precise segmentation of Chinese runs, Latin words kept whole (icp-ms, lc-ms/ms, 1260);
- sub-words: jieba's search-mode pieces of long Chinese words (色谱仪 inside 高效液相色谱仪), for recall;
- concepts: one `syn_N` term per synonym group whose member occurs, so 液相色谱 finds HPLC and back.

A query becomes groups of alternatives (a word OR its concept), which backends AND together first and
OR together when AND finds too little.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterable, Sequence

import jieba

jieba.setLogLevel(logging.WARNING)

DATA = Path(__file__).parent / "data"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
LATIN_WORD = re.compile(r"[a-z0-9µ]+(?:[-+/.][a-z0-9µ]+)*")
CONCEPT_PREFIX = "syn_"
MAX_PHRASE = 6

_jieba_lock = threading.Lock()


@cache
def _tokenizer() -> jieba.Tokenizer:
    # A private tokenizer so our user dictionary never leaks into other users of jieba.
    tokenizer = jieba.Tokenizer()
    with _jieba_lock:
        tokenizer.initialize()
        userdict = DATA / "userdict.txt"
        if userdict.exists():
            tokenizer.load_userdict(str(userdict))
        for group in synonym_groups():
            for member in group:
                if CJK.fullmatch(member):
                    tokenizer.add_word(member, freq=3000)
    return tokenizer


@cache
def stopwords() -> frozenset[str]:
    path = DATA / "stopwords.txt"
    words = path.read_text(encoding="utf-8").split() if path.exists() else []
    return frozenset(w.strip().lower() for w in words if w.strip() and not w.startswith("#"))


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """Solr-format equivalence groups: `a, b, c` per line, `#` comments."""
    path = DATA / "synonyms.txt"
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        line = line.split("#", 1)[0].strip()
        if line:
            members = tuple(dict.fromkeys(m.strip().lower() for m in line.split(",") if m.strip()))
            if len(members) > 1:
                groups.append(members)
    return tuple(groups)


def _split(text: str, search_mode: bool) -> list[str]:
    """Words in order; in search mode long Chinese words are followed by their dictionary sub-words."""
    text = text.lower()
    words: list[str] = []
    position = 0
    tokenizer = _tokenizer()
    for match in CJK.finditer(text):
        words.extend(LATIN_WORD.findall(text[position:match.start()]))
        cut = tokenizer.cut_for_search(match.group()) if search_mode else tokenizer.cut(match.group())
        words.extend(w for w in cut if w.strip())
        position = match.end()
    words.extend(LATIN_WORD.findall(text[position:]))
    return words


def words(text: str) -> list[str]:
    """Precise words without stop words: the units a person typed."""
    stop = stopwords()
    return [w for w in _split(text, search_mode=False) if w not in stop and len(w) < 60]


def concept_of(group: tuple[str, ...]) -> str:
    """A group's concept term, named after its first member so that it survives edits elsewhere in the
    file (changing a group's first member, or its members, still needs `indexer reindex`)."""
    return CONCEPT_PREFIX + hashlib.blake2b(group[0].encode("utf-8"), digest_size=5).hexdigest()


@cache
def _concepts() -> dict[str, tuple[str, ...]]:
    return {concept_of(group): group for group in synonym_groups()}


@cache
def _synonym_index() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """First word of each member phrase -> [(member as words, concept term)], longest phrases first."""
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for group in synonym_groups():
        for member in group:
            phrase = tuple(_split(member, search_mode=False))
            if phrase and len(phrase) <= MAX_PHRASE:
                index.setdefault(phrase[0], []).append((phrase, concept_of(group)))
    for entries in index.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return index


def concepts(sequence: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, concept) for each synonym member found in a word sequence, longest match first."""
    index = _synonym_index()
    found = []
    position = 0
    while position < len(sequence):
        for phrase, concept in index.get(sequence[position], ()):
            if tuple(sequence[position:position + len(phrase)]) == phrase:
                found.append((position, position + len(phrase), concept))
                position += len(phrase) - 1
                break
        position += 1
    return found


def index_terms(text: str) -> list[str]:
    """Terms to index for a text: words, search-mode sub-words and synonym concepts."""
    precise = _split(text, search_mode=False)
    terms = [w for w in _split(text, search_mode=True) if w not in stopwords()]
    found = concepts(precise)
    covered = {position for start, end, _ in found for position in range(start, end)}
    # A long word that names no concept may contain one (能谱 inside 能谱分析); a word that is already
    # part of a concept does not (液相色谱 inside 液相色谱-串联质谱 is LC-MS/MS, not HPLC).
    for position, word in enumerate(precise):
        if position not in covered and CJK.fullmatch(word) and len(word) >= 3:
            found += concepts([p for p in _tokenizer().cut_for_search(word) if p != word])
    terms.extend(dict.fromkeys(concept for _, _, concept in found))
    return terms


@dataclass(frozen=True)
class QueryGroup:
    """One thing the user asked for, with the terms that count as a match for it."""

    label: str
    terms: tuple[str, ...]


def query_groups(text: str) -> list[QueryGroup]:
    sequence = words(text)
    groups: list[QueryGroup] = []
    spans = {start: (end, concept) for start, end, concept in concepts(sequence)}
    position = 0
    while position < len(sequence):
        if position in spans:
            end, concept = spans[position]
            label = " ".join(sequence[position:end]) if not CJK.search(sequence[position]) else "".join(sequence[position:end])
            groups.append(QueryGroup(label, (concept, *dict.fromkeys(sequence[position:end]))
                                     if end - position == 1 else (concept,)))
            position = end
            continue
        word = sequence[position]
        alternatives = [word]
        if CJK.fullmatch(word) and len(word) >= 3:
            # An unknown long Chinese word may be written differently in a listing: accept its pieces
            # and the concepts they name (能谱分析 -> 能谱 -> EDS).
            pieces = [w for w in _tokenizer().cut_for_search(word) if w != word and len(w) >= 2]
            alternatives += pieces + [concept for _, _, concept in concepts(pieces)]
        groups.append(QueryGroup(word, tuple(dict.fromkeys(alternatives))))
        position += 1
    # Two words of one synonym group ("微量杂质 有关物质") ask for one thing, not two.
    unique: dict[str | tuple[str, ...], QueryGroup] = {}
    for group in groups:
        concept = next((t for t in group.terms if t.startswith(CONCEPT_PREFIX)), None)
        unique.setdefault(concept or group.terms, group)
    return list(unique.values())


def concept_members(concept: str) -> tuple[str, ...]:
    return _concepts().get(concept, ())


def matched_groups(groups: Iterable[QueryGroup], document_terms: Iterable[str]) -> list[str]:
    """Human-readable reasons: which query groups a document matched, e.g. `液相色谱 ≈ hplc`."""
    present = set(document_terms)
    reasons = []
    for group in groups:
        hit = next((t for t in group.terms if t in present), None)
        if hit is None:
            continue
        if hit.startswith(CONCEPT_PREFIX):
            others = [m for m in concept_members(hit) if m != group.label][:2]
            reasons.append(f"{group.label} ≈ {' / '.join(others)}" if others else group.label)
        else:
            reasons.append(group.label if hit == group.label else f"{group.label} ({hit})")
    return reasons


def highlight_terms(groups: Iterable[QueryGroup]) -> list[str]:
    """Surface strings to mark in titles and snippets: the words typed and their synonyms."""
    surfaces: set[str] = set()
    for group in groups:
        for term in group.terms:
            if term.startswith(CONCEPT_PREFIX):
                surfaces.update(concept_members(term))
            else:
                surfaces.add(term)
    return sorted((s for s in surfaces if len(s) >= 2 or CJK.fullmatch(s)), key=len, reverse=True)

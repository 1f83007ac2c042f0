"""Bilingual text analysis, the only tokenizer of the project: both backends index and query the
tokens made here.

Why neither engine analyses text itself: Chinese needs jieba with our domain dictionary, which
OpenSearch does not ship. So documents are indexed as pre-analysed token strings (`index_text`), which
the embedded engine (search.embedded.inverted) and an OpenSearch whitespace analyzer split on spaces only.

Why synonyms are expanded at query time, client-side, for both backends (and not by an index-time
concept token or an OpenSearch synonym_graph filter): both backends get the very same expansion from
one function instead of two implementations that could drift apart, and each synonym keeps its own
term statistics (a listing naming a concept in several ways, or by a rare name, ranks higher: one
concept token per group measured nDCG@10 0.937 -> 0.898 on the labelled set).

A need names what it wants measured, a listing the instrument that measures it: techniques.txt maps
the one to the other ("孔隙率 => bet, 压汞仪"), on the query side only and only while the query names
no instrument or method itself (the user then said how). Its need words become synonym groups.

A synonym made of several words ("scanning electron microscope") is also indexed as one joined
token ("scanning.electron.microscope") wherever it occurs, so that every alternative of a query is a
single term: no phrase query has to read the positions of common words (measured with SQLite FTS5,
the embedded engine then: its keyword stage about 30% faster at 100k listings, same matches). Index
terms therefore depend on the dictionaries in `data/` (they did already, through jieba's word list):
after editing them, rebuild the index; `fingerprint()` names the dictionaries an index was built
with, and `indexer verify` reports a mismatch.

Tokens:
- precise words: jieba's segmentation of Chinese runs (synonym words are added to its dictionary so
  they stay whole), Latin words kept whole with inner punctuation (icp-ms, lc-ms/ms, gb/t, 1260),
  everything NFKC-normalised and lower-cased, stop words removed;
- sub-words, indexed after the precise words: the dictionary words inside long Chinese words
  (色谱仪 in 液相色谱仪) and the parts of compound Latin words (icp and ms in icp-ms), so a shorter
  query word still finds the longer word;
- joined synonyms: each occurrence of a synonym of several precise words, joined by PHRASE_JOINER.
  A Chinese synonym or need word made of two dictionary words counts as one of several words too, its
  split form (塑料成分 as 塑料 成分): a listing writing "塑料的成分" indexes "塑料.成分", and a query
  writing its words apart in one run of characters, stop words between, asks for it, as does a query
  typing them as two keywords when the word is a need that instruments answer.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import inflect
import jieba

jieba.setLogLevel(logging.WARNING)

DATA = Path(__file__).parent / "data"
SYNONYMS_PATH = DATA / "synonyms.txt"
TECHNIQUES_PATH = DATA / "techniques.txt"
USERDICT_PATH = DATA / "userdict.txt"
STOPWORDS_PATH = DATA / "stopwords.txt"

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# NFKC turns the micro sign into Greek mu, so units such as μl stay one word.
LATIN = re.compile(r"[a-z0-9μ]+(?:[-+/.][a-z0-9μ]+)*")
RUN = re.compile(f"(?P<cjk>{CJK.pattern})|(?P<latin>{LATIN.pattern})")
LATIN_PART_SEPARATOR = re.compile(r"[-+/.]")
ALTERNATIVES_SEPARATOR = re.compile(r"[+/]")
DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})
# What an apostrophe adds to an English word ("coating's", "don't", "we'd"): cut before tokenising, so
# that "s" and "t" never become words of their own, which they are in S参数 (S-parameters) or "9.4 T".
ENGLISH_CLITIC = re.compile(r"(?<=[a-z])['’](?:s|t|d|m|ll|ve|re)\b")
MIN_SUBWORD = 2
# English words shorter than this are left as typed, plural or not ("gas", "ms", "cts").
MIN_PLURAL = 4
NOT_PLURAL_ENDINGS = ("ss", "is", "us", "selves")
_inflection = inflect.engine()
# Raised whenever a change changes the terms indexed for a listing (2: tandem instruments' first stage;
# 3: Chinese words' split forms; 4: the labels of coded fields, SearchDocument.labels; 2026-12-07), so
# that indexes built with the old terms are rebuilt (fingerprint).
TERMS_VERSION = 4
# Longer tokens are base64 blobs or pasted junk, not words anyone searches for.
MAX_TOKEN = 60
# Joins the words of a multi-word synonym into one index term. The analyser keeps "." inside Latin
# words, so "scanning.electron.microscope" written in a listing means just that; both engines split
# indexed text on spaces only.
PHRASE_JOINER = "."
# jieba frequency for synonym words: high enough that the word is cut whole inside longer text.
SYNONYM_WORD_FREQUENCY = 3000


def normalise(text: str) -> str:
    """Full-width forms to ASCII (ＨＰＬＣ, ／), every dash to '-', lower case."""
    return unicodedata.normalize("NFKC", text).translate(DASHES).lower()


@dataclass(frozen=True)
class Alternative:
    """One way a listing can satisfy a query word: a phrase of tokens, and how to show it."""

    phrase: tuple[str, ...]
    surface: str
    # From techniques.txt: what measures the word typed, not another name for it (so not a gloss).
    technique: bool = False
    # A Chinese word written as two words (_split_forms).
    split: bool = False

    @property
    def term(self) -> str:
        """The index term that matches it (see PHRASE_JOINER)."""
        return PHRASE_JOINER.join(self.phrase)


@dataclass(frozen=True)
class SynonymGroup:
    members: tuple[Alternative, ...]
    # Query-side only (techniques.txt): what also answers a query naming a member ("孔隙率" -> BET,
    # mercury intrusion), never the reverse: a BET query does not ask for porosity listings.
    techniques: tuple[Alternative, ...] = ()


@dataclass(frozen=True)
class _Lexicon:
    tokenizer: jieba.Tokenizer
    stopwords: frozenset[str]
    groups: tuple[SynonymGroup, ...]
    # first token of a member phrase -> [(phrase, group index)], longest phrases first
    phrases: dict[str, list[tuple[tuple[str, ...], int]]]
    # every phrase of an instrument or method that answers some need (techniques.txt)
    techniques: frozenset[tuple[str, ...]] = frozenset()
    # the phrases that are a Chinese word's split form (_split_forms)
    split_forms: frozenset[tuple[str, ...]] = frozenset()
    # every phrase of a test that techniques.txt names as what answers its own need words ("盐雾, 生锈
    # => 盐雾"): a method a query asks for, though not a technique name (see that file's comment)
    own_answers: frozenset[tuple[str, ...]] = frozenset()


_lexicon: _Lexicon | None = None
_lexicon_lock = threading.Lock()


def _lexicon_once() -> _Lexicon:
    """Load the dictionaries on first use, once per process (jieba's dictionary is the slow part)."""
    global _lexicon
    if _lexicon is None:
        with _lexicon_lock:
            if _lexicon is None:
                _lexicon = _load_lexicon()
    return _lexicon


def preload() -> None:
    """Load the dictionaries now: a server's master does before it forks, so that its workers share one
    copy (about 70 MB) instead of each building its own on its first search."""
    _lexicon_once()


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def _split_members(line: str) -> list[str]:
    return [normalise(m).strip() for m in line.split(",") if m.strip()]


def _technique_lines() -> list[tuple[list[str], list[str]]]:
    """techniques.txt: "what a need names => the techniques that measure it", one mapping per line."""
    mappings = []
    for line in _read_lines(TECHNIQUES_PATH):
        need, arrow, techniques = line.partition("=>")
        if not arrow or not _split_members(need) or not _split_members(techniques):
            raise ValueError(f"{TECHNIQUES_PATH.name}: {line!r} is not 'need words => technique words'")
        mappings.append((_split_members(need), _split_members(techniques)))
    return mappings


def _alternatives(members: list[str], tokenizer: jieba.Tokenizer, stopwords: frozenset[str]) -> list[Alternative]:
    alternatives: dict[tuple[str, ...], Alternative] = {}
    for member in members:
        phrase = tuple(_precise(member, tokenizer, stopwords))
        if phrase:
            alternatives.setdefault(phrase, Alternative(phrase, member))
    return list(alternatives.values())


def _load_lexicon() -> _Lexicon:
    stopwords = frozenset(normalise(w) for line in _read_lines(STOPWORDS_PATH) for w in line.split())
    member_lines = [_split_members(line) for line in _read_lines(SYNONYMS_PATH)]
    technique_lines = _technique_lines()
    # A private tokenizer, so our dictionary never changes how other code in the process uses jieba.
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if USERDICT_PATH.exists():
        tokenizer.load_userdict(str(USERDICT_PATH))
    for members in member_lines + [need for need, _ in technique_lines]:
        for member in members:
            for run in CJK.findall(member):
                # FREQ also holds every dictionary word's prefixes, with frequency 0.
                if len(run) > 1 and tokenizer.FREQ.get(run, 0) < SYNONYM_WORD_FREQUENCY:
                    tokenizer.add_word(run, freq=SYNONYM_WORD_FREQUENCY)
    groups = [SynonymGroup(tuple(alternatives)) for members in member_lines
              if len(alternatives := _alternatives(members, tokenizer, stopwords)) > 1]
    groups = _with_split_forms(_with_techniques(groups, technique_lines, tokenizer, stopwords), tokenizer, stopwords)
    phrases: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for index, group in enumerate(groups):
        for alternative in group.members:
            phrases.setdefault(alternative.phrase[0], []).append((alternative.phrase, index))
    for entries in phrases.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    # Instruments and methods: techniques that are not themselves needs with techniques (失效分析 is both).
    needs = {a.phrase for group in groups if group.techniques for a in group.members}
    techniques = frozenset(a.phrase for group in groups for a in group.techniques if a.phrase not in needs)
    split_forms = frozenset(a.phrase for group in groups for a in group.members + group.techniques if a.split)
    group_of = {a.phrase: group for group in groups for a in group.members}
    answering = (group_of[found[0].phrase] for _, named in technique_lines for t in named
                 if (found := _alternatives([t], tokenizer, stopwords)))
    own_answers = frozenset(a.phrase for group in answering if not group.techniques
                            for a in group.members if a.phrase not in techniques)
    return _Lexicon(tokenizer, stopwords, tuple(groups), phrases, techniques, split_forms, own_answers)


def _with_techniques(groups: list[SynonymGroup], technique_lines: list[tuple[list[str], list[str]]],
                     tokenizer: jieba.Tokenizer, stopwords: frozenset[str]) -> list[SynonymGroup]:
    """The synonym groups with each mapping's techniques attached to every group of its need words;
    need words in no group join the first such group, or form a new one. A technique is a synonym, and
    brings its whole group: listings name an instrument in either language. A technique outside
    synonyms.txt is refused: a phrase of several words matches only where documents index it joined,
    which only synonyms are."""
    group_of = {alternative.phrase: index for index, group in enumerate(groups) for alternative in group.members}
    groups = list(groups)
    for need, techniques in technique_lines:
        analysed = {t: _alternatives([t], tokenizer, stopwords) for t in techniques}
        unknown = [t for t, found in analysed.items() if not found or found[0].phrase not in group_of]
        if unknown:
            raise ValueError(f"{TECHNIQUES_PATH.name}: {', '.join(unknown)} must be in {SYNONYMS_PATH.name}")
        extra = [m for found in analysed.values() for m in groups[group_of[found[0].phrase]].members]
        needs = _alternatives(need, tokenizer, stopwords)
        indices = list(dict.fromkeys(group_of[a.phrase] for a in needs if a.phrase in group_of))
        new = tuple(a for a in needs if a.phrase not in group_of)
        if new:
            if not indices:
                indices.append(len(groups))
                groups.append(SynonymGroup(()))
            first = groups[indices[0]]
            groups[indices[0]] = SynonymGroup(first.members + new, first.techniques)
            group_of.update((a.phrase, indices[0]) for a in new)
        for index in indices:
            group = groups[index]
            held = {a.phrase for a in group.members + group.techniques}
            added = {m.phrase: replace(m, technique=True) for m in extra if m.phrase not in held}
            groups[index] = SynonymGroup(group.members, group.techniques + tuple(added.values()))
    return groups


def _split_forms(alternative: Alternative, tokenizer: jieba.Tokenizer, stopwords: frozenset[str]) -> list[Alternative]:
    """A Chinese dictionary word as two words of two characters or more ("塑料成分" as 塑料 成分): jieba
    cuts it whole only where it is written whole, and a need is often written apart ("塑料里有什么成分",
    the words between being stop words)."""
    word = alternative.phrase[0] if len(alternative.phrase) == 1 else ""
    if not CJK.fullmatch(word):
        return []
    frequency = tokenizer.FREQ
    return [replace(alternative, phrase=(word[:cut], word[cut:]), split=True)
            for cut in range(MIN_SUBWORD, len(word) - MIN_SUBWORD + 1)
            if frequency.get(word[:cut]) and frequency.get(word[cut:])
            and word[:cut] not in stopwords and word[cut:] not in stopwords]


def _with_split_forms(groups: list[SynonymGroup], tokenizer: jieba.Tokenizer,
                      stopwords: frozenset[str]) -> list[SynonymGroup]:
    """Each group with its Chinese words' split forms (_split_forms) as alternatives of their own, so
    that a query's adjacent words ask for the word they make, and documents index them joined."""
    def split(alternatives: tuple[Alternative, ...]) -> tuple[Alternative, ...]:
        held = {a.phrase for a in alternatives}
        extra = {s.phrase: s for a in alternatives for s in _split_forms(a, tokenizer, stopwords)
                 if s.phrase not in held}
        return alternatives + tuple(extra.values())

    return [SynonymGroup(split(group.members), split(group.techniques)) for group in groups]


def fingerprint() -> str:
    """Names the dictionaries and the analyser's version, and so the index terms they produce: an index
    built under another fingerprint must be rebuilt."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"terms {TERMS_VERSION}\n".encode())
    for path in (SYNONYMS_PATH, TECHNIQUES_PATH, USERDICT_PATH, STOPWORDS_PATH):
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def _precise(text: str, tokenizer: jieba.Tokenizer, stopwords: frozenset[str]) -> list[str]:
    return [token for token, _ in _precise_in_runs(text, tokenizer, stopwords)]


def _precise_in_runs(text: str, tokenizer: jieba.Tokenizer, stopwords: frozenset[str]) -> list[tuple[str, int]]:
    """The precise words, each with the number of the run of Chinese characters or Latin word it is in."""
    tokens: list[tuple[str, int]] = []
    for run, match in enumerate(RUN.finditer(ENGLISH_CLITIC.sub("", normalise(text)))):
        pieces = tokenizer.cut(match.group()) if match.lastgroup == "cjk" else (match.group(),)
        tokens.extend((p, run) for p in pieces if p not in stopwords and len(p) <= MAX_TOKEN)
    return tokens


def _subwords(token: str, lexicon: _Lexicon) -> list[str]:
    """Dictionary words inside a long Chinese word, or the parts of a compound Latin word."""
    if CJK.fullmatch(token):
        # Every dictionary word inside, of any length (jieba's own search mode stops at three characters,
        # which would miss 扫描电镜 inside 场发射扫描电镜).
        frequency = lexicon.tokenizer.FREQ
        pieces = [token[i:j] for i in range(len(token)) for j in range(i + MIN_SUBWORD, len(token) + 1)
                  if j - i < len(token) and frequency.get(token[i:j])]
    else:
        pieces = LATIN_PART_SEPARATOR.split(token) if LATIN_PART_SEPARATOR.search(token) else []
        # A tandem instrument does what its first stage names: LC-MS/MS and ICP-MS/MS listings answer
        # an LC-MS or ICP-MS need (not the reverse, so the dictionary cannot make them synonyms).
        first_stage = token.split("/", 1)[0]
        if first_stage != token and LATIN_PART_SEPARATOR.search(first_stage):
            pieces.append(first_stage)
    return [p for p in pieces if p != token and len(p) >= MIN_SUBWORD and p not in lexicon.stopwords]


def words(text: str) -> list[str]:
    """The precise words of a text, in order, without stop words."""
    lexicon = _lexicon_once()
    return _precise(text, lexicon.tokenizer, lexicon.stopwords)


def index_terms(text: str) -> list[str]:
    """Tokens to index: the precise words in order, the sub-words not already among them, then the
    multi-word synonyms found among the precise words, joined."""
    lexicon = _lexicon_once()
    precise = _precise(text, lexicon.tokenizer, lexicon.stopwords)
    present = set(precise)
    extra = dict.fromkeys(s for token in dict.fromkeys(precise) for s in _subwords(token, lexicon) if s not in present)
    joined = [PHRASE_JOINER.join(phrase) for position, token in enumerate(precise)
              for phrase in dict.fromkeys(phrase for phrase, _ in lexicon.phrases.get(token, ()) if len(phrase) > 1)
              if tuple(precise[position:position + len(phrase)]) == phrase]
    return precise + list(extra) + joined


def index_text(text: str) -> str:
    """`index_terms` as the space-separated string both backends store and split on whitespace."""
    return " ".join(index_terms(text))


def stopwords() -> frozenset[str]:
    return _lexicon_once().stopwords


@dataclass(frozen=True)
class QueryGroup:
    """One thing the user asked for, and the phrases that count as a listing mentioning it."""

    label: str
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class AnalysedQuery:
    """A query as groups that are AND-ed (OR-ed as a fallback); within a group any alternative matches."""

    text: str
    groups: tuple[QueryGroup, ...]

    def __bool__(self) -> bool:
        return bool(self.groups)


def analyse_query(text: str) -> AnalysedQuery:
    lexicon = _lexicon_once()
    in_runs = [(part, run) for token, run in _precise_in_runs(text, lexicon.tokenizer, lexicon.stopwords)
               for part in _joined_names(token, lexicon)]
    tokens = [token for token, _ in in_runs]
    groups: dict[object, QueryGroup] = {}
    position = 0
    while position < len(tokens):
        token = tokens[position]
        found = next(((phrase, index) for phrase, index in lexicon.phrases.get(token, ())
                      if _typed(tokens[position:position + len(phrase)], phrase)
                      and (phrase not in lexicon.split_forms
                           or _asks_for_split_word(in_runs, position, lexicon.groups[index]))),
                     None)
        if found is not None:
            phrase, index = found
            # Two words of one synonym group ("微量杂质 有关物质") ask for one thing, not two.
            group = lexicon.groups[index]
            typed = next(m for m in group.members if m.phrase == phrase)
            # The word typed comes first, so that explanations name it when a listing uses it too.
            others = (m for m in group.members + group.techniques if m is not typed)
            groups.setdefault(("synonyms", index), QueryGroup(typed.surface, (typed, *others)))
            position += len(phrase)
            continue
        alternatives = [Alternative((token,), token)]
        for piece in _subwords(token, lexicon) if CJK.fullmatch(token) else ():
            # An unknown long Chinese word may be written shorter in a listing (能谱分析 -> 能谱), and
            # a piece that is a synonym brings its whole group (能谱 -> EDS).
            alternatives.append(Alternative((piece,), piece))
            alternatives += [member for phrase, index in lexicon.phrases.get(piece, ()) if phrase == (piece,)
                             for member in lexicon.groups[index].members]
        groups.setdefault(("word", token), QueryGroup(token, tuple(dict.fromkeys(alternatives))))
        position += 1
    return AnalysedQuery(text, _techniques_unless_named(tuple(groups.values()), lexicon))


def _joined_names(token: str, lexicon: _Lexicon) -> list[str]:
    """The names a Latin word joins, when it is no dictionary word and each part is one: "SEM+EDS",
    "SEM/EDS" and "SEM-EDS" ask for both instruments, as "SEM EDS" does, where the word itself would
    match only listings that write it so. Other joined words stay whole (LC-MS/MS, high-temperature)."""
    if CJK.fullmatch(token) or _is_word(token, lexicon):
        return [token]
    for separator in (ALTERNATIVES_SEPARATOR, LATIN_PART_SEPARATOR):
        parts = separator.split(token)
        if len(parts) > 1 and all(_is_word(part, lexicon) for part in parts):
            return parts
    return [token]


def _typed(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    """Whether the query's `tokens` write `phrase`, a name of several words possibly with its last in
    the plural: "atomic force microscopes", "mass spectrometers" (one instrument, not mass and
    spectrometers). A single word stays as typed: "Waters" is a maker, "flights" no time-of-flight."""
    if len(tokens) != len(phrase) or tokens[:-1] != list(phrase[:-1]):
        return False
    return tokens[-1] == phrase[-1] or (len(phrase) > 1 and _singular(tokens[-1]) == phrase[-1])


@lru_cache(maxsize=65536)
def _singular(token: str) -> str:
    """The singular of an English plural noun (inflect); other words, and short ones, as they are.
    inflect reads any word as a noun, so words whose "s" is no plural's are kept (analysis, virus, data)."""
    if (len(token) < MIN_PLURAL or not token.isascii() or not token.isalpha() or not token.endswith("s")
            or token.endswith(NOT_PLURAL_ENDINGS)):
        return token
    return _inflection.singular_noun(token) or token


def _is_word(token: str, lexicon: _Lexicon) -> bool:
    return any(phrase == (token,) for phrase, _ in lexicon.phrases.get(token, ()))


def _asks_for_split_word(in_runs: list[tuple[str, int]], position: int, group: SynonymGroup) -> bool:
    """Whether the two words at `position`, a split form (_split_forms), ask for the word they make: when
    written in one run of characters, stop words between ("塑料里有什么成分"), or when typed as two whole
    keywords that make a need instruments answer ("塑料 成分"). Other keywords stay two ("国产 替代": a
    listing saying 国产 answers), as do words cut from a longer keyword ("活细胞 增殖" is no 细胞增殖 assay)."""
    run, next_run = in_runs[position][1], in_runs[position + 1][1]
    if run == next_run:
        return True
    whole = ((position == 0 or in_runs[position - 1][1] != run)
             and (position + 2 == len(in_runs) or in_runs[position + 2][1] != next_run))
    return whole and bool(group.techniques)


def _techniques_unless_named(groups: tuple[QueryGroup, ...], lexicon: _Lexicon) -> tuple[QueryGroup, ...]:
    """Techniques stand in for the words of a need only when the query names no technique itself:
    "大米 镉 ICP-MS" asks for cadmium by ICP-MS, and any ICP-MS or AAS listing must not then count as
    mentioning cadmium (dev set: "GC-MS VOCs in water" fell from nDCG@10 0.91 to 0.63 without this)."""
    if not any(_names_technique(group, lexicon) for group in groups):
        return groups
    return tuple(QueryGroup(g.label, tuple(a for a in g.alternatives if not a.technique)) for g in groups)


def _names_technique(group: QueryGroup, lexicon: _Lexicon) -> bool:
    return any(a.phrase in lexicon.techniques for a in group.alternatives if not a.technique)


def asks_for_technique(group: QueryGroup) -> bool:
    """Whether the query word is an instrument or method that answers some need, or a need that
    instruments answer (techniques.txt): "ICP-MS", "气相色谱", "孔隙率", "microcracks", "盐雾试验";
    not "plastic" or "测试"."""
    lexicon = _lexicon_once()
    return (_names_technique(group, lexicon) or any(a.technique for a in group.alternatives)
            or any(a.phrase in lexicon.own_answers for a in group.alternatives))


def language_of(text: str) -> str:
    """"zh" for a text with at least two Chinese characters, else "en": a listing's title and a query
    are written in one language, the other's words in them are names (HPLC, Agilent) or a place."""
    return "zh" if sum(len(run) for run in CJK.findall(text)) >= 2 else "en"


# Enough English names to carry a query's meaning; the embedder truncates long input anyway.
GLOSS_TERMS = 12


def embedding_text(query: AnalysedQuery, chinese_terms: int = 0, technique_terms: int = 0) -> str:
    """The query as the embedding model should read it: the text, then the English names the synonym
    dictionary gives its words that it did not type, for an English query up to `chinese_terms`
    Chinese names too (RankingSettings.chinese_gloss_terms: only for a model that reads Chinese), and
    up to `technique_terms` English names of the techniques that answer it (techniques.txt), which a
    need described as a problem ("血清里细胞因子的浓度") does not name (RankingSettings.technique_gloss_terms).
    A Chinese query's words alone embed far from the English listings ("液相色谱 武汉" against "液相色谱 武汉
    (hplc, high performance liquid chromatography, ...)"; MiniLM's vector-only nDCG@10 went from 0.34 to
    0.62 with the English names), and an English query's from the Chinese ones."""
    typed = query.text.lower()
    alternatives = [a for g in query.groups for a in g.alternatives if a.surface.lower() not in typed]
    names = dict.fromkeys(a.surface for a in alternatives if not a.technique)
    gloss = [name for name in names if name.isascii()][:GLOSS_TERMS]
    if chinese_terms and language_of(query.text) == "en":
        gloss += [name for name in names if not name.isascii()][:chinese_terms]
    techniques = dict.fromkeys(a.surface for a in alternatives if a.technique and a.surface.isascii())
    gloss += [name for name in techniques if name not in names][:technique_terms]
    return f"{query.text} ({', '.join(gloss)})" if gloss else query.text


def _contains(padded_terms: str, phrase: tuple[str, ...]) -> bool:
    return f" {' '.join(phrase)} " in padded_terms


def matches(query: AnalysedQuery, document_terms: str) -> list[tuple[QueryGroup, str]]:
    """Each query group a document satisfies, with the reason to show: `液相色谱 ≈ hplc` when it was
    through a synonym or a sub-word, the word itself otherwise. `document_terms` is `index_text` output."""
    padded = f" {document_terms} "
    found = []
    for group in query.groups:
        hit = next((a for a in group.alternatives if _contains(padded, a.phrase)), None)
        if hit is not None:
            found.append((group, group.label if hit.surface == group.label else f"{group.label} ≈ {hit.surface}"))
    return found


def is_bare_number(label: str) -> bool:
    """A number of one to three digits ("1", "22"): a count, a day or a clause, which says nothing of
    what a listing does, however few listings hold it."""
    return label.isdigit() and len(label) <= 3


def highlight_terms(query: AnalysedQuery) -> list[str]:
    """Surface strings to mark in a listing's text: the words typed and all their alternatives."""
    surfaces = {a.surface for group in query.groups for a in group.alternatives} | {g.label for g in query.groups}
    return sorted(surfaces, key=lambda s: (-len(s), s))

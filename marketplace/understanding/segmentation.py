"""Word boundaries of Chinese text, and a width fold that keeps every character's offset.

Place names are found only where jieba's general dictionary puts word boundaries: that keeps 中山
out of 中山大学, 通化 out of 普通化学 and 大理 out of 大理石, with no list of such words. The
tokenizer is private (search.analysis keeps its own, with the domain dictionary) and is loaded on
first use: about 60 MB and a second or two.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache, cached_property

import jieba

jieba.setLogLevel(logging.WARNING)

# Full-width ASCII (ＨＰＬＣ，２００) to ASCII, one character for one, so offsets stay valid.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xFFE5: ord("¥")}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def fold(text: str) -> str:
    return text.translate(_FULL_WIDTH)


@cache
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@dataclass(frozen=True)
class Words:
    """The text and the offsets where its dictionary words start and end."""

    text: str
    tokens: tuple[tuple[int, int], ...]

    @cached_property
    def starts(self) -> frozenset[int]:
        return frozenset(start for start, _ in self.tokens)

    @cached_property
    def ends(self) -> frozenset[int]:
        return frozenset(end for _, end in self.tokens)

    @cached_property
    def _token_of(self) -> dict[int, tuple[int, int]]:
        return {offset: token for token in self.tokens for offset in range(*token)}

    def token_at(self, offset: int) -> tuple[int, int]:
        """The word that holds the character at `offset`."""
        return self._token_of[offset]


def words(text: str) -> Words:
    # Without HMM, unknown sequences fall apart into single characters instead of being glued to a
    # neighbouring place name as a guessed new word.
    tokens = tuple((start, end) for _, start, end in _tokenizer().tokenize(text, HMM=False))
    return Words(text, tokens)

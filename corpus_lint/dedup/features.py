"""What the corpus rules keep of one document: hashes and a MinHash signature, never the text.

Computed in the worker processes right after the per-document rules ran on a file
(`features_of`), so the corpus stage sees small picklable records, not documents.

Definitions shared by DUP003 and DUP004 (and by `benchmarks/generate_corpus.py`, which
computes the ground truth the same way):

- normalised text (DUP003): Unicode NFC, every run of white space (no-break spaces
  included) as one space, trimmed, without a leading byte-order mark;
- words (DUP004): runs of letters and digits (`\\w+`), lower-cased, from the lines that no
  boilerplate rule (BP*) or in-file repeat rule (DUP001/DUP002) reported;
- shingles: every run of `shingle_size` consecutive words.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import xxhash

if TYPE_CHECKING:
    from corpus_lint.config import NearDuplicateSettings
    from corpus_lint.document import Document
    from corpus_lint.rule import Diagnostic

# Lines reported by these rules are scraping chrome or repeats: they must not make two
# different articles look alike, so they are left out of the shingles.
EXCLUDED_PREFIXES = ("BP",)
EXCLUDED_CODES = ("DUP001", "DUP002")

_TITLE = re.compile(r"[^\r\n]*")
# Odd 64-bit multipliers (from SplitMix64/Murmur3) to combine word hashes into shingle hashes.
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))


@dataclass(frozen=True)
class Features:
    """What DUP003/DUP004 need of one file. Small and picklable: sent from workers, cached."""

    content: int  # xxh3-64 of the raw bytes, as a signed 64-bit int: the cache key
    text_hash: int | None  # xxh3-64 of the normalised text; None for an empty document
    shingles: int  # shingles, repeats included (0 when there are fewer words than a shingle)
    signature: bytes  # num_perm little-endian uint32 MinHash values; b"" without shingles
    excluded: tuple[int, ...] = ()  # 1-based line numbers left out of the shingles
    title_length: int = 0  # characters on line 1: where DUP003/DUP004 point
    mtime_ns: int | None = None  # the file's stat when it was read, for the cache
    size: int | None = None


def to_int64(value: int) -> int:
    """An unsigned 64-bit hash as the signed integer SQLite stores."""
    return value - (1 << 64) if value >= 1 << 63 else value


def normalise_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text.lstrip("\ufeff")).split())


def text_hash(text: str) -> int | None:
    normalised = normalise_text(text)
    return to_int64(xxhash.xxh3_64_intdigest(normalised.encode())) if normalised else None


def excluded_lines(diagnostics: list[Diagnostic]) -> tuple[int, ...]:
    """Line numbers covered by boilerplate or repeat diagnostics."""
    lines: set[int] = set()
    for d in diagnostics:
        if d.code.startswith(EXCLUDED_PREFIXES) or d.code in EXCLUDED_CODES:
            # A range that ends at column 1 of a later line stops at the line before it.
            last = d.end_line - 1 if d.end_column == 1 and d.end_line > d.line else d.end_line
            lines.update(range(d.line, last + 1))
    return tuple(sorted(lines))


def shingled_text(doc: Document, excluded: tuple[int, ...]) -> str:
    if not excluded:
        return doc.text
    skip = set(excluded)
    return "\n".join(line.text for line in doc.lines if line.number not in skip)


# ASCII bytes: letters lower-cased, digits and "_" kept, everything else a separator (space).
_ASCII_WORDS = bytes(
    b + 32 if 65 <= b <= 90 else b if b >= 128 or chr(b).isalnum() or b == 95 else 32
    for b in range(256)
)
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]+")
_SPACE = 32
# Bytes of text hashed at a time by `word_hashes`.
WORD_BLOCK_BYTES = 1 << 20

# Word hashes are polynomial hashes of the word's bytes modulo 2**64, computed for every
# word at once from one prefix sum over the text (no Python-level loop over words):
# hash(word at [s, e)) = (G[e] - G[s]) * Q**-s, where G[k] = sum of byte[i] * Q**i, i < k.
_Q = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_Q_INVERSE = pow(_Q, -1, 1 << 64)
_powers = np.ones(1, dtype=np.uint64)
_inverse_powers = np.ones(1, dtype=np.uint64)


def _powers_up_to(length: int) -> tuple[np.ndarray, np.ndarray]:
    global _powers, _inverse_powers
    if len(_powers) < length:
        size = max(length, 2 * len(_powers), 1 << 14)
        powers = np.full(size, _Q, dtype=np.uint64)
        powers[0] = 1
        inverse = np.full(size, _Q_INVERSE, dtype=np.uint64)
        inverse[0] = 1
        _powers, _inverse_powers = np.cumprod(powers), np.cumprod(inverse)
    return _powers, _inverse_powers


def _fmix64(values: np.ndarray) -> np.ndarray:
    shift, m1, m2 = _FMIX64
    values ^= values >> shift
    values *= m1
    values ^= values >> shift
    values *= m2
    values ^= values >> shift
    return values


def word_hashes(text: str) -> np.ndarray:
    """64-bit hashes of the words of `text`: exactly `re.findall(r"\\w+", text.lower())`.

    Found with bytes operations (three times faster than the regular expression): ASCII
    through a translation table, the rare non-ASCII text through a regular expression that
    turns Unicode punctuation and spaces into separators first.
    """
    if text.isascii():
        data = text.encode().translate(_ASCII_WORDS)
    else:
        data = _NON_ASCII_NON_WORD.sub(" ", text.lower()).encode().translate(_ASCII_WORDS)
    # A word's hash does not depend on where it starts, so a long text is hashed in blocks cut
    # at separators: memory stays bounded by the block (a 20 MB text would need ~700 MB).
    blocks: list[np.ndarray] = []
    start = 0
    while start < len(data):
        end = start + WORD_BLOCK_BYTES
        if end < len(data):
            cut = data.rfind(b" ", start, end)
            end = cut if cut > start else data.find(b" ", end)
            end = len(data) if end < 0 else end
        blocks.append(_block_word_hashes(memoryview(data)[start:end]))
        start = end
    return np.concatenate(blocks) if blocks else np.empty(0, dtype=np.uint64)


def _block_word_hashes(data: memoryview) -> np.ndarray:
    raw = np.frombuffer(data, dtype=np.uint8)
    in_word = np.empty(len(raw) + 2, dtype=np.int8)
    in_word[0] = in_word[-1] = 0
    np.not_equal(raw, _SPACE, out=in_word[1:-1].view(bool))
    edges = np.diff(in_word)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if not len(starts):
        return np.empty(0, dtype=np.uint64)
    powers, inverse = _powers_up_to(len(raw) + 1)
    prefix = np.zeros(len(raw) + 1, dtype=np.uint64)
    np.cumsum(raw * powers[: len(raw)], out=prefix[1:])
    return _fmix64((prefix[ends] - prefix[starts]) * inverse[starts])


def shingle_hashes(text: str, shingle_size: int) -> np.ndarray:
    """32-bit hashes of every shingle of the text, in order, duplicates included.

    A shingle's hash combines its words' hashes (a polynomial in a 64-bit odd multiplier,
    then the MurmurHash3 finalizer), so no shingle string is ever built.
    """
    words = word_hashes(text)
    count = len(words) - shingle_size + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint32)
    combined = words[:count].copy()
    for offset in range(1, shingle_size):
        combined *= _SHINGLE_MULTIPLIER
        combined += words[offset : offset + count]
    return (_fmix64(combined) >> np.uint64(32)).astype(np.uint32)


def shingle_set(doc: Document, excluded: tuple[int, ...], shingle_size: int) -> np.ndarray:
    """The sorted distinct shingle hashes of a document: for the exact Jaccard check."""
    return np.unique(shingle_hashes(shingled_text(doc, excluded), shingle_size))


def features_of(
    doc: Document, diagnostics: list[Diagnostic], settings: NearDuplicateSettings
) -> Features:
    """The features of a document the per-document rules have just checked."""
    from corpus_lint.dedup.minhash import signature

    excluded = excluded_lines(diagnostics)
    hashes = shingle_hashes(shingled_text(doc, excluded), settings.shingle_size)
    try:
        stat = os.stat(doc.path)
        # A file rewritten between the read and the stat must not be cached under the new stat.
        mtime_ns, size = (
            (stat.st_mtime_ns, stat.st_size) if stat.st_size == len(doc.raw) else (None, None)
        )
    except OSError:
        mtime_ns = size = None
    return Features(
        content=to_int64(xxhash.xxh3_64_intdigest(doc.raw)),
        text_hash=text_hash(doc.text),
        shingles=len(hashes),
        signature=signature(hashes, settings.num_perm).tobytes() if len(hashes) else b"",
        excluded=excluded,
        title_length=len(_TITLE.match(doc.text).group()),
        mtime_ns=mtime_ns,
        size=size,
    )

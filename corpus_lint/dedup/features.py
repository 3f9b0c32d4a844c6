"""What the corpus rules keep of one document: hashes and a MinHash signature, never the text.

Computed in the worker processes right after the per-document rules ran on a file
(`features_of`), so the corpus stage sees small picklable records, not documents.

Definitions shared by DUP003 and DUP004 (and by `benchmarks/generate_corpus.py`, which
computes the ground truth the same way):

- normalised text (DUP003): Unicode NFC, every run of white space (no-break spaces
  included) as one space, trimmed, without a leading byte-order mark;
- words (DUP004): runs of letters and digits (`\\w+`), lower-cased, from the lines that no
  rule declaring `excluded_from_shingles` reported (the boilerplate rules BP*, the in-file
  repeats DUP001/DUP002, and the pack rules that delete lines), whether or not the run selects
  those rules: see `ShingleExclusion`;
- shingles: every run of `shingle_size` consecutive words.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import xxhash

from corpus_lint.dedup.minhash import sorted_distinct
from corpus_lint.files import identity, to_int64
from corpus_lint.rule import reports_of
from corpus_lint.textutil import word_bytes as _word_bytes

if TYPE_CHECKING:
    from collections.abc import Iterable

    from corpus_lint.config import NearDuplicateSettings
    from corpus_lint.document import Document
    from corpus_lint.packs import Packs
    from corpus_lint.rule import Context, Diagnostic, Rule


_TITLE = re.compile(r"[^\r\n]*")
# Odd 64-bit multipliers (from SplitMix64/Murmur3) to combine word hashes into shingle hashes.
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))


class Features(NamedTuple):
    """What DUP003/DUP004 need of one file. Small and picklable: sent from workers, cached.

    A tuple, not a dataclass: the corpus stage holds one per file (100,000s of them), and a
    tuple takes a third of the memory of an object with a `__dict__`.
    """

    content: int  # xxh3-64 of the raw bytes, as a signed 64-bit int: the cache key
    text_hash: int | None  # xxh3-64 of the normalised text; None for an empty document
    shingles: int  # shingles, repeats included (0 when there are fewer words than a shingle)
    signature: bytes  # num_perm little-endian uint32 MinHash values; b"" without shingles
    excluded: tuple[int, ...] = ()  # 1-based line numbers left out of the shingles
    title_length: int = 0  # characters on line 1: where DUP003/DUP004 point
    mtime_ns: int | None = None  # the file's stamp (`files.identity`) when read, for the cache
    size: int | None = None
    # For the keeper policy (`dedup.clusters`); None when not known (features from the cache).
    findings: int | None = None  # per-document findings
    has_source: bool | None = None  # no SRC001 finding
    # BP005: the candidate lines (`dedup.lines.LINE` records); None when not computed in this
    # run (an unchanged file whose line hashes stay in the cache).
    lines: bytes | None = None
    line_texts: str = ""  # their texts, one per line, for BP005's messages and snippets


# `Features.shingles` of a document whose features the cache holds: see `features_of_many`.
IN_CACHE = -1


def normalise_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text.lstrip("\ufeff")).split())


def text_hash(text: str) -> int | None:
    return text_hashes([text])[0]


def text_hashes(texts: list[str]) -> list[int | None]:
    """`text_hash` of each text: the ASCII ones normalised together, a chunk of at most
    WORD_BLOCK_BYTES of text at a time (`_normalised_ascii` holds several times its text)."""
    hashes: list[int | None] = [None] * len(texts)
    chunk: list[int] = []
    size = 0
    for i, text in enumerate(texts):
        if not text.isascii():
            hashes[i] = _hash_normalised(normalise_text(text).encode())
            continue
        if chunk and size + len(text) > WORD_BLOCK_BYTES:
            _hash_chunk(texts, chunk, hashes)
            chunk, size = [], 0
        chunk.append(i)
        size += len(text)
    _hash_chunk(texts, chunk, hashes)
    return hashes


def _hash_chunk(texts: list[str], chunk: list[int], hashes: list[int | None]) -> None:
    for i, normalised in zip(chunk, _normalised_ascii([texts[i] for i in chunk])):
        hashes[i] = _hash_normalised(normalised)


def _hash_normalised(normalised: bytes) -> int | None:
    return to_int64(xxhash.xxh3_64_intdigest(normalised)) if normalised else None


# ASCII white space as str.split sees it, each byte made a space.
_ASCII_SPACES = bytes.maketrans(b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f", b" " * 9)


def _normalised_ascii(texts: list[str]) -> list[bytes]:
    """`normalise_text(text).encode()` of each ASCII text (NFC changes nothing there), with
    array operations on the bytes of all the texts at once instead of a list of every word:
    several times faster, and per text only a slice (numpy costs microseconds a call)."""
    if len(texts) == 1:  # alone (a long text): no joined copy, no arrays without a double space
        data = texts[0].encode().translate(_ASCII_SPACES)
        if b"  " in data:
            raw = np.frombuffer(data, dtype=np.uint8)
            data = raw[_kept(raw)].tobytes()
        return [data.strip(b" ")]
    if not texts:
        return []
    data = " ".join([*texts, ""]).encode().translate(_ASCII_SPACES)  # a space after each
    # A text's first byte follows the space after the text before, so each text's kept bytes
    # are those it keeps alone.
    raw = np.frombuffer(data, dtype=np.uint8)
    keep = _kept(raw)
    starts = np.cumsum([0] + [len(text) + 1 for text in texts[:-1]])
    kept = np.add.reduceat(keep.view(np.uint8), starts, dtype=np.int64).cumsum().tolist()
    squeezed = raw[keep].tobytes()
    # Each text's kept bytes, then the space after it if kept: the strip takes it away.
    return [squeezed[a:b].strip(b" ") for a, b in zip([0, *kept[:-1]], kept)]


def _kept(raw: np.ndarray) -> np.ndarray:
    """Which bytes stay when each run of spaces becomes one: those that are not spaces or
    follow one that is not. (`bytes.replace` of two spaces took three times as long.)"""
    not_space = raw != _SPACE
    keep = not_space.copy()
    keep[1:] |= not_space[:-1]
    return keep


class ShingleExclusion(NamedTuple):
    """Which lines are left out of the shingles: those reported by the rules that declare
    `excluded_from_shingles`. Lines of chrome or repeats must not make two different articles
    look alike, and DUP003/DUP004 must give the same results whatever else is selected, so
    the declaring rules the run does not select are run for the features alone."""

    rules: tuple[Rule, ...]  # every declaring rule, built in or from a pack
    unselected: tuple[Rule, ...]  # those the run does not select
    context: Context | None = None

    @property
    def codes(self) -> frozenset[str]:
        return _codes(self.rules)

    def lines(self, doc: Document, diagnostics: list[Diagnostic]) -> tuple[int, ...]:
        found = list(diagnostics)
        for rule in self.unselected:
            found.extend(reports_of(rule, doc, self.context))
        return excluded_lines(found, self.codes)


@functools.lru_cache(maxsize=16)
def _codes(rules: tuple[Rule, ...]) -> frozenset[str]:
    """The rules' codes: asked for every document, made once (a set of codes cost 3 us)."""
    return frozenset(rule.code for rule in rules)


def shingle_exclusion(selected: Iterable[Rule], packs: Packs) -> ShingleExclusion:
    """The exclusion of a run that selects `selected`, with the rules of `packs`."""
    from corpus_lint.checks import builtin_rules
    from corpus_lint.rule import Context

    selected_codes = {rule.code for rule in selected}
    rules = tuple(
        rule
        for rule in [*builtin_rules().values(), *packs.rules]
        if rule.excluded_from_shingles and not rule.corpus
    )
    unselected = tuple(rule for rule in rules if rule.code not in selected_codes)
    return ShingleExclusion(rules, unselected, Context(packs))


def _builtin_exclusion() -> ShingleExclusion:
    """Without a run's exclusion: the built-in declaring rules, with what was reported."""
    from corpus_lint.checks import builtin_rules

    rules = tuple(r for r in builtin_rules().values() if r.excluded_from_shingles)
    return ShingleExclusion(rules, ())


def excluded_lines(diagnostics: list[Diagnostic], codes: frozenset[str]) -> tuple[int, ...]:
    """Line numbers covered by the diagnostics of these rules."""
    lines: set[int] = set()
    for d in diagnostics:
        if d.code in codes:
            # A range that ends at column 1 of a later line stops at the line before it.
            last = d.end_line - 1 if d.end_column == 1 and d.end_line > d.line else d.end_line
            lines.update(range(d.line, last + 1))
    return tuple(sorted(lines))


def shingled_text(doc: Document, excluded: tuple[int, ...]) -> str:
    if not excluded:
        return doc.text
    skip = set(excluded)
    return "\n".join(line.text for line in doc.lines if line.number not in skip)


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
        # In place: copies would be held with them while made (their size again).
        _powers = np.cumprod(powers, out=powers)
        _inverse_powers = np.cumprod(inverse, out=inverse)
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
    """64-bit hashes of the words of `text`: exactly `re.findall(r"\\w+", text.lower())`."""
    return _word_hashes(_word_bytes(text))[0]


def _word_hashes(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, byte offsets of the starts) of the words in `_word_bytes` output."""
    # A word's hash does not depend on where it starts, so a long text is hashed in blocks cut
    # at separators: memory stays bounded by the block (a 20 MB text would need ~700 MB).
    blocks: list[tuple[np.ndarray, np.ndarray]] = []
    start = 0
    while start < len(data):
        end = start + WORD_BLOCK_BYTES
        if end < len(data):
            cut = data.rfind(b" ", start, end)
            end = cut if cut > start else data.find(b" ", end)
            end = len(data) if end < 0 else end
        hashes, starts = _block_word_hashes(memoryview(data)[start:end])
        blocks.append((hashes, starts + start))
        start = end
    if not blocks:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    if len(blocks) == 1:
        return blocks[0]
    return np.concatenate([h for h, _ in blocks]), np.concatenate([s for _, s in blocks])


def _block_word_hashes(data: memoryview) -> tuple[np.ndarray, np.ndarray]:
    raw = np.frombuffer(data, dtype=np.uint8)
    edges, prefix = _word_scratch(len(raw))
    # A word starts or ends where a byte differs from the one before it in being a space (the
    # text taken between two spaces): the changes alternate, a start then an end.
    in_word = prefix.view(bool)[: len(raw) + 2]  # the prefix's memory, unused until below
    in_word[0] = in_word[-1] = False
    np.not_equal(raw, _SPACE, out=in_word[1:-1])
    np.not_equal(in_word[1:], in_word[:-1], out=edges)
    changes = np.flatnonzero(edges)
    if not len(changes):
        return np.empty(0, dtype=np.uint64), changes
    starts, ends = changes[0::2], changes[1::2]
    powers, inverse = _powers_up_to(len(raw) + 1)
    prefix[0] = 0
    np.multiply(raw, powers[: len(raw)], out=prefix[1:])
    np.cumsum(prefix[1:], out=prefix[1:])
    return _fmix64((prefix[ends] - prefix[starts]) * inverse[starts]), starts


# Blocks of text up to this many bytes are hashed in memory kept between calls by each thread
# (Dask runs tasks in threads): fresh arrays for every batch of documents cost a third of the
# hashing in page faults. Longer blocks (a batch of long articles, or a text with no space to
# cut it at WORD_BLOCK_BYTES) get arrays of their own.
_SCRATCH_BYTES = 1 << 18
_scratch = threading.local()


def _word_scratch(length: int) -> tuple[np.ndarray, np.ndarray]:
    """(bool array of `length` + 1, uint64 array of `length` + 1) for `_block_word_hashes`."""
    if length > _SCRATCH_BYTES:
        return np.empty(length + 1, dtype=bool), np.empty(length + 1, dtype=np.uint64)
    found = getattr(_scratch, "arrays", None)
    if found is None:
        found = _scratch.arrays = (
            np.empty(_SCRATCH_BYTES + 1, dtype=bool),
            np.empty(_SCRATCH_BYTES + 1, dtype=np.uint64),
        )
    return found[0][: length + 1], found[1][: length + 1]


def shingle_hashes(text: str, shingle_size: int) -> np.ndarray:
    """32-bit hashes of every shingle of the text, in order, duplicates included.

    A shingle's hash combines its words' hashes (a polynomial in a 64-bit odd multiplier,
    then the MurmurHash3 finalizer), so no shingle string is ever built.
    """
    return _combine(word_hashes(text), shingle_size)


def _combine(words: np.ndarray, shingle_size: int) -> np.ndarray:
    """32-bit hashes of every run of `shingle_size` consecutive word hashes."""
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
    return sorted_distinct(shingle_hashes(shingled_text(doc, excluded), shingle_size))


def features_of(
    doc: Document,
    diagnostics: list[Diagnostic],
    settings: NearDuplicateSettings,
    exclusion: ShingleExclusion | None = None,
) -> Features:
    """The features of a document the per-document rules have just checked."""
    return features_of_many([(doc, diagnostics)], settings, exclusion=exclusion)[0]


def features_of_many(
    checked: list[tuple[Document, list[Diagnostic]]],
    settings: NearDuplicateSettings,
    cached: frozenset[int] = frozenset(),
    exclusion: ShingleExclusion | None = None,
) -> list[Features]:
    """`features_of` for many documents at once: the same values, much less numpy overhead.

    The documents' words are hashed as one text and their signatures computed as one matrix
    (`minhash.signatures`): per call, numpy costs microseconds whatever the size, which
    for a 600-word article was half the time of its features.

    A document whose content hash is in `cached` gets only what its read tells (content,
    title, stat) and `shingles=IN_CACHE`: the corpus stage takes the rest from the cache.
    """
    from corpus_lint.dedup.minhash import signatures

    if cached:
        contents = [content_hash(doc.raw) for doc, _ in checked]
        if any(c in cached for c in contents):
            fresh = iter(
                features_of_many(
                    [d for d, c in zip(checked, contents) if c not in cached],
                    settings,
                    exclusion=exclusion,
                )
            )
            return [
                _features(doc, (), IN_CACHE, b"", d) if c in cached else next(fresh)
                for (doc, d), c in zip(checked, contents)
            ]
    exclusion = exclusion or _builtin_exclusion()
    excluded = [exclusion.lines(doc, diagnostics) for doc, diagnostics in checked]
    # A document's own word hashes when no line is left out and `hash_words` gave them (TXT001
    # screened its words with them); the words of the others hashed here, in one go.
    words: list[np.ndarray | None] = [
        None if skip else doc.word_hashes for (doc, _), skip in zip(checked, excluded)
    ]
    missing = [i for i, hashes in enumerate(words) if hashes is None]
    encoded = [
        _word_bytes(shingled_text(checked[i][0], excluded[i]))
        if excluded[i]
        else checked[i][0].word_bytes
        for i in missing
    ]
    for i, hashes in zip(missing, _hashes_of_many(encoded)):
        words[i] = hashes
    shingles, counts = _shingles_of_hashes(words, settings.shingle_size)
    matrix = signatures(shingles, counts, settings.num_perm)
    hashed_texts = text_hashes([doc.text for doc, _ in checked])
    return [
        _features(doc, skip, int(count), row.tobytes() if count else b"", diagnostics, hashed)
        for (doc, diagnostics), skip, count, row, hashed in zip(
            checked, excluded, counts.tolist(), matrix, hashed_texts
        )
    ]


def _shingles_of_many(texts: list[str], shingle_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(shingle hashes, counts): `shingle_hashes` of each text, one text after the other,
    `counts[i]` of them for text i; the texts' words are hashed as one text (see
    `features_of_many`)."""
    return _shingles_of_words([_word_bytes(text) for text in texts], shingle_size)


def _shingles_of_words(encoded: list[bytes], shingle_size: int) -> tuple[np.ndarray, np.ndarray]:
    """`_shingles_of_many` of the texts' `_word_bytes`."""
    return _shingles_of_hashes(_hashes_of_many(encoded), shingle_size)


def _hashes_of_many(encoded: list[bytes]) -> list[np.ndarray]:
    """`_word_hashes` of each of the texts' `_word_bytes`, hashed as one text."""
    _, hashes, _, firsts = _joined_word_hashes(encoded)
    return [hashes[i:j] for i, j in zip(firsts, [*firsts[1:], len(hashes)])]


def _joined_word_hashes(encoded: list[bytes]) -> tuple[bytes, np.ndarray, np.ndarray, list[int]]:
    """(the texts joined, `_word_hashes` of it, each text's first word): the texts' words
    hashed as one text, one separator between texts (a word's hash does not depend on where
    it starts), for far less numpy overhead than text by text."""
    lengths = np.fromiter((len(t) + 1 for t in encoded), dtype=np.int64, count=len(encoded))
    data = b" ".join(encoded)
    hashes, starts = _word_hashes(data)
    firsts = np.searchsorted(starts, np.cumsum(lengths) - lengths).tolist()
    return data, hashes, starts, firsts


def _shingles_of_hashes(
    words: list[np.ndarray], shingle_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """(shingle hashes, counts): `_combine` of each document's word hashes, one document
    after the other, `counts[i]` of them for document i, computed for all at once."""
    sizes = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    joined = np.concatenate(words) if words else np.empty(0, dtype=np.uint64)
    shingles = _combine(joined, shingle_size)
    # A shingle belongs to a document when its first and last words do: the shingles starting
    # at its first `counts` words, the next ones crossing into the documents after it.
    counts = np.maximum(sizes - (shingle_size - 1), 0)
    runs = np.stack([counts, sizes - counts], axis=1).ravel()
    inside = np.repeat(np.tile(np.array([True, False]), len(words)), runs)[: len(shingles)]
    return shingles[inside], counts


def hash_words(docs: list[Document]) -> None:
    """Hash the words of these documents at once and give each its `Document.word_hashes`
    (its shingles are made of them), and its `Document.doubled_tokens`: the tokens of its
    `word_bytes` hashed as the next token, a superset of those equal to the next (TXT001's
    screen, `checks.text`), found for the whole batch in one comparison at C speed."""
    if not docs:
        return
    data, hashes, starts, firsts = _joined_word_hashes([doc.word_bytes for doc in docs])
    for doc, i, j in zip(docs, firsts, [*firsts[1:], len(hashes)]):
        doc.word_hashes = hashes[i:j]
        doc.doubled_tokens = set()
    doubled = np.flatnonzero(hashes[1:] == hashes[:-1])  # word i hashed as word i + 1
    if len(doubled):
        documents = np.searchsorted(firsts, doubled, side="right") - 1
        nexts = np.searchsorted(firsts, doubled + 1, side="right") - 1
        for index, start in zip(
            documents[documents == nexts].tolist(), starts[doubled[documents == nexts]].tolist()
        ):
            end = data.find(b" ", start)
            docs[index].doubled_tokens.add(data[start:] if end < 0 else data[start:end])


# Text hashed together by `shingle_sets` (a longer text alone): the arrays made for the text
# hashed at once stay with the process (`_powers_up_to`, `_word_scratch`). The main process
# verifies a few pairs itself, the keepers' in the clusters: a tile of 64 files at once was
# 9 MB of a cold run's peak over 100,000 files.
SHINGLE_SETS_BYTES = 1 << 16


def shingle_sets(texts: list[str], shingle_size: int) -> list[np.ndarray]:
    """`np.unique(shingle_hashes(text, shingle_size))` of each text, for many at once: the
    shingles of all are sorted together as one array of (text number, hash) in 64 bits, up
    to SHINGLE_SETS_BYTES of text at a time."""
    found: list[np.ndarray] = []
    start = 0
    while start < len(texts):
        end, size = start + 1, len(texts[start])
        while end < len(texts) and size + len(texts[end]) <= SHINGLE_SETS_BYTES:
            size += len(texts[end])
            end += 1
        found += _shingle_sets(texts[start:end], shingle_size)
        start = end
    return found


def _shingle_sets(texts: list[str], shingle_size: int) -> list[np.ndarray]:
    shingles, counts = _shingles_of_many(texts, shingle_size)
    if not len(shingles):
        return [shingles.copy() for _ in texts]
    documents = np.repeat(np.arange(len(texts), dtype=np.uint64), counts)
    keyed = sorted_distinct((documents << np.uint64(32)) | shingles)
    ends = np.cumsum(np.bincount((keyed >> np.uint64(32)).astype(np.intp), minlength=len(texts)))
    return np.split(keyed.astype(np.uint32), ends[:-1])


def content_hash(raw: bytes) -> int:
    """A file's content hash, as the cache stores it: what tells whether its bytes are still
    those a stage saw."""
    return to_int64(xxhash.xxh3_64_intdigest(raw))


def _features(
    doc: Document,
    excluded: tuple[int, ...],
    shingles: int,
    signature: bytes,
    diagnostics: list[Diagnostic],
    hashed_text: int | None = None,  # its `text_hash` (None with IN_CACHE)
) -> Features:
    # The stat taken before the read: a file rewritten since is not trusted by the next run.
    # One that changed size during the read is not recorded at all.
    status = doc.status
    if status is not None and status.st_size == len(doc.raw):
        mtime_ns, size = identity(status)
    else:
        mtime_ns = size = None
    return Features(
        content=content_hash(doc.raw),
        text_hash=hashed_text,
        shingles=shingles,
        signature=signature,
        excluded=excluded,
        title_length=len(_TITLE.match(doc.text).group()),
        mtime_ns=mtime_ns,
        size=size,
        findings=len(diagnostics),
        has_source=not any(d.code == "SRC001" for d in diagnostics),
    )

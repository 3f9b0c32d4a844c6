"""MinHash signatures and LSH banding, computed with numpy exactly as datasketch does.

Signatures are datasketch 2.x `MinHash(num_perm, seed=SEED)` signatures in its default
"affine32" scheme (MurmurHash3 finalizer, then `a * h + b mod 2**32` per permutation, with
datasketch's own permutation parameters), for shingles whose 32-bit hash is the input
(`tests/test_dedup.py` checks them value for value against `MinHash.update_batch`).
They are computed here with one numpy expression per document instead of through a
`MinHash` object because importing datasketch pulls in scipy (about a second): too slow
for a pre-commit run that checks one file against a cached corpus.

The banding (b bands of r rows) is chosen with datasketch's own measure of false positives
(`datasketch.lsh._false_positive_probability`, the area under the S-curve below the
threshold), but for recall: the fewest false positives among the (b, r) that make a pair
exactly at the threshold a candidate with probability >= MIN_CANDIDATE_PROBABILITY.
(datasketch's default `MinHashLSH(threshold=0.8)` picks b=9, r=13, which misses such a
pair six times in ten.) Every candidate is then verified, so the looser banding costs
time, never precision.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import numpy as np

SEED = 1  # datasketch's default MinHash seed
SCHEME = "affine32"  # datasketch's default permutation scheme since 2.0
MIN_CANDIDATE_PROBABILITY = 0.99
# Shingles per step of `signature`: a (chunk x num_perm) uint32 matrix, 4 MB at 128 permutations.
SIGNATURE_CHUNK = 8192

_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
# The (num_perm x SIGNATURE_CHUNK) matrix of `signatures`, kept between calls by each thread
# (Dask runs tasks in threads): a fresh 4 MB array for every block cost 15% of the signatures
# in page faults.
_scratch = threading.local()


@cache
def permutations(num_perm: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a odd, b), drawn the way it draws them:
    `np.random.RandomState(seed).randint(0, 1 << 31, num_perm, dtype=np.uint32) * 2 + 1`,
    then `.randint(0, 1 << 32, num_perm, dtype=np.uint32)`, each value one 32-bit draw of
    its MT19937 (masked to 31 bits for a). The draws are made here (`mt19937`): importing
    numpy.random imports OpenSSL's hashlib and `secrets`, 0.03-0.04 s of every run that
    hashes a new document (pre-commit). `tests/test_dedup.py` holds them to numpy's."""
    draws = mt19937(seed, 2 * num_perm)
    a = np.array([(d & 0x7FFFFFFF) * 2 + 1 for d in draws[:num_perm]], dtype=np.uint32)
    b = np.array(draws[num_perm:], dtype=np.uint32)
    return a.reshape(1, -1), b.reshape(1, -1)


def mt19937(seed: int, count: int) -> list[int]:
    """The first `count` 32-bit outputs of MT19937 seeded as numpy's RandomState(seed) seeds
    it (Matsumoto and Nishimura's init_genrand and genrand_int32)."""
    if not 0 <= seed < 1 << 32:
        raise ValueError("Seed must be between 0 and 2**32 - 1")  # as numpy says
    n, m = 624, 397
    state = [seed]
    for i in range(1, n):
        prev = state[-1]
        state.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
    out: list[int] = []
    index = n
    while len(out) < count:
        if index == n:  # the next n outputs
            for i in range(n):
                y = (state[i] & 0x80000000) | (state[(i + 1) % n] & 0x7FFFFFFF)
                state[i] = state[(i + m) % n] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            index = 0
        y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        out.append(y ^ (y >> 18))
    return out


def signature(shingle_hashes: np.ndarray, num_perm: int) -> np.ndarray:
    """The MinHash signature (num_perm uint32) of a non-empty array of 32-bit shingle hashes.

    Shingles are taken in chunks, so memory stays bounded (a (shingles x num_perm) matrix
    for a 20 MB one-line file would take gigabytes).
    """
    s1, m1, s2, m2 = _FMIX32
    a, b = permutations(num_perm)
    result: np.ndarray | None = None
    for start in range(0, len(shingle_hashes), SIGNATURE_CHUNK):
        h = shingle_hashes[start : start + SIGNATURE_CHUNK].astype(np.uint32).reshape(-1, 1)
        h = h ^ (h >> s1)
        h *= m1
        h ^= h >> s2
        h *= m2
        h ^= h >> s1
        values = np.multiply(h, a)  # one (chunk x num_perm) array, updated in place
        values += b
        chunk = values.min(axis=0)
        result = chunk if result is None else np.minimum(result, chunk)
    return result


def signatures(shingle_hashes: np.ndarray, counts: np.ndarray, num_perm: int) -> np.ndarray:
    """The signatures ((documents x num_perm) uint32) of documents whose shingle hashes are
    given one document after the other, `counts[i]` of them for document i.

    Rows of documents without shingles are zeros. Documents are taken a block of about
    SIGNATURE_CHUNK shingles at a time, one matrix per block; a longer one goes alone to
    `signature`.
    """
    s1, m1, s2, m2 = _FMIX32
    a, b = permutations(num_perm)
    h = shingle_hashes.astype(np.uint32)
    h ^= h >> s1
    h *= m1
    h ^= h >> s2
    h *= m2
    h ^= h >> s1
    a_column, b_column = a.reshape(-1, 1), b.reshape(-1, 1)
    result = np.zeros((len(counts), num_perm), dtype=np.uint32)
    ends = np.cumsum(counts)
    documents = np.flatnonzero(counts)  # their rows follow each other in `h`
    document_ends = ends[documents]
    first = 0
    while first < len(documents):
        start = int(document_ends[first] - counts[documents[first]])
        last = int(np.searchsorted(document_ends, start + SIGNATURE_CHUNK, side="right"))
        if last <= first:  # one long document
            result[documents[first]] = signature(
                shingle_hashes[start : document_ends[first]], num_perm
            )
            first += 1
            continue
        block = documents[first:last]
        # (num_perm x shingles): each document's minimum is a reduction along contiguous
        # memory, several times faster than along the other axis.
        row = h[start : document_ends[last - 1]].reshape(1, -1)
        values = _scratch_matrix(num_perm)[:, : row.shape[1]]
        np.multiply(a_column, row, out=values)
        values += b_column
        offsets = document_ends[first:last] - counts[block] - start
        result[block] = np.minimum.reduceat(values, offsets, axis=1).T
        first = last
    return result


def _scratch_matrix(num_perm: int) -> np.ndarray:
    matrix = getattr(_scratch, "matrix", None)
    if matrix is None or matrix.shape != (num_perm, SIGNATURE_CHUNK):
        matrix = _scratch.matrix = np.empty((num_perm, SIGNATURE_CHUNK), dtype=np.uint32)
    return matrix


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) for the threshold: see the module docstring."""
    choices = [
        (b, r)
        for r in range(1, num_perm + 1)
        for b in range(1, num_perm // r + 1)
        if candidate_probability(threshold, b, r) >= MIN_CANDIDATE_PROBABILITY
    ]
    if not choices:  # too few permutations to reach the target: take the most sensitive
        return num_perm, 1
    # One set of quadrature points for all: exact for every degree bands x rows <= num_perm
    # (one eigenvalue problem instead of one per degree: most of a one-file run's DUP time).
    points = num_perm // 2 + 1
    return min(choices, key=lambda br: (false_positive_probability(threshold, *br, points), br))


def candidate_probability(similarity: Any, bands: int, rows: int) -> Any:
    """The LSH S-curve: the chance that a pair of this Jaccard similarity shares a band."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def false_positive_probability(
    threshold: float, bands: int, rows: int, points: int | None = None
) -> float:
    """datasketch's `_false_positive_probability`: the S-curve integrated from 0 to the
    threshold. It is a polynomial of degree bands x rows, which Gauss-Legendre quadrature
    with more than half as many `points` integrates exactly; datasketch calls scipy's `quad`,
    and importing scipy takes a second."""
    nodes, weights = _gauss_legendre(points or bands * rows // 2 + 1)
    half = threshold / 2
    return half * float(np.dot(weights, candidate_probability(half * (nodes + 1), bands, rows)))


@cache
def _gauss_legendre(points: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(points)


def band_keys(
    signatures: np.ndarray, bands: int, rows: int, salt: int, only: range | None = None
) -> np.ndarray:
    """(n, bands) int64 keys: equal keys in a column mean equal rows of that band; with
    `only`, the columns of those bands alone.

    Each band's rows are folded into one 64-bit hash seeded with the band number and
    `salt` (the cache configuration), so keys of different bands or settings never meet
    in the cache's band table.
    """
    n = signatures.shape[0]
    only = range(bands) if only is None else only
    keys = np.empty((n, len(only)), dtype=np.uint64)
    multiplier = np.uint64(0x9E3779B97F4A7C15)
    shift, m1, m2 = np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
    with np.errstate(over="ignore"):
        for at, band in enumerate(only):
            h = np.full(n, (salt * 31 + band + 1) & ((1 << 64) - 1), dtype=np.uint64)
            for column in range(band * rows, (band + 1) * rows):
                h = (h ^ signatures[:, column].astype(np.uint64)) * multiplier
                h ^= h >> shift
            h *= m1
            h ^= h >> shift
            h *= m2
            h ^= h >> shift
            keys[:, at] = h
    return keys.view(np.int64)


# Signatures turned into band keys at a time (see `signature_band_keys`).
KEY_BLOCK = 8192


def band_salt(config: int, bands: int, rows: int) -> int:
    """The salt of the band keys of a configuration (`dedup.corpus.config_key`) and banding:
    keys of other settings never meet in the cache's band table."""
    import xxhash

    return xxhash.xxh3_64_intdigest(f"{config}:{bands}:{rows}".encode())


def signature_band_keys(
    signatures: list[bytes], bands: int, rows: int, salt: int, num_perm: int
) -> np.ndarray:
    """(len(signatures), bands) band keys of signatures as stored (`Features.signature`),
    computed a block at a time: they are never all copied into one matrix (50 MB for
    100,000 files)."""
    keys = np.empty((len(signatures), bands), dtype=np.int64)
    for start in range(0, len(signatures), KEY_BLOCK):
        block = signatures[start : start + KEY_BLOCK]
        matrix = np.frombuffer(b"".join(block), dtype="<u4").reshape(len(block), num_perm)
        keys[start : start + len(block)] = band_keys(matrix, bands, rows, salt)
    return keys


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)` by sorting: numpy 2's `np.unique` hashes, 15 to 35 times slower here,
    and its first call imports numpy.ma (10 ms of a pre-commit run)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def candidate_pairs(band: np.ndarray, keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The candidate pairs of LSH rows (band number, band key, document id), one row per
    document and band: every two ids with the same key in the same band, as distinct pair
    codes (smaller id << 32 | larger id), sorted. Ids are below 2**32."""
    codes: list[np.ndarray] = []
    if len(ids) > 1:
        if not np.any(band[1:] != band[:-1]):
            # One band (the local stage's calls): the rows sorted by key alone, unstably,
            # each group's ids put in order below (a stable sort of 100,000 keys took 8 ms,
            # five times as long: 0.1 s of a cold run's 16 bands).
            order = np.argsort(keys)
        else:
            # The order of np.lexsort((keys, band)), by stable sorts from the least
            # significant key.
            order = np.argsort(keys, kind="stable")
            order = order[np.argsort(band[order], kind="stable")]
        band, keys, ids = band[order], keys[order], ids[order]
        same = (band[1:] == band[:-1]) & (keys[1:] == keys[:-1])
        starts = np.flatnonzero(np.r_[True, ~same])
        ends = np.r_[starts[1:], len(ids)]
        sizes = ends - starts
        twos = starts[sizes == 2]  # most groups: one pair, made without a loop
        first, second = ids[twos], ids[twos + 1]
        codes.append((np.minimum(first, second) << 32) | np.maximum(first, second))
        for start, end in zip(starts[sizes > 2].tolist(), ends[sizes > 2].tolist()):
            members = np.sort(ids[start:end])
            first, second = np.triu_indices(len(members), k=1)
            codes.append((members[first] << 32) | members[second])
    return sorted_distinct(np.concatenate(codes)) if codes else np.empty(0, dtype=np.int64)

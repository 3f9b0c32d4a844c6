"""Shingles, signatures and banding of corpus_lint.dedup, against datasketch and exact sets."""

from __future__ import annotations

import re

import numpy as np
import pytest

from corpus_lint.dedup.features import shingle_hashes, text_hash, word_hashes
from corpus_lint.dedup.minhash import candidate_probability, lsh_params, signature
from tests.helpers import SEEDS


def test_signatures_equal_datasketch_minhash_update_batch():
    from datasketch import MinHash

    hashes = shingle_hashes((SEEDS / "000_ba3998b432922702.txt").read_text(), 5)
    reference = MinHash(num_perm=128, hashfunc=lambda value: value)
    reference.update_batch(hashes.tolist())
    assert np.array_equal(signature(hashes, 128), reference.hashvalues)


@pytest.mark.parametrize("seed", [0, 1, 42, 2**32 - 1])
@pytest.mark.parametrize("num_perm", [1, 128, 256, 400, 700])  # 700: past a first twist
def test_permutations_are_numpys_randomstate_draws(seed, num_perm):
    """The permutation parameters, drawn without numpy.random, are the ones datasketch draws
    with `np.random.RandomState(seed).randint`."""
    from corpus_lint.dedup.minhash import mt19937, permutations

    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    ours = permutations(num_perm, seed)
    assert [x.dtype for x in ours] == [np.uint32, np.uint32]
    assert (ours[0] == a.reshape(1, -1)).all() and (ours[1] == b.reshape(1, -1)).all()
    with pytest.raises(ValueError):
        mt19937(1 << 32, 1)


@pytest.mark.parametrize(
    "text",
    [
        "Ünïcode café—über “quoted” naïve\u00a0space ÉCOLE x_y 3.5 İstanbul",
        "plain ascii, with punctuation; and CAPITALS!",
        "",
        "...",
    ],
)
def test_words_are_the_regular_expression_words_of_the_lower_cased_text(text):
    expected = re.findall(r"\w+", text.lower())
    hashes = word_hashes(text).tolist()
    assert len(hashes) == len(expected)
    by_word = dict(zip(expected, hashes))
    assert [by_word[w] for w in expected] == hashes
    assert len(set(hashes)) == len(set(expected))


def test_same_words_in_other_case_and_punctuation_give_the_same_shingles():
    first = shingle_hashes("The Mayor said, on Tuesday: the port will close.", 3)
    second = shingle_hashes("the mayor said on tuesday the port will close", 3)
    assert np.array_equal(first, second)


def test_fewer_words_than_a_shingle_give_no_shingles():
    assert len(shingle_hashes("only four words here", 5)) == 0


def test_text_hash_ignores_white_space_and_normalisation_but_not_words():
    assert text_hash("a  b\r\nc\u00a0d") == text_hash("a b c d")
    assert text_hash("caf\u00e9") == text_hash("cafe\u0301")
    assert text_hash("a b c") != text_hash("a b d")
    assert text_hash(" \n ") is None


def test_banding_finds_a_pair_at_the_threshold_99_times_in_100():
    bands, rows = lsh_params(0.8, 128)
    assert bands * rows <= 128
    assert candidate_probability(0.8, bands, rows) >= 0.99
    assert candidate_probability(0.3, bands, rows) < 0.05


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
def test_banding_is_chosen_as_with_datasketchs_own_false_positive_measure(num_perm):
    """The false-positive measure is datasketch's integral, computed without scipy: the
    same values, and the same banding chosen for every threshold."""
    from datasketch.lsh import _false_positive_probability

    from corpus_lint.dedup import minhash

    for bands, rows in [(1, 1), (16, 6), (9, 13), (num_perm // 4, 4), (1, num_perm)]:
        for threshold in (0.3, 0.8, 0.95):
            ours = minhash.false_positive_probability(threshold, bands, rows)
            assert ours == pytest.approx(_false_positive_probability(threshold, bands, rows), 1e-9)
    for threshold in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99):
        choices = [
            (b, r)
            for r in range(1, num_perm + 1)
            for b in range(1, num_perm // r + 1)
            if candidate_probability(threshold, b, r) >= minhash.MIN_CANDIDATE_PROBABILITY
        ]
        expected = min(
            choices or [(num_perm, 1)],
            key=lambda br: (_false_positive_probability(threshold, *br), br),
        )
        assert lsh_params(threshold, num_perm) == expected


def test_estimated_jaccard_tracks_the_exact_jaccard():
    rng = np.random.default_rng(0)
    universe = rng.integers(0, 2**32, 2000, dtype=np.uint64).astype(np.uint32)
    a, b = universe[:1000], universe[200:1200]  # exact Jaccard 800 / 1200
    estimate = np.mean(signature(a, 256) == signature(b, 256))
    assert estimate == pytest.approx(800 / 1200, abs=0.1)


def test_worth_verifying_by_rows_decides_as_worth_verifying_pair_by_pair():
    from corpus_lint.dedup.corpus import prune_floor, worth_verifying, worth_verifying_rows
    from corpus_lint.dedup.features import Features
    from corpus_lint.dedup.table import FeatureTable

    rng = np.random.default_rng(19)
    base = rng.integers(0, 2**32, 128, dtype=np.uint64).astype("<u4")
    pairs = []
    for index in range(300):  # signatures agreeing on 0 to 128 values, some with the same text
        other = base.copy()
        changed = rng.choice(128, size=int(rng.integers(0, 129)), replace=False)
        other[changed] = rng.integers(0, 2**32, len(changed), dtype=np.uint64).astype("<u4")
        text = int(rng.integers(0, 3))
        other_text = text if index % 5 == 0 else text + 1
        if index % 7 == 0:  # no text hash on one side or both: never "the same text"
            text, other_text = None, (None if index % 2 else other_text)
        a = Features(1, text, 10, base.tobytes())
        b = Features(2, other_text, 10, other.tobytes())
        pairs.append((a, b))
    floor = prune_floor(0.8, 128)
    expected = [worth_verifying(a, b, floor) for a, b in pairs]
    assert 0 < sum(expected) < len(expected)
    table = FeatureTable()
    rows = [[table.append(f) for f in side] for side in zip(*pairs)]
    first, second = (np.array(r, dtype=np.int64) for r in rows)
    assert worth_verifying_rows(table, first, second, floor).tolist() == expected
    table.close()

"""Each fast path gives exactly what the plain path it shortcuts gives.

The per-file work is tuned for speed (issue #3): line splitting without a regex when a text
has only "\\n" breaks, and the like. These property tests hold each shortcut to its reference.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpus_lint.document import Document

# Text built from the characters that matter to the paths under test, plus any character.
_PIECES = st.sampled_from(["\n", "\r", "\r\n", " ", "\t", "\u00a0", "word", "of", "Of", "é"])
# Decoded documents never hold lone surrogates (decoding is strict).
TEXTS = st.lists(st.one_of(_PIECES, st.characters(blacklist_categories=("Cs",))), max_size=60).map(
    "".join
)


def _document(text: str) -> Document:
    return Document(Path("a.txt"), "a.txt", text.encode("utf-8"), "utf-8", 1.0, text)


@settings(max_examples=300, deadline=None)
@given(TEXTS.filter(lambda t: "\r" not in t))
def test_lines_split_on_newlines_equal_the_regex_walk(text):
    doc = _document(text)
    assert doc.lines == doc._lines_with_any_break()


@settings(max_examples=300, deadline=None)
@given(TEXTS)
@example("a\n")
@example("\n\n")
@example("")
def test_line_texts_are_the_texts_of_the_lines(text):
    doc = _document(text)
    texts = doc.line_texts  # before the lines: computed without them
    assert texts == [line.text for line in doc.lines]
    assert doc.position(0) == (1, 1) == (doc.lines[0].number, 1)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \n\r", max_size=40), st.data())
def test_positions_from_line_texts_equal_those_of_the_lines(text, data):
    """`Document.position` without the lines (offsets from the lines' texts) gives each offset
    the line and column the lines give it."""
    offsets = data.draw(st.lists(st.integers(0, len(text)), max_size=5))
    doc = Document.from_bytes(Path("x.txt"), text.encode())
    built = Document.from_bytes(Path("x.txt"), text.encode())
    for offset in offsets:
        index = max(i for i, line in enumerate(built.lines) if line.start <= offset or i == 0)
        line = built.lines[index]
        assert doc.position(offset) == (line.number, offset - line.start + 1)
    assert "lines" not in doc.__dict__ or "\r" in text


def test_lines_of_text_without_final_newline_and_of_empty_text():
    assert [(x.number, x.text, x.ending) for x in _document("a\nb").lines] == [
        (1, "a", "\n"),
        (2, "b", ""),
    ]
    assert [(x.number, x.text, x.ending) for x in _document("a\n").lines] == [(1, "a", "\n")]
    assert [(x.start, x.end, x.text) for x in _document("").lines] == [(0, 0, "")]


@settings(max_examples=500, deadline=None)
@given(TEXTS)
@example("\x1bword word\nword")  # glued to a rare symbol
@example("§of of")
@example("İ İ")  # the blind spot
@example("\x85word word")  # white space to str.isspace, not to bytes.split
@example("\x1cword word")
@example("\u2009of of")
@example("wordA A A")  # the first "a a" is inside a word; the repeat starts after it
def test_repeated_words_found_where_screened_equal_what_the_general_pattern_finds(text):
    from corpus_lint.checks.text import _REPEATED_WORD, repeated_words

    found = [m.span() for m in repeated_words(text)]
    general = list(_REPEATED_WORD.finditer(text))
    # The screen's one known blind spot: a word whose lower case is not all word characters
    # ("İ" is "i" and a combining dot), or whose copies differ in lower case ("ſ" and "s").
    seen = [m.span() for m in general if _screen_sees(m.group().split())]
    assert set(seen) <= set(found) <= {m.span() for m in general}
    assert found == sorted(found)


def _screen_sees(copies: list[str]) -> bool:
    import re

    first = copies[0].lower()
    return re.fullmatch(r"\w+", first) is not None and all(c.lower() == first for c in copies)


WORDY = st.lists(
    st.one_of(st.sampled_from(["alpha", "beta", "gamma", "delta", " ", "\n", ", ", "Ünï"]), TEXTS),
    max_size=80,
).map("".join)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(WORDY, max_size=8), st.sampled_from([3, 8, 8192]))
def test_features_of_many_documents_equal_each_documents_own(texts, chunk):
    """Batched word hashing and signatures give each document exactly its own values,
    whether blocks hold several documents or a document spans several blocks."""
    from corpus_lint.config import NearDuplicateSettings
    from corpus_lint.dedup import minhash
    from corpus_lint.dedup.features import features_of_many, shingle_hashes

    near = NearDuplicateSettings(0.8, 2, 16)
    docs = [_document(t) for t in texts]
    saved, minhash.SIGNATURE_CHUNK = minhash.SIGNATURE_CHUNK, chunk
    try:
        batch = features_of_many([(doc, []) for doc in docs], near)
    finally:
        minhash.SIGNATURE_CHUNK = saved
    for doc, features in zip(docs, batch):
        alone = shingle_hashes(doc.text, 2)
        assert features.shingles == len(alone)
        expected = minhash.signature(alone, 16).tobytes() if len(alone) else b""
        assert features.signature == expected


def test_signatures_computed_in_threads_at_once_equal_the_serial_ones():
    """Dask runs tasks in threads: the scratch matrix `signatures` keeps between calls must
    be each thread's own."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from corpus_lint.dedup import minhash

    generator = np.random.default_rng(7)
    batches = []
    for _ in range(64):
        counts = generator.integers(1, 3000, size=8)
        batches.append((generator.integers(0, 1 << 32, int(counts.sum()), dtype=np.uint32), counts))
    serial = [minhash.signatures(hashes, counts, 64) for hashes, counts in batches]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda batch: minhash.signatures(*batch, 64), batches))
    assert all(np.array_equal(a, b) for a, b in zip(serial, threaded))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(max_codepoint=127), max_size=80), max_size=4),
    st.sampled_from([1, 7, 1 << 20]),  # chunks of text: one text each, a few, all at once
)
@example(["a ", "", " b", ""], 1 << 20)
def test_ascii_texts_are_normalised_as_the_general_path_does(texts, chunk_bytes):
    """ASCII texts normalised all at once are each normalised as the general path does alone,
    and a batch's text hashes (non-ASCII texts among them, in chunks) are those of the
    general path, text by text."""
    from unittest.mock import patch

    import xxhash

    from corpus_lint.dedup import features
    from corpus_lint.dedup.features import _normalised_ascii, normalise_text, text_hashes
    from corpus_lint.files import to_int64

    assert _normalised_ascii(texts) == [normalise_text(text).encode() for text in texts]
    mixed = [*texts, "caf\u00e9\u00a0 x", *texts]
    expected = [normalise_text(text).encode() for text in mixed]
    with patch.object(features, "WORD_BLOCK_BYTES", chunk_bytes):
        found = text_hashes(mixed)
    assert found == [to_int64(xxhash.xxh3_64_intdigest(n)) if n else None for n in expected]


def test_text_hashes_normalise_at_most_a_block_of_text_at_once(monkeypatch):
    """Memory: the batch's ASCII texts go to `_normalised_ascii` (about ten times its text in
    arrays) a block at most at a time; a text over a block goes alone."""
    from corpus_lint.dedup import features

    calls = []
    normalised = features._normalised_ascii

    def spy(texts):
        calls.append([len(text) for text in texts])
        return normalised(texts)

    monkeypatch.setattr(features, "_normalised_ascii", spy)
    monkeypatch.setattr(features, "WORD_BLOCK_BYTES", 10)
    hashes = features.text_hashes(["a b", "c d", "e f", "g " * 15, "h", "caf\u00e9", "i j"])
    assert calls == [[3, 3, 3], [30], [1, 3]]
    assert hashes[3] == features.text_hash("g " * 15)


@pytest.mark.parametrize("forked", [True, False], ids=["forked", "worker-pool"])
def test_corpus_walked_by_worker_processes_equals_the_serial_walk(tmp_path, monkeypatch, forked):
    """Walked by forked workers (Linux) or by a WorkerPool's (elsewhere): as walked serially."""
    import corpus_lint.files as files
    from corpus_lint.config import load_settings
    from corpus_lint.parallel import Tasks

    if forked and not Tasks.FORKED:
        pytest.skip("workers are forked on Linux only")
    monkeypatch.setattr(Tasks, "FORKED", forked)

    (tmp_path / "corpus-lint.toml").write_text('corpus = ["c"]\nexclude = ["c/d1/skip*"]\n')
    for i in range(6):
        for depth in ("", "inner/"):
            folder = tmp_path / "c" / f"d{i}" / depth
            folder.mkdir(parents=True, exist_ok=True)
            for name in ("a.txt", "b.txt", "skipped.txt", "notes.md"):
                (folder / name).write_text(f"{i} {depth} {name}")
    (tmp_path / "c" / "d2" / ".git").mkdir()
    (tmp_path / "c" / "d2" / ".git" / "x.txt").write_text("not corpus")
    settings = load_settings(cwd=tmp_path)
    monkeypatch.setattr(files, "PARALLEL_WALK_FILES", 3)
    roots = [tmp_path / "c"]
    serial = files.corpus_folders(roots, settings, {}, workers=1)
    assert files.corpus_folders(roots, settings, {}, workers=2) == serial
    names = sorted(os.path.relpath(p, tmp_path) for f in serial.values() for p, _, _ in f.rows)
    assert len(names) == 12 * 3 - 1  # two .txt and "skipped.txt" per folder, but in d1
    assert not any(".git" in n or n.endswith(".md") for n in names)
    # Folders whose digest the caller knew come back without their rows.
    known = {folder: {walked.digest} for folder, walked in serial.items() if "d3" in folder}
    walked = files.corpus_folders(roots, settings, known, workers=2)
    assert {f for f, w in walked.items() if w.rows is None} == set(known)
    assert {f: w.digest for f, w in walked.items()} == {f: w.digest for f, w in serial.items()}
    # Listed before the fork (past 3 files), then every folder walked by one worker, once.
    walk = files.CorpusWalk(roots, settings, {}, workers=2)
    assert walk._found == {} and walk._pool is not None
    shares = walk._pool.results()
    walk._pool = None
    folders = [folder for share, errors in shares for folder, _ in share]
    assert len(shares) == 2 and all(share for share, _ in shares)
    assert [errors for _, errors in shares] == [[], []]
    assert sorted(folders) == sorted(serial)  # each once: a listed folder's subfolders too


def test_cache_reads_by_scan_give_what_reads_by_key_give(tmp_path):
    """The cache answers a run that wants much of a table with one scan: same answers."""
    from corpus_lint.dedup.cache import SignatureCache, feature_row
    from corpus_lint.dedup.features import Features

    cache = SignatureCache.open(tmp_path, config=7, warnings=[])
    features = [Features(c, c * 3, 10 + c, bytes([c]) * 8, (c, 2)) for c in range(1, 41)]
    files = [(f"/c/{c}.txt", 100 + c, 50 + c, c) for c in range(1, 41)]
    cache.store(files, map(feature_row, features))
    for wanted in ([5], [5, 999], list(range(1, 30)) + [999]):  # by key, by key, by scan
        assert cache.features(wanted) == {f.content: f for f in features if f.content in wanted}
        assert cache.cached_among(wanted) == set(wanted) - {999}
    for asked in (files[:2], files[:30]):
        moved = [(path, mtime + 1, size, content) for path, mtime, size, content in asked]
        rows = asked + moved[:1]
        assert list(cache.changed_rows(rows.__iter__, len(rows))) == moved[:1]
    cache.close()


def test_rows_counted_up_to_a_bound_answer_as_a_whole_count(tmp_path):
    """`SignatureCache._at_most` counts rows only up to one past its bound: its answer is a
    whole count's, at every bound around the count, filtered or not, on an empty table too."""
    from corpus_lint.dedup.cache import SignatureCache, feature_row
    from corpus_lint.dedup.features import Features

    cache = SignatureCache.open(tmp_path, config=7, warnings=[])
    for stored in (0, 5, 40):
        features = [Features(c, c, 1, bytes(8), ()) for c in range(1, stored + 1)]
        files = [(f"/c/{c}.txt", 1, 1, c) for c in range(1, stored + 1)]
        cache.store(files, map(feature_row, features))
        for rows, parameters in (("files", ()), ("features WHERE config = ?", (7,))):
            (count,) = cache.db.execute(f"SELECT count(*) FROM {rows}", parameters).fetchone()
            assert count == stored
            for most in range(0, stored + 3):
                assert cache._at_most(rows, parameters, most) == (count <= most)
        assert cache._at_most("features WHERE config = ?", (8,), 0)  # another configuration
    cache.close()


def test_band_buckets_merge_rows_across_runs(tmp_path):
    """Band keys are held in buckets by their top bits: rows stored by later runs join the
    rows already in a bucket, a pair stored twice is held once, and a look-up finds exactly
    the pairs with the keys asked for, whether the store reads buckets by key or by scan."""
    import numpy as np

    from corpus_lint.dedup.cache import BUCKET_BITS, SignatureCache

    def key(bucket: int, low: int) -> int:  # a signed 64-bit key in that bucket
        value = (bucket << (64 - BUCKET_BITS)) | low
        return value - (1 << 64) if value >= 1 << 63 else value

    def store(pairs):  # one key a content
        keys, contents = zip(*pairs)
        keys = np.array(keys, dtype=np.int64).reshape(-1, 1)
        cache.store([], [], (keys, np.array(contents, dtype=np.int64)))

    cache = SignatureCache.open(tmp_path, config=7, warnings=[])
    high = (1 << BUCKET_BITS) - 1  # keys of this bucket are negative
    first = [(key(3, 1), 10), (key(3, 2), 11), (key(high, 5), 12), (key(9, 1), 13)]
    store(first)  # buckets 3, 9 and `high`
    many = [(key(b, 7), 20 + b) for b in range(100, 140)] + [(key(9, 2), 16)]
    store(many)  # many buckets, one held already (9): the table is read by scan
    later = [(key(3, 1), 14), (key(3, 2), 11), (key(high, 4), 15)]
    store(later)  # two buckets, both held already: read by key
    held = set(first) | set(many) | set(later)
    assert sorted(cache.band_matches([k for k, _ in held])) == sorted(held)
    assert sorted(cache.band_matches([key(3, 1), key(high, 4), key(3, 99)])) == sorted(
        [(key(3, 1), 10), (key(3, 1), 14), (key(high, 4), 15)]
    )
    assert cache.band_matches([key(5, 1)]) == []
    (rows,) = cache.db.execute("SELECT count(*) FROM bands").fetchone()
    assert rows == 3 + 40  # one row per bucket
    # Two keys a content (a row of keys each, as the stage stores its bands).
    keys = np.array([[key(3, 8), key(9, 8)], [key(120, 8), key(3, 9)]], dtype=np.int64)
    cache.store([], [], (keys, np.array([30, 31], dtype=np.int64)))
    assert sorted(cache.band_matches([key(3, 8), key(9, 8), key(120, 8), key(3, 9)])) == sorted(
        [(key(3, 8), 30), (key(9, 8), 30), (key(120, 8), 31), (key(3, 9), 31)]
    )
    cache.close()


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(blacklist_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES, st.integers(0, 4))
@example({"related": [], "fix": None, "a": [{}, [1.5, -0.0, float("nan")]]}, 2)
def test_indented_json_is_json_dumps_text(value, indent):
    import json

    from corpus_lint.report import ACTIVE_CHARACTERS, json_escape
    from corpus_lint.report.json import dumps

    plain = json.dumps(value, indent=indent, ensure_ascii=False)
    assert dumps(value, indent) == ACTIVE_CHARACTERS.sub(json_escape, plain)


def _plain_word_hash(word: bytes) -> int:
    """A word's hash as `dedup.features` defines it, one byte at a time: the polynomial of its
    bytes in the odd 64-bit multiplier, then MurmurHash3's 64-bit finaliser."""
    from corpus_lint.dedup.features import _Q

    mask = (1 << 64) - 1
    value = sum(byte * pow(_Q, k, 1 << 64) for k, byte in enumerate(word)) & mask
    for multiplier in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):
        value = ((value ^ (value >> 33)) * multiplier) & mask
    return value ^ (value >> 33)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab \n", max_size=40), min_size=1, max_size=4), st.data())
def test_word_hashes_are_the_plain_hashes_of_the_words(texts, data):
    """The words' hashes, computed for all at once from one prefix sum in memory reused from
    call to call (or in fresh arrays for a long text), are each word's plain hash: the same
    values after a longer text left its bytes in that memory."""
    from corpus_lint.dedup import features
    from corpus_lint.textutil import word_bytes

    limit = data.draw(st.sampled_from([4, 16, features._SCRATCH_BYTES]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(features, "_SCRATCH_BYTES", limit)
        patch.setattr(features._scratch, "arrays", None, raising=False)  # sized for `limit`
        for text in texts:
            words = word_bytes(text).split()
            hashes = features.word_hashes(text)
            assert hashes.tolist() == [_plain_word_hash(w) for w in words]


@pytest.mark.slow  # a property test: in the full run, not the quick one
@settings(max_examples=300, deadline=None)
@given(st.lists(WORDY, max_size=6))
@example(["of of", "", "of", "of of of", "Of\nof x"])  # a repeat across two documents is none
@example(["x", "x x", "", "", "y y"])
def test_words_hashed_for_a_batch_are_each_documents_own(texts):
    """`hash_words` gives each document of a batch its own word hashes, and as its doubled
    tokens exactly those of TXT001's plain screen (the tokens equal to the next one)."""
    import operator
    from itertools import compress, islice

    from corpus_lint.dedup.features import hash_words, word_hashes

    docs = [_document(t) for t in texts]
    hash_words(docs)
    for doc in docs:
        assert doc.word_hashes.tolist() == word_hashes(doc.text).tolist()
        tokens = doc.word_bytes.split()
        # Equal (not only a superset): a 64-bit hash collision is all that could add a token.
        assert doc.doubled_tokens == set(
            compress(tokens, map(operator.eq, tokens, islice(tokens, 1, None)))
        )


@pytest.mark.slow  # a property test: in the full run, not the quick one
@settings(max_examples=200, deadline=None)
@given(st.lists(WORDY, max_size=6))
@example(["The the cat\n\nShare this article\n\nthe the end", "alpha alpha", ""])
def test_txt001_and_features_from_batch_hashes_equal_the_plain_ones(texts):
    """TXT001's findings and the corpus features of documents whose words `hash_words`
    hashed (as the workers do) are those of documents checked one by one without it."""
    from corpus_lint.analysis import lint_document
    from corpus_lint.checks import builtin_rules
    from corpus_lint.config import NearDuplicateSettings
    from corpus_lint.dedup.features import features_of_many, hash_words
    from corpus_lint.packs import load_packs
    from corpus_lint.rule import Context

    rules = tuple(rule for rule in builtin_rules().values() if not rule.corpus)
    ctx = Context(load_packs([], [r.code for r in rules]))
    near = NearDuplicateSettings(0.8, 2, 16)
    plain = [_document(t) for t in texts]
    batched = [_document(t) for t in texts]
    hash_words(batched)
    found = [(d, lint_document(d, rules, ctx)) for d in plain]
    assert [(d, lint_document(d, rules, ctx)) for d in batched] == found
    assert features_of_many(
        [(d, f) for d, (_, f) in zip(batched, found)], near
    ) == features_of_many(found, near)


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXTS, max_size=6), st.integers(1, 4))
@example(["", "one two", "a b c d e f a b c d e f", "é É word"], 2)
def test_shingle_sets_of_many_texts_are_each_texts_own(texts, shingle_size):
    """Verification rereads files in batches: the shingle sets computed for many texts at
    once are each text's sorted distinct shingle hashes, whatever the pieces of text hashed
    together (SHINGLE_SETS_BYTES: all of them here, or a few characters)."""
    import numpy as np

    from corpus_lint.dedup import features
    from corpus_lint.dedup.features import shingle_hashes, shingle_sets

    saved = features.SHINGLE_SETS_BYTES
    for piece in (saved, 8):
        features.SHINGLE_SETS_BYTES = piece
        try:
            found = shingle_sets(texts, shingle_size)
        finally:
            features.SHINGLE_SETS_BYTES = saved
        assert len(found) == len(texts)
        for text, shingles in zip(texts, found):
            expected = np.unique(shingle_hashes(text, shingle_size))
            assert shingles.dtype == expected.dtype
            assert shingles.tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b c", "..", ".", "", "é", "x.txt", "/"]), max_size=6).map(
        "/".join
    )
)
def test_displayed_paths_are_relpaths(written):
    """A path is shown relative to the working directory: the shortcut for relative paths
    gives what os.path.relpath gives."""
    from corpus_lint.document import display

    path = Path(written or ".")
    assert display(path) == os.path.relpath(path).replace(os.sep, "/")


@pytest.mark.skipif(os.sep != "/", reason="the shortcut for absolute paths is POSIX's")
@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["cwd", "cwd's parent", "root"]),
    st.sampled_from(["", "/", "//", "x", "/x/"]),
    st.lists(st.sampled_from(["a", "b c", "..", ".", "", "é", "x.txt"]), max_size=5).map("/".join),
)
def test_displayed_absolute_paths_are_relpaths(where, joint, rest):
    """An absolute path (a corpus given as one) is shown as os.path.relpath shows it, whatever
    the working directory: the shortcut for a plain path under it included."""
    from corpus_lint.document import display

    here = os.getcwd()
    cwd = {"cwd": here, "cwd's parent": os.path.dirname(here), "root": "/"}[where]
    written = cwd + joint + rest
    os.chdir(cwd)
    try:
        for path in (written, Path(written)):
            assert display(path) == os.path.relpath(path)
    finally:
        os.chdir(here)


# --- per-document rules at the cost of one pass (issue #19) ----------------------------------

# Lines of chrome, credits and source lines among prose, with every kind of line break.
_LINE_PIECES = st.sampled_from(
    [
        "\n",
        "\r\n",
        "\r",
        " ",
        "\t",
        "\u00a0",
        "\u2028",
        "Share",
        "Share this article",
        "Print",
        "(AP Photo)",
        "(Photo by Jane Doe/Getty Images)",
        "AP Photo/Mohammad Hannon",
        "Getty Images",
        "Source:",
        "Source: /Telegraph",
        "Sources: Reuters",
        "(",
        ")",
        "/",
        "|",
        "© 2017",
        "word",
        "Word",
        "of of",
        "  \n",
        "\n\n\n",
        "ß",
        "SS",
        "é",
        "•",
        "* * *",
        "0123456789abcdef0123",
        "\u200b",
    ]
)
LINED = st.lists(
    st.one_of(_LINE_PIECES, st.characters(blacklist_categories=("Cs",))), max_size=40
).map("".join)


@settings(max_examples=300, deadline=None)
@given(LINED)
@example("a\u00a0b\n A  B \n\n \t\nSS\nß\n")
def test_squeezed_lines_are_the_normalised_lines_without_spaces(text):
    from corpus_lint.textutil import normalise_phrase

    doc = _document(text)
    expected = ["".join(normalise_phrase(line.text).split()).encode() for line in doc.lines]
    assert doc.squeezed_lines == expected
    assert [not s for s in doc.squeezed_lines] == [line.is_blank for line in doc.lines]


@pytest.mark.slow  # every code point: in the full run, not the quick one
def test_squeezing_keeps_every_character_but_white_space():
    # Every code point, one a line: casefold makes and takes away no white space.
    from corpus_lint.textutil import normalise_phrase

    characters = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000 and chr(c) != "\n"]
    text = "\n".join(c for c in characters if c != "\r")
    doc = _document(text)
    assert len(doc.squeezed_lines) == len(doc.lines)
    for line, squeezed in zip(doc.lines, doc.squeezed_lines):
        assert squeezed == "".join(normalise_phrase(line.text).split()).encode(), repr(line.text)


@settings(max_examples=300, deadline=None)
@given(LINED)
def test_line_keys_are_equal_exactly_when_normalised_lines_are(text):
    from corpus_lint.checks.duplicates import line_keys, repeats_a_line
    from corpus_lint.textutil import normalise_phrase

    doc = _document(text)
    keys = line_keys(doc)
    normalised = [normalise_phrase(line.text) for line in doc.lines]
    for i, a in enumerate(normalised):
        assert (keys[i] == "") == (a == "")
        for j, b in enumerate(normalised):
            assert (keys[i] == keys[j]) == (a == b)
    solid = [n for n in normalised if n]
    if len(set(solid)) < len(solid):  # the screen lets through every file with a repeat
        assert repeats_a_line(doc)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_word_bytes_are_the_lower_cased_words(text):
    import re
    import unicodedata

    from corpus_lint.textutil import word_bytes

    words = re.findall(r"\w+", unicodedata.normalize("NFC", text).lower())
    assert word_bytes(text).split() == [w.encode() for w in words]


def test_every_fix_has_the_applicability_its_rule_declares():
    """The summary's counts re-lint fixed texts with the rules that declare a fix only
    (`analysis._fixable`): a rule must never offer a fix it does not declare."""
    from corpus_lint.analysis import lint_document
    from corpus_lint.checks import builtin_rules
    from corpus_lint.packs import load_packs
    from corpus_lint.rule import Context

    rules = {code: rule for code, rule in builtin_rules().items() if not rule.corpus}
    ctx = Context(load_packs([], rules))
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    found = 0
    for path in sorted(seeds.glob("*.txt")):
        for d in lint_document(Document.read(path), rules.values(), ctx):
            found += d.fix is not None
            assert d.fix is None or d.fix.applicability == rules[d.code].fix_availability
    assert found > 10


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(LINED)
@example("Title\n\n\n  of of the  \nShare\n\nword word\t\r\nSource: /Telegraph")
def test_fix_counts_equal_those_of_a_full_relint(text):
    """`_fixable` re-lints with the fixing rules only, each text once: the counts of
    re-linting with every rule, every time (the reference)."""
    from corpus_lint import fixes
    from corpus_lint.analysis import Job, _fixable, lint_document
    from corpus_lint.checks import builtin_rules
    from corpus_lint.packs import load_packs
    from corpus_lint.rule import Context

    rules = tuple(rule for rule in builtin_rules().values() if not rule.corpus)
    job = Job(rules, Context(load_packs([], [r.code for r in rules])), None, count_fixes=True)
    doc = _document(text)
    found = lint_document(doc, rules, job.context)

    def relint(d):
        return found if d is doc else lint_document(d, rules, job.context)

    reference = (
        len(fixes.fix_document(doc, relint, unsafe=False).applied),
        len(fixes.fix_document(doc, relint, unsafe=True).applied),
    )
    assert _fixable(doc, found, job) == reference


@settings(max_examples=300, deadline=None)
@given(LINED)
@example(" a\n\tb \n")
@example("a\n\n\nb\t")
@example("\u00a0a\u3000\n")
@example("¬±")  # mojibake, ENC003's: the reference knew no such line
@example("★★")
def test_line_rules_report_the_lines_a_walk_of_the_lines_finds(text):
    """The line rules report exactly the lines that the plain test of each line (the
    reference) picks, whatever screen they take first."""
    import unicodedata

    from corpus_lint.checks import boilerplate, builtin_rules, whitespace
    from corpus_lint.packs import load_packs
    from corpus_lint.rule import Context
    from corpus_lint.textutil import normalise_phrase

    rules = builtin_rules()
    ctx = Context(load_packs([], rules))
    doc = _document(text)
    lines = doc.lines

    def reported(code):
        return {d.line for d in rules[code].check(doc, ctx)}

    assert reported("WS001") == {
        line.number for line in lines if line.text and line.text[-1] in whitespace.SPACES
    }
    indented = {
        line.number
        for line in lines
        if line.text
        and line.text[0] in whitespace._INDENTATION_CHARS
        and not line.is_blank
        and not any(c in whitespace.INVISIBLE for c in whitespace._INDENTATION.match(line.text)[0])
    }
    assert reported("WS005") == indented
    blank = [line.is_blank for line in lines]
    excess = (all(blank) and len(blank) > 1) or (
        not all(blank) and (blank[0] or blank[-1] or any(a and b for a, b in zip(blank, blank[1:])))
    )
    assert bool(reported("WS004")) == excess
    separators = ctx.packs.phrases("BP002")
    assert reported("BP002") == {
        line.number
        for line in lines
        if line.text
        and not line.text.isspace()
        and boilerplate._NO_LETTER_OR_DIGIT.fullmatch(line.text)
        and all(unicodedata.category(c)[0] in "PS" for c in "".join(line.text.split()))
        and normalise_phrase(line.text) not in separators
        and not boilerplate._DATA_SYMBOLS.issuperset("".join(line.text.split()))
        and (line.text.isascii() or not boilerplate._misread(doc, line.number - 1))  # "¬±"
    }
    assert reported("BP003") == {
        line.number
        for line in lines
        if len(line.text) >= boilerplate.JUNK_TOKEN_MIN_LENGTH
        and boilerplate._JUNK_TOKEN.fullmatch(line.text)
    }


def _reference_text_groups(entries):
    """DUP003's groups as a dict of lists per text hash (the code before issue #19's memory
    work): every text hash of a target, its entries in order, groups of two or more."""
    target_texts = {
        e.features.text_hash
        for e in entries
        if e.target and e.features and e.features.text_hash is not None
    }
    groups = {}
    for entry in entries:
        if entry.features is not None and entry.features.text_hash in target_texts:
            groups.setdefault(entry.features.text_hash, []).append(entry)
    return [group for group in groups.values() if len(group) > 1]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([None, -(1 << 63), -1, 0, 7, 1 << 62]), st.booleans()),
        max_size=30,
    ),
    st.lists(st.integers(0, 29), max_size=5),
)
def test_same_text_groups_by_sorting_equal_the_groups_by_dict(rows, unloaded):
    from corpus_lint.dedup.corpus import Entry, same_text_groups
    from corpus_lint.dedup.features import Features

    entries = [
        Entry(f"/c/{i}", Path(f"c/{i}"), target, i, Features(i, text, 0, b""))
        for i, (text, target) in enumerate(rows)
    ]
    for i in unloaded:  # an unchanged file whose features stay in the cache
        if i < len(entries):
            entries[i].features = None
    assert same_text_groups(entries) == _reference_text_groups(entries)


def test_band_rows_merged_in_parts_equal_the_rows_sorted_at_once(tmp_path):
    """`_store_bands` merges a range of buckets at a time (memory): every bucket holds exactly
    the sorted distinct rows that one sort of all rows gives, keys across every part (and
    both signs), after a first store and a second that merges into held buckets."""
    import numpy as np

    from corpus_lint.dedup.cache import BUCKET_BITS, SignatureCache

    generator = np.random.default_rng(19)
    cache = SignatureCache.open(tmp_path, config=7, warnings=[])
    stored = []
    for count in (3000, 500):  # the second by key look-ups, some rows stored twice
        # Three band keys a content, as the stage stores them: (contents, 3).
        keys = generator.integers(-(1 << 63), (1 << 63) - 1, (count, 3), dtype=np.int64)
        keys[: count // 10] = keys[-count // 10 :]  # keys shared by several contents
        contents = generator.integers(-50, 50, count, dtype=np.int64)
        if stored:
            keys[:50], contents[:50] = stored[0][0][:50], stored[0][1][:50]
        stored.append((keys, contents))
        cache.store([], [], (keys, contents))
    rows = np.concatenate([np.column_stack((k.ravel(), np.repeat(c, 3))) for k, c in stored])
    rows = np.unique(rows, axis=0)  # distinct rows; sorted below by key as unsigned
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0].view(np.uint64)))]
    buckets = (rows[:, 0].view(np.uint64) >> np.uint64(64 - BUCKET_BITS)).astype(np.int64)
    expected = {
        int(b): rows[buckets == b].astype("<i8").tobytes() for b in np.unique(buckets).tolist()
    }
    held = dict(cache.db.execute("SELECT bucket, rows FROM bands"))
    cache.close()
    assert held == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", ".", "..", "a", "b.txt", ".c"]), max_size=4)))
@example([["", "", "x"], ["", "x", "y"], [".", "a"], ["a", "", "b"], ["a", "b", ""]])
def test_discovered_paths_are_the_paths_of_their_names(parts: list[list[str]]) -> None:
    # `files._paths` joins each name to its folder's Path; it must equal parsing the name.
    from corpus_lint.files import _paths

    names = sorted({os.sep.join(p) for p in parts})
    built = _paths(names)
    assert built == [Path(name) for name in names]
    assert [str(p) for p in built] == [str(Path(name)) for name in names]


@pytest.mark.parametrize("length", [0, 1, 4096, (1 << 16) + 3, 300_000])
def test_file_bytes_read_without_a_file_object_are_all_of_them(tmp_path, length):
    """`document.read_bytes` gives `Path.read_bytes`, whatever the size the stat told (a
    file that grew or shrank since is read to its end)."""
    from corpus_lint.document import read_bytes

    path = tmp_path / "a.txt"
    path.write_bytes(os.urandom(length))
    for told in {0, max(length - 1, 0), length, length + 5}:
        assert read_bytes(path, told) == path.read_bytes()


def test_results_sent_by_workers_are_received_as_they_were(tmp_path):
    """A worker's result crosses the pipe as plain values (`analysis.sent`) and is rebuilt
    (`analysis.received`): the same result, its features the same named tuple, its findings
    kept packed (`results.packed`): unpacked, equal to those sent."""
    import dataclasses
    import pickle
    from collections import Counter

    from corpus_lint.analysis import FileResult, Job, analyze_many, received, sent
    from corpus_lint.checks import builtin_rules
    from corpus_lint.config import NearDuplicateSettings, Settings
    from corpus_lint.dedup.features import Features
    from corpus_lint.packs import load_packs
    from corpus_lint.results import unpacked
    from corpus_lint.rule import Context

    (tmp_path / "a.txt").write_text("Title\n\nThe the cat sat sat.\n\nShare this\n")
    (tmp_path / "b.txt").write_bytes(b"\xff\xfeb\x00")
    rules = tuple(rule for rule in builtin_rules().values() if not rule.corpus)
    job = Job(
        rules,
        Context(load_packs([], [r.code for r in rules])),
        NearDuplicateSettings(0.8, 2, 16),
        settings=Settings(tmp_path),
    )
    results = analyze_many([(tmp_path / "a.txt", True), (tmp_path / "b.txt", True)], job)
    results.append(FileResult(tmp_path / "c.txt", fixed=Counter({"WS001": 2}), error="x"))
    assert results[0].diagnostics and isinstance(results[0].features, Features)
    for result in results:
        back = received(result.path, pickle.loads(pickle.dumps(sent(result))))
        assert not back.diagnostics and len(back.packed) == len(result.diagnostics)
        assert dataclasses.replace(back, diagnostics=unpacked(back.packed), packed=()) == result
        assert type(back.features) is type(result.features)
        assert type(back.fixed) is Counter


# Pieces of the lines BP001's and BP004's patterns are written for, with the characters
# their screens test ("[", "|", "/", "(", "©"), so that screened and plain searches both match.
_CHROME = st.sampled_from(
    [
        "AP Photo/John Smith",
        "(Xinhua/Li Ming)",
        " (Photo: Reuters)",
        "Getty Images",
        "Reuters/Jim Young",
        "Beer saves man's life [Illawarra]",
        "News | Sport | Opinion",
        "© 2017 Telegraph Media Group",
        "Share Tweet Email",
        "Photo: PA",
        "Image caption Rescuers",
        "Tuesday, 15 January 2008",
        "A",
        "All rights reserved.",
        "CLICK HERE to subscribe",
        "aBc",
        "word",
        " ",
        "\n",
        "/",
        "[",
        "|",
        "(",
        ")",
        # Characters that match another letter case-insensitively: a screen on a line's first
        # character must let them through where the pattern does.
        "\u017f",  # long s: "share" ignoring case
        "\u212a",  # Kelvin sign: "k"
        "\u0130",  # capital I with a dot: "i"
        "\xa0\u2003\t",  # white space str.isspace knows, and \\s too
        "2008-01-15",
        "Source: /Telegraph",
        "Via Reuters",
        "Updated: 10:03 GMT",
    ]
)
CHROME_TEXTS = st.lists(
    st.one_of(_CHROME, st.characters(blacklist_categories=("Cs",))), max_size=12
)


@functools.cache
def _builtin_packs():
    from corpus_lint.commands import load_rules

    return load_rules()[1]


@settings(max_examples=300, deadline=None)
@given(CHROME_TEXTS.map("".join))
@example("Beer saves man's life [Illawarra]\nAP Photo/John Smith\nNews | Sport")
@example("He said (Photo: Reuters)\n© 2017 Telegraph")
def test_screened_pattern_search_finds_what_the_plain_search_finds(text):
    """`AnyPattern.searcher(text)`, which leaves out the patterns needing a character the text
    lacks, finds on every line of the text the match (span) that `search` finds."""
    packs = _builtin_packs()
    for codes in [("BP001",), ("BP004",), ("SRC001", "SRC002")]:
        patterns = packs.any_pattern(*codes)
        search = patterns.searcher(text)
        for line in text.split("\n"):
            screened, plain = search(line), patterns.search(line)
            assert (screened and screened.span()) == (plain and plain.span())


@settings(max_examples=300, deadline=None)
@given(CHROME_TEXTS.map("".join))
@example("\u017fhare Tweet\n \u212aEEP\n\xa0Photo: PA\n\u0130mage caption x")
@example("\xa0Q")
def test_first_characters_let_through_every_line_a_pattern_matches(text):
    """A line an anchored pattern matches starts (white space aside) with a character of
    its `first_characters`: the line screen of `AnyPattern.searcher` is sound."""
    import re

    from corpus_lint.packs import first_characters

    packs = _builtin_packs()
    sources = {p for ext in packs.extensions.values() for p in ext.patterns}
    sources |= {r"^\s*(?i:share|kelvin|image)\b", r"^(?=\w)\s*x|^\s*[^\W\d_]y", r"(?i)^s"}
    sources |= {r"^\s*(?:\(\s*)?[A-Z]{2}\b", r"^(?:\s|\xa0)*\d", r"^(?-i:a)(?i:B)"}
    sources |= {r"^(?a:[^\w\s])Q", r"(?a)^\WQ", r"^\s*(?:ab)?(?=\(?\d|x)(?:[\w(]+ )+"}
    for source in sources:
        first = first_characters(source)
        if first is None:
            continue
        for line in text.split("\n"):
            if re.search(source, line):
                assert first.fullmatch(line.lstrip()[:1]), (source, line)


def test_first_characters_of_patterns():
    from corpus_lint.packs import WHITE_SPACE, first_characters

    assert WHITE_SPACE == "".join(c for c in map(chr, range(0x110000)) if c.isspace())
    share = first_characters(r"^\s*(?i:share|tweet)\b")
    assert [c for c in "sStTxſ" if share.fullmatch(c)] == ["s", "S", "t", "T", "ſ"]
    credit = first_characters(r"^\s*(?:\(\s*)?[A-Z]\w+/AP$")
    assert [c for c in "(Aa)" if credit.fullmatch(c)] == ["(", "A"]
    assert first_characters(r"^(?=\d)(?!x)\b\s*\d").fullmatch("7")
    assert not first_characters(r"^(?=\d)(?!x)\b\s*\d").fullmatch("x")
    # A lookahead that takes a character first narrows what follows it; one that may take
    # white space alone, or anything, does not.
    looked = first_characters(r"^\s*(?:ab)?(?=\(?\d|x)(?:[\w(]+ )+")
    assert [c for c in "a1(xyb" if looked.fullmatch(c)] == ["a", "1", "(", "x"]
    assert first_characters(r"^(?=\s*$)x").fullmatch("x")
    assert first_characters(r"^(?=.*\d)[a-c]").fullmatch("b")
    # Not screened: any first character, white space alone, not anchored, not understood.
    ascii_only = [r"(?a)^[^\w\s]Q", r"^(?a:[^\w\s])Q"]  # their \s leaves out NBSP: a first one
    for source in [
        r"^.*x",
        r"^\s*$",
        r"^\s*x?",
        r"x",
        r"^(a*)\1",
        r"(?m)^x",
        r"^[^a]",
        *ascii_only,
    ]:
        assert first_characters(source) is None, source
    either = first_characters(r"^[\s\d]x")  # white space or a digit, then "x"
    assert [c for c in "1xy" if either.fullmatch(c)] == ["1", "x"]
    from corpus_lint.packs import AnyPattern

    patterns = AnyPattern((r"^\s*(?i:share)\b", r"^\s*[A-Z]\w+ [A-Z]\w+$", r"\(AP\)$"))
    search = patterns.searcher("share\nJohn Smith\nx (AP)")
    assert search("  Share it").span() == (0, 7)
    assert search("John Smith").span() == (0, 10)
    assert search("x (AP)").span() == (2, 6)  # not anchored: searched on every line
    assert search("john smith") is None
    # Patterns a capital may start all of: lines are not screened, the patterns are joined.
    capitals = AnyPattern((r"^\s*[A-Z]\w+$", r"^\s*(?:AP|Reuters)/\w+$"))
    search = capitals.searcher("AP/Smith")
    assert search.__self__.pattern == "|".join(f"(?:{p})" for p in capitals.sources)
    assert search("AP/Smith").span() == (0, 8)


def test_line_screen_joins_its_patterns_after_enough_lines(monkeypatch):
    """The patterns a line's first character leaves are searched one by one, then joined:
    the same matches either way."""
    from corpus_lint import packs

    monkeypatch.setattr(packs, "LINES_BEFORE_JOINING", 3)
    patterns = packs.AnyPattern(
        (r"^\s*(?i:share|tweet)\b", r"^\s*(?i:tue)\w*, \d+$", r"^\s*T\w+ T\w+$", r"x$")
    )
    lines = ["Tweet this", "Tuesday, 15", "Top Team", "Tax", "tax", "Ox", "Share it"] * 3
    search = patterns.searcher("\n".join(lines))
    for line in lines:
        found, plain = search(line), patterns.search(line)
        assert (found and found.span()) == (plain and plain.span()), line
    joined = "|".join(f"(?:{p})" for p in patterns.sources[:3])
    assert joined in packs._compiled  # the three patterns a "T" leaves, joined by now


def _joinable_by_compiling(sources: tuple[str, ...]) -> bool:
    """The reference: the anchored patterns are joined when their alternation compiles."""
    import re

    from corpus_lint.packs import _NOT_JOINABLE, _joined_source

    anchored = [p for p in sources if p.startswith("^") and not _NOT_JOINABLE.search(p)]
    try:
        re.compile(_joined_source(anchored))
    except re.error:
        return False
    return len(anchored) > 1


def test_anchored_patterns_are_joined_as_compiling_them_joined_decides():
    """`AnyPattern` tells from the patterns' group names, not by compiling their alternation,
    whether its anchored patterns are joined: the decision compiling would make."""
    import re

    from corpus_lint.packs import AnyPattern

    packs = _builtin_packs()
    cases = [packs.any_pattern(*codes).sources for codes in [("BP001",), ("BP004",), ("SRC001",)]]
    cases += [
        (r"^(?P<a>x)y", r"^(?P<a>z)"),  # the same group name twice: not joined
        (r"^(?P<a>x)(?P=a)", r"^(?P<b>z)", r"w$"),
        (r"^(?P<a>x)", r"^y", r"^(?P<a>q)?r"),
        (r"^x", r"(?i)^y", r"^\s*(a)\1"),  # a global flag, a numbered back-reference: alone
        (r"^only",),
    ]
    for sources in cases:
        matcher = AnyPattern(sources)
        assert bool(matcher._anchored) == _joinable_by_compiling(sources), sources
        for line in ["xy", "zz", "xx", "y", "qr", "only", "a w", "  aa", "Share this article"]:
            found = matcher.search(line)
            plain = next(filter(None, (re.search(p, line) for p in sources)), None)
            assert (found is None) == (plain is None), (sources, line)


def test_a_pattern_matcher_compiles_its_alternation_only_when_searched():
    from corpus_lint import packs

    sources = (r"^\s*Unlikely (one|two)$", r"^\s*Unlikely three$", r"Unlikely four$")
    matcher = packs.AnyPattern(sources)
    matcher.searcher("Unlikely one")("Unlikely one")  # one line: each pattern alone
    joined = "|".join(f"(?:{p})" for p in sources[:2])
    assert joined not in packs._compiled
    assert matcher.search("Unlikely two").span() == (0, 12)
    assert joined in packs._compiled


@settings(max_examples=300, deadline=None)
@given(CHROME_TEXTS.map("".join))
def test_required_characters_are_in_every_match(text):
    """A pattern's `required_characters` are in every match of it: the screen is sound."""
    import re

    from corpus_lint.packs import required_characters

    packs = _builtin_packs()
    sources = {p for ext in packs.extensions.values() for p in ext.patterns}
    sources |= {r"(?:x/)?y", r"a(?i:b)c", r"(?:\[\w\]){1,2}", r"(?i)q", r"^a|\|", r"(?=\()\("}
    for source in sources:
        for match in re.finditer(source, text):
            assert required_characters(source) <= set(match.group())


def test_required_characters_leave_out_what_a_match_may_lack():
    from corpus_lint.packs import AnyPattern, required_characters

    assert required_characters(r"^\s*[^\[\]]{5,100}\[[A-Z]\w+\]\s*$") == {"[", "]"}
    assert required_characters(r"(?:x/y)?z") == {"z"}  # optional
    assert required_characters(r"a(?i:b)c") == {"a", "c"}  # "B" matches too
    assert required_characters(r"(?i)abc") == set()
    assert required_characters(r"^a|b") == set()  # an alternative
    assert required_characters(r"(?:a/){1,3}") == {"a", "/"}
    patterns = AnyPattern((r"^\s*\w+ \[\w+\]$", r"^\s*[A-Z]\w+$", r"\(\w+\)$"))
    assert patterns.searcher("Plain words")("Plain") is not None
    assert patterns.searcher("Plain words")("World [x]") is None  # no "[" in that text
    assert patterns.searcher("World [x]\n(x)")("(x)").span() == (0, 3)


def test_bp001s_bullet_menus_run_only_where_their_bullet_is():
    """Each bullet menu of BP001 needs its bullet: a document without one never runs it.
    (A separator whose dot sat in an alternation lost it, and the pattern ran on every line
    of every document: BP001 cost four times as much, a cold check of 100,000 articles went
    from 14.4 to 19.1 s.)"""
    import tomllib

    from corpus_lint.packs import required_characters

    pack = tomllib.loads((Path(__file__).parent.parent / "rules" / "boilerplate.toml").read_text())
    patterns = [p for e in pack["extend"] if e["code"] == "BP001" for p in e.get("patterns", [])]
    bullets = {"·": 0, "•": 0}
    for source in patterns:
        for bullet in bullets:
            if source.startswith(rf"^\s*{bullet}?"):
                bullets[bullet] += 1
                assert required_characters(source) == {bullet}, source[:60]
    assert bullets == {"·": 1, "•": 1}


def test_walked_folder_rows_and_digest_are_identity_and_folder_digest(tmp_path):
    """The walk's inlined stamps and row-free digest are `identity`'s and `folder_digest`'s,
    a file dated before 1970 (whose stamp is masked) included."""
    import corpus_lint.files as files
    from corpus_lint.config import load_settings

    folder = tmp_path / "c" / "d"
    folder.mkdir(parents=True)
    for name in ("b.txt", "a.txt", "é.txt", "old.txt"):
        (folder / name).write_text(name)
    os.utime(folder / "old.txt", ns=(-86_400 * 10**9, -86_400 * 10**9))  # 1969-12-31
    settings = load_settings(cwd=tmp_path)
    walked = files.walk_folder(str(folder), settings, [])
    expected = sorted((str(p), *files.identity(os.lstat(p))) for p in folder.iterdir())
    assert sorted(walked.rows) == expected
    assert walked.digest == files.folder_digest(expected)
    assert files.corpus_folders([tmp_path / "c"], settings, {})[str(folder)] == walked
    known = files.corpus_folders([tmp_path / "c"], settings, {str(folder): {walked.digest}})
    assert known[str(folder)] == files.Folder(4, walked.digest, None)
    (folder / "b.txt").write_text("changed")  # a new size and mtime: another digest, rows
    assert files.corpus_folders([tmp_path / "c"], settings, known={})[str(folder)].digest != (
        walked.digest
    )


def test_corpus_walk_gives_its_first_folders_to_this_process_and_no_more(tmp_path, monkeypatch):
    """The `first` folders (a pre-commit run's targets' own) are walked here, at once, while
    the workers walk the rest; never more than a fair share; the result is the same."""
    import corpus_lint.files as files
    from corpus_lint.config import load_settings

    for i in range(8):
        (tmp_path / "c" / f"f{i}" / "sub").mkdir(parents=True)
        for j in range(3):
            (tmp_path / "c" / f"f{i}" / f"{j}.txt").write_text(f"{i} {j}")
            (tmp_path / "c" / f"f{i}" / "sub" / f"{j}.txt").write_text(f"{i} sub {j}")
    settings = load_settings(cwd=tmp_path)
    monkeypatch.setattr(files, "PARALLEL_WALK_FILES", 2)
    roots = [tmp_path / "c"]
    serial = files.corpus_folders(roots, settings, {}, workers=1)
    assert len(serial) == 1 + 8 * 2
    for i in range(8):  # one of them listed before the fork, the others not (their "sub" unseen)
        folder = str(tmp_path / "c" / f"f{i}")
        walk = files.CorpusWalk(roots, settings, {}, workers=2, first={folder})
        try:  # the folder here, not its subfolder: the workers'
            assert walk._pool is not None and walk.walked_here() == {folder: serial[folder]}
            assert walk.result() == serial
        finally:
            walk.cancel()
    folders = sorted(serial)
    walk = files.CorpusWalk(roots, settings, {}, workers=2, first=set(folders[:7]))  # too many
    try:
        assert walk.walked_here() == {}
        assert walk.result() == serial
    finally:
        walk.cancel()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(-3, 3)), max_size=40),
    st.randoms(use_true_random=False),
)
@example([(0, 1)] * 5 + [(0, 2)] * 2, None)
def test_candidate_pairs_are_every_two_ids_of_a_band_and_key(rows, rng):
    """LSH candidates (`minhash.candidate_pairs`), whose one-band calls sort the keys
    unstably: every two ids sharing a (band, key) row, as sorted distinct pair codes, for
    one band or several, ids in order or shuffled."""
    import numpy as np

    from corpus_lint.dedup.minhash import candidate_pairs

    ids = list(range(len(rows)))
    if rng is not None:
        rng.shuffle(ids)
    for one_band in (True, False):
        rows_of = [(0 if one_band else b, k, i) for (b, k), i in zip(rows, ids)]
        expected = sorted(
            {
                (min(i, j) << 32) | max(i, j)
                for b, k, i in rows_of
                for c, m, j in rows_of
                if (b, k) == (c, m) and i != j
            }
        )
        band = np.array([b for b, _, _ in rows_of], dtype=np.int64)
        keys = np.array([k for _, k, _ in rows_of], dtype=np.int64)
        found = candidate_pairs(band, keys, np.array([i for *_, i in rows_of], dtype=np.int64))
        assert found.tolist() == expected


def test_ctrl_c_in_the_walk_of_its_own_folders_cancels_the_walking_workers(tmp_path, monkeypatch):
    """A Ctrl-C while this process walks its `first` folders, the workers already forked:
    the constructor raises, so no caller holds the walk to cancel; it cancels them itself,
    and none is left running or unreaped."""
    import corpus_lint.files as files
    import corpus_lint.parallel as parallel
    from corpus_lint.config import load_settings

    for i in range(8):
        for j in range(3):
            (tmp_path / "c" / f"f{i}").mkdir(parents=True, exist_ok=True)
            (tmp_path / "c" / f"f{i}" / f"{j}.txt").write_text(f"{i} {j}")
    settings = load_settings(cwd=tmp_path)
    monkeypatch.setattr(files, "PARALLEL_WALK_FILES", 2)
    forked: list[int] = []  # the walking workers' process ids
    tasks = parallel.Tasks

    def recorded(*args, **kwargs):
        made = tasks(*args, **kwargs)
        forked.extend(made.pids)
        return made

    walk_share, parent = files._walk_share, os.getpid()

    def interrupted(*args):
        if os.getpid() != parent:  # a forked worker: walks its share
            return walk_share(*args)
        raise KeyboardInterrupt  # this process, walking its own folders

    monkeypatch.setattr(parallel, "Tasks", recorded)
    monkeypatch.setattr(files, "_walk_share", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.CorpusWalk([tmp_path / "c"], settings, {}, workers=2, first={str(tmp_path / "c/f0")})
    assert forked
    for pid in forked:  # reaped by the cancel: no such child any more
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)

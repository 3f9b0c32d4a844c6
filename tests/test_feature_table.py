"""`dedup.table.FeatureTable`: the corpus stage's features as columns give back exactly the
`Features` put in (the plain tuples they replace), whichever path a signature takes (the
write buffer, the temporary file, a replaced row), and the band keys read from it by block
or by row are those of the signatures as bytes."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lint.dedup import table as table_module
from corpus_lint.dedup.cache import feature_row
from corpus_lint.dedup.features import Features
from corpus_lint.dedup.lines import LINE
from corpus_lint.dedup.table import FeatureTable

WIDTH = 16  # bytes of a signature here: 4 MinHash values
INT64 = st.integers(-(1 << 63), (1 << 63) - 1)
SIGNATURES = st.just(b"") | st.binary(min_size=WIDTH, max_size=WIDTH)


@st.composite
def features(draw) -> Features:
    shingles = draw(st.sampled_from([-1, 0, 1, 7, 1 << 40]))
    lines = draw(st.sampled_from([None, b"", "some"]))
    if lines == "some":
        count = draw(st.integers(1, 3))
        records = [tuple(draw(st.integers(0, 1 << 30)) for _ in range(5)) for _ in range(count)]
        lines = np.array(records, dtype=LINE).tobytes()
    return Features(
        content=draw(INT64),
        text_hash=draw(st.none() | INT64),
        shingles=shingles,
        signature=draw(SIGNATURES),
        excluded=tuple(draw(st.lists(st.integers(1, (1 << 31) - 1), max_size=4))),
        title_length=draw(st.integers(0, 1 << 40)),
        mtime_ns=draw(st.none() | INT64),
        size=draw(st.none() | st.integers(0, 1 << 50)),
        findings=draw(st.none() | st.integers(0, 1 << 30)),
        has_source=draw(st.none() | st.booleans()),
        lines=lines,
        line_texts=draw(st.text(max_size=20)),  # lone surrogates too (`surrogatepass`)
    )


def _normal(f: Features) -> Features:
    """What a row holds of `f`: a stamp is both fields or neither."""
    if f.mtime_ns is None or f.size is None:
        return f._replace(mtime_ns=None, size=None)
    return f


@contextmanager
def _small_blocks():
    """A buffer of two signatures and blocks of three rows: every path taken by few rows."""
    saved = table_module._BUFFER_BYTES, table_module.BLOCK_ROWS, table_module.CACHE_ROWS_BLOCK
    table_module._BUFFER_BYTES, table_module.BLOCK_ROWS = 2 * WIDTH, 3
    table_module.CACHE_ROWS_BLOCK = 3
    try:
        yield
    finally:
        table_module._BUFFER_BYTES, table_module.BLOCK_ROWS, table_module.CACHE_ROWS_BLOCK = saved


@pytest.mark.slow  # a property test: in the full run, not the quick one
@settings(max_examples=200, deadline=None)
@given(
    st.lists(features(), min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 11), features()), max_size=6),
)
def test_rows_give_back_the_features_put_in(added, replaced):
    with _small_blocks():
        table = FeatureTable()
        expected = {}
        for index, f in enumerate(added):
            table[Path(f"c/{index}.txt")] = f
            expected[index] = _normal(f)
        for index, f in replaced:
            if index < len(added):
                table[Path(f"c/{index}.txt")] = f
                expected[index] = _normal(f)
        assert len(table) == len(added)
        for index, f in expected.items():
            assert table[Path(f"c/{index}.txt")] == f
            assert table.get(f"c/{index}.txt") == f  # by the path's string too
            row = table.rows[f"c/{index}.txt"]
            assert table.at(row, signature=False) == f._replace(signature=b"")
            assert table.stamp(row) == (None if f.mtime_ns is None else (f.mtime_ns, f.size))
            assert table.is_signed(row) == bool(f.signature)
        assert [path for path, _ in table.items()] == [
            Path(f"c/{index}.txt") for index in range(len(added))
        ]
        # Every signed row's signature read a block at a time.
        blocks = list(table.signature_blocks())
        if any(f.signature for f in expected.values()):
            matrix = np.concatenate([block for _, block in blocks])
            assert len(matrix) == table.size
            for index, f in expected.items():
                if f.signature:
                    assert matrix[table.rows[f"c/{index}.txt"]].tobytes() == f.signature
        # The columns of many rows at once equal the fields of each (-1: no row).
        rows = [table.rows[f"c/{index}.txt"] for index in expected] + [-1]
        hashes, has = table.text_hashes(rows[:-1])
        assert [h if ok else None for h, ok in zip(hashes.tolist(), has.tolist())] == [
            f.text_hash for f in expected.values()
        ]
        assert table.text_ids(rows[:-1]).tolist() == [
            f.content if f.text_hash is None else f.text_hash for f in expected.values()
        ]
        assert table.signed_rows(rows).tolist() == [table.is_signed(r) for r in rows[:-1]] + [False]
        assert table.lined_rows(rows).tolist() == [table.has_lines(r) for r in rows[:-1]] + [False]
        # The signature cache's rows, read as columns, in any order of rows (a shuffled one).
        shuffled = rows[:-1][::-1] + rows[:-1]
        assert list(table.cache_rows(shuffled)) == [feature_row(table.at(r)) for r in shuffled]
        table.release()  # every row gone, and the temporary file
        assert len(table) == 0 and table.size == 0 and table._file is None


def test_band_keys_read_by_block_or_by_row_equal_those_of_the_signatures_as_bytes():
    from corpus_lint.dedup.corpus import Entry, entry_band_keys
    from corpus_lint.dedup.minhash import signature_band_keys

    rng = np.random.default_rng(7)
    signatures = [rng.integers(0, 1 << 32, 128, dtype=np.uint64).astype("<u4").tobytes()]
    signatures += [
        rng.integers(0, 1 << 32, 128, dtype=np.uint64).astype("<u4").tobytes() for _ in range(40)
    ]
    with _small_blocks():
        table = FeatureTable()
        entries = [
            Entry(f"/c/{i}", Path(f"c/{i}"), True, i, Features(i, i, 10, s), table)
            for i, s in enumerate(signatures)
        ]
        expected = signature_band_keys(signatures, 16, 8, 12345, 128)
        assert np.array_equal(entry_band_keys(entries, 16, 8, 12345), expected)  # by block
        few = entries[::7]  # a few rows: read one by one
        assert np.array_equal(entry_band_keys(few, 16, 8, 12345), expected[::7])
        # A group of bands alone (`_band_pairs` holds four bands' keys at a time).
        group = range(12, 16)
        assert np.array_equal(entry_band_keys(entries, 16, 8, 12345, group), expected[:, 12:])
        assert np.array_equal(entry_band_keys(few, 16, 8, 12345, group), expected[::7, 12:])
        table.close()


def _signed_table(count: int) -> tuple[FeatureTable, list[bytes]]:
    rng = np.random.default_rng(11)
    table = FeatureTable()
    signatures = [rng.integers(0, 1 << 32, 4, dtype=np.uint64).astype("<u4").tobytes()]
    signatures += [
        rng.integers(0, 1 << 32, 4, dtype=np.uint64).astype("<u4").tobytes()
        for _ in range(count - 1)
    ]
    for i, signature in enumerate(signatures):
        table[Path(f"c/{i}.txt")] = Features(i, i, 10, signature)
    return table, signatures


def test_signatures_round_trip_without_pread_and_pwrite(monkeypatch):
    # Windows has no os.pread/os.pwrite: the table seeks, then reads or writes.
    monkeypatch.delattr("os.pread")
    monkeypatch.delattr("os.pwrite")
    with _small_blocks():
        table, signatures = _signed_table(10)
        table[Path("c/3.txt")] = Features(3, 3, 10, signatures[0])  # written in place
        signatures[3] = signatures[0]
        for i, signature in enumerate(signatures):
            assert table.signature(table.rows[f"c/{i}.txt"]) == signature
        matrix = np.concatenate([block for _, block in table.signature_blocks()])
        assert [row.tobytes() for row in matrix] == signatures
        table.close()


def test_band_keys_by_block_ignore_rows_added_while_they_are_read():
    # The cache's writer thread reads band keys while the stage may add rows to the table.
    from corpus_lint.dedup.corpus import Entry, entry_band_keys
    from corpus_lint.dedup.minhash import signature_band_keys

    with _small_blocks():
        table, signatures = _signed_table(11)  # the last block short of BLOCK_ROWS
        entries = [
            Entry(f"/c/{i}", Path(f"c/{i}"), True, i, None, table, row)
            for i, row in enumerate(table.rows[f"c/{i}.txt"] for i in range(11))
        ]
        blocks = table.signature_blocks

        def growing(block_rows=None):  # a row added before each block is read
            for added, block in enumerate(blocks(block_rows)):
                table[Path(f"c/new-{added}.txt")] = Features(99, 99, 10, signatures[0])
                yield block

        table.signature_blocks = growing
        expected = signature_band_keys(signatures, 2, 2, 12345, 4)
        assert np.array_equal(entry_band_keys(entries, 2, 2, 12345), expected)
        table.close()


def test_an_entry_reads_its_content_from_its_row_and_keeps_one_set_apart():
    # The stage's entries hold no content hash of their own when their row has it (an int a
    # file held for the whole stage); one set apart from the features, or of a file left in
    # the cache (no row), is kept.
    from corpus_lint.dedup.corpus import Entry

    table = FeatureTable()
    loaded = Entry("/c/1", Path("c/1"), True, 7, Features(7, 7, 10, b""), table)
    assert loaded.content == 7 and loaded._content is None
    unchanged = Entry("/c/2", Path("c/2"), False, 8, None, table)
    assert unchanged.content == 8 and not unchanged.loaded
    unchanged.features = Features(8, 8, 10, b"")  # loaded from the cache: the row's now
    assert unchanged.content == 8 and unchanged._content is None
    loaded.features = Features(9, 9, 10, b"")  # its content is still the one it was given
    assert loaded.content == 7 and table.content(loaded.row) == 9
    loaded.content = 9
    assert loaded.content == 9 and loaded._content is None
    loaded.features = None  # its features left to the cache: its content stays
    assert loaded.content == 9 and not loaded.loaded
    table.close()


def test_band_keys_by_block_hold_one_block_of_signatures_at_a_time(monkeypatch):
    # Each block of signatures read from the temporary file is let go before the next is
    # read (the reader and the caller both held the last one: two blocks, 8 MB at 100,000).
    import tracemalloc

    from corpus_lint.dedup import corpus as corpus_module
    from corpus_lint.dedup.corpus import Entry, entry_band_keys

    width, block_rows = 4096, 256  # blocks of 1 MB
    monkeypatch.setattr(table_module, "BLOCK_ROWS", block_rows)
    monkeypatch.setattr(corpus_module, "GROUP_BLOCK_ROWS", block_rows)  # a group's blocks
    rng = np.random.default_rng(5)
    table = FeatureTable()
    signatures = rng.integers(0, 1 << 32, (4 * block_rows, width // 4), dtype=np.uint64)
    entries = [
        Entry(f"/c/{i}", Path(f"c/{i}"), True, i, Features(i, i, 10, s.astype("<u4").tobytes()))
        for i, s in enumerate(signatures)
    ]
    for entry in entries:  # one table (each Entry above made its own)
        entry.table, entry.row = table, table.append(entry.features)
    tracemalloc.start()
    try:
        keys = entry_band_keys(entries, 4, 1, 12345, range(0, 1))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert keys.shape == (len(entries), 1)
    assert peak < 1.5 * block_rows * width
    table.close()


def test_entries_as_columns_make_each_entry_once_and_equal_the_entries_given():
    """`Entries` without the objects kept makes an `Entry` of a slot when asked for, once (a
    stage compares entries by identity), equal to the one given; the steps that read the
    columns (band keys, same-text groups) find what they find of a list of the entries."""
    from corpus_lint.dedup.corpus import Entries, Entry, entry_band_keys, same_text_groups

    rng = np.random.default_rng(3)
    table = FeatureTable()
    given = []
    for i in range(30):
        signature = rng.integers(0, 1 << 32, 16, dtype=np.uint64).astype("<u4").tobytes()
        text = i % 7 if i % 3 else None  # same texts in several files, some with none
        target = i % 4 != 0
        given.append(
            Entry(f"/c/{i}", Path(f"c/{i}"), target, i, Features(i, text, 10, signature), table)
        )
    entries = Entries.of(given, table, keep=False)
    order = np.array(list(reversed(range(30))), dtype=np.int64)
    ordered = Entries.of(given, table, keep=False).subset(order)
    made = [entries[i] for i in range(30)]
    assert [entries[i] for i in range(30)] == made  # the same objects, asked again
    assert all(a is not b for a, b in zip(made, given))  # made anew: the given were not kept
    assert [(e.key, e.path, e.target, e.content, e.row) for e in made] == [
        (e.key, e.path, e.target, e.content, e.row) for e in given
    ]
    assert entries.rows.tolist() == [e.row for e in given]
    assert entries.targets.tolist() == [e.target for e in given]
    assert [e.row for e in ordered] == [e.row for e in reversed(given)]
    assert np.array_equal(entry_band_keys(entries, 4, 4, 99), entry_band_keys(given, 4, 4, 99))
    assert [[e.row for e in group] for group in same_text_groups(ordered)] == [
        [e.row for e in group] for group in same_text_groups(list(reversed(given)))
    ]
    kept = Entries.of(given, table)  # kept: the objects given
    assert all(a is b for a, b in zip(kept, given))
    table.close()


def test_a_few_rows_read_by_block_and_by_row_make_no_temporary_file():
    # A pre-commit run's table (a few files, within the write buffer): its signatures are
    # read from the buffer, and no file is made (nor `tempfile` imported) for them.
    table, signatures = _signed_table(5)
    table[Path("c/9.txt")] = Features(9, 9, 10, b"")  # a row without a signature after them
    matrix = np.concatenate([block for _, block in table.signature_blocks(block_rows=2)])
    assert [row.tobytes() for row in matrix[:5]] == signatures
    assert matrix[5].tobytes() == bytes(len(signatures[0]))
    assert table.signature(table.rows["c/2.txt"]) == signatures[2]
    assert table._file is None

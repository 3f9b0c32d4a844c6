"""The features of many files as columns, not one `Features` tuple a file.

The corpus stage holds what DUP003/DUP004/BP005 need of every file of the corpus: as one
tuple of Python objects a file that was 1.3 KB a file (a 545-byte signature, a dozen ints,
BP005's lines). Here the numbers are one packed record a row (78 bytes), the variable parts
(lines left out, BP005's lines and their texts) one byte heap, and the MinHash signatures
(512 bytes a file) a temporary file, read back a row at a time (the few candidate pairs) or
a block at a time (the LSH bands): the page cache holds them, not the process.

A `FeatureTable` is a mapping key -> `Features` (the engine's targets, by path); a row is
materialised as a `Features` when asked for (`at`), and the stage reads the fields it scans
directly (`text_hash`, `stamp`, `line_rows`, `signature_blocks`...).
"""

from __future__ import annotations

import os
import struct
import threading
from array import array
from collections.abc import Iterator
from typing import Any

import numpy as np

from corpus_lint.dedup.features import Features

# Bits of a row's flags: which optional fields are not None.
_TEXT, _STAMP, _SIGNED, _LINES = 1, 2, 4, 8
# A row's numbers, packed in one call (one `struct` call costs what one field did in an
# array): content, text hash, shingles, title length, stamp, size, findings (-1: None), the
# heap offset of its variable parts and their lengths (lines left out, BP005's line records,
# their texts), has_source (-1: None) and the flags.
_RECORD = struct.Struct("<8q3ibB")
_INT64 = struct.Struct("<q")
_LENGTH = struct.Struct("<i")
_PLACE = struct.Struct("<qii")  # offset, length of the lines left out, of the line records
_FLAGS_AT = _RECORD.size - 1
_LINES_AT = 8 * 8 + 4  # the length of a row's BP005 line records
# The same record as a numpy dtype: a field of many rows read at once (`column`).
_COLUMNS = np.dtype(
    {
        "names": ["content", "text_hash", "shingles", "start", "excluded", "lines", "flags"],
        "formats": ["<i8", "<i8", "<i8", "<i8", "<i4", "<i4", "u1"],
        "offsets": [0, 8, 16, 7 * 8, 8 * 8, _LINES_AT, _FLAGS_AT],
        "itemsize": _RECORD.size,
    }
)
# Rows read at a time by `cache_rows`.
CACHE_ROWS_BLOCK = 4096
# Signature bytes buffered before they are written to the temporary file.
_BUFFER_BYTES = 1 << 20
# Rows of signatures read at a time by `signature_blocks` (4 MB of 512-byte signatures).
BLOCK_ROWS = 8192


class FeatureTable:
    """`Features` by key (a path), stored as columns; rows are added in order, and a key's
    row can be replaced (the stage completes features the workers left to the cache)."""

    def __init__(self) -> None:
        # Keyed by the path as a string: hashing a Path builds a list of its parts (100,000
        # of them) and is slower. The path given is kept by row (None for a row not keyed).
        self.rows: dict[str, int] = {}
        self.paths: list[Any] = []
        self._records = bytearray()  # `_RECORD` a row
        # The variable parts of the rows, end to end: lines left out (int32 each), BP005's
        # line records, their texts (UTF-8); a replaced row's are appended anew.
        self._heap = bytearray()
        # Signatures: `_width` bytes a row at offset row * _width of a temporary file (rows
        # without one are holes), the last rows added still in `_buffer`. The file is made
        # when the buffer is first written: a run over a few files makes none (pre-commit).
        self._width = 0
        self._file: Any = None
        self._buffer: list[bytes] = []
        self._buffer_row = 0  # the row of the buffer's first slot
        self._buffered_rows = 0
        # The cache's writer thread reads signatures and columns while the stage may add rows.
        self._lock = threading.Lock()

    # --- the mapping ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, key: Any) -> bool:
        return os.fspath(key) in self.rows

    def __iter__(self) -> Iterator[Any]:
        return (self.paths[row] for row in self.rows.values())

    def __getitem__(self, key: Any) -> Features:
        return self.at(self.rows[os.fspath(key)])

    def get(self, key: Any, default: Any = None) -> Any:
        row = self.rows.get(os.fspath(key))
        return default if row is None else self.at(row)

    def __setitem__(self, key: Any, features: Features) -> None:
        row = self.rows.get(os.fspath(key))
        if row is None:
            self.name(key, self.append(features))
        else:
            self.put(row, features)

    def name(self, key: Any, row: int) -> None:
        """Key a row added without one (`append`)."""
        self.rows[os.fspath(key)] = row
        self.paths[row] = key

    def forget_names(self) -> None:
        """Drop the index of rows by key, once nothing looks a key up again (the rows and the
        keys as given stay): 5 MB at 100,000 files."""
        self.rows = {}

    def named(self) -> Iterator[tuple[Any, int]]:
        """(key as given, row) of the keyed rows, in the order they were keyed."""
        return ((self.paths[row], row) for row in self.rows.values())

    def items(self) -> Iterator[tuple[Any, Features]]:
        for key, row in self.named():
            yield key, self.at(row)

    # --- rows ----------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Rows, keyed or not."""
        return len(self.paths)

    def append(self, features: Features) -> int:
        """A new row (not keyed: see `__setitem__`); returns its number."""
        row = len(self.paths)
        self.paths.append(None)
        record = _RECORD.pack(*self._packed(row, features))
        with self._lock:  # not while `column` reads the records (the cache's writer thread)
            self._records += record
        return row

    def put(self, row: int, features: Features) -> None:
        """Row `row` holds `features` from now on."""
        _RECORD.pack_into(self._records, row * _RECORD.size, *self._packed(row, features))

    def _packed(self, row: int, f: Features) -> tuple:
        """The record of `f` in row `row` (its variable parts added to the heap, its
        signature stored)."""
        flags = 0
        text_hash = f.text_hash
        if text_hash is not None:
            flags |= _TEXT
        else:
            text_hash = 0
        mtime_ns, size = f.mtime_ns, f.size
        if mtime_ns is not None and size is not None:
            flags |= _STAMP
        else:
            mtime_ns = size = 0
        lines = f.lines
        if lines is not None:
            flags |= _LINES
        offset = len(self._heap)
        excluded = array("i", f.excluded).tobytes() if f.excluded else b""
        texts = f.line_texts.encode("utf-8", "surrogatepass") if f.line_texts else b""
        if excluded or lines or texts:
            self._heap += excluded
            if lines:
                self._heap += lines
            self._heap += texts
        if f.signature:
            flags |= _SIGNED
            self._put_signature(row, f.signature)
        return (
            f.content,
            text_hash,
            f.shingles,
            f.title_length,
            mtime_ns,
            size,
            -1 if f.findings is None else f.findings,
            offset,
            len(excluded),
            len(lines) if lines else 0,
            len(texts),
            -1 if f.has_source is None else int(f.has_source),
            flags,
        )

    def at(self, row: int, signature: bool = True) -> Features:
        """Row `row` as a `Features` (with `signature=False`, its signature left out: b"")."""
        (
            content,
            text_hash,
            shingles,
            title_length,
            mtime_ns,
            size,
            findings,
            start,
            excluded,
            lines,
            texts,
            has_source,
            flags,
        ) = _RECORD.unpack_from(self._records, row * _RECORD.size)
        heap = self._heap
        end = start + excluded
        stamped = flags & _STAMP
        return Features(
            content=content,
            text_hash=text_hash if flags & _TEXT else None,
            shingles=shingles,
            signature=self.signature(row) if signature and flags & _SIGNED else b"",
            excluded=tuple(array("i", heap[start:end])) if excluded else (),
            title_length=title_length,
            mtime_ns=mtime_ns if stamped else None,
            size=size if stamped else None,
            findings=None if findings < 0 else findings,
            has_source=None if has_source < 0 else bool(has_source),
            lines=bytes(heap[end : end + lines]) if flags & _LINES else None,
            line_texts=(
                heap[end + lines : end + lines + texts].decode("utf-8", "surrogatepass")
                if texts
                else ""
            ),
        )

    # --- columns -------------------------------------------------------------------------

    def _int(self, row: int, field: int) -> int:
        return _INT64.unpack_from(self._records, row * _RECORD.size + 8 * field)[0]

    def _flags(self, row: int) -> int:
        return self._records[row * _RECORD.size + _FLAGS_AT]

    def content(self, row: int) -> int:
        return self._int(row, 0)

    def text_hash(self, row: int) -> int | None:
        return self._int(row, 1) if self._flags(row) & _TEXT else None

    def shingles(self, row: int) -> int:
        return self._int(row, 2)

    def stamp(self, row: int) -> tuple[int, int] | None:
        """(mtime_ns, size) of the file when read in this run, if recorded."""
        if self._flags(row) & _STAMP:
            return self._int(row, 4), self._int(row, 5)
        return None

    def is_signed(self, row: int) -> bool:
        return bool(self._flags(row) & _SIGNED)

    def has_lines(self, row: int) -> bool:
        return bool(_LENGTH.unpack_from(self._records, row * _RECORD.size + _LINES_AT)[0])

    def lines_computed(self, row: int) -> bool:
        return bool(self._flags(row) & _LINES)

    def column(self, field: str, rows: Any) -> np.ndarray:
        """Field `field` of `_COLUMNS` of these rows (an array of row numbers, all >= 0), as
        a new array: one numpy operation, not a `struct` call a row."""
        # The lock held: a bytearray viewed by numpy cannot grow (`append` in another thread
        # would fail), and no view outlives the call.
        with self._lock:
            records = np.frombuffer(self._records, dtype=_COLUMNS)
            try:
                return records[field][rows]
            finally:
                del records

    def line_rows(self, rows: Any) -> tuple[np.ndarray, np.ndarray]:
        """(hash, position in `rows`) of the BP005 line records of these rows, one per line:
        read from the heap, no `Features` made (`dedup.lines.holder_rows`, columnar). Rows
        without lines (most) are skipped by one array operation, not a call each."""
        from corpus_lint.dedup.lines import LINE

        rows = np.asarray(rows, dtype=np.int64)
        counts = self.column("lines", rows) // LINE.itemsize
        heap, records, size = self._heap, self._records, _RECORD.size
        parts = []
        for row in rows[counts > 0].tolist():
            start, excluded, lines = _PLACE.unpack_from(records, row * size + 7 * 8)
            parts.append(heap[start + excluded : start + excluded + lines])
        hashes = np.frombuffer(b"".join(parts), dtype=LINE)["hash"]
        positions = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
        return np.ascontiguousarray(hashes), positions

    def cache_rows(self, rows: Any) -> Iterator[tuple[int, int | None, int, str, bytes]]:
        """The signature cache's `features` row (`dedup.cache.feature_row`) of each of these
        rows, in their order: read as columns a block of rows at a time, no `Features` made
        (materialising 100,000 of them was 1.3 s of the cache's writer in a first run)."""
        rows = np.asarray(rows, dtype=np.int64)
        heap = self._heap
        for first in range(0, len(rows), CACHE_ROWS_BLOCK):
            block = rows[first : first + CACHE_ROWS_BLOCK]
            flags = self.column("flags", block)
            with self._lock:
                signatures = [
                    self._signature_locked(row) if signed else b""
                    for row, signed in zip(block.tolist(), (flags & _SIGNED != 0).tolist())
                ]
            for content, text_hash, has_text, shingles, start, left_out, signature in zip(
                self.column("content", block).tolist(),
                self.column("text_hash", block).tolist(),
                (flags & _TEXT != 0).tolist(),
                self.column("shingles", block).tolist(),
                self.column("start", block).tolist(),
                self.column("excluded", block).tolist(),
                signatures,
            ):
                excluded = array("i", heap[start : start + left_out]) if left_out else ()
                yield (
                    content,
                    text_hash if has_text else None,
                    shingles,
                    " ".join(map(str, excluded)),
                    signature,
                )

    def text_hashes(self, rows: Any) -> tuple[np.ndarray, np.ndarray]:
        """(text hash, has one) of these rows (row numbers >= 0): the text hash is 0 where
        there is none."""
        rows = np.asarray(rows, dtype=np.int64)
        has = (self.column("flags", rows) & _TEXT) != 0
        return np.where(has, self.column("text_hash", rows), 0), has

    def text_ids(self, rows: Any) -> np.ndarray:
        """`dedup.lines.text_id` of these rows: the text hash, else the content hash."""
        rows = np.asarray(rows, dtype=np.int64)
        hashes, has = self.text_hashes(rows)
        return np.where(has, hashes, self.column("content", rows))

    def signed_rows(self, rows: Any) -> np.ndarray:
        """Which of these rows (row numbers, -1: none) have a signature."""
        rows = np.asarray(rows, dtype=np.int64)
        found = rows >= 0
        found[found] = (self.column("flags", rows[found]) & _SIGNED) != 0
        return found

    def lined_rows(self, rows: Any) -> np.ndarray:
        """Which of these rows (row numbers, -1: none) have BP005 line records."""
        rows = np.asarray(rows, dtype=np.int64)
        found = rows >= 0
        found[found] = self.column("lines", rows[found]) > 0
        return found

    # --- signatures ----------------------------------------------------------------------

    def _put_signature(self, row: int, signature: bytes) -> None:
        with self._lock:
            buffer = self._buffer
            if row == self._buffer_row + len(buffer) and len(signature) == self._width:
                buffer.append(signature)  # the next row: most calls
                if len(buffer) >= self._buffered_rows:
                    self._flush()
            else:
                self._put_signature_locked(row, signature)

    def _put_signature_locked(self, row: int, signature: bytes) -> None:
        if not self._width:
            self._width = len(signature)
            self._buffered_rows = max(1, _BUFFER_BYTES // self._width)
            self._buffer_row = row
        width = self._width
        if len(signature) != width:
            raise ValueError(f"a signature of {len(signature)} bytes among ones of {width}")
        # The buffer holds rows [_buffer_row, end), one bytes object each; it only moves
        # forward, so a row at or past its end was never written, and one before it is
        # written in place.
        end = self._buffer_row + len(self._buffer)
        if self._buffer_row <= row < end:
            self._buffer[row - self._buffer_row] = signature
        elif row < self._buffer_row:
            self._write_at(signature, row * width)
        else:
            if row - end < BLOCK_ROWS:  # the next rows: those between have none (zeros)
                self._buffer.extend([bytes(width)] * (row - end))
            else:  # far ahead: the rows between stay a hole of the file
                self._flush()
                self._buffer_row = row
            self._buffer.append(signature)
            if len(self._buffer) >= self._buffered_rows:
                self._flush()

    def _temporary(self) -> Any:
        if self._file is None:
            import tempfile  # here: a run that writes no signature out does without it

            self._file = tempfile.TemporaryFile(prefix="corpus-lint-signatures-")
        return self._file

    # The file is read and written at offsets, the table's lock held: os.pread/os.pwrite where
    # the platform has them (POSIX), a seek then a read or write elsewhere (Windows).
    def _write_at(self, data: bytes, offset: int) -> None:
        file = self._temporary()
        if hasattr(os, "pwrite"):
            os.pwrite(file.fileno(), data, offset)
        else:
            file.seek(offset)
            file.write(data)

    def _read_at(self, size: int, offset: int) -> bytes:
        file = self._temporary()
        if hasattr(os, "pread"):
            return os.pread(file.fileno(), size, offset)
        file.flush()
        file.seek(offset)
        return file.read(size)

    def _flush(self) -> None:
        if self._buffer:
            self._write_at(b"".join(self._buffer), self._buffer_row * self._width)
            self._buffer_row += len(self._buffer)
            self._buffer = []

    def signature(self, row: int) -> bytes:
        with self._lock:
            return self._signature_locked(row)

    def _signature_locked(self, row: int) -> bytes:
        offset = row - self._buffer_row
        if 0 <= offset < len(self._buffer):
            return self._buffer[offset]
        if self._file is None:  # never written out: a row without a signature
            return bytes(self._width)
        return self._read_at(self._width, row * self._width)

    def signatures(self, rows: list[int]) -> np.ndarray:
        """The signatures of these (signed) rows, one row of uint32 each."""
        if not rows:
            return np.empty((0, self._width // 4), dtype="<u4")
        with self._lock:
            data = b"".join([self._signature_locked(row) for row in rows])
        return np.frombuffer(data, dtype="<u4").reshape(len(rows), -1)

    def signature_blocks(self, block_rows: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, signatures of `block_rows` rows from it, BLOCK_ROWS if None) over every
        row; what a row without a signature reads as (zeros, or a signature it held) means
        nothing."""
        if not self._width:
            return
        block_rows = block_rows or BLOCK_ROWS
        for start in range(0, self.size, block_rows):
            count = min(block_rows, self.size - start)
            with self._lock:  # rows may be added meanwhile
                data = self._block_locked(start, count)
            yield start, np.frombuffer(data, dtype="<u4").reshape(count, -1)
            del data  # freed before the next block is read (if the caller let it go too)

    def _block_locked(self, start: int, count: int) -> bytes:
        """The signature bytes of rows [start, start + count): those before the buffer from
        the file, then the buffer's, holes as zeros. The buffer is not written out first: a
        run over a few files (pre-commit) makes no file, nor imports `tempfile`."""
        width, first, end = self._width, self._buffer_row, start + count
        stored = min(end, first) - start  # rows before the buffer's
        data = b""
        if stored > 0 and self._file is not None:
            data = self._read_at(stored * width, start * width)
        data += bytes(max(stored, 0) * width - len(data))
        data += b"".join(self._buffer[max(start - first, 0) : max(end - first, 0)])
        return data + bytes(count * width - len(data))  # rows past the buffer: never written

    def release(self) -> None:
        """Drop every row and the temporary file, once nothing reads the table again (the
        corpus stage, done: its 8 MB at 100,000 files were still held while the engine
        sorted and reported the run's findings, the peak of a cold run)."""
        self.close()
        self.rows, self.paths = {}, []
        self._records, self._heap = bytearray(), bytearray()

    def close(self) -> None:
        """Remove the temporary file (it also goes when the table is collected)."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            self._width = 0
            self._buffer = []

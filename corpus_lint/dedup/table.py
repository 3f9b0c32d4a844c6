"""The features of many files as columns, not one `Features` tuple a file.

The corpus stage holds what DUP003/DUP004/BP005 need of every file of the corpus: as one
tuple of Python objects a file that was 1.3 KB a file (a 545-byte signature, a dozen ints,
BP005's lines). Here the numbers are typed arrays (8 bytes a value), the variable parts
(lines left out, BP005's lines and their texts) one byte heap, and the MinHash signatures
(512 bytes a file) a temporary file, read back a row at a time (the few candidate pairs) or
a block at a time (the LSH bands): the page cache holds them, not the process.

A `FeatureTable` is a mapping key -> `Features` (the engine's targets, by path); a row is
materialised as a `Features` when asked for (`at`), and the stage reads the columns it scans
directly (`rows_where`, `text_hashes`, `signature_blocks`).
"""

from __future__ import annotations

import os
import tempfile
import threading
from array import array
from collections.abc import Iterator
from typing import Any

import numpy as np

from corpus_lint.dedup.features import Features

# Bits of a row's flags: which optional fields are not None.
_TEXT, _STAMP, _SIGNED, _LINES = 1, 2, 4, 8
# Signature bytes buffered before they are written to the temporary file.
_BUFFER_BYTES = 1 << 22
# Rows of signatures read at a time by `signature_blocks`.
BLOCK_ROWS = 8192


class FeatureTable:
    """`Features` by key (a path), stored as columns; rows are added in order, and a key's
    row can be replaced (the stage completes features the workers left to the cache)."""

    def __init__(self) -> None:
        # Keyed by the path as a string: hashing a Path builds a list of its parts (100,000
        # of them) and is slower. The path given is kept by row (None for a row not keyed).
        self.rows: dict[str, int] = {}
        self.paths: list[Any] = []
        self._content = array("q")
        self._text_hash = array("q")
        self._shingles = array("q")
        self._title_length = array("q")
        self._mtime_ns = array("q")
        self._size = array("q")
        self._findings = array("q")  # -1: None
        self._has_source = array("b")  # -1: None
        self._flags = array("B")
        # The variable parts of a row, end to end in `_heap`: lines left out (int32 each),
        # BP005's line records, their texts (UTF-8); a replaced row's are appended anew.
        self._offset = array("q")
        self._lengths = array("i")  # three per row: excluded, lines, texts (bytes)
        self._heap = bytearray()
        # Signatures: `_width` bytes a row at offset row * _width of a temporary file (rows
        # without one are holes), the last rows added still in `_buffer`.
        self._width = 0
        self._file: Any = None
        self._buffer = bytearray()
        self._buffer_row = 0  # the row of the buffer's first slot
        # The cache's writer thread reads signatures while the stage may add rows.
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
        return len(self._flags)

    def append(self, features: Features) -> int:
        """A new row (not keyed: see `__setitem__`); returns its number."""
        row = len(self._flags)
        self.paths.append(None)
        for column in (
            self._content,
            self._text_hash,
            self._shingles,
            self._title_length,
            self._mtime_ns,
            self._size,
            self._findings,
            self._offset,
        ):
            column.append(0)
        self._has_source.append(0)
        self._flags.append(0)
        self._lengths.extend((0, 0, 0))
        self.put(row, features)
        return row

    def put(self, row: int, f: Features) -> None:
        """Row `row` holds `f` from now on."""
        flags = 0
        if f.text_hash is not None:
            flags |= _TEXT
            self._text_hash[row] = f.text_hash
        if f.mtime_ns is not None and f.size is not None:
            flags |= _STAMP
            self._mtime_ns[row], self._size[row] = f.mtime_ns, f.size
        if f.lines is not None:
            flags |= _LINES
        self._content[row] = f.content
        self._shingles[row] = f.shingles
        self._title_length[row] = f.title_length
        self._findings[row] = -1 if f.findings is None else f.findings
        self._has_source[row] = -1 if f.has_source is None else int(f.has_source)
        excluded = array("i", f.excluded).tobytes() if f.excluded else b""
        texts = f.line_texts.encode("utf-8", "surrogatepass") if f.line_texts else b""
        lines = f.lines or b""
        if excluded or lines or texts:
            self._offset[row] = len(self._heap)
            self._heap += excluded
            self._heap += lines
            self._heap += texts
        self._lengths[3 * row : 3 * row + 3] = array("i", (len(excluded), len(lines), len(texts)))
        if f.signature:
            flags |= _SIGNED
            self._put_signature(row, f.signature)
        self._flags[row] = flags

    def at(self, row: int, signature: bool = True) -> Features:
        """Row `row` as a `Features` (with `signature=False`, its signature left out: b"")."""
        flags = self._flags[row]
        start = self._offset[row]
        excluded, lines, texts = self._lengths[3 * row : 3 * row + 3]
        heap = self._heap
        end = start + excluded
        found = ()
        if excluded:
            found = tuple(array("i", heap[start:end]))
        line_bytes = bytes(heap[end : end + lines]) if flags & _LINES else None
        end += lines
        stamped = flags & _STAMP
        findings = self._findings[row]
        has_source = self._has_source[row]
        return Features(
            content=self._content[row],
            text_hash=self._text_hash[row] if flags & _TEXT else None,
            shingles=self._shingles[row],
            signature=self.signature(row) if signature and flags & _SIGNED else b"",
            excluded=found,
            title_length=self._title_length[row],
            mtime_ns=self._mtime_ns[row] if stamped else None,
            size=self._size[row] if stamped else None,
            findings=None if findings < 0 else findings,
            has_source=None if has_source < 0 else bool(has_source),
            lines=line_bytes,
            line_texts=heap[end : end + texts].decode("utf-8", "surrogatepass") if texts else "",
        )

    # --- columns -------------------------------------------------------------------------

    def column(self, name: str) -> np.ndarray:
        """A numeric column as an array (a copy: the table may grow meanwhile)."""
        return np.array(getattr(self, f"_{name}"))

    def signed(self) -> np.ndarray:
        """Which rows have a signature."""
        return (np.frombuffer(self._flags, dtype=np.uint8) & _SIGNED) != 0

    def text_hash(self, row: int) -> int | None:
        return self._text_hash[row] if self._flags[row] & _TEXT else None

    def content(self, row: int) -> int:
        return self._content[row]

    def stamp(self, row: int) -> tuple[int, int] | None:
        """(mtime_ns, size) of the file when read in this run, if recorded."""
        if self._flags[row] & _STAMP:
            return self._mtime_ns[row], self._size[row]
        return None

    def is_signed(self, row: int) -> bool:
        return bool(self._flags[row] & _SIGNED)

    def line_rows(self, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(hash, position in `rows`) of the BP005 line records of these rows, one per line:
        read from the heap, no `Features` made (`dedup.lines.holder_rows`, columnar)."""
        from corpus_lint.dedup.lines import LINE

        heap, offset, lengths = self._heap, self._offset, self._lengths
        parts, counts = [], []
        for row in rows:
            size = lengths[3 * row + 1]
            if size:
                start = offset[row] + lengths[3 * row]
                parts.append(heap[start : start + size])
            counts.append(size // LINE.itemsize)
        hashes = np.frombuffer(b"".join(parts), dtype=LINE)["hash"]
        positions = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
        return np.ascontiguousarray(hashes), positions

    def text_ids(self, rows: list[int]) -> np.ndarray:
        """`dedup.lines.text_id` of these rows: the text hash, else the content hash."""
        at = np.array(rows, dtype=np.int64)
        has_text = (np.frombuffer(self._flags, dtype=np.uint8)[at] & _TEXT) != 0
        texts = np.frombuffer(self._text_hash, dtype=np.int64)[at]
        return np.where(has_text, texts, np.frombuffer(self._content, dtype=np.int64)[at])

    def has_lines(self, row: int) -> bool:
        return bool(self._lengths[3 * row + 1])

    def lines_computed(self, row: int) -> bool:
        return bool(self._flags[row] & _LINES)

    def shingles(self, row: int) -> int:
        return self._shingles[row]

    def findings_known(self, row: int) -> bool:
        return self._findings[row] >= 0

    # --- signatures ----------------------------------------------------------------------

    def _put_signature(self, row: int, signature: bytes) -> None:
        with self._lock:
            self._put_signature_locked(row, signature)

    def _put_signature_locked(self, row: int, signature: bytes) -> None:
        if not self._width:
            self._width = len(signature)
            self._file = tempfile.TemporaryFile(prefix="corpus-lint-signatures-")
            self._buffer_row = row
        width = self._width
        if len(signature) != width:
            raise ValueError(f"a signature of {len(signature)} bytes among ones of {width}")
        # The buffer holds rows [_buffer_row, end); it only moves forward, so a row at or
        # past its end was never written, and one before it is written in place.
        end = self._buffer_row + len(self._buffer) // width
        if self._buffer_row <= row < end:
            at = (row - self._buffer_row) * width
            self._buffer[at : at + width] = signature
        elif row < self._buffer_row:
            os.pwrite(self._file.fileno(), signature, row * width)
        else:
            if row - end < BLOCK_ROWS:  # the next rows: those between have none (zeros)
                self._buffer += bytes((row - end) * width)
            else:  # far ahead: the rows between stay a hole of the file
                self._flush()
                self._buffer_row = row
            self._buffer += signature
            if len(self._buffer) >= _BUFFER_BYTES:
                self._flush()

    def _flush(self) -> None:
        if self._buffer:
            os.pwrite(self._file.fileno(), self._buffer, self._buffer_row * self._width)
            self._buffer_row += len(self._buffer) // self._width
            self._buffer.clear()

    def signature(self, row: int) -> bytes:
        with self._lock:
            return self._signature_locked(row)

    def _signature_locked(self, row: int) -> bytes:
        width = self._width
        offset = row - self._buffer_row
        if 0 <= offset < len(self._buffer) // width:
            return bytes(self._buffer[offset * width : (offset + 1) * width])
        return os.pread(self._file.fileno(), width, row * width)

    def signatures(self, rows: list[int]) -> np.ndarray:
        """The signatures of these (signed) rows, one row of uint32 each."""
        if not rows:
            return np.empty((0, self._width // 4), dtype="<u4")
        with self._lock:
            data = b"".join([self._signature_locked(row) for row in rows])
        return np.frombuffer(data, dtype="<u4").reshape(len(rows), -1)

    def signature_blocks(self) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, signatures of BLOCK_ROWS rows from it) over every row; what a row
        without a signature reads as (zeros, or a signature it held) means nothing."""
        if not self._width:
            return
        with self._lock:
            self._flush()
        fd, width = self._file.fileno(), self._width
        for start in range(0, self.size, BLOCK_ROWS):
            count = min(BLOCK_ROWS, self.size - start)
            with self._lock:
                self._flush()  # rows added meanwhile
                data = os.pread(fd, count * width, start * width)
            data += bytes(count * width - len(data))  # holes at the end
            yield start, np.frombuffer(data, dtype="<u4").reshape(count, -1)

    def close(self) -> None:
        """Remove the temporary file (it also goes when the table is collected)."""
        with self._lock:
            if self._file is None:
                return
            self._file.close()
            self._file = None
            self._width = 0
            self._buffer.clear()

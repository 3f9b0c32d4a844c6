"""A worker asks storage for its next batch's files before linting its own, only if not cached.

The files are put out of the page cache with POSIX_FADV_DONTNEED (clean pages of one's own
files: no privilege needed), and whether a file is cached is told by mincore(2) on a mapping
of it: not by the readahead's own look (a read that must not wait), which makes the kernel
read the file in the background.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import time
from pathlib import Path

import pytest

from corpus_lint import readahead
from corpus_lint.analysis import upcoming
from corpus_lint.readahead import read_ahead

if not readahead.SUPPORTED:  # before ctypes looks for a C library (none on Windows)
    pytest.skip("no RWF_NOWAIT here: nothing is read ahead", allow_module_level=True)


_LIBC = ctypes.CDLL(None, use_errno=True)
_LIBC.mmap.restype = ctypes.c_void_p
_LIBC.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
_LIBC.mmap.argtypes += [ctypes.c_int, ctypes.c_long]
_LIBC.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_LIBC.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]


def _cached(path: Path) -> bool:
    """Whether the file's first page is in the page cache, read from none of it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        address = _LIBC.mmap(None, mmap.PAGESIZE, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        assert address not in (None, ctypes.c_void_p(-1).value), os.strerror(ctypes.get_errno())
        try:
            pages = ctypes.create_string_buffer(1)
            assert _LIBC.mincore(address, mmap.PAGESIZE, pages) == 0
            return bool(pages.raw[0] & 1)
        finally:
            _LIBC.munmap(address, mmap.PAGESIZE)
    finally:
        os.close(fd)


def _evict(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _eventually_cached(paths: list[Path], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds  # asked for, read by the kernel in the background
    while time.monotonic() < deadline:
        if all(_cached(path) for path in paths):
            return True
        time.sleep(0.02)
    return False


def _files(folder: Path, count: int, evicted: bool) -> list[Path]:
    paths = []
    for i in range(count):
        path = folder / f"{i:04d}.txt"
        path.write_bytes(f"Article {i}\n\n".encode() + b"Some words of text.\n" * 300)
        paths.append(path)
    if evicted:
        for path in paths:
            _evict(path)
        if any(_cached(path) for path in paths):
            pytest.skip(
                "this file system keeps the files cached (tmpfs?): cannot test reading ahead"
            )
        # The look the readahead takes, tried on a file of its own (the kernel may read the
        # file it looked at, in the background): a file system may not support it.
        probe = folder / "probe.bin"
        probe.write_bytes(b"x" * 8192)
        for _ in range(20):  # (a fast virtual disk may have read it before the look returns)
            _evict(probe)
            fd = os.open(probe, os.O_RDONLY)
            try:
                os.preadv(fd, [bytearray(1)], 0, os.RWF_NOWAIT)
            except BlockingIOError:
                break  # told: not cached
            except OSError as exc:
                pytest.skip(f"this file system cannot tell what is cached ({exc}): nothing to test")
            finally:
                os.close(fd)
        else:
            pytest.skip("reads here never wait (a RAM disk?): nothing is ever read ahead")
    return paths


def _read_ahead_of_uncached(batch: list[Path], evicted: list[Path]) -> int:
    """`read_ahead(batch)` with `evicted` out of the cache: how many it asked for, at most.
    On a fast virtual disk the kernel may have read a file looked at before the look
    returns, which then finds it cached: tried again until every evicted file of the batch
    was asked for (a readahead that never asks for one would never pass)."""
    wanted = sum(path in evicted for path in batch)
    most = 0
    for attempt in range(10):
        _evict_for_sure(evicted, attempt)
        most = max(most, read_ahead(batch))
        if most == wanted:
            break
    return most


def _evict_for_sure(paths: list[Path], attempt: int) -> None:
    """Evict `paths` until mincore says none is cached. The look of a try before may have
    started a read of its file, and pages under I/O are not dropped: evicted at once, that
    file was cached again by the next look (seen in CI, ten tries in a row)."""
    deadline = time.monotonic() + 5
    while True:
        time.sleep(0.01 * attempt)  # let a read the last look started finish
        for path in paths:
            _evict(path)
        if not any(_cached(path) for path in paths) or time.monotonic() > deadline:
            return


def test_files_not_cached_are_asked_for(tmp_path: Path) -> None:
    paths = _files(tmp_path, 40, evicted=True)
    assert _read_ahead_of_uncached(paths[:32], paths) == 32
    assert _eventually_cached(paths[:32])
    assert not any(_cached(path) for path in paths[32:])  # no further than asked


def test_cached_files_are_only_looked_at(tmp_path: Path) -> None:
    paths = _files(tmp_path, 32, evicted=False)
    assert read_ahead(paths) == 0


def test_an_empty_first_file_does_not_pass_for_the_batch(tmp_path: Path) -> None:
    paths = _files(tmp_path, 8, evicted=True)
    empty = tmp_path / "empty.txt"
    empty.touch()
    # The empty file is not asked for either.
    assert _read_ahead_of_uncached([empty, *paths], paths) == 8
    assert _eventually_cached(paths)


def test_fifos_and_folders_are_skipped_without_blocking(tmp_path: Path) -> None:
    paths: list[Path] = _files(tmp_path, 4, evicted=True)
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # opened for reading without O_NONBLOCK, it would wait for a writer
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    started = time.monotonic()
    assert _read_ahead_of_uncached([fifo, folder, *paths, fifo], paths) == 4
    assert time.monotonic() - started < 5
    # Had a FIFO come where a regular file was listed, the open would not wait either.
    os.close(os.open(fifo, readahead._OPEN_FLAGS))


def test_gone_files_and_an_empty_batch_ask_for_nothing(tmp_path: Path) -> None:
    assert read_ahead([]) == 0
    assert read_ahead([tmp_path / "gone.txt"] * 3) == 0


def test_each_batch_reads_ahead_the_next_one() -> None:
    batches = [[("a", True), ("b", False)], [("c", True)], [("d", True), ("e", True)]]
    assert upcoming(batches) == [["c"], ["d", "e"], []]
    assert upcoming([]) == []

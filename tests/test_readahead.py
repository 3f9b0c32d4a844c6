"""The parent reads the workers' next files ahead, only those not cached, never too far.

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
from corpus_lint.readahead import WINDOW, Readahead

pytestmark = pytest.mark.skipif(
    not readahead.SUPPORTED, reason="no RWF_NOWAIT here: nothing is read ahead"
)


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
    return paths


def _settled(ahead: Readahead, looked: int) -> None:
    """Wait until the thread has looked at `looked` groups."""
    deadline = time.monotonic() + 10
    while ahead.looked < looked and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # and would have gone further by now, had it been let


def _eventually_cached(paths: list[Path]) -> bool:
    deadline = time.monotonic() + 10  # asked for, read by the kernel in the background
    while time.monotonic() < deadline:
        if all(_cached(path) for path in paths):
            return True
        time.sleep(0.02)
    return False


def test_uncached_files_are_read_ahead_no_further_than_allowed(tmp_path: Path) -> None:
    paths = _files(tmp_path, 5 * WINDOW, evicted=True)
    ahead = Readahead(paths, 2 * WINDOW)
    try:
        _settled(ahead, 2)
        assert (ahead.looked, ahead.asked) == (2, 2 * WINDOW)
        assert _eventually_cached(paths[: 2 * WINDOW])
        assert not any(_cached(path) for path in paths[2 * WINDOW :])
        ahead.consumed(3 * WINDOW)  # the workers have returned more: it goes on
        _settled(ahead, 5)
        assert (ahead.looked, ahead.asked) == (5, 5 * WINDOW)
        assert _eventually_cached(paths)
    finally:
        ahead.stop()


def test_cached_files_are_only_looked_at(tmp_path: Path) -> None:
    paths = _files(tmp_path, 3 * WINDOW + 5, evicted=False)
    assert all(_cached(path) for path in paths)
    ahead = Readahead(paths, 10 * WINDOW)
    try:
        _settled(ahead, 4)
        assert (ahead.looked, ahead.asked) == (4, 0)
    finally:
        ahead.stop()


def test_a_fifo_or_folder_among_the_files_is_skipped_without_blocking(tmp_path: Path) -> None:
    paths: list[Path] = _files(tmp_path, 2 * WINDOW, evicted=True)
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # opened for reading without O_NONBLOCK, it would wait for a writer
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    paths[1:1] = [fifo, folder]
    ahead = Readahead(paths, 10 * WINDOW)
    try:
        _settled(ahead, 3)
        assert ahead.looked == 3
        assert ahead.asked == 2 * WINDOW  # every regular file, neither of the others
    finally:
        started = time.monotonic()
        ahead.stop()
        assert time.monotonic() - started < 1


def test_stop_ends_a_waiting_thread_at_once(tmp_path: Path) -> None:
    paths = _files(tmp_path, 3 * WINDOW, evicted=False)
    ahead = Readahead(paths, WINDOW)  # looks at the first group, then waits for the workers
    _settled(ahead, 1)
    thread = ahead._thread
    assert thread is not None and thread.is_alive()
    started = time.monotonic()
    ahead.stop()
    assert not thread.is_alive()
    assert time.monotonic() - started < 1
    assert ahead.looked == 1


def test_few_files_start_no_thread(tmp_path: Path) -> None:
    ahead = Readahead(_files(tmp_path, WINDOW, evicted=False), 10 * WINDOW)
    assert ahead._thread is None
    ahead.stop()

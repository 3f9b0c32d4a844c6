"""The files a worker will read next, asked of storage before it needs them.

A file that is not in the operating system's page cache (a corpus larger than memory, the
first run after a reboot, a network mount) makes its worker wait for the disk, one small
file at a time: a cold check of 100,000 files read from disk took 25.1 s where the floor,
reading them one after the other in one process, took 13.3 s (`benchmarks/bench_disk.py`).
So each batch of files goes to its worker with the paths of the batch after it, and the
worker first asks the kernel to read those in the background
(`posix_fadvise(POSIX_FADV_WILLNEED)`, many at once), then lints its own: the disk works
while the worker lints, and the next batch is in memory when it comes (16.7 s).

Asking for a file costs 3.9 µs of CPU even when it is cached, the usual case (0.4 CPU-s at
100,000 files, for nothing). So one file of the batch is looked at first, by a read that must
not wait for the disk (`RWF_NOWAIT`; recent kernels then read that file in the background):
the batch is asked for only when that file is not cached. (A disk fast enough to read that
file before the look returns makes it look cached: little is lost on such a disk.)

Linux only (`RWF_NOWAIT`); elsewhere, and where the file system cannot tell whether a file
is cached, nothing is asked for. Only regular files are opened, and without waiting for a
writer (O_NONBLOCK: a FIFO that became one since it was listed).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from corpus_lint.document import MAX_FILE_BYTES

SUPPORTED = all(hasattr(os, name) for name in ("posix_fadvise", "preadv", "RWF_NOWAIT"))
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_OPEN_FLAGS |= getattr(os, "O_NOCTTY", 0)  # (each absent on Windows, where nothing is asked)

# Files looked at for one the worker reads (an empty file is always "cached").
_LOOKS = 4


def read_ahead(paths: Sequence[Path | str]) -> int:
    """Ask the kernel to read `paths` in the background if they are not cached; how many
    files were asked for (0: cached, or nothing to ask)."""
    if not SUPPORTED or not paths or _cached(paths[:_LOOKS]):
        return 0
    return sum(map(_ask, paths))


def _cached(paths: Sequence[Path | str]) -> bool:
    """Whether the first of `paths` the worker reads starts in the page cache (True too when
    that cannot be told: none to read, the file system cannot say, the files are gone)."""
    probe = bytearray(1)
    for path in paths:
        fd = _open_read(path)
        if fd is None:
            continue
        try:
            os.preadv(fd, [probe], 0, os.RWF_NOWAIT)
        except BlockingIOError:  # EAGAIN: its first page would have to come from storage
            return False
        except OSError:  # EOPNOTSUPP and the like: it cannot be told
            return True
        finally:
            os.close(fd)
        return True
    return True


def _ask(path: Path | str) -> int:
    """Ask the kernel to read the file in the background: 1 if asked, else 0."""
    fd = _open_read(path)
    if fd is None:
        return 0
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        return 0
    finally:
        os.close(fd)
    return 1


def _open_read(path: Path | str) -> int | None:
    """A descriptor of the file if the worker reads it (a regular file, neither empty nor
    over the limit), else None."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or not 0 < info.st_size <= MAX_FILE_BYTES:
            return None
        return os.open(path, _OPEN_FLAGS)
    except OSError:
        return None

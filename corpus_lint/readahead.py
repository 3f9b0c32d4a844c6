"""The files a run's workers will read next, read from storage ahead of them.

A file that is not in the operating system's page cache (a corpus larger than memory, the
first run after a reboot, a network mount) makes its worker wait for the disk, and a worker
asks for one small file at a time: a cold check of 100,000 files read from disk took 21 s
where the same check of cached files took 13 s. A thread of the parent process asks the
kernel to read the next files in the background (`posix_fadvise(POSIX_FADV_WILLNEED)`),
many at once, so that the disk works while the workers lint, and they find the files in
memory: 16 s.

Asking for a file costs 3.9 µs of CPU (0.4 s at 100,000 files), wasted on a cached one, the
usual case. So the files go in groups of WINDOW: the first file of a group is looked at with
a read that must not wait for the disk (`RWF_NOWAIT`), and the group is asked for only when
that file is not cached. The thread never runs more than `ahead` files past what the workers
have returned (what it reads must still be cached when they get there), reads nothing itself,
and opens only regular files, never blocking on one (O_NONBLOCK: a FIFO named on the command
line).

Linux only (`RWF_NOWAIT`); elsewhere, and where the file system cannot tell whether a file is
cached, nothing is read ahead.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Sequence
from pathlib import Path

from corpus_lint.document import MAX_FILE_BYTES

# Files a group: one look at the page cache for each, the whole group asked for if it missed.
WINDOW = 64

SUPPORTED = all(hasattr(os, name) for name in ("posix_fadvise", "preadv", "RWF_NOWAIT"))
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


class Readahead:
    """Reads `paths` ahead, in order, at most `ahead` files past the last one `consumed`;
    `stop()` ends it (it ends by itself past the last path)."""

    def __init__(self, paths: Sequence[Path | str], ahead: int) -> None:
        self._paths = paths
        self._ahead = ahead
        self._consumed = 0
        self._stopped = False
        self._changed = threading.Condition()
        # What it did, for the tests and benchmarks: groups looked at, files asked for.
        self.looked = self.asked = 0
        self._thread: threading.Thread | None = None
        if SUPPORTED and len(paths) > WINDOW:
            self._thread = threading.Thread(target=self._run, name="readahead", daemon=True)
            self._thread.start()

    def consumed(self, files: int) -> None:
        """The workers have returned the first `files` paths."""
        with self._changed:
            self._consumed = files
            self._changed.notify()

    def stop(self) -> None:
        """Stop, and wait for the thread (at most a few seconds: a hung file system)."""
        with self._changed:
            self._stopped = True
            self._changed.notify()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def _run(self) -> None:
        probe = bytearray(1)
        paths = self._paths
        for start in range(0, len(paths), WINDOW):
            with self._changed:
                while not self._stopped and start >= self._consumed + self._ahead:
                    self._changed.wait()
                if self._stopped:
                    return
            self.looked += 1
            if _cached(paths[start], probe):
                continue
            for path in paths[start : start + WINDOW]:
                if self._stopped:
                    return
                self.asked += _ask(path)


def _cached(path: Path | str, probe: bytearray) -> bool:
    """Whether the start of the file is in the page cache (or reading it ahead is not for
    this file: not a regular file, gone, unreadable, a file system that cannot tell)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return True
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return True
    try:
        os.preadv(fd, [probe], 0, os.RWF_NOWAIT)
    except BlockingIOError:  # EAGAIN: its first page would have to come from storage
        return False
    except OSError:  # EOPNOTSUPP and the like: it cannot be told
        return True
    finally:
        os.close(fd)
    return True


def _ask(path: Path | str) -> int:
    """Ask the kernel to read the file in the background: 1 if asked, else 0."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return 0  # not read by the workers either
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return 0
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        return 0
    finally:
        os.close(fd)
    return 1

"""Ctrl-C (SIGINT): the one policy every process of a run follows.

- The main process stops at the first Ctrl-C (KeyboardInterrupt, exit 130) and ignores every
  later one while it stops: a terminal's Ctrl-C reaches the whole process group, and wrappers
  such as `timeout` send another, which must not break the clean-up (a second interrupt inside
  the worker pool's shutdown left it waiting for ever).
- A process started with SIGINT ignored (`cmd &` in a script, nohup) keeps ignoring it, and the
  run checks everything.
- Worker processes ignore SIGINT: only the main process decides to stop, so a worker never
  turns an interrupt into files "checked" with nothing found.
- Blocks that must not be cut in two (starting or stopping worker processes, writing a fixed
  file) hold Ctrl-C until they end (`deferred`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# For the test suite only: "POINT:FOLDER" makes the run pause at POINT (see `pause`).
PAUSE_VARIABLE = "CORPUS_LINT_TEST_PAUSE"
_PAUSE_AT = os.environ.get(PAUSE_VARIABLE)  # read once: `pause` is called for every file


class WorkersDied(Exception):
    """A worker process died (killed, out of memory): the run could not check every file.
    (Defined here, not in `parallel`, so that catching it imports no multiprocessing.)"""


_stop_flag: Any = None  # in a worker process: set by the parent to cancel the work


def set_stop_flag(flag: Any) -> None:
    """In a worker process: the shared flag the parent sets to cancel the work."""
    global _stop_flag
    _stop_flag = flag


def stopping() -> bool:
    """In a worker process: has the run been cancelled? (Then stop before the next file.)"""
    return _stop_flag is not None and bool(_stop_flag.value)


def _stop(signal_number: int = signal.SIGINT, frame: object = None) -> None:
    """The main process's Ctrl-C: stop now, and ignore the ones that follow."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _acts_on_ctrl_c() -> bool:
    """Does Ctrl-C raise KeyboardInterrupt here (the main thread of a main process)?"""
    if threading.current_thread() is not threading.main_thread():
        return False  # signals are delivered to the main thread only
    return signal.getsignal(signal.SIGINT) in (_stop, signal.default_int_handler)


@contextmanager
def handled() -> Iterator[None]:
    """The main process's policy (see above), for the duration of a command."""
    if not _acts_on_ctrl_c():  # ignored when started (nohup, `&`): the run goes on
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, _stop)
    try:
        yield
    finally:
        # Once interrupted, the Ctrl-Cs that follow stay ignored until the process exits.
        if signal.getsignal(signal.SIGINT) is _stop:
            signal.signal(signal.SIGINT, previous)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold Ctrl-C until the block is done, then stop (KeyboardInterrupt). Processes forked
    meanwhile inherit the holding handler, so they are never interrupted before they set
    their own (`ignore`)."""
    if not _acts_on_ctrl_c():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    received: list[int] = []
    signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            _stop()


def ignore() -> None:
    """For worker processes (the main process handles Ctrl-C by stopping their work), and for
    the command line's process once its command is over."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def die_with_parent() -> None:
    """For worker processes (Linux): killed when the process that started them dies. Killed by
    SIGTERM or SIGKILL, the main process cancels nothing, and its workers went on fixing files
    for ever, orphans blocked on a pipe no one reads. (A file being written then is left whole:
    the fix writes a temporary file, renamed over it only once complete.)"""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def pause(point: str) -> None:
    """For the test suite: with CORPUS_LINT_TEST_PAUSE=POINT:FOLDER, create FOLDER/POINT.ready
    (holding the process id) at POINT and wait there until FOLDER/POINT.go exists, so a test
    can send signals at a racy point without depending on timing."""
    if not _PAUSE_AT:
        return
    name, _, folder = _PAUSE_AT.partition(":")
    if name != point:
        return
    Path(folder, f"{point}.ready").write_text(str(os.getpid()))
    go = Path(folder, f"{point}.go")
    deadline = time.monotonic() + 60  # a test that died must not leave the run waiting
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)

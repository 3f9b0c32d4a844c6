"""Ctrl-C (SIGINT) and SIGTERM: the one policy every process of a run follows.

- The main process stops at the first Ctrl-C (KeyboardInterrupt, exit 130) or SIGTERM (as
  `timeout`, `kill` and a cancelled CI job send it: exit 143), and ignores every later one
  while it stops: a terminal's Ctrl-C reaches the whole process group, and wrappers such as
  `timeout` send another, which must not break the clean-up (a second interrupt inside the
  worker pool's shutdown left it waiting for ever).
- A process started with SIGINT (or SIGTERM) ignored (`cmd &` in a script) keeps ignoring
  it, in its workers too, and the run checks everything.
- Worker processes ignore SIGINT: only the main process decides to stop, so a worker never
  turns an interrupt into files "checked" with nothing found. The main process stops them
  with a signal of its own (`cancellable_worker`), which ends a worker at once, in the middle
  of a file, except inside a block it must not cut in two; so does SIGTERM, unless ignored.
  A worker that ends so before the main process cancelled the run is one that died.
- Blocks that must not be cut in two (starting or stopping worker processes, writing a fixed
  file) hold Ctrl-C and SIGTERM until they end (`deferred`), in the main process and in a
  worker alike.
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


# The signals that stop a run: Ctrl-C, SIGTERM, and SIGHUP (the terminal closed, an ssh
# session lost), which ended the run unannounced.
_SIGHUP = getattr(signal, "SIGHUP", None)  # (not on Windows)
STOPS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, _SIGHUP) if s is not None)
_stopped_by = signal.SIGINT  # the one that stopped it (for the message and exit code)
_stop_raised = False  # whether `_stop` stopped the command (see `handled`)
_outer_unraisablehook = sys.unraisablehook  # the one `handled` replaces (`_unraisable`)
_resend: threading.Timer | None = None  # `_unraisable`'s signal to come, if any


def _stop(signal_number: int = signal.SIGINT, frame: object = None) -> None:
    """The main process's Ctrl-C or SIGTERM: stop now, and ignore the ones that follow (by a
    handler that does nothing, not SIG_IGN: a signal already pending, as when Ctrl-C and
    SIGTERM arrive together, found SIG_IGN and Python printed a traceback; `ignore` sets
    SIG_IGN later, once the pending ones ran)."""
    global _stopped_by, _stop_raised
    _stopped_by = signal.Signals(signal_number)
    _stop_raised = True
    for number in STOPS:
        if signal.getsignal(number) is not signal.SIG_IGN:
            signal.signal(number, _stopping)
    raise KeyboardInterrupt


def _unraisable(args: Any) -> None:
    """`sys.unraisablehook` during a command: `_stop`'s KeyboardInterrupt, when the signal came
    while Python ran a finalizer (a `__del__`, as Dask's futures have; a weakref callback),
    was printed there as "Exception ignored in" with a traceback, and dropped: the run went on
    to its end. It is raised again, silently, where it can stop the run: by the signal sent
    anew a moment later, from another thread (sent now, its handler would run inside this
    hook, still inside the finalizer), once the code the finalizer interrupted goes on."""
    global _resend
    if isinstance(args.exc_value, KeyboardInterrupt) and _stop_raised:
        if threading.current_thread() is threading.main_thread():
            signal.signal(_stopped_by, _stop)
            _resend = threading.Timer(0.01, os.kill, (os.getpid(), _stopped_by))
            _resend.start()
        return
    _outer_unraisablehook(args)


def _stopping(signal_number: int, frame: object) -> None:
    """A Ctrl-C or SIGTERM while the run stops: nothing more to do."""


def how_stopped() -> tuple[str, int]:
    """After a run stopped (KeyboardInterrupt): what to say, and its exit code (128 + the
    signal's number, as a shell reports a process the signal ended)."""
    words = {signal.SIGTERM: "terminated", _SIGHUP: "hung up"}
    return words.get(_stopped_by, "interrupted"), 128 + _stopped_by


def _handled_here() -> list[signal.Signals]:
    """The stopping signals this process acts on (the main thread of a main process, where
    each is not ignored: one ignored when the process started stays ignored)."""
    if threading.current_thread() is not threading.main_thread():
        return []  # signals are delivered to the main thread only
    acting = (_stop, signal.default_int_handler, signal.SIG_DFL)
    return [number for number in STOPS if signal.getsignal(number) in acting]


@contextmanager
def handled() -> Iterator[None]:
    """The main process's policy (see above), for the duration of a command."""
    global _stopped_by, _stop_raised, _outer_unraisablehook
    _stopped_by = signal.SIGINT  # (a KeyboardInterrupt not from `_stop` is Ctrl-C's)
    _stop_raised = False
    previous = {number: signal.getsignal(number) for number in _handled_here()}
    for number in previous:
        signal.signal(number, _stop)
    _outer_unraisablehook, sys.unraisablehook = sys.unraisablehook, _unraisable
    try:
        yield
        if _stop_raised:  # its KeyboardInterrupt was swallowed on the way (`except BaseException`)
            raise KeyboardInterrupt
    finally:
        sys.unraisablehook = _outer_unraisablehook
        if _resend is not None:  # the command is over: no signal of its own may come later
            _resend.cancel()
        # Once stopped, the signals that follow stay ignored until the process exits.
        for number, handler in previous.items():
            if signal.getsignal(number) is _stop:
                signal.signal(number, handler)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done, then stop (KeyboardInterrupt; in a
    worker process, its end: `cancellable_worker`). Processes forked meanwhile inherit the
    holding handler, so they are never interrupted before they set their own (`ignore`)."""
    global _holding
    if _worker_cancellable:
        _holding += 1
        try:
            yield
        finally:
            _holding -= 1
            if _cancelled and not _holding:
                os._exit(CANCELLED_EXIT)
        return
    previous = {number: signal.getsignal(number) for number in _handled_here()}
    received: list[int] = []
    for number in previous:
        signal.signal(number, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            _stop(received[0])


def ignore() -> None:
    """For worker processes (the main process handles Ctrl-C by stopping their work), and for
    the command line's process once its command is over. The signals are blocked meanwhile:
    one that arrived between `signal.signal`'s run of the pending handlers and SIG_IGN set
    made Python print "Signal 2 ignored due to race condition"; blocked, it stays pending,
    and is dropped once ignored."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS) if _MASKS else None
    try:
        for number in STOPS:
            signal.signal(number, signal.SIG_IGN)
    finally:
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


_MASKS = hasattr(signal, "pthread_sigmask")  # (not on Windows)


@contextmanager
def ctrl_c_kept_from_new_threads() -> Iterator[None]:
    """Block Ctrl-C (SIGINT) in this thread while the block runs, then take any that came.
    Threads started meanwhile keep it blocked for good, and so do the processes they start,
    forked or spawned (a blocked signal stays blocked across exec): for worker processes
    that others start for us (Dask's local cluster spawns its workers from a thread of its
    own), which must leave Ctrl-C to the main process as ours do. A terminal's Ctrl-C
    reaches the whole process group: each Dask worker printed a KeyboardInterrupt traceback.
    (SIGTERM is not blocked: it is how Dask stops its workers.)"""
    if not _MASKS:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# A worker process's cancellation (`cancellable_worker`).
CANCEL = signal.SIGUSR1  # what the main process sends its workers to stop them
CANCELLED_EXIT = 3
_worker_cancellable = False
_holding = 0  # how deep in `deferred` blocks the worker is
_cancelled = False  # told to stop while it held it


def cancellable_worker(sigterm_too: bool) -> None:
    """For worker processes: CANCEL (the main process stopping the run), and SIGTERM unless
    the run ignores it (`sigterm_too`: sent to the whole process group, or by the executor
    to the workers left when one died), end the worker at once, wherever it is in a file,
    except inside a `deferred` block (a fixed file being written), whose end it waits for.
    A worker only reads, except in such blocks, so nothing is left half-done; waiting for it
    to finish a large file made a Ctrl-C take seconds. (A signal of its own, not SIGTERM: a
    run started with SIGTERM ignored must ignore it in its workers too, and still stop them.)"""
    global _worker_cancellable
    _worker_cancellable = True
    signal.signal(CANCEL, _cancel_worker)
    if sigterm_too:
        signal.signal(signal.SIGTERM, _cancel_worker)


def handles_sigterm() -> bool:
    """Does this (main) process stop on SIGTERM? (Not when it was started with it ignored.)"""
    return signal.SIGTERM in _handled_here()


def _cancel_worker(signal_number: int, frame: object) -> None:
    global _cancelled
    if _holding:
        _cancelled = True
    else:
        os._exit(CANCELLED_EXIT)


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
    # Written under a name of its own (workers pause at once), then renamed: a test waiting
    # for the file reads it whole (it once read an empty file, made but not yet written).
    part = Path(folder, f"{point}.ready.{os.getpid()}")
    part.write_text(str(os.getpid()))
    os.replace(part, Path(folder, f"{point}.ready"))
    go = Path(folder, f"{point}.go")
    deadline = time.monotonic() + 60  # a test that died must not leave the run waiting
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)

"""The one process pool of a run: every stage that needs worker processes starts them here.

Forked with the parent's heap frozen, with Ctrl-C held while they start (see `interrupts`),
cancellable at once, even in the middle of a file, and a worker that dies is `WorkersDied`,
never a result.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import TYPE_CHECKING, Any

from corpus_lint import interrupts
from corpus_lint.interrupts import WorkersDied

# multiprocessing and concurrent.futures (0.02 s to import) are imported by a WorkerPool
# only: a pre-commit run's forked `Tasks` do without.
if TYPE_CHECKING:
    from concurrent.futures import Future


def worker_processes(jobs: int) -> int:
    """How many worker processes `--jobs` asks for: 0 means one per core."""
    return jobs if jobs > 0 else (os.cpu_count() or 1)


# Below this many files a worker, worker processes cost more than they save.
MIN_FILES_FOR_WORKERS = 200


def workers_for(files: int, workers: int) -> int:
    """How many of `workers` processes the analysis of this many files starts (1: none)."""
    return min(workers, max(1, files // MIN_FILES_FOR_WORKERS))


class WorkerPool:
    """The worker processes of one stage of a run: the one place that starts and stops them.

    - They are forked with the parent's heap frozen (`heap_frozen_for_fork`) and Ctrl-C held
      (`interrupts.deferred`): an interrupt never lands inside the executor's bookkeeping
      (one there left the run waiting for ever at exit), and a worker is never interrupted
      before it ignores SIGINT (`interrupts.ignore`, before the stage's own initializer).
    - `cancel` drops the queued work and stops the workers at once (a fixed file being
      written is finished first, never half-written: see `interrupts.cancellable_worker`),
      and waits for them, with Ctrl-C held, so no process is left behind.
    - A worker that dies is `WorkersDied`, never a result.
    """

    def __init__(
        self, workers: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
    ) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._stop = multiprocessing.RawValue("b", 0)  # shared with the forked workers
        sigterm = interrupts.handles_sigterm()  # (asked before `deferred` holds it)
        self._executor = ProcessPoolExecutor(
            workers,
            initializer=_start_worker,
            initargs=(self._stop, sigterm, initializer, initargs),
        )
        self._frozen = ExitStack()  # the heap stays frozen until the pool is closed
        self._frozen.enter_context(heap_frozen_for_fork())
        try:
            with interrupts.deferred():
                # The first task forks every worker now, while Ctrl-C is held (and before the
                # caller starts a thread: a fork copies no thread and can hang on its locks).
                self._wait(self._executor.submit(int))
                interrupts.pause("pool-start")
        except BaseException:  # Ctrl-C (held until now) or a worker that died at once
            self.cancel()
            raise

    def map(self, fn: Callable[..., Any], *iterables: Iterable, chunksize: int = 1) -> Iterator:
        """`Executor.map`: every task is queued now, the results come in order."""
        return self.starmap(fn, zip(*iterables), chunksize)

    def starmap(
        self, fn: Callable[..., Any], calls: Iterable[tuple], chunksize: int = 1
    ) -> Iterator:
        """`fn(*args)` for each args of `calls`, as `map`. (Not
        `Executor.map` itself: when an interrupt goes through its iterator, it cancels the
        futures left, in this thread, while the executor's thread may be failing them
        because a worker ended: on Python 3.10 and 3.11 that thread then dies with a
        traceback (InvalidStateError). Here only `cancel`, through the executor's thread,
        cancels them.)"""
        from concurrent.futures.process import BrokenProcessPool

        futures: list[Future] = []
        try:
            with interrupts.deferred():
                chunk: list[tuple] = []
                for args in calls:  # each chunk queued as soon as it is made
                    chunk.append(args)
                    if len(chunk) == chunksize:
                        futures.append(self._executor.submit(_call_each, fn, chunk))
                        chunk = []
                if chunk:
                    futures.append(self._executor.submit(_call_each, fn, chunk))
        except BrokenProcessPool:  # a worker died already
            raise WorkersDied(_DIED) from None
        return self._results(futures)

    def _results(self, futures: list[Future]) -> Iterator:
        futures.reverse()
        while futures:  # each result dropped once given
            yield from self._wait(futures.pop())

    def _wait(self, future: Future) -> Any:
        """The future's result; `WorkersDied` if a worker died meanwhile. Looked for once a
        second: the executor's thread does not see a worker die in the middle of sending a
        result (it waits for the rest of the message for ever), and the run waited with it.
        (The wait also lets a Ctrl-C that reached another thread be acted on.)"""
        from concurrent.futures import TimeoutError as NotYet
        from concurrent.futures.process import BrokenProcessPool

        try:
            while True:
                try:
                    return future.result(timeout=WORKERS_LOOKED_AT_SECONDS)
                except NotYet:
                    processes = (self._executor._processes or {}).values()
                    if any(process.exitcode is not None for process in processes):
                        raise WorkersDied(_DIED) from None
        except BrokenProcessPool:
            raise WorkersDied(_DIED) from None

    def close(self) -> None:
        with interrupts.deferred():
            self._executor.shutdown(wait=True)
            self._frozen.close()

    def cancel(self) -> None:
        with interrupts.deferred():
            self._stop.value = 1
            processes = list((self._executor._processes or {}).values())
            manager = getattr(self._executor, "_executor_manager_thread", None)  # shutdown drops it
            results = getattr(self._executor, "_result_queue", None)  # and this
            self._executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:  # ends each at once, or once its fixed file is written
                if process.exitcode is None:  # (not reaped: its process id is still its own)
                    with suppress(ProcessLookupError):
                        os.kill(process.pid, interrupts.CANCEL)
            # One stuck past the grace period (in a system call on a hung network file
            # system) is killed, so that stopping never waits for ever.
            deadline = time.monotonic() + CANCEL_GRACE_SECONDS
            for process in processes:
                process.join(max(0.0, deadline - time.monotonic()))
            for process in processes:
                if process.is_alive():
                    process.kill()
                    process.join()
            # A worker ended (cancelled or killed) while it sent a result left the executor's
            # thread waiting for the rest of the message, and the run waiting for it at exit:
            # no process writes any more, so this end of the pipe closed here ends the wait.
            if results is not None:
                with suppress(OSError):
                    results._writer.close()
            self._executor.shutdown(wait=True)
            # Its manager thread ended too: at exit, concurrent.futures wakes each one still
            # running through a pipe the thread may be closing (a "Bad file descriptor"
            # traceback after "interrupted", about one run in five killing a stuck worker).
            if manager is not None:
                manager.join(CANCEL_GRACE_SECONDS)
            self._frozen.close()


# How often a wait for a worker's result looks for a worker that died.
WORKERS_LOOKED_AT_SECONDS = 1.0

# How long a cancelled worker may take to end (finish writing a fixed file) before it is killed.
CANCEL_GRACE_SECONDS = 5.0

WORKER_DIED = "a worker process died (killed, or out of memory?)"
_DIED = f"{WORKER_DIED}; not checked"


@contextmanager
def process_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
) -> Iterator[WorkerPool]:
    """A `WorkerPool` for the block: cancelled on Ctrl-C or an error, else closed."""
    pool = WorkerPool(workers, initializer, initargs)
    try:
        yield pool
    except BaseException:
        pool.cancel()
        raise
    pool.close()


def _start_worker(
    stop: Any, sigterm: bool, initializer: Callable[..., None] | None, initargs: tuple
) -> None:
    gc.enable()  # a worker collects its garbage, even if forked while the parent paused its own
    interrupts.ignore()
    interrupts.cancellable_worker(sigterm_too=sigterm)
    interrupts.die_with_parent()
    interrupts.set_stop_flag(stop)
    if initializer is not None:
        initializer(*initargs)


@contextmanager
def heap_frozen_for_fork() -> Iterator[None]:
    """Keep the objects that exist now out of the garbage collector while worker processes
    are forked and run: a worker's collector would otherwise visit, and so copy, every page
    of the parent's heap (hundreds of MB in the corpus stage of a large run).

    Objects frozen before stay frozen after, with those made meanwhile: whoever froze them
    sees them again (the engine, at the end of a run). Unfreezing them here, when the corpus
    stage's verification closed its pool, set the next full collection over every file's
    result and entry (0.47 s of a cold run over 100,000 files)."""
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_before:
            gc.unfreeze()


class Tasks:
    """A few calls, one a worker process, begun at once; `results()` waits for them (in
    order), `cancel()` stops them. For the corpus walk of a pre-commit run, begun at its
    start: on Linux each worker is forked straight from this process and sends its result
    back through a pipe, with no executor, queue or thread here (a `WorkerPool` and the
    imports of multiprocessing and concurrent.futures cost this process 0.05-0.08 s of CPU);
    elsewhere (no fork, or fork unsafe: macOS) a `WorkerPool` runs them.

    As with a `WorkerPool`: forked with the heap frozen and Ctrl-C held; a worker ignores
    Ctrl-C (the parent cancels); a worker that dies is `WorkersDied`, never a result. The
    caller must not fork other processes until they are over.
    """

    FORKED = hasattr(os, "fork") and sys.platform.startswith("linux")

    def __init__(self, fn: Callable[..., Any], calls: list[tuple], died: str = _DIED) -> None:
        self._died = died  # the message of the `WorkersDied` a dead worker raises
        self._children: list[tuple[int, int]] = []  # (process id, read end of its pipe)
        self._pool: WorkerPool | None = None
        self._pending: Iterator | None = None
        self._frozen = ExitStack()  # forked: the heap stays frozen until they are over
        if not self.FORKED:
            self._pool = WorkerPool(len(calls))
            self._pending = self._pool.starmap(fn, calls)
            return
        self._frozen.enter_context(heap_frozen_for_fork())
        try:
            with interrupts.deferred():
                for args in calls:
                    read, write = os.pipe()
                    try:
                        pid = os.fork()
                    except BaseException:  # no more processes: this pipe is no child's
                        os.close(read)
                        os.close(write)
                        raise
                    if pid == 0:  # the worker: never returns
                        os.close(read)
                        _run_forked(fn, args, write)
                    os.close(write)
                    self._children.append((pid, read))
        except BaseException:  # Ctrl-C (held until now), or no more processes
            self.cancel()
            raise

    @property
    def pids(self) -> list[int]:
        return [pid for pid, _ in self._children]

    def results(self) -> list[Any]:
        if self._pool is not None:
            try:
                values = list(self._pending or ())
            except BaseException:
                self.cancel()
                raise
            self._pool.close()
            self._pool = None
            return values
        try:
            sent = [_read_to_end(read) for _, read in self._children]
        except BaseException:  # Ctrl-C while waiting
            self.cancel()
            raise
        if not all(status == 0 for status in self._close(kill=False)) or not all(sent):
            raise WorkersDied(self._died)
        try:
            values = [pickle.loads(data) for data in sent]
        except Exception:  # cut short: a worker killed while it wrote (its status unknown)
            raise WorkersDied(self._died) from None
        for done, value in values:
            if not done:
                raise value  # the worker's exception, as a pool's map raises it
        return [value for _, value in values]

    def cancel(self) -> None:
        if self._pool is not None:
            self._pool.cancel()
            self._pool = None
        self._close(kill=True)

    def _close(self, kill: bool) -> list[int]:
        """Each worker's wait status, once it has exited (killed first if `kill`: a worker
        that only reads leaves nothing half-written)."""
        statuses = []
        with interrupts.deferred():
            for pid, read in self._children:
                if kill:
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                os.close(read)
                try:
                    statuses.append(os.waitpid(pid, 0)[1])
                except ChildProcessError:  # reaped by another (a SIGCHLD handler): its data tells
                    statuses.append(0)
            self._children = []
            self._frozen.close()
        return statuses


def _run_forked(fn: Callable[..., Any], args: tuple, write: int) -> None:
    """A forked worker of `Tasks`: the call's (done, result or exception), pickled to the
    pipe; the process ends here (os._exit: nothing of the parent's runs again)."""
    code = 1
    try:
        interrupts.ignore()
        interrupts.die_with_parent()
        gc.enable()  # as a WorkerPool's worker (see `_start_worker`)
        try:
            value: tuple = (True, fn(*args))
        except Exception as exc:
            value = (False, exc)
        with open(write, "wb") as pipe:
            pipe.write(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
    finally:
        os._exit(code)


def _call_each(fn: Callable[..., Any], calls: list[tuple]) -> list[Any]:
    """A chunk of `WorkerPool.map`'s calls, in a worker."""
    return [fn(*args) for args in calls]


def _read_to_end(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)

"""The one process pool of a run: every stage that needs worker processes starts them here.

Forked with the parent's heap frozen, with Ctrl-C held while they start (see `interrupts`),
cancellable between two files, and a worker that dies is `WorkersDied`, never a result.
"""

from __future__ import annotations

import gc
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from typing import Any

from corpus_lint import interrupts
from corpus_lint.interrupts import WorkersDied, stopping  # noqa: F401  (re-exported)


class WorkerPool:
    """The worker processes of one stage of a run: the one place that starts and stops them.

    - They are forked with the parent's heap frozen (`heap_frozen_for_fork`) and Ctrl-C held
      (`interrupts.deferred`): an interrupt never lands inside the executor's bookkeeping
      (one there left the run waiting for ever at exit), and a worker is never interrupted
      before it ignores SIGINT (`interrupts.ignore`, before the stage's own initializer).
    - `cancel` drops the queued work, tells the workers to stop between two files (the file
      in hand is finished, never half-written: see `stopping`) and waits for them, with
      Ctrl-C held, so no process is left behind.
    - A worker that dies is `WorkersDied`, never a result.
    """

    def __init__(
        self, workers: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
    ) -> None:
        self._stop = multiprocessing.RawValue("b", 0)  # shared with the forked workers
        self._executor = ProcessPoolExecutor(
            workers, initializer=_start_worker, initargs=(self._stop, initializer, initargs)
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
        try:
            with interrupts.deferred():
                results = self._executor.map(fn, *iterables, chunksize=chunksize)
        except BrokenProcessPool:
            raise WorkersDied(_DIED) from None
        return self._checked(results)

    def _checked(self, results: Iterator) -> Iterator:
        try:
            yield from results
        except BrokenProcessPool:
            raise WorkersDied(_DIED) from None

    def _wait(self, future: Future) -> Any:
        try:
            return future.result()
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
            self._executor.shutdown(wait=False, cancel_futures=True)
            # A worker finishes its file in hand; one stuck past the grace period (a hung
            # network file system) is killed, so that stopping never waits for ever.
            deadline = time.monotonic() + CANCEL_GRACE_SECONDS
            for process in processes:
                process.join(max(0.0, deadline - time.monotonic()))
            for process in processes:
                if process.is_alive():
                    process.kill()
            self._executor.shutdown(wait=True)
            self._frozen.close()


# How long a cancelled worker may take to finish the file in hand before it is killed.
CANCEL_GRACE_SECONDS = 5.0

_DIED = "a worker process died (killed, or out of memory?); not checked"


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


def _start_worker(stop: Any, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    gc.enable()  # a worker collects its garbage, even if forked while the parent paused its own
    interrupts.ignore()
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

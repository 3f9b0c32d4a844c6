"""`--executor dask`: the whole check on a Dask cluster; only diagnostics come back.

This module is the executor only: the task graph, the client and the diagnosis of failures.
Each task runs the stage functions the local executor runs (see the README's "Large
corpora"). The file list, in path order, is cut into partitions; a document's id is its
position in that order, so "the first by path order" is "the smallest id". Every arrow below
is a set of Dask tasks:

1. analyse: a task reads each file of its partition once (`sources.read_source`: a local
   path or an fsspec URL), runs the per-document rules (`analysis.read_and_lint`) and
   computes the file's corpus features (`analysis.corpus_features`). The diagnostics go to
   the client; the features stay on the worker.
2. band shuffle: each partition emits one row per (document, LSH band), (band, band key
   (`minhash.signature_band_keys`), id), and one (normalised-text hash, id) row per
   document, split into `buckets` parts by key; band bucket j gathers the j-th part of every
   partition, so each holds 1/buckets of the LSH index and no process holds all of it.
3. band buckets: equal (band, key) rows give candidate pairs (`minhash.candidate_pairs`);
   equal text hashes give the same-text groups (DUP003). Pairs are split by pair hash.
4. pair buckets: each gathers its pairs from every band bucket and de-duplicates them.
5. select: each partition sends a pair bucket the features of its documents that the
   bucket's pairs name.
6. verify: the corpus stage's decision (`dedup.corpus.worth_verifying`: pairs with the same
   text are skipped, pairs whose estimated Jaccard is far below the threshold are pruned),
   then the exact Jaccard of the two files reread (`dedup.corpus.current_shingle_sets`).
7. clusters, on the client: the groups and verified pairs become duplicate clusters by the
   corpus stage's own functions (`dedup.clusters.form_clusters`,
   `dedup.corpus.cluster_diagnostics`); pairs a keeper needs that no bucket verified are
   verified by one more task.
8. BP005 (repeated lines, `dedup.lines`): each partition sends its (line hash, text id) rows
   to one counting task, which keeps the lines held by at least `min-documents` documents;
   each partition then reports its documents' lines among them.

Dask is imported only here, and only when this executor runs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import uuid
import warnings
from collections.abc import Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from corpus_lint import interrupts
from corpus_lint.analysis import BATCH_FILES, Job, corpus_features, read_and_lint
from corpus_lint.config import Settings, is_url
from corpus_lint.document import Document, DocumentError, display, may_follow
from corpus_lint.engine import Result, count_corpus_fixes
from corpus_lint.files import SKIPPED_DIRS, excluded_relative, ignored_for_file, included_relative
from corpus_lint.packs import Packs
from corpus_lint.parallel import worker_processes, workers_for
from corpus_lint.progress import Progress
from corpus_lint.readahead import read_ahead
from corpus_lint.rule import Context, Diagnostic, Rule, sort_diagnostics
from corpus_lint.sources import Source, read_source

if TYPE_CHECKING:
    from corpus_lint.dedup.features import Features

# corpus-lint is not on PyPI: its `dask` extra is these two packages.
INSTALL_HINT = "pip install 'dask[distributed]>=2023.1' 'fsspec>=2023.1'"
# Files per analysis task: enough to amortise a task (a few ms of scheduling), few enough
# that a partition's features are small and every worker gets several partitions.
MAX_PARTITION_FILES = 2000
MIN_PARTITION_FILES = 64
MAX_PARTITIONS = 1000
PARTITIONS_PER_WORKER = 4
MAX_BUCKETS = 1024
BUCKET_ROWS = 4_000_000
# Seconds to reach a scheduler given with --scheduler, and for it to answer, before giving up.
CONNECT_SECONDS = 10
CONNECT_TIMEOUT = f"{CONNECT_SECONDS}s"
# A run stopped by dying workers checks the partition again NARROW_FILES at a time, then
# one file at a time, to name the file (`_fatal_file`); each task may take this long.
NARROW_FILES = 32
NARROW_TIMEOUT = 300
_MIX = 0x9E3779B97F4A7C15
_SILENT = logging.CRITICAL + 1  # a logging level no message has


class ExecutorError(Exception):
    """The cluster cannot run the check: a one-line message, exit 2."""


class FileFailed(Exception):
    """An unexpected error on a worker while it checked a file; the message names the file."""


@dataclass
class Stats:
    """What the last Dask run did; the tests and the benchmark read it."""

    workers: int = 0
    partitions: int = 0
    buckets: int = 0
    tasks: int = 0
    candidates: int = 0  # distinct candidate pairs from the band shuffle
    verified: int = 0  # pairs whose exact Jaccard was computed


last_stats = Stats()


# --- the client side -------------------------------------------------------------------------


def run_on_dask(
    targets: list[Path],
    urls: list[str],
    rules: dict[str, Rule],
    packs: Packs,
    settings: Settings,
    scheduler: str | None,
    progress: bool,
    count_fixes: bool = False,
    links: frozenset[str] = frozenset(),
    workers: int = 0,
) -> tuple[Result, list[str]]:
    """Check local `targets` and the files under `urls` on a Dask cluster, as `engine.run`
    does with no corpus besides them. Returns the result and the files checked (shown); with
    `count_fixes`, its `fixable` counts what the local executor's `--fix` would fix, as
    `engine.run` counts it (each file fixed in memory, on the workers). `links`: the
    targets named on the command line that are symbolic links (`Options.links`). `workers`:
    the worker processes of the local cluster started without a `scheduler` (0: a core
    each)."""
    global last_stats
    last_stats = Stats()
    result = Result(fixable=(0, 0) if count_fixes else None)
    sources = [Source(os.path.abspath(t), display(t), may_follow(t, links)) for t in targets]
    keys = [t.as_posix() for t in targets]
    roots = []
    for url in urls:
        root, listed = list_url(url, settings, result.errors, result.warnings)
        roots.append(root)
        sources.extend(Source(u, u) for u in listed)
        keys.extend(listed)
    settings = replace(settings, url_roots=tuple(roots))  # per-file-ignores' globs match below
    sources = [s for _, s in sorted(zip(keys, sources), key=lambda ks: ks[0])]
    document_rules = tuple(r for r in rules.values() if not r.corpus)
    corpus_rules = {r.code: r for r in rules.values() if r.corpus}
    exclusion = None
    if corpus_rules:
        from corpus_lint.dedup import shingle_exclusion

        exclusion = shingle_exclusion(document_rules, packs)
    job = Job(
        document_rules,
        Context(packs),
        settings.near_duplicate if corpus_rules else None,
        settings=settings,
        count_fixes=count_fixes,
        exclusion=exclusion,
        boilerplate=settings.boilerplate if corpus_rules else None,
    )
    # A local cluster of as many workers as the local executor would start (`--jobs`, one a
    # core by default, none past one a MIN_FILES_FOR_WORKERS files): `--jobs 64` on two
    # cores and two files started 64 processes.
    size = worker_processes(workers)
    if not urls:
        size = workers_for(len(targets), size)
    with _client(scheduler, size) as client:
        diagnostics = _run(client, sources, job, corpus_rules, settings, result, progress)
    result.diagnostics = sort_diagnostics(
        d for d in diagnostics if not ignored_for_file(d, settings)
    )
    if result.fixable is not None and corpus_rules:
        count_corpus_fixes(result, set(corpus_rules))
    return result, [s.shown for s in sources]


def list_url(
    url: str, settings: Settings, errors: list[str], warnings: list[str] | None = None
) -> tuple[str, list[str]]:
    """The files under an fsspec URL that `include`/`exclude` pick, as URLs, in path order,
    and the URL they are listed under, as their URLs begin.

    Globs match the path relative to the URL given, as they match paths relative to the
    configuration folder locally. As a local walk, it follows no symbolic link (a link to a
    corpus file was its own DUP003 copy) and skips what is not a regular file, with a
    warning (a named pipe's read never returns).
    """
    try:
        import fsspec

        fs, root = fsspec.core.url_to_fs(url)
        root = root.rstrip("/")
        if fs.isfile(root):  # a file given: its name is below its folder
            return fs.unstrip_protocol(root.rsplit("/", 1)[0]), [url]
        if not fs.isdir(root):
            errors.append(f"{url}: no such file or directory")
            return url, []
        found = fs.find(root, detail=True)
    except ImportError as exc:  # an fsspec back-end that is not installed (s3fs, gcsfs)
        errors.append(f"{url}: {exc}")
        return url, []
    except Exception as exc:  # the storage's own errors (credentials, network) vary
        errors.append(f"{url}: cannot list: {exc}")
        return url, []
    listed = []
    for path, info in found.items():
        relative = path[len(root) + 1 :] if path.startswith(root + "/") else path
        parts = relative.split("/")
        if any(part in SKIPPED_DIRS for part in parts[:-1]):
            continue
        if excluded_relative(relative, settings) or not included_relative(relative, settings):
            continue
        if info.get("islink"):
            continue
        if info.get("type", "file") != "file":  # a named pipe, a socket, a device
            if warnings is not None:
                warnings.append(f"{fs.unstrip_protocol(path)}: not a regular file, not linted")
            continue
        listed.append(fs.unstrip_protocol(path))
    return fs.unstrip_protocol(root), sorted(listed)


@contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client of the scheduler at `scheduler`, or of a local cluster of `workers` worker
    processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorError(f"the dask executor needs Dask: {INSTALL_HINT}") from None
    _quiet_dask_logging()
    if scheduler:
        try:
            _reachable(scheduler)
            _answers_as_dask(scheduler)
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except Exception as exc:  # refused, timed out, malformed address: all one message
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ExecutorError(
                f"--scheduler {scheduler}: cannot reach the Dask scheduler ({reason})"
            ) from None
        try:
            yield client
        finally:
            with interrupts.deferred():  # see below
                client.close()
        return
    cluster = client = None
    try:
        # Ctrl-C and SIGTERM wait for the cluster to be up, then stop the run (`deferred`):
        # cut inside its start, the cluster was left half made, and distributed's clean-up
        # at exit printed an AssertionError. Its thread, which spawns the workers, starts
        # with Ctrl-C blocked, so they never see one (`interrupts`). The first spawn starts
        # multiprocessing's resource tracker, which unblocks Ctrl-C in the thread that
        # starts it (bpo-33613): started first, here.
        if os.name == "posix":  # (elsewhere no mask, and no tracker to start: Windows)
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
        with (
            interrupts.deferred(),
            interrupts.ctrl_c_kept_from_new_threads(),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")  # "port in use" and the like: not the user's concern
            try:
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,  # the rules' pattern timeouts are per process
                    processes=True,
                    dashboard_address=None,
                    silence_logs=_SILENT,
                )
            except Exception as exc:  # a worker killed while it starts: "Nanny failed to start."
                reason = _first_cause(exc)
                raise ExecutorError(f"cannot start a local Dask cluster ({reason})") from None
            client = Client(cluster, set_as_default=False)
            interrupts.pause("dask-cluster-started")
        yield client
    finally:
        # Ctrl-C and SIGTERM wait for the close too: cut inside it, the cluster was closed
        # again by distributed at exit, which waited 10 s for its half-closed workers.
        with interrupts.deferred():
            interrupts.pause("dask-closing")
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()


def _first_cause(exc: BaseException) -> str:
    """The innermost message of a chain ("Cluster failed to start" wraps the nanny's)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _reachable(address: str) -> None:
    """Fail at once on a TCP address nothing listens on (the client would retry until its
    timeout); other addresses are left to the client."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls"):
        return
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or not port:
        raise ValueError("expected an address like tcp://host:8786")
    with socket.create_connection((parts.hostname, port), timeout=5):
        pass


def _answers_as_dask(address: str) -> None:
    """Fail within CONNECT_SECONDS on an address that takes the connection but does not answer
    as a Dask scheduler (a web server, a wedged scheduler): the client would wait for it
    without a limit, deaf to Ctrl-C. Asks for its identity, as `dask` tools do."""
    import asyncio

    from distributed.comm import connect
    from distributed.security import Security

    # TLS as the client would have it (Dask's configuration: distributed.comm.tls.*).
    security = Security().get_connection_args("client")

    async def identity() -> object:
        comm = await connect(address, timeout=CONNECT_TIMEOUT, **security)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        reply = asyncio.run(asyncio.wait_for(identity(), CONNECT_SECONDS))
    except (asyncio.TimeoutError, TimeoutError):
        reply = None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise OSError(f"it took the connection but gave no Dask answer within {CONNECT_SECONDS} s")


def _quiet_dask_logging() -> None:
    """A user sees corpus-lint's output, not distributed's warnings (a worker restarted, a
    task retried): the errors that matter reach them as corpus-lint's own messages."""
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(_SILENT)


def _partitions(sources: list[Source], workers: int) -> list[tuple[int, list[Source]]]:
    size = math.ceil(len(sources) / max(1, workers * PARTITIONS_PER_WORKER))
    size = max(MIN_PARTITION_FILES, min(MAX_PARTITION_FILES, size))
    # The shuffle takes partitions x buckets tasks: past MAX_PARTITIONS, partitions grow.
    size = max(size, math.ceil(len(sources) / MAX_PARTITIONS))
    return [(start, sources[start : start + size]) for start in range(0, len(sources), size)]


def _run(
    client: Any,
    sources: list[Source],
    job: Job,
    corpus_rules: dict[str, Rule],
    settings: Settings,
    result: Result,
    progress: bool,
) -> list[Diagnostic]:
    """Submit every stage's tasks at once, then collect what comes back as tasks finish."""
    import operator

    from corpus_lint.dedup.corpus import config_key
    from corpus_lint.dedup.minhash import band_salt, lsh_params

    if not sources:
        return []
    workers = sum(client.nthreads().values())  # tasks the cluster runs at once
    if not workers:  # the tasks would wait forever
        raise ExecutorError("the Dask scheduler has no workers: start some with `dask worker`")
    parts = _partitions(sources, workers)
    last_stats.workers, last_stats.partitions = workers, len(parts)
    submit = client.submit
    described: dict[str, str] = {}  # task key -> what it was doing, for error messages
    wanted: list[Any] = []  # futures whose results come back: (kind, future)
    others: list[Any] = []  # futures whose results stay on the workers
    near = settings.near_duplicate
    # Every key of the run is its own (the later tasks' keys hash the first ones'): runs on
    # one scheduler share no task, so stopping one (its tasks are cancelled by key) cannot
    # cancel another's.
    run = uuid.uuid4().hex[:12]
    # The job as a task, not scattered data: data scattered to the workers is lost for good
    # when the only worker holding it dies (one was still restarting when it was scattered),
    # and Dask then cancels every task that needs it; a task's result is computed again.
    job_future = submit(_given, job, key=f"corpus-lint-job-{run}", pure=False)
    analysed = []
    for index, (first, part) in enumerate(parts):
        key = f"corpus-lint-analyse-{run}-{index}"
        described[key] = _describe_files(part)
        analysed.append(submit(_analyse, first, part, job_future, key=key, pure=False))
    reports = [submit(operator.itemgetter(0), a) for a in analysed]
    features = [submit(operator.itemgetter(1), a) for a in analysed]
    wanted += [("report", f) for f in reports]
    others += analysed + features
    line_rules = [r for r in corpus_rules.values() if r.needs_line_counts]
    corpus_rules = {c: r for c, r in corpus_rules.items() if not r.needs_line_counts}
    if line_rules:  # BP005: each partition's line rows, counted by one task, then reported
        minimum = settings.boilerplate.min_documents
        holders = [submit(_line_rows, f) for f in features]
        counts = submit(_line_counts, minimum, *holders)
        reported = [submit(_line_diagnostics, f, counts, line_rules, minimum) for f in features]
        others += [*holders, counts]
        wanted += [("lines", r) for r in reported]
    if corpus_rules:
        bands, rows = (0, 0)
        if any(rule.needs_pairs for rule in corpus_rules.values()):
            bands, rows = lsh_params(near.threshold, near.num_perm)
        salt = band_salt(config_key(near, job), bands, rows)
        # Enough buckets to verify on every worker at once, and for the rows of one to stay
        # small (BUCKET_ROWS rows of 22 bytes, sorted in place).
        needed = math.ceil(len(sources) * bands / BUCKET_ROWS)
        buckets = max(1, min(MAX_BUCKETS, max(workers, needed)))
        last_stats.buckets = buckets
        named = frozenset(p for entry in near.allow for p in entry.paths)
        splits = [
            submit(_band_rows, f, bands, rows, salt, near.num_perm, buckets, named)
            for f in features
        ]
        band_buckets = []
        for j in range(buckets):
            parts_j = [submit(operator.itemgetter(j), s) for s in splits]
            others += parts_j
            band_buckets.append(submit(_band_bucket, buckets, *parts_j))
        others += splits + band_buckets
        found = [submit(operator.itemgetter(0), b) for b in band_buckets]
        wanted += [("found", f) for f in found]
        if bands:
            for k in range(buckets):
                pieces = [submit(operator.itemgetter(k + 1), b) for b in band_buckets]
                pairs = submit(_merge_pairs, *pieces)
                chosen = [submit(_select, f, pairs) for f in features]
                verified = submit(_verify, pairs, near, *chosen)
                others += [*pieces, pairs, *chosen]
                wanted.append(("verified", verified))
    last_stats.tasks = len(others) + len(wanted)
    partitions = {a.key: part for a, (_, part) in zip(analysed, parts)}
    try:
        alike = _Alike()
        found = _collect(client, wanted, others, described, result, progress, alike)
        if corpus_rules:
            found += _clusters(client, alike, corpus_rules, near, settings)
        return found
    except _TaskFailed as failed:
        # A task whose input failed may be the first to report, without the cause: blame
        # the failed partitions if there are some.
        causes = [(a.key, _exception(a)) for a in analysed if a.status == "error"]
        causes = [(key, exc) for key, exc in causes if exc is not None]
        causes = causes or [(failed.future.key, failed.exception)]
        client.cancel([f for _, f in wanted] + others)
        for key, exc in causes:
            if type(exc).__name__ == "KilledWorker" and key in partitions:
                # Dask blames every task that was on a dying worker: try each partition.
                # The job as an object: its scattered copy may have died with the workers.
                file = _fatal_file(client, partitions[key], job)
                if file is not None:
                    raise ExecutorError(_failure(exc, key, described, file)) from None
        key, exc = causes[0]
        raise ExecutorError(_failure(exc, key, described)) from None


def _describe_files(part: list[Source]) -> str:
    if len(part) == 1:
        return f"checking {part[0].shown}"
    return f"checking the {len(part)} files from {part[0].shown} to {part[-1].shown}"


def _collect(
    client: Any,
    wanted: list[tuple[str, Any]],
    others: list[Any],
    described: dict[str, str],
    result: Result,
    progress: bool,
    alike: _Alike,
) -> list[Diagnostic]:
    """Wait for every task, drawing progress; the first failure stops the run. The
    documents found alike are gathered in `alike`."""
    from distributed import as_completed

    kinds = {f.key: kind for kind, f in wanted}
    reports: dict[str, Any] = {}
    diagnostics: list[Diagnostic] = []
    lines: list[Diagnostic] = []  # BP005's
    futures = [f for _, f in wanted] + others
    released: set[str] = set()  # keys of the futures collected and let go
    with Progress("Checking on the cluster", len(futures), progress, unit="tasks") as line:
        try:
            completed = as_completed(futures, loop=client.loop)
            for future in completed:
                if future.status in ("error", "cancelled"):
                    exception = _exception(future)
                    if exception is not None:
                        raise _TaskFailed(future, exception)
                if future.status != "finished":  # its result was lost with a worker: computed again
                    completed.add(future)
                    continue
                line.advance()
                kind = kinds.get(future.key)
                if kind == "report":
                    reports[future.key] = future.result()
                elif kind == "found":
                    alike.groups.extend(future.result())
                elif kind == "lines":
                    lines.extend(future.result())
                elif kind == "verified":
                    found, named, candidates, verified = future.result()
                    alike.pairs.extend(found)
                    alike.docs.update((d.id, d) for d in named)
                    last_stats.candidates += candidates
                    last_stats.verified += verified
                released.add(future.key)  # first: a Ctrl-C between must not cancel it
                future.release()
                interrupts.pause("dask-task-done")
        except _TaskFailed:
            raise  # the caller looks at the failed tasks before it cancels the others
        except BaseException:  # Ctrl-C
            # Not the released ones: the scheduler fails an assertion on a task its client no
            # longer wants, and asyncio printed that traceback at exit.
            client.cancel([f for f in futures if f.key not in released])
            raise
    for kind, future in wanted:  # in partition order: errors and warnings as the local run
        if kind == "report":
            report = reports[future.key]
            diagnostics.extend(report.diagnostics)
            result.errors.extend(report.errors)
            result.warnings.extend(report.warnings)
            result.files_checked += report.files_checked
            result.files_skipped += report.files_skipped
            if result.fixable is not None:
                result.fixable = tuple(map(sum, zip(result.fixable, report.fixable)))
    return diagnostics + lines


@dataclass
class _Alike:
    """What the verification tasks sent back: same-text groups and verified pairs (by
    document id), and the documents they name."""

    groups: list[list[_Doc]] = field(default_factory=list)
    pairs: list[tuple[int, int, float]] = field(default_factory=list)
    docs: dict[int, _Doc] = field(default_factory=dict)


def _clusters(
    client: Any, alike: _Alike, rules: dict[str, Rule], near: Any, settings: Settings
) -> list:
    """The cluster step, on the client, as the local corpus stage takes it
    (`dedup.clusters.form_clusters`, a file outside the configured corpus keeping none of
    it); pairs it needs verified are verified by a task."""
    from corpus_lint.dedup.clusters import Allowed, form_clusters, rank, real_location
    from corpus_lint.dedup.corpus import cluster_diagnostics, outside_corpus, shown_of

    docs = alike.docs
    for group in alike.groups:
        docs.update((d.id, d) for d in group)
    if not docs and not near.allow:
        return []
    shown = {
        id: shown_of(d.source.shown, d.source.location, d.features.content, d.features)
        for id, d in docs.items()
    }
    ranks = {id: rank(near.keep, s.keeping) for id, s in shown.items()}
    if settings.corpus:
        locations = {id: d.source.location for id, d in docs.items()}
        outside = outside_corpus(locations, settings.corpus, settings.root)
        ranks = {id: (id in outside, *key) for id, key in ranks.items()}
    groups = [[d.id for d in group] for group in alike.groups]
    allow = Allowed(
        near.allow,
        {id: (d.source.location, real_location(d.source.location)) for id, d in docs.items()},
    )

    def verify(needed: list[tuple[int, int]]) -> dict:
        listed = [(docs[a], docs[b]) for a, b in needed]
        future = client.submit(_verify_listed, listed, near.shingle_size, pure=False)
        try:
            return {(a, b): value for a, b, value in future.result()}
        finally:
            future.release()

    clusters = form_clusters(ranks, alike.pairs, groups, near.threshold, verify, allow)
    # Judged only when the near pairs were sought (as `dedup.corpus._Stage` judges it).
    judged = any(rule.needs_pairs for rule in rules.values())
    stale = allow.stale(alike.pairs, groups, near.threshold) if judged else []
    return cluster_diagnostics(clusters, shown, rules, near, lambda id: True, stale)


class _TaskFailed(Exception):
    """A task of the run failed (`_collect` stops at the first)."""

    def __init__(self, future: Any, exception: BaseException) -> None:
        self.future, self.exception = future, exception


def _fatal_file(client: Any, part: list[Source], job: Job) -> Source | None:
    """The file of a partition that workers die on, if one does.

    A partition's task can die for a reason of its own (memory filled by many tasks at
    once), and tasks that shared its worker are blamed with it. So the partition is checked
    again, alone on the cluster, a few files per task and then one file per task: the task
    that dies names the file. Runs only once a run has failed.
    """
    if not _killed(client, part, job):
        return None
    for size in (NARROW_FILES, 1):
        for start in range(0, len(part), size):
            piece = part[start : start + size]
            if _killed(client, piece, job):
                part = piece
                break
        else:
            return None  # no piece dies alone
    return part[0] if len(part) == 1 else None


def _given(value: Any) -> Any:
    """A task whose result is its argument: data the workers can compute again if lost."""
    return value


def _killed(client: Any, part: list[Source], job: Job) -> bool:
    """Does checking these files alone kill the workers (Dask's KilledWorker)?"""
    for _ in range(3):  # a task submitted while the failed run is cancelled may be cancelled
        future = client.submit(_analyse, 0, part, job, pure=False)
        try:
            future.result(timeout=NARROW_TIMEOUT)
        except CancelledError:
            continue
        except Exception as exc:
            return type(exc).__name__ == "KilledWorker"
        else:
            return False
        finally:
            future.release()
    return False


def _failure(
    exc: BaseException, key: str, described: dict[str, str], fatal: Source | None = None
) -> str:
    """One line on why task `key` failed, naming the file(s) it was checking when known."""
    if isinstance(exc, FileFailed):
        return str(exc)
    name = type(exc).__name__
    doing = _doing(exc, described) or described.get(key) or f"running {key}"
    if fatal is not None:
        doing = f"checking {fatal.shown}"
    if name == "KilledWorker":
        return (
            f"the Dask workers died while {doing} (memory exhausted, or a crash: see the "
            "workers' logs); the run is stopped"
        )
    reason = str(exc).splitlines()[0] if str(exc) else name
    return f"the Dask cluster failed while {doing}: {name}: {reason}"


def _exception(future: Any) -> BaseException | None:
    """Why a task failed; None if it is no longer failed: after a worker died, Dask may
    report a task as erred and then compute it again."""
    if future.cancelled():  # Dask gives no exception for it, and it is never computed
        return CancelledError(f"the task {future.key} was cancelled")
    try:
        return future.exception(timeout=1)
    except (TimeoutError, asyncio.TimeoutError):  # computed again, not done yet
        return None
    except Exception as error:  # cancelled, or lost with its worker
        return error


def _doing(exc: BaseException, described: dict[str, str]) -> str | None:
    """What the failed task was doing: its key is named in the exception's message."""
    text = str(exc)
    for key, what in described.items():
        if f"'{key}'" in text or f'"{key}"' in text or text.endswith(key):
            return what
    return None


# --- the tasks (run on the workers) ------------------------------------------------------------


@dataclass
class _Report:
    """What comes back to the client of a partition: its findings, errors and warnings."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files_checked: int = 0
    files_skipped: int = 0
    fixable: tuple[int, int] = (0, 0)  # with `Job.count_fixes`: see `FileResult.fixable`


class _Doc(NamedTuple):
    """A readable document of a partition with its corpus features: stays on the worker."""

    id: int
    source: Source
    features: Features


def _analyse(first: int, part: list[Source], job: Job) -> tuple[_Report, list[_Doc]]:
    """Per-document rules and corpus features of a partition: the analysis stage's own
    functions (`analysis.read_and_lint`, `analysis.corpus_features`), with the file named in
    any unexpected error (it would otherwise reach the client as a bare worker traceback)."""
    report = _Report()
    docs: list[_Doc] = []
    batch: list[tuple[int, Source, Document, list[Diagnostic]]] = []
    for offset, source in enumerate(part):
        if offset % BATCH_FILES == 0:  # the next batch's local files, asked of storage
            upcoming = part[offset + BATCH_FILES : offset + 2 * BATCH_FILES]
            read_ahead([s.location for s in upcoming if not is_url(s.location)])
        try:
            result, doc = read_and_lint(source, job, True, _read)
        except FileFailed:
            raise
        except Exception as exc:
            raise FileFailed(
                f"{source.shown}: a rule failed on a Dask worker: {type(exc).__name__}: {exc}"
            ) from None
        if doc is None:
            (report.warnings if result.skipped else report.errors).append(
                result.skipped or result.error
            )
            report.files_skipped += bool(result.skipped)
            continue
        report.errors.extend(result.pack_errors)
        report.diagnostics.extend(result.diagnostics)
        report.files_checked += 1
        report.fixable = (
            report.fixable[0] + result.fixable[0],
            report.fixable[1] + result.fixable[1],
        )
        if job.corpus_settings is not None:
            batch.append((first + offset, source, doc, result.diagnostics))
            if len(batch) == BATCH_FILES:
                docs.extend(_features(batch, job))
                batch = []
    if batch:
        docs.extend(_features(batch, job))
    return report, docs


def _read(source: Source, doing: str = "read") -> Document:
    """`read_source`; a storage error fsspec does not map to OSError names the file."""
    try:
        return read_source(source)
    except DocumentError:
        raise
    except Exception as exc:
        raise FileFailed(f"{source.shown}: cannot {doing}: {type(exc).__name__}: {exc}") from None


def _features(batch: list[tuple[int, Source, Document, list[Diagnostic]]], job: Job) -> list:
    try:
        found = corpus_features([(doc, d) for _, _, doc, d in batch], job)
    except Exception as exc:
        names = ", ".join(source.shown for _, source, _, _ in batch)
        raise FileFailed(f"computing the signatures of {names}: {exc!r}") from None
    return [_Doc(id, source, f) for (id, source, _, _), f in zip(batch, found)]


def _band_rows(
    docs: list[_Doc],
    bands: int,
    rows: int,
    salt: int,
    num_perm: int,
    buckets: int,
    named: frozenset[str] = frozenset(),
):
    """A partition's rows split by bucket: (bands, keys, ids, copies, text rows) for each
    bucket.

    Band rows are numpy arrays (one row per document and band: 8-byte key, 8-byte id, 2-byte
    band, and 4 bytes of the content hash that `_one_of_equal_files` folds copies by: 0 for a
    document an allow-list `named`, never folded); text rows, one per document, carry what
    DUP003's diagnostic needs.
    """
    import numpy as np

    from corpus_lint.dedup.minhash import signature_band_keys

    signed = [d for d in docs if d.features.signature] if bands else []
    signatures = [d.features.signature for d in signed]
    keys = signature_band_keys(signatures, bands, rows, salt, num_perm).ravel()
    ids = np.repeat(np.array([d.id for d in signed], dtype=np.int64), bands)
    band = np.tile(np.arange(bands, dtype=np.int16), len(signed))
    # The content hash's low 32 bits: two files alike in them and in a band's key make one
    # of them lose its pairs in that band (one in 4 billion), and the rows stay 22 bytes.
    folded = [0 if d.source.location in named else d.features.content for d in signed]
    copies = np.repeat(np.array(folded, dtype=np.int64).astype(np.int32), bands)
    where = _bucket_of(keys, buckets)
    order = np.argsort(where, kind="stable")
    bounds = np.searchsorted(where[order], np.arange(buckets + 1))
    texts: list[list[_Doc]] = [[] for _ in range(buckets)]
    for d in docs:
        if d.features.text_hash is not None:
            texts[d.features.text_hash % buckets].append(_light(d))
    split = []
    for j in range(buckets):
        chosen = order[bounds[j] : bounds[j + 1]]
        split.append((band[chosen], keys[chosen], ids[chosen], copies[chosen], texts[j]))
    return split


def _one_of_equal_files(band, keys, ids, copies):
    """The band rows but the copies: of the rows of one band and key with one content hash
    (0: never folded), the smallest id's only. Its pairs stand for the copies', as in the
    local stage (`_Stage._banded`, which says why only equal bytes are folded): 3,000
    copies of an error page made 4.5 million candidate pairs. The same-text groups link the
    copies, and a keeper's own pairs are verified."""
    import numpy as np

    order = np.lexsort((ids, copies, keys, band))
    band, keys, ids, copies = band[order], keys[order], ids[order], copies[order]
    copy = np.zeros(len(ids), dtype=bool)
    copy[1:] = (band[1:] == band[:-1]) & (keys[1:] == keys[:-1]) & (copies[1:] == copies[:-1])
    copy &= copies != 0
    return band[~copy], keys[~copy], ids[~copy]


def _line_rows(docs: list[_Doc]):
    """A partition's (line hashes, text ids) rows (`dedup.lines.holder_rows`)."""
    from corpus_lint.dedup.lines import holder_rows

    return holder_rows(d.features for d in docs)


def _line_counts(minimum: int, *rows) -> dict[int, int]:
    """The documents holding each line held by at least `minimum`, over every partition."""
    from corpus_lint.dedup.lines import merge_counts

    return {h: n for h, n in merge_counts(*rows).items() if n >= minimum}


def _line_diagnostics(docs: list[_Doc], counts: dict[int, int], rules: list, minimum: int):
    """BP005 on a partition's documents, as the local corpus stage reports it."""
    from corpus_lint.dedup.lines import diagnostics_of

    return diagnostics_of(rules, [(d.source.shown, d.features) for d in docs], counts, minimum)


def _bucket_of(values, buckets: int):
    """Which bucket each int64 goes to: a multiplicative hash, so nearby values spread."""
    import numpy as np

    with np.errstate(over="ignore"):
        mixed = values.view(np.uint64) * np.uint64(_MIX)
    return ((mixed >> np.uint64(32)) % np.uint64(buckets)).astype(np.int64)


def _band_bucket(buckets: int, *parts) -> tuple:
    """The same-text groups of a bucket (documents without their signatures, by id), then
    its candidate pairs (`minhash.candidate_pairs`, as the local stage finds them) split into
    `buckets` arrays of pair codes (smaller id << 32 | larger id)."""
    import numpy as np

    from corpus_lint.dedup.minhash import candidate_pairs

    groups: dict[int, list[_Doc]] = {}
    for *_, texts in parts:
        for doc in texts:
            groups.setdefault(doc.features.text_hash, []).append(doc)
    found = [sorted(group) for group in groups.values() if len(group) > 1]
    rows = [np.concatenate([p[column] for p in parts]) for column in range(4)]
    pairs = candidate_pairs(*_one_of_equal_files(*rows))
    where = _bucket_of(pairs, buckets)
    return (found, *(pairs[where == k] for k in range(buckets)))


def _merge_pairs(*pieces):
    """A pair bucket's distinct pair codes, sorted (so by the earlier file, then the later)."""
    import numpy as np

    from corpus_lint.dedup.minhash import sorted_distinct

    return sorted_distinct(np.concatenate(pieces))


def _select(docs: list[_Doc], pairs) -> list[_Doc]:
    """The documents of a partition that a pair bucket's pairs name."""
    import numpy as np

    if not docs or not len(pairs):
        return []
    ids = np.array([d.id for d in docs], dtype=np.int64)
    named = np.union1d(pairs >> 32, pairs & 0xFFFFFFFF)
    return [docs[i] for i in np.flatnonzero(np.isin(ids, named)).tolist()]


def _verify(pairs, near: Any, *chosen: list[_Doc]) -> tuple[list, list, int, int]:
    """DUP004 on a bucket's candidate pairs, decided by the corpus stage's functions
    (`worth_verifying`, `current_shingle_sets`, `exact_jaccard`): every pair verified,
    (a id, b id, exact Jaccard), and the documents they name."""
    from corpus_lint.dedup.corpus import (
        VERIFY_SHINGLES,
        exact_jaccard,
        prune_floor,
        worth_verifying,
    )

    docs = {d.id: d for docs in chosen for d in docs}
    floor = prune_floor(near.threshold, near.num_perm)
    found: list[tuple[int, int, float]] = []
    named: dict[int, _Doc] = {}
    shingle_sets: dict[int, Any] = {}
    held = verified = 0
    for code in pairs.tolist():
        a, b = docs[code >> 32], docs[code & 0xFFFFFFFF]
        if not worth_verifying(a.features, b.features, floor):
            continue
        if held >= VERIFY_SHINGLES:  # memory stays bounded, whatever the documents' length
            shingle_sets.clear()
            held = 0
        for d in (a, b):
            if d.id not in shingle_sets:
                shingle_sets[d.id] = _current_shingle_set(d, near.shingle_size)
                held += d.features.shingles
        first, second = shingle_sets[a.id], shingle_sets[b.id]
        if first is None or second is None:  # changed since it was read
            continue
        verified += 1
        found.append((a.id, b.id, exact_jaccard(first, second)))
        named[a.id], named[b.id] = _light(a), _light(b)
    return found, list(named.values()), len(pairs), verified


def _verify_listed(pairs: list[tuple[_Doc, _Doc]], shingle_size: int) -> list:
    """The exact Jaccard of pairs the cluster step needs (None: a file changed since)."""
    from corpus_lint.dedup.corpus import exact_jaccard

    sets: dict[int, Any] = {}
    found = []
    for a, b in pairs:
        for d in (a, b):
            if d.id not in sets:
                sets[d.id] = _current_shingle_set(d, shingle_size)
        first, second = sets[a.id], sets[b.id]
        value = None if first is None or second is None else exact_jaccard(first, second)
        found.append((a.id, b.id, value))
    return found


def _light(doc: _Doc) -> _Doc:
    """A document without its signature: what the cluster step needs of it."""
    return doc._replace(features=doc.features._replace(signature=b""))


def _current_shingle_set(doc: _Doc, shingle_size: int):
    """The sorted distinct shingle hashes of a file reread now; None if its bytes changed
    (`dedup.corpus.current_shingle_sets`, reading URLs too)."""
    from corpus_lint.dedup.corpus import current_shingle_sets

    item = (doc.source.shown, doc.source, doc.features.content, doc.features.excluded)
    [(_, found)] = current_shingle_sets([item], shingle_size, _reread)
    return found


def _reread(source: Source, key: str) -> Document:
    return _read(source, "reread")

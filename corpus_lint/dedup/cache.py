"""The signature cache: `.corpus_lint_cache/signatures.sqlite3`.

Tables (SQLite; WAL journal, a write lock waited for in Python (`_waiting`), one
transaction per write, INSERT OR REPLACE, so two runs at once never corrupt it and the last
writer wins):

- meta(key, value): "application" and "format" (a file without them is foreign: rebuilt),
  and memoised values such as the LSH banding for a threshold.
- files(path, stamp, size, content): the identity a file had when its bytes hashed to
  `content` (xxh3-64), so a warm run can trust an unchanged file from `os.stat` alone. The
  stamp hashes its mtime, ctime and inode (`files.identity`, the one place that decides
  whether a file is still the one seen before). Paths are stored as bytes (`os.fsencode`):
  a file name need not be UTF-8.
- features(config, content, text_hash, shingles, excluded, signature): what DUP003/DUP004
  need of a file, keyed by its bytes and by `config`, a hash of everything the signature
  depends on (format version, shingle size, permutations, seed, boilerplate rules).
- bands(bucket, rows): the LSH band keys of every cached signature, so a run over a few
  changed files finds their candidates with indexed look-ups instead of an index of the
  whole corpus. The (key, content) pairs are held in buckets by the top BUCKET_BITS bits of
  the key, each a sorted array of int64 pairs: a corpus of 100,000 files has 1.6 million
  pairs, which as one SQLite row each took 3.8 s to write, and as 65,536 blobs take 0.3 s.
- line_hashes(config, line_hash, content): the hash of each candidate line of a cached
  content (BP005, `dedup.lines`), written with its features; a changed-files run counts the
  unchanged files holding a target's line with indexed look-ups.
- folders(config, path, digest): a hash of the (path, stamp, size) of every corpus file
  in a folder, written when all of them were recorded in `files` with features for
  `config`; a warm run trusts a folder whose digest is unchanged without a look-up per file.

- results(run, path, stamp, size, data): the result cache (`corpus_lint.results`): a
  file's per-document findings and corpus features under a run key (a hash of everything
  that can change them), trusted while the file's identity is (stamp, size). Only the
  RESULT_RUNS keys written last keep their rows.
- stages(id, stage, data): the corpus stage's findings under `results.stage_key` (a hash of
  the run key and of every file the stage compared, as it was), so a warm run over an
  unchanged corpus does not form its clusters again; and a whole run's output under
  `ResultCache.run_digest` (`engine._remember`). Only the 2 * RESULT_RUNS rows written last
  are kept.

Rows of files that are gone are deleted by the next run that checks many files and finds them
gone (`store_results`); until then they are never read, because every look-up starts from a
file that exists now.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_lint import interrupts
from corpus_lint.dedup.cache_file import CACHE_FILE_NAME

if TYPE_CHECKING:  # numpy and the features are imported where used: a run without corpus
    import numpy as np  # rules opens this cache for its results alone, and never needs them

    from corpus_lint.dedup.features import Features

APPLICATION = "corpus-lint signature cache"
FORMAT = "3"  # 3: paths as bytes, stamps of mtime, ctime and inode
# How long a run waits for another that holds the cache's write lock (then it runs without
# the cache). SQLite's own wait is C code that no signal ends (Ctrl-C waited out the 30 s
# while a stopped run or a sqlite3 shell held the lock): it waits a moment at a time
# (BUSY_POLL_SECONDS), and the run waits between tries in Python (`_waiting`), where a
# signal ends it at once.
BUSY_TIMEOUT_SECONDS = 30.0
BUSY_POLL_SECONDS = 0.05
# SQLite allows 999 bound parameters per statement in old versions.
CHUNK = 500
# Band keys are held in 2**BUCKET_BITS buckets (see `bands` above).
BUCKET_BITS = 16
# Buckets merged at a time by `_store_bands`: a sixteenth of them (~100,000 rows of 100,000
# files' 1.6 million), not all at once.
BAND_MERGE_PARTS = 16
# The run keys whose results are kept (see `results` above): a few configurations used in turn
# (all rules, one rule, the pre-commit hook's) each stay warm.
RESULT_RUNS = 4

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path BLOB PRIMARY KEY, stamp INTEGER NOT NULL, size INTEGER NOT NULL,
    content INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS files_by_content ON files (content);
CREATE TABLE IF NOT EXISTS features (
    config INTEGER NOT NULL, content INTEGER NOT NULL, text_hash INTEGER,
    shingles INTEGER NOT NULL, excluded TEXT NOT NULL, signature BLOB NOT NULL,
    PRIMARY KEY (config, content)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS features_by_text ON features (config, text_hash);
CREATE TABLE IF NOT EXISTS bands (bucket INTEGER PRIMARY KEY, rows BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS similarities (
    config INTEGER NOT NULL, a INTEGER NOT NULL, b INTEGER NOT NULL, jaccard REAL NOT NULL,
    PRIMARY KEY (config, a, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS line_hashes (
    config INTEGER NOT NULL, line_hash INTEGER NOT NULL, content INTEGER NOT NULL,
    PRIMARY KEY (config, line_hash, content)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS folders (
    config INTEGER NOT NULL, path BLOB NOT NULL, digest INTEGER NOT NULL,
    PRIMARY KEY (config, path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS results (
    run INTEGER NOT NULL, path BLOB NOT NULL, stamp INTEGER NOT NULL, size INTEGER NOT NULL,
    data BLOB NOT NULL, PRIMARY KEY (run, path));
CREATE TABLE IF NOT EXISTS stages (
    id INTEGER PRIMARY KEY, stage INTEGER NOT NULL UNIQUE, data BLOB NOT NULL);
"""


class CacheUnusable(Exception):
    pass


class SignatureCache:
    def __init__(self, connection: sqlite3.Connection, config: int) -> None:
        self.db = connection
        self.config = config

    @classmethod
    def open(cls, folder: Path, config: int, warnings: list[str]) -> SignatureCache | None:
        """The cache in `folder`, created if needed; None (with a warning) when unusable.

        A file that is not a corpus-lint cache of this format (corrupt, foreign, older) is
        deleted and rebuilt with a warning.
        """
        path = folder / CACHE_FILE_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                # As ruff does: the cache folder ignores itself, so nobody commits it.
                ignore.write_text("# Automatically created by corpus-lint.\n*\n", encoding="utf-8")
        except OSError as exc:
            warnings.append(
                f"{folder}: cannot create the cache ({exc.strerror or exc}); running without it"
            )
            return None
        try:
            return cls(_connect(path), config)
        except CacheUnusable as exc:
            warnings.append(f"{path}: {exc}; rebuilding the cache")
        except sqlite3.OperationalError as exc:
            # Read-only, locked or cannot be opened: not broken, so not deleted.
            warnings.append(f"{path}: cannot use the cache ({exc}); running without it")
            return None
        except sqlite3.Error as exc:  # corrupt: "file is not a database", "malformed"
            warnings.append(f"{path}: unreadable cache ({exc}); rebuilding it")
        return cls._recreated(path, config, warnings)

    def close(self) -> None:
        self.db.close()

    @classmethod
    def rebuilt(
        cls, folder: Path, config: int, error: sqlite3.Error, warnings: list[str]
    ) -> SignatureCache | None:
        """After `error` from a cache that opened fine: a new, empty cache if it says the file
        is damaged (a page overwritten: "database disk image is malformed"), else None."""
        path = folder / CACHE_FILE_NAME
        if not is_damaged(error):
            warnings.append(f"{folder}: cache error ({error}); ran without the cache")
            return None
        warnings.append(f"{path}: damaged cache ({error}); rebuilding it")
        return cls._recreated(path, config, warnings)

    @classmethod
    def _recreated(cls, path: Path, config: int, warnings: list[str]) -> SignatureCache | None:
        """A new, empty cache in place of the broken file at `path` (None if it cannot be)."""
        if not _delete(path, warnings):
            return None
        try:
            return cls(_connect(path), config)
        except (sqlite3.Error, CacheUnusable) as exc:
            warnings.append(f"{path}: cannot create the cache ({exc}); running without it")
            return None

    # --- meta ------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.db:
            _begin(self.db)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- reads -----------------------------------------------------------------------------

    def folder_digests(self) -> dict[str, int]:
        """The digest of each folder whose files were all as the cache saw them when it was
        stored (see `files.folder_digest`): a folder with the same digest now is unchanged."""
        rows = self.db.execute("SELECT path, digest FROM folders WHERE config = ?", (self.config,))
        return {os.fsdecode(path): digest for path, digest in rows}

    def stale(self, files: list[tuple[str, int, int]]) -> set[str]:
        """Paths of the (path, stamp, size) files the cache cannot vouch for: new, changed,
        or whose features are not cached for this configuration."""
        known = self.recorded([path for path, _, _ in files])
        cached = self.cached_among({row[2] for row in known.values()})
        stale = set()
        for path, mtime, size in files:
            row = known.get(path)
            if row is None or row[:2] != (mtime, size) or row[2] not in cached:
                stale.add(path)
        return stale

    def recorded(self, paths: list[str]) -> dict[str, tuple[int, int, int]]:
        """(stamp, size, content) of each of these files the `files` table holds, by path."""
        known: dict[str, tuple[int, int, int]] = {}
        for chunk in _chunks([os.fsencode(path) for path in paths]):
            rows = self.db.execute(f"SELECT * FROM files WHERE path IN ({_marks(chunk)})", chunk)
            known.update(
                (os.fsdecode(path), (stamp, size, content)) for path, stamp, size, content in rows
            )
        return known

    def files_with(self, contents: Iterable[int]) -> list[tuple[str, int, int, int]]:
        """(path, stamp, size, content) of the files last seen with these contents."""
        found: list[tuple[str, int, int, int]] = []
        for chunk in _chunks(list(contents)):
            rows = self.db.execute(f"SELECT * FROM files WHERE content IN ({_marks(chunk)})", chunk)
            found.extend((os.fsdecode(path), *rest) for path, *rest in rows)
        return found

    def changed_rows(
        self, files: Callable[[], Iterable[tuple[str, int, int, int]]], count: int
    ) -> Iterator[tuple[str, int, int, int]]:
        """The (path, stamp, size, content) rows of `files()` (`count` of them) that differ
        from the `files` table, made as they are taken: not a list of 100,000 tuples of a new
        string and three ints held through the write (25 MB of a first run's peak)."""
        known: set[tuple[bytes, int, int, int]] = set()
        if self._at_most("files", (), count * 8):  # as in `features`: one scan instead
            known.update(self.db.execute("SELECT * FROM files"))
        else:
            paths = (os.fsencode(row[0]) for row in files())
            while chunk := list(islice(paths, CHUNK)):
                known.update(
                    self.db.execute(f"SELECT * FROM files WHERE path IN ({_marks(chunk)})", chunk)
                )
        return (row for row in files() if (os.fsencode(row[0]), *row[1:]) not in known)

    def _at_most(self, rows: str, parameters: tuple, most: int) -> bool:
        """Does `SELECT 1 FROM {rows}` give at most `most` rows? Counted up to one more only:
        choosing between one scan and look-ups needs no more, and counting every row of a
        large table read its whole index (about 20 ms of a run that checks one file)."""
        query = f"SELECT count(*) FROM (SELECT 1 FROM {rows} LIMIT ?)"
        (count,) = self.db.execute(query, (*parameters, most + 1)).fetchone()
        return count <= most

    def _few_cached(self, most: int) -> bool:
        """At most `most` contents have features cached for this configuration?"""
        return self._at_most("features WHERE config = ?", (self.config,), most)

    def cached_contents(self) -> frozenset[int]:
        """Every content whose features are cached for this configuration."""
        rows = self.db.execute("SELECT content FROM features WHERE config = ?", (self.config,))
        return frozenset(content for (content,) in rows)

    def cached_among(self, contents: Iterable[int]) -> set[int]:
        """Those of `contents` whose features are cached for this configuration."""
        wanted = set(contents)
        if wanted and self._few_cached(len(wanted) * 8):  # as in `features`
            return wanted & self.cached_contents()
        found: set[int] = set()
        for chunk in _chunks(list(wanted)):
            rows = self.db.execute(
                f"SELECT content FROM features WHERE config = ? AND content IN ({_marks(chunk)})",
                (self.config, *chunk),
            )
            found.update(content for (content,) in rows)
        return found

    def features(self, contents: Iterable[int]) -> dict[int, Features]:
        from corpus_lint.dedup.features import Features

        found: dict[int, Features] = {}
        wanted = set(contents)
        if not wanted:
            return found
        columns = "SELECT content, text_hash, shingles, excluded, signature FROM features"
        # An eighth of the table or more (a warm run): one scan is faster than the look-ups.
        if self._few_cached(len(wanted) * 8):
            scans: Iterable[Any] = [self.db.execute(f"{columns} WHERE config = ?", (self.config,))]
        else:
            scans = (
                self.db.execute(
                    f"{columns} WHERE config = ? AND content IN ({_marks(chunk)})",
                    (self.config, *chunk),
                )
                for chunk in _chunks(list(wanted))
            )
        for rows in scans:
            for content, text_hash, shingles, excluded, signature in rows:
                if content not in wanted:
                    continue
                found[content] = Features(
                    content=content,
                    text_hash=text_hash,
                    shingles=shingles,
                    signature=signature,
                    excluded=tuple(int(n) for n in excluded.split()),
                )
        return found

    def similarities(self) -> dict[tuple[int, int], float]:
        """The exact Jaccard of each pair of contents (smaller first) verified before."""
        rows = self.db.execute(
            "SELECT a, b, jaccard FROM similarities WHERE config = ?", (self.config,)
        )
        return {(a, b): jaccard for a, b, jaccard in rows}

    def contents_with_text(self, text_hashes: Iterable[int]) -> set[int]:
        found: set[int] = set()
        for chunk in _chunks(list(text_hashes)):
            rows = self.db.execute(
                f"SELECT content FROM features WHERE config = ? AND text_hash IN ({_marks(chunk)})",
                (self.config, *chunk),
            )
            found.update(content for (content,) in rows)
        return found

    def line_holders(self, hashes: Iterable[int]) -> list[tuple[int, int]]:
        """(line hash, content) of every cached content holding one of these line hashes."""
        found: list[tuple[int, int]] = []
        for chunk in _chunks(list(hashes)):
            rows = self.db.execute(
                "SELECT line_hash, content FROM line_hashes WHERE config = ? AND line_hash IN "
                f"({_marks(chunk)})",
                (self.config, *chunk),
            )
            found.extend(rows)
        return found

    def band_matches(self, keys: Iterable[int]) -> list[tuple[int, int]]:
        """(band key, content) of every cached signature that has one of these band keys."""
        import numpy as np

        # Sorted and searched, not np.unique and np.isin: their first call imports numpy.ma
        # (10 ms of a pre-commit run).
        wanted = np.sort(np.fromiter(keys, dtype=np.int64))
        found: list[tuple[int, int]] = []
        if not len(wanted):
            return found
        for rows in self._bucket_rows(sorted(set(_buckets(wanted).tolist()))).values():
            column = rows[:, 0]
            at = np.searchsorted(wanted, column).clip(max=len(wanted) - 1)
            hit = rows[wanted[at] == column]
            found.extend(zip(hit[:, 0].tolist(), hit[:, 1].tolist()))
        return found

    def ensure_banding(self, banding: int, keys_of: Callable[[list[bytes]], np.ndarray]) -> None:
        """Band rows, made with the band salt `banding`, for every signature cached for this
        configuration, so that `band_matches` finds each of them: a run bands only the
        contents it stores, with its threshold's banding, so after a change of threshold the
        earlier contents have rows of another salt alone (their band keys never meet). Made
        anew (`keys_of(signatures)`: their band keys) when the cache does not say it holds
        them: once after such a change, not each run."""
        import numpy as np

        key = f"banding:{self.config}"
        if self.get_meta(key) == str(banding):
            return
        with self.db:
            _begin(self.db)
            rows = self.db.execute(
                "SELECT content, signature FROM features WHERE config = ? AND length(signature)",
                (self.config,),
            ).fetchall()
            if rows:
                contents = np.array([content for content, _ in rows], dtype=np.int64)
                self._store_bands(keys_of([signature for _, signature in rows]), contents)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(banding)))

    def _bucket_rows(self, buckets: list[int]) -> dict[int, np.ndarray]:
        """The (key, content) rows of these buckets, as (n, 2) int64 arrays."""
        import numpy as np

        found: dict[int, np.ndarray] = {}
        for chunk in _chunks(buckets):
            query = f"SELECT bucket, rows FROM bands WHERE bucket IN ({_marks(chunk)})"
            for bucket, rows in self.db.execute(query, chunk):
                found[bucket] = np.frombuffer(rows, dtype="<i8").reshape(-1, 2)
        return found

    # --- results (the result cache: see `corpus_lint.results`) ---------------------------------

    def results(
        self, run: int, files: list[tuple[bytes, int, int]], others: list[bytes]
    ) -> Iterator[tuple[bytes, bytes]]:
        """(key, stored result) of each (key, stamp, size) file whose identity is the stored
        one (keys as bytes, `os.fsencode`), as the rows are read: a warm run decodes each
        one at once instead of holding every row (66 MB for 100,000 files). When every row
        of the run is read (a run of many files), the keys of rows for files not among
        `files` are added to `others` (see `store_results`)."""
        wanted = {key: (stamp, size) for key, stamp, size in files}
        columns = "SELECT path, stamp, size, data FROM results WHERE run = ?"
        if self._at_most("results WHERE run = ?", (run,), len(wanted) * 8):  # as in `features`
            for path, stamp, size, data in self.db.execute(columns, (run,)):
                identity = wanted.get(path)
                if identity is None:
                    others.append(path)
                elif identity == (stamp, size):
                    yield path, data
            return
        for chunk in _chunks(list(wanted)):
            query = f"{columns} AND path IN ({_marks(chunk)})"
            for path, stamp, size, data in self.db.execute(query, (run, *chunk)).fetchall():
                if wanted[path] == (stamp, size):
                    yield path, data

    def holds_results(self, run: int) -> bool:
        """Does the cache hold any result stored under `run`?"""
        return not self._at_most("results WHERE run = ?", (run,), 0)

    def store_results(
        self, run: int, rows: Iterable[tuple[bytes, int, int, bytes]], gone: Iterable[bytes] = ()
    ) -> None:
        """Record (key, stamp, size, data) results for `run` (keys as bytes, `os.fsencode`),
        and forget the files `gone`
        (deleted since: their results and their rows in `files`). Only the RESULT_RUNS run keys
        written last keep their results: the cache stays bounded when the configuration
        changes."""
        with self.db:
            _begin(self.db)
            self.db.executemany(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?)",
                ((run, *row) for row in rows),
            )
            gone = list(gone)
            for chunk in _chunks(gone):
                marks = _marks(chunk)
                self.db.execute(f"DELETE FROM results WHERE path IN ({marks})", chunk)
                self.db.execute(f"DELETE FROM files WHERE path IN ({marks})", chunk)
            (value,) = self.db.execute(
                "SELECT coalesce((SELECT value FROM meta WHERE key = 'result runs'), '')"
            ).fetchone()
            runs = value.split()
            if runs[:1] != [str(run)]:
                # Only when the run key is new are other keys' results dropped: the scan of
                # every row (0.4 s at 100,000 files) is not paid by each run of two
                # configurations used in turn (a run key written before moves to the front).
                new = str(run) not in runs
                runs = [str(run), *(r for r in runs if r != str(run))][:RESULT_RUNS]
                self.db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('result runs', ?)", (" ".join(runs),)
                )
                if new:
                    self.db.execute(
                        f"DELETE FROM results WHERE run NOT IN ({_marks(runs)})",
                        [int(r) for r in runs],
                    )

    def stage_findings(self, stage: int) -> bytes | None:
        """The corpus stage's findings stored under `stage` (`results.stage_key`), if any."""
        row = self.db.execute("SELECT data FROM stages WHERE stage = ?", (stage,)).fetchone()
        return None if row is None else row[0]

    def store_stage_findings(self, stage: int, data: bytes) -> None:
        """Record the corpus stage's findings (or a run's output) under `stage`; only the
        2 * RESULT_RUNS written last are kept (a replaced row is written last): a stage's and
        a run's for each of the last run keys."""
        with self.db:
            _begin(self.db)
            self.db.execute(
                "INSERT OR REPLACE INTO stages (stage, data) VALUES (?, ?)", (stage, data)
            )
            self.db.execute(
                "DELETE FROM stages WHERE id NOT IN "
                "(SELECT id FROM stages ORDER BY id DESC LIMIT ?)",
                (2 * RESULT_RUNS,),
            )

    # --- writes ----------------------------------------------------------------------------

    def store(
        self,
        files: Iterable[tuple[str, int, int, int]],
        features: Iterable[tuple[int, int | None, int, str, bytes]],
        bands: tuple[np.ndarray, np.ndarray] | None = None,
        folders: Iterable[tuple[str, int]] = (),
        similarities: Iterable[tuple[int, int, float]] = (),
        lines: Iterable[tuple[int, int]] = (),
        banding: int | None = None,
    ) -> None:
        """Record files (path, stamp, size, content), features (`feature_row`s), band keys
        (two int64 arrays: a row of keys for each content, and the contents, made with the
        band salt `banding`: see `ensure_banding`), the digests of folders whose every file
        is now recorded, verified similarities (a, b, Jaccard) and the features' line hashes
        (line hash, content), atomically."""
        with self.db:
            # Write-locked from the start: the band buckets are read, merged and written back,
            # and another run must not write them in between.
            _begin(self.db)
            first = banding is not None and self._few_cached(0)
            self.db.executemany(
                "INSERT OR REPLACE INTO similarities VALUES (?, ?, ?, ?)",
                ((self.config, a, b, jaccard) for a, b, jaccard in similarities),
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                ((os.fsencode(path), *rest) for path, *rest in files),
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO features VALUES (?, ?, ?, ?, ?, ?)",
                ((self.config, *row) for row in features),
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO line_hashes VALUES (?, ?, ?)",
                ((self.config, digest, content) for digest, content in lines),
            )
            if bands is not None and len(bands[0]):
                self._store_bands(*bands)
            if banding is not None:
                key, value = f"banding:{self.config}", str(banding)
                if first:  # every content is banded with it
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
                elif bands is not None and len(bands[0]) and self.get_meta(key) != value:
                    self.db.execute("DELETE FROM meta WHERE key = ?", (key,))  # some are not
            self.db.executemany(
                "INSERT OR REPLACE INTO folders VALUES (?, ?, ?)",
                ((self.config, os.fsencode(path), digest) for path, digest in folders),
            )

    @staticmethod
    def stores_in_a_process() -> bool:
        """Does `store_in_background` write in a process of its own? Then it may begin before
        the caller forks other processes (not a thread: see there)."""
        from corpus_lint.parallel import Tasks

        return Tasks.FORKED

    def store_apart(self, prepare: Callable[[SignatureCache], tuple | None]) -> None:
        """`store(*prepare(writer))` through a connection of its own (`writer`), opened on the
        cache's path now: a cache deleted or replaced meanwhile by another program is found
        (an `sqlite3.Error`), not written through this connection's file, which only this
        run would see."""
        self._store_at(self._file(), prepare)

    def _file(self) -> str:
        """The path of this connection's database file."""
        (_, _, path) = self.db.execute("PRAGMA database_list").fetchone()
        return path

    def _store_at(self, path: str, prepare: Callable[[SignatureCache], tuple | None]) -> None:
        """`store_apart` through a connection to `path` (this one is not used: a forked
        process must not use its parent's SQLite connection)."""
        try:
            writer = SignatureCache(_connect(Path(path)), self.config)
            try:
                args = prepare(writer)
                interrupts.pause("cache-write")  # for the test suite: see `pause`
                if args is not None:
                    writer.store(*args)
            finally:
                writer.close()
        except CacheUnusable as exc:  # replaced under our feet by another program
            raise sqlite3.DatabaseError(str(exc)) from None

    def store_in_background(
        self, prepare: Callable[[SignatureCache], tuple | None]
    ) -> tuple[Callable[[], None], Callable[[], None]]:
        """`store_apart(prepare)` while the caller goes on reading through this connection
        (WAL readers do not wait for a writer). Returns (the function that waits for the
        write and raises its error; the one that stops it).

        Where worker processes are forked (`parallel.Tasks`: Linux), in a process forked now,
        which sees the caller's data as it is now: a thread of this process took turns with
        the corpus stage at Python's lock, and the stage waited for it (2.6 s of a first run
        over 100,000 files). Killed if the run is interrupted; SQLite undoes what it had not
        committed, and the cache stays as it was. Elsewhere, in a daemon thread (the same on
        an interruption): start no process by fork while it runs.
        """
        path = self._file()  # here: a forked process must not use this connection
        if self.stores_in_a_process():
            from corpus_lint.parallel import Tasks

            tasks = Tasks(self._store_at, [(path, prepare)])

            def wait_for_process() -> None:
                tasks.results()  # raises the writer's error (its message: see `is_damaged`)

            return wait_for_process, tasks.cancel

        failures: list[BaseException] = []

        def write_in_thread() -> None:
            try:
                self._store_at(path, prepare)
            except BaseException as exc:  # noqa: BLE001 - raised by the waiting thread
                failures.append(exc)

        thread = threading.Thread(
            target=write_in_thread, name="corpus-lint cache writer", daemon=True
        )
        thread.start()

        def wait() -> None:
            thread.join()
            if failures:
                raise failures[0]

        return wait, lambda: None  # a daemon thread: it ends with the process

    def _store_bands(self, keys: np.ndarray, contents: np.ndarray) -> None:
        """Merge (key, content) rows into their buckets (`keys`: a row of band keys for each
        of `contents`): sorted, with the rows the touched buckets held, by key as unsigned (so
        by bucket too) then content, and cut into buckets; a range of buckets at a time
        (BAND_MERGE_PARTS), so the sort's copies are of a part of the rows (all at once, they
        were the peak of a run that fills the cache). Each content is repeated for its keys
        a part at a time, not for all of them (13 MB at 100,000 files)."""
        import numpy as np

        width = keys.shape[1]
        keys = keys.ravel()
        buckets = np.empty(len(keys), dtype=np.uint16)  # not through int64: 13 MB more
        for start in range(0, len(keys), CHUNK_ROWS):
            buckets[start : start + CHUNK_ROWS] = _buckets(keys[start : start + CHUNK_ROWS])
        present = np.zeros(1 << BUCKET_BITS, dtype=bool)
        present[buckets] = True
        touched = np.flatnonzero(present)
        scan = self._at_most("bands", (), len(touched) * 8)  # one scan (a range per part)
        step = (1 << BUCKET_BITS) // BAND_MERGE_PARTS
        for low in range(0, 1 << BUCKET_BITS, step):
            part = (buckets >= low) & (buckets < low + step)
            if not part.any():
                continue
            if scan:
                query = "SELECT bucket, rows FROM bands WHERE bucket >= ? AND bucket < ?"
                held = [
                    np.frombuffer(blob, dtype="<i8").reshape(-1, 2)
                    for bucket, blob in self.db.execute(query, (low, low + step))
                    if present[bucket]
                ]
            else:
                wanted = touched[(touched >= low) & (touched < low + step)]
                held = list(self._bucket_rows(wanted.tolist()).values())
            taken = np.flatnonzero(part)
            rows = np.concatenate([np.column_stack((keys[taken], contents[taken // width])), *held])
            rows = rows.astype("<i8", copy=False)
            del part, taken, held
            rows = rows[np.lexsort((rows[:, 1], rows[:, 0].view(np.uint64)))]
            rows = rows[np.r_[True, (rows[1:] != rows[:-1]).any(axis=1)]]  # no pair twice
            in_rows = _buckets(rows[:, 0])
            starts = np.flatnonzero(np.r_[True, in_rows[1:] != in_rows[:-1]])
            ends = np.r_[starts[1:], len(rows)]
            self.db.executemany(
                "INSERT OR REPLACE INTO bands VALUES (?, ?)",
                (
                    (bucket, rows[start:end].tobytes())
                    for bucket, start, end in zip(
                        in_rows[starts].tolist(), starts.tolist(), ends.tolist()
                    )
                ),
            )


def is_damaged(error: sqlite3.Error) -> bool:
    """Does SQLite say the file is damaged (not busy, read-only, full...)?"""
    code = getattr(error, "sqlite_errorcode", None)  # an extended code: the low byte is its kind
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return "malformed" in str(error) or "not a database" in str(error)  # Python < 3.11


def feature_row(f: Features) -> tuple[int, int | None, int, str, bytes]:
    """The `features` row of `f` as `store` takes it (the configuration aside); the corpus
    stage makes them from its table's columns (`FeatureTable.cache_rows`)."""
    return f.content, f.text_hash, f.shingles, " ".join(map(str, f.excluded)), f.signature


def _delete(path: Path, warnings: list[str]) -> bool:
    """Delete a broken cache file and its journals; False (with a warning) if it cannot be."""
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(f"{path}{suffix}")
        except FileNotFoundError:
            pass
        except OSError as exc:
            warnings.append(
                f"{path}: cannot delete the broken cache ({exc.strerror or exc}); "
                "running without it"
            )
            return False
    return True


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=BUSY_POLL_SECONDS, isolation_level="DEFERRED")
    try:
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_POLL_SECONDS * 1000)}")
        # Switching a new file upgrades a read lock to a write lock, for which SQLite calls
        # no busy handler (two connections could wait for each other): with another run
        # creating the cache, it failed at once, and the run went without the cache.
        _waiting(lambda: db.execute("PRAGMA journal_mode = WAL"))
        db.execute("PRAGMA synchronous = NORMAL")
        _waiting(lambda: db.executescript(_SCHEMA))  # (each table "IF NOT EXISTS")
        meta = dict(
            db.execute("SELECT key, value FROM meta WHERE key IN ('application', 'format')")
        )
        if not meta:
            tables = {
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            count = db.execute("SELECT count(*) FROM files").fetchone()[0]
            known = {"meta", "files", "features", "bands", "folders", "similarities"}
            known |= {"line_hashes", "results", "stages"}
            if tables - known or count:
                raise CacheUnusable("not a corpus-lint cache")
            with db:
                _begin(db)
                db.execute("INSERT OR IGNORE INTO meta VALUES ('application', ?)", (APPLICATION,))
                db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
        elif meta.get("application") != APPLICATION:
            raise CacheUnusable("not a corpus-lint cache")
        elif meta.get("format") != FORMAT:
            raise CacheUnusable(f"cache format {meta.get('format')} is not {FORMAT}")
    except BaseException:
        db.close()
        raise
    return db


def _begin(db: sqlite3.Connection) -> None:
    """A write transaction: the write lock, taken at once (as every write of the cache is)."""
    _waiting(lambda: db.execute("BEGIN IMMEDIATE"))


def _waiting(take_lock: Callable[[], object]) -> None:
    """Run something that takes the write lock, waiting for another run that holds it up to
    BUSY_TIMEOUT_SECONDS, in Python (see BUSY_POLL_SECONDS)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            take_lock()
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(BUSY_POLL_SECONDS)


def _is_busy(error: sqlite3.Error) -> bool:
    """Does SQLite say another connection holds the lock ("database is locked")?"""
    code = getattr(error, "sqlite_errorcode", None)  # as in `is_damaged`
    if code is not None:
        return code & 0xFF == sqlite3.SQLITE_BUSY
    return "database is locked" in str(error)  # Python < 3.11


# Band keys made into buckets at a time by `_store_bands` (2 MB of them).
CHUNK_ROWS = 1 << 18


def _buckets(keys: np.ndarray) -> np.ndarray:
    """The bucket of each band key: its top BUCKET_BITS bits."""
    import numpy as np

    return (keys.view(np.uint64) >> np.uint64(64 - BUCKET_BITS)).astype(np.int64)


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _marks(chunk: list) -> str:
    return ", ".join("?" * len(chunk))

"""Which files a run looks at: the paths given, walked and filtered by include/exclude."""

from __future__ import annotations

import os
import re
import struct
from array import array
from collections.abc import Collection, Iterable, Iterator
from functools import cache
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from xxhash import xxh3_64_intdigest  # every run stats its files for the result cache (0.4 ms)

from corpus_lint import interrupts
from corpus_lint.config import Settings, glob_matches, glob_regex, is_url
from corpus_lint.rule import is_selected

if TYPE_CHECKING:
    from corpus_lint.parallel import Tasks
    from corpus_lint.rule import Diagnostic

# Folders never walked into, .gitignore or not: version control, caches, virtual
# environments (the README lists them).
SKIPPED_DIRS = {
    ".git",
    ".hg",
    ".svn",
    ".corpus_lint_cache",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
}


def identity(status: os.stat_result) -> tuple[int, int]:
    """(stamp, size): what a file is recognised by between runs, the one place that decides
    "is this still the file seen before" for the signature cache and changed-files runs.

    The stamp hashes the mtime, the ctime and the inode: an edit in place that sets the size
    and mtime back (`touch -d`) still moves the ctime, which no program can set, and a file
    replaced by another has another inode (as git's index does).
    """
    mask = _STAMP_MASK  # any time (before 1970, after 2262) packs
    stamp = _STAMP(status.st_mtime_ns & mask, status.st_ctime_ns & mask, status.st_ino & mask)
    value = xxh3_64_intdigest(stamp)
    return (value - (1 << 64) if value >= 1 << 63 else value), status.st_size  # to_int64


def to_int64(value: int) -> int:
    """An unsigned 64-bit hash as the signed integer SQLite stores."""
    return value - (1 << 64) if value >= 1 << 63 else value


_STAMP = struct.Struct("<QQQ").pack
_STAMP_MASK = (1 << 64) - 1


def relative_to_root(path: Path, settings: Settings) -> str:
    """A path relative to the configuration folder, "/"-separated, for glob matching."""
    if path.is_absolute() and ".." not in path.parts:
        # Files found by walking a corpus folder (absolute, under the resolved root): no
        # resolve(), whose system calls per file dominated a run over 100,000 files.
        try:
            return path.relative_to(settings.root).as_posix()
        except ValueError:
            pass
    try:
        # realpath, not resolve(): a link loop must not raise.
        return Path(os.path.realpath(path)).relative_to(settings.root).as_posix()
    except ValueError:
        return path.as_posix()


def relative_names(path: Path, settings: Settings) -> list[str]:
    """`relative_to_root` of the path, then its names through the configured corpus folders
    that are links and hold it: with `corpus = ["corpus"]`, a link to store/, the walk names
    a file corpus/a.txt, but a file named on the command line (or a finding's path, for
    `per-file-ignores`) is store/a.txt to `relative_to_root`. A glob naming it either way
    matches, so the walk, pre-commit's files and the fixes judge it alike."""
    relative = relative_to_root(path, settings)
    linked = _linked_corpus_roots(settings)
    if not linked:
        return [relative]
    return [relative, *_names_through(_real_path(path), relative, linked, settings)]


def _real_path(path: Path | str) -> str:
    """`os.path.realpath`, its folder's looked up once a run (`forget_ignore_files`): one
    `lstat` a file, not one a part of its path (a finding's path, for each finding; the
    files pre-commit names, many in a few folders)."""
    text = os.fspath(path)
    if os.pardir in text.split(os.sep):  # ".." after a link: the parent of its target
        return os.path.realpath(text)
    folder, name = os.path.split(os.path.abspath(text))
    real = os.path.join(_real_folder(folder), name)
    return os.path.realpath(real) if name and os.path.islink(real) else real


@cache
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def _names_through(
    real: str, relative: str, linked: list[tuple[str, str]], settings: Settings
) -> list[str]:
    """The names inside the root, but `relative`, of the file or folder whose real path is
    `real`, through each of the `linked` (absolute, real) corpus folders that holds it."""
    names = []
    for absolute, real_root in linked:
        if real != real_root and not real.startswith(os.path.join(real_root, "")):
            continue
        try:
            name = Path(absolute + real[len(real_root) :]).relative_to(settings.root).as_posix()
        except ValueError:
            continue
        if name != relative and name not in names:
            names.append(name)
    return names


def _linked_corpus_roots(settings: Settings) -> list[tuple[str, str]]:
    """(absolute path, real path) of each local corpus folder that is reached through a
    link (most corpora: none)."""
    return _linked_roots(settings.root, tuple(map(str, settings.corpus)))


@cache
def _linked_roots(root: Path, corpus: tuple[str, ...]) -> list[tuple[str, str]]:
    from corpus_lint.config import is_url

    folders = [os.path.normpath(os.path.join(root, c)) for c in corpus if not is_url(c)]
    return [(f, real) for f in folders if (real := os.path.realpath(f)) != f]


def is_excluded(path: Path, settings: Settings) -> bool:
    """Excluded when the file or any folder above it (inside the root) matches an exclude
    glob, under any of its names (`relative_names`)."""
    if not settings.exclude:
        return False
    return any(excluded_relative(r, settings) for r in relative_names(path, settings))


def excluded_relative(relative: str, settings: Settings) -> bool:
    """`is_excluded` of a "/"-separated path relative to the root (or, for the Dask
    executor, to the URL given)."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(glob_matches(g, p) for g in settings.exclude for p in prefixes)


def is_included(path: Path, settings: Settings) -> bool:
    """Included when an `include` glob matches the file under any of its names
    (`relative_names`), as the walk includes it."""
    return any(included_relative(r, settings) for r in relative_names(path, settings))


def included_relative(relative: str, settings: Settings) -> bool:
    return any(glob_matches(g, relative) for g in settings.include)


def discover(
    paths: Iterable[Path], settings: Settings, warnings: list[str] | None = None
) -> tuple[list[Path], list[str]]:
    """`discover_names`, each file a `Path`."""
    names, errors = discover_names(paths, settings, warnings)
    return _paths(names), errors


def discover_names(
    paths: Iterable[Path],
    settings: Settings,
    warnings: list[str] | None = None,
    links: list[str] | None = None,
) -> tuple[list[str], list[str]]:
    """Files to lint under `paths`, sorted, and one-line errors for paths that cannot be read.
    Each file is a string, as its `Path` prints (given ".", "sub/a.txt"), so a file reached
    through two of the paths ("." and "a.txt") is one: the engine holds them for the whole
    run, and a `Path` with its parts took 355 bytes a file more.

    A file named directly is linted even if `include` would not pick it (as ruff does), but
    `exclude` still applies, so pre-commit cannot force an excluded file in. Symbolic links
    found in folders are not followed, so a link loop or a link out of the corpus is never
    walked; a path named directly that leaves the corpus through a link is an error, unread.
    The links found in folders that would be files to lint go to `links`, if given: files
    left out, which a run must say.
    """
    from corpus_lint.document import display

    # Paths as strings until sorted: hashing and sorting 100,000 Path objects took a second.
    found: set[str] = set()
    forget_ignore_files()  # a long-lived process (tests, an editor) may see them change
    errors: list[str] = []
    paths = list(paths)
    for path in paths:
        try:
            if leaves_corpus_through_link(path, settings):
                # Not read (a link committed to a repository must not pull a file from out
                # of it into a report, or make --fix rewrite it), and an error: the user
                # named it, so a run without it has not checked what it was asked to.
                real = os.path.realpath(path)
                errors.append(
                    f"{display(path)}: symbolic link out of {settings.root}"
                    f"{' and the corpus' if settings.corpus else ''}, not followed (name "
                    f"{real} itself, or configure it as the corpus)"
                )
            elif path.is_dir():
                pending = _start(path, settings)
                walk = _walk_pending(pending, settings, errors, stat=False, links=links)
                for directory, named in walk:
                    prefix = _normal_prefix(directory)
                    found.update([prefix + name for name, _, _ in named])
            elif path.exists():
                if not is_excluded(path, settings):
                    found.add(str(path))  # a Path prints normal
            elif path.is_symlink():
                errors.append(f"{display(path)}: broken symbolic link or link loop")
            else:
                try:
                    os.stat(path)  # why not: a link loop on the way is no missing file
                except FileNotFoundError:
                    pass
                errors.append(f"{path}: no such file or directory")  # (or it came meanwhile)
        except OSError as exc:  # a name too long, a folder not searchable: not a traceback
            errors.append(f"{display(path)}: cannot read: {exc.strerror or exc}")
    names = sorted(found, key=_posix if os.sep != "/" else None)
    if len(paths) > 1 and _reach_the_same_files(paths):
        names = _one_name_a_file(names, warnings)
    return names, errors


def _reach_the_same_files(paths: list[Path]) -> bool:
    """Whether two of the paths reach the same files under different names: `check corpus
    store` where corpus is a link to store, `check store /home/me/store`, `check a.txt
    sub/../a.txt`. (The walk follows no link, so only the paths given can; `check corpus
    corpus/a`, or a working directory reached through a link, names each file once.) A
    path's real place, links followed, is compared with the others' and their ancestors':
    a path under another as it really is must be written as the other's walk names it
    (`check sub sub/../sub/a.txt`, `check . /home/me/a.txt`: two names)."""
    given: dict[str, set[str]] = {}  # real path -> the paths, as written, that lead there
    for path, real in zip(paths, _real_paths(paths)):
        given.setdefault(real, set()).add(str(path))
    for real, written in given.items():
        if len(written) > 1:
            return True
        (name,) = written
        folder = real
        while (parent := os.path.dirname(folder)) != folder:
            folder = parent
            for other in given.get(folder, ()):
                if str(Path(name)) != str(Path(other, os.path.relpath(real, folder))):
                    return True
    return False


def _real_paths(paths: list[Path]) -> list[str]:
    """`os.path.realpath` of each path, its folder's resolved once (pre-commit names many
    files of a few folders: one `lstat` a file, not one a part of its path)."""
    return [_real_path(path) for path in paths]


def distinct_roots(roots: list[Path | str], settings: Settings) -> list[Path | str]:
    """The corpus roots without those whose files another root holds under other names: a
    link to a folder or file of another root, or one of two roots that are the same folder
    through a link (the one that needs no link kept, else the first). Walked both, each such
    file was its own duplicate. Roots that overlap as written (`corpus`, `corpus/a`) stay:
    the walk names their files alike; so does a root the other's walk does not reach (under
    a folder it skips, excludes or ignores: read as cached, `forget_ignore_files`). URLs stay
    as they are."""
    from corpus_lint.config import is_url

    here = os.path.realpath(os.curdir)  # a working directory reached through a link is no link
    local = [(i, os.path.realpath(r), os.path.join(here, r)) for i, r in enumerate(roots)]
    local = [(i, real, absolute) for i, real, absolute in local if not is_url(roots[i])]
    dropped = set()
    for i, real, absolute in local:
        for j, other_real, other_absolute in local:
            if j == i or j in dropped:
                continue
            if real == other_real:
                if os.path.relpath(absolute, other_absolute) == os.curdir:
                    continue  # the same path, spelt otherwise
                plain = _needs_no_link(absolute, real, here)
                other_plain = _needs_no_link(other_absolute, other_real, here)
                if (other_plain, j < i) > (plain, False):
                    dropped.add(i)
                    break
            elif (
                real.startswith(os.path.join(other_real, ""))
                and os.path.relpath(absolute, other_absolute) != os.path.relpath(real, other_real)
                and _walk_reaches(roots[j], os.path.relpath(real, other_real), settings)
            ):
                dropped.add(i)
                break
    return [root for i, root in enumerate(roots) if i not in dropped]


def _needs_no_link(path: Path | str, real: str, here: str) -> bool:
    """Whether `path` leads to `real` without a link, from `here`, the real working
    directory (one reached through a link is no link of the path's)."""
    return os.path.normpath(os.path.join(here, path)) == real


def _walk_reaches(root: Path | str, relative: str, settings: Settings) -> bool:
    """Whether the walk of folder `root` finds `root/relative`: each folder on the way is
    listed by `_walk_pending` itself (its skipped, excluded and git-ignored folders, its
    included files), and the next part looked for among the subfolders it enters, the last
    among them or its files. A few folders listed, for a rare configuration (one corpus root
    linked into another)."""
    pending = _start(Path(os.path.abspath(root)), settings)  # as `CorpusWalk` starts it
    parts = relative.split(os.sep)
    for index, name in enumerate(parts):
        if not pending:
            return False
        folder = pending[0][0]
        # One step: this folder listed, the subfolders it enters left in `pending`.
        walked = next(_walk_pending(pending, settings, [], stat=False), None)
        if walked is None:  # not readable
            return False
        if index == len(parts) - 1 and any(file == name for file, _, _ in walked[1]):
            return True
        pending = [p for p in pending if p[0] == os.path.join(folder, name)]
    return bool(pending)


def _one_name_a_file(names: list[str], warnings: list[str] | None) -> list[str]:
    """`names` with each file once (links followed), under the name that needs no link if
    one does, else the first: the others are dropped, with a warning. Checked twice, a file
    was reported a duplicate of itself, and `--fix --unsafe-fixes` deleted it."""
    from corpus_lint.document import display

    here = os.path.realpath(os.curdir)  # a working directory reached through a link is no link
    by_file: dict[str, list[str]] = {}
    for name, real in zip(names, _real_paths([Path(n) for n in names])):
        by_file.setdefault(real, []).append(name)
    kept: set[str] = set()
    twice: list[tuple[str, str]] = []  # (dropped, kept)
    for real, named in by_file.items():
        plain = [n for n in named if _needs_no_link(n, real, here)]
        # Of those, one without "..", as the walk names files (`sub/a.txt`, not `sub/../sub/a.txt`).
        plain.sort(key=lambda n: os.pardir in n.split(os.sep))
        keep = plain[0] if plain else named[0]
        kept.add(keep)
        # Shown alike (`a.txt`, `/home/me/a.txt`), the two are one name to the user: no warning.
        twice += [(name, keep) for name in named if display(name) != display(keep)]
    if twice and warnings is not None:
        dropped, keep = twice[0]
        others = len(twice) - 1
        more = f" ({others} more {'file' if others == 1 else 'files'} likewise)" if others else ""
        warnings.append(
            f"{display(dropped)}: the same file as {display(keep)}, checked once under that "
            f"name{more}"
        )
    return [name for name in names if name in kept]


def _paths(names: list[str]) -> list[Path]:
    """`[Path(name) for name in names]` in two thirds of its time: each file is its folder's
    Path joined with its name, not parsed whole (0.4 s of a warm run over 100,000 files)."""
    folders: dict[str, Path | None] = {}
    paths = []
    for name in names:
        folder, base = os.path.split(name)
        parent = folders.get(folder, False)
        if parent is False:
            parent = Path(folder)
            # Only a folder Path that prints as given (not "./a", "a//b") and is no root
            # ("//x" keeps its two slashes) joins to what parsing the whole name gives.
            plain = str(parent) == folder and not folder.endswith(os.sep)
            parent = folders[folder] = parent if plain else None
        paths.append(Path(name) if parent is None or not base else parent / base)
    return paths


def _normal_prefix(folder: str) -> str:
    """What a walked folder's file names start with, each name as its `Path` prints (the
    walk of "." finds "./sub/a.txt", which prints "sub/a.txt"): made once a folder, not
    parsed again for each name (0.1 s of a check of 100,000 files, before any worker starts)."""
    normal = str(Path(folder))
    return "" if normal == os.curdir else os.path.join(normal, "")


def _posix(name: str) -> str:
    return name.replace(os.sep, "/") if os.sep != "/" else name


class Folder(NamedTuple):
    """A corpus folder as `corpus_folders` walked it."""

    count: int  # included files
    digest: int  # `folder_digest` of the rows
    rows: list[tuple[str, int, int]] | None  # None when the digest is one the caller knew


# A corpus of more than this many files is walked (stat'ed) by worker processes: on some
# file systems a stat costs more than the Python loop around it, and folders are
# independent. Below it, starting processes would cost more than they save.
PARALLEL_WALK_FILES = 5_000
# What a run says when a process walking the corpus dies (which folders it held is unknown).
WALKER_DIED = (
    "a process walking the corpus died (killed, or out of memory?); the corpus was not compared"
)


def corpus_folders(
    roots: Iterable[Path], settings: Settings, known: dict[str, set[int]], workers: int = 1
) -> dict[str, Folder]:
    """The files of the corpus, as `discover` finds them, by folder.

    Rows are (absolute path, stamp, size) (see `identity`), one `lstat` per file. A folder
    whose digest is in `known[folder]` (what the cache saw) comes back without its rows: the
    cache vouches for each of its files, and workers need not send 100,000 rows back.
    """
    return CorpusWalk(roots, settings, known, workers).result()


class CorpusWalk:
    """`corpus_folders`, begun at once: past the first PARALLEL_WALK_FILES files the folders
    are walked by worker processes while the caller goes on; `result()` waits for them.

    Until `result()` or `cancel()` is called, worker processes are running: the caller must
    not fork others meanwhile (a process forked while another pool's threads run can hang).
    """

    def __init__(
        self,
        roots: Iterable[Path],
        settings: Settings,
        known: dict[str, set[int]],
        workers: int = 1,
        first: Collection[str] = (),
    ) -> None:
        roots = [Path(os.path.abspath(root)) for root in roots]
        named: dict[str, list[tuple[str, int, int]]] = {}  # rare: files given as corpus roots
        for root in roots:
            if not root.is_dir() and root.is_file() and not is_excluded(root, settings):
                named.setdefault(str(root.parent), []).append((str(root), *identity(root.stat())))
        known = {folder: digests for folder, digests in known.items() if folder not in named}
        self._named = named
        self._found: dict[str, Folder] = {}
        self._errors: list[str] = []  # folders that could not be read (see `errors`)
        self._pool: Tasks | None = None
        # With workers, the corpus is first only listed (no stat: a tenth of the cost) until
        # it proves large; then every folder goes to the workers at once, those listed
        # without their subfolders (already among the rest). The stat'ing before the fork
        # took 0.02-0.03 s of a pre-commit run's critical path.
        stat_now = workers <= 1
        listed: list[tuple[str, str, Others]] = []  # (`_start`): walked without stat
        left: list[tuple[str, str, Others]] = []  # for the workers, subfolders too
        seen = 0
        for root in roots:
            if not root.is_dir():
                if not root.exists():  # a corpus that is not there compares with nothing
                    self._errors.append(
                        f"{root}: no such file or directory (a folder of the configured corpus)"
                    )
                continue
            pending = _start(root, settings)
            if seen > PARALLEL_WALK_FILES:  # past the count: the rest goes as it is
                left += pending
                continue
            for folder, rows in _walk_pending(pending, settings, self._errors, stat_now, listed):
                if stat_now:
                    self._found[folder] = _walked_folder(folder, rows, known.get(folder, ()))
                seen += len(rows)
                if not stat_now and seen > PARALLEL_WALK_FILES:
                    left += pending
                    break
        if not stat_now and seen <= PARALLEL_WALK_FILES:  # a small corpus: stat'ed here
            for folder, rows in _walk_pending(listed, settings, self._errors, True, descend=False):
                self._found[folder] = _walked_folder(folder, rows, known.get(folder, ()))
        elif listed or left:
            from corpus_lint.parallel import Tasks

            # The `first` folders (a fair share at most) are this process's, walked as soon
            # as the workers are forked (see `walked_here`); without their subfolders, which
            # those not listed yet are listed for now, and go to the workers.
            own = [p for p in listed + left if p[0] in first]
            if 0 < len(own) <= (len(listed) + len(left)) // (workers + 1):
                listed = [p for p in listed if p[0] not in first]
                for start in [p for p in left if p[0] in first]:
                    left.remove(start)
                    below = [start]
                    for _ in _walk_pending(below, settings, self._errors, stat=False):
                        break  # listed: its subfolders are in `below`
                    left += below
            else:
                own = []
            # One share of the folders a worker, dealt in turn (neighbouring folders, often
            # of like size, go to different workers).
            shares = min(workers, len(listed) + len(left))
            calls = [(listed[i::shares], left[i::shares], settings, known) for i in range(shares)]
            self._pool = Tasks(_walk_share_apart, calls, died=WALKER_DIED)
            try:
                self._add(_walk_share(own, [], settings, known))
            except BaseException:  # Ctrl-C here: the caller holds no walk to cancel yet
                self.cancel()
                raise

    def walked_here(self) -> dict[str, Folder]:
        """The folders this process walked, as `result()` will give them, while the workers
        may still be walking the others (a small corpus: all of them)."""
        return {f: walked for f, walked in self._found.items() if f not in self._named}

    def _add(self, walked: tuple[list[tuple[str, Folder]], list[str]]) -> None:
        folders, errors = walked
        self._found.update(folders)
        self._errors += errors

    @property
    def errors(self) -> list[str]:
        """Why a folder of the corpus was left out of the walk (it could not be listed), once
        `result()` is in: a run that did not compare every file must not say it passed."""
        return sorted(set(self._errors))  # (a folder listed, then walked again, fails twice)

    def result(self) -> dict[str, Folder]:
        if self._pool is not None:
            for part in self._pool.results():  # cancelled there on Ctrl-C
                self._add(part)
            self._pool = None
        for folder, files in self._named.items():
            walked = self._found.get(folder)
            rows = list(walked.rows) if walked and walked.rows is not None else []
            rows += [row for row in files if row not in rows]
            self._found[folder] = _folder(rows, ())
        self._named = {}
        return self._found

    def cancel(self) -> None:
        if self._pool is not None:
            self._pool.cancel()
            self._pool = None


def walk_folder(folder: str, settings: Settings, errors: list[str]) -> Folder:
    """One corpus folder as `corpus_folders` walks it, with its rows (its subfolders are not
    walked: the folder itself comes first); why it could not be, in `errors`."""
    for walked, rows in _walk_pending(_start(Path(folder), settings), settings, errors, stat=True):
        return _walked_folder(walked, rows, ())
    return _folder([], ())


def _folder(rows: list[tuple[str, int, int]], known_digests: Collection[int]) -> Folder:
    digest = folder_digest(rows)
    return Folder(len(rows), digest, None if digest in known_digests else rows)


def _walked_folder(
    folder: str, named: list[tuple[str, int, int]], known_digests: Collection[int]
) -> Folder:
    """`_folder` of a folder as `_walk_pending` gives it: (name, unsigned stamp, size) rows.
    Its digest is `folder_digest`'s, made without a row a file (0.04 CPU-s of a walk over
    100,000 files): rows are made only for a folder the caller did not know."""
    named.sort(key=itemgetter(0))  # names differ: by name alone (whole rows: 3 times as long)
    names, stamps, sizes = zip(*named) if named else ((), (), ())
    base = os.path.join(folder, "")
    described = base + ("\0" + base).join(names) if names else ""
    digest = _digest(described, array("Q", stamps), array("q", sizes))  # "Q": same bytes
    if digest in known_digests:
        return Folder(len(named), digest, None)
    return Folder(len(named), digest, [(base + n, to_int64(s), size) for n, s, size in named])


def folder_digest(rows: list[tuple[str, int, int]]) -> int:
    """A hash of a folder's files as walked: the path, stamp and size of each, in path
    order (as a signed 64-bit integer, as SQLite stores it)."""
    rows = sorted(rows, key=itemgetter(0))  # paths differ: no need to compare whole rows
    described = "\0".join([path for path, _, _ in rows])
    return _digest(described, array("q", [r[1] for r in rows]), array("q", [r[2] for r in rows]))


def _digest(described: str, stamps: array, sizes: array) -> int:
    hashed = described.encode("utf-8", "surrogateescape") + stamps.tobytes() + sizes.tobytes()
    return to_int64(xxh3_64_intdigest(hashed))


def _walk_share_apart(*args: Any) -> tuple[list[tuple[str, Folder]], list[str]]:
    """`_walk_share` in a walking worker."""
    interrupts.pause("walk-share")  # for the test suite (see `interrupts.pause`)
    return _walk_share(*args)


def _walk_share(
    listed: list[tuple[str, str, Others]],
    starts: list[tuple[str, str, Others]],
    settings: Settings,
    known: dict[str, set[int]],
) -> tuple[list[tuple[str, Folder]], list[str]]:
    """A walking worker's part of `CorpusWalk`: the `listed` folders alone, the `starts`
    with their subfolders (Ctrl-C is ignored: the parent cancels); and the folders' errors."""
    errors: list[str] = []
    walked = chain(
        _walk_pending(listed, settings, errors, stat=True, descend=False),
        _walk_pending(starts, settings, errors, stat=True),
    )
    folders = [
        (folder, _walked_folder(folder, rows, known.get(folder, ()))) for folder, rows in walked
    ]
    return folders, errors


# A walked folder's other names inside the root, each + "/": through the configured corpus
# folders that are links (`relative_names`); () for most.
Others = tuple[str, ...]


def _start(folder: Path, settings: Settings) -> list[tuple[str, str, Others]]:
    """The walk of `folder`: [(folder, its path relative to the root + "/", `Others`)], or
    nothing if it is excluded."""
    if settings.exclude and is_excluded(folder, settings):
        return []
    relative = relative_to_root(folder, settings)
    linked = _linked_corpus_roots(settings)
    others: Others = ()
    if linked:
        names = _names_through(os.path.realpath(folder), relative, linked, settings)
        others = tuple("" if name == "." else name + "/" for name in names)
    return [(str(folder), "" if relative == "." else relative + "/", others)]


def _walk_pending(
    pending: list[tuple[str, str, Others]],
    settings: Settings,
    errors: list[str],
    stat: bool,
    walked: list[tuple[str, str, Others]] | None = None,
    descend: bool = True,
    links: list[str] | None = None,
) -> Iterator[tuple[str, list[tuple[str, int, int]]]]:
    """(folder, [(name, stamp, size)]) for the included files of each folder under the
    (folder, prefix, other names) of `pending` (see `_start`), which it consumes, in no
    particular order: a caller that stops early finds the folders not yet walked there (and
    those walked in `walked`, if given). Not `descend`: the subfolders of the folders of
    `pending` are not walked. Excluded folders, SKIPPED_DIRS and symbolic links are not
    walked into.

    Each stamp is `identity`'s as an unsigned integer, and with the size 0 unless `stat`: a
    folder's files are made into paths and rows only when needed (see `_walked_folder`).
    A symbolic link that would be such a file is not walked, but added to `links` (its name
    as a file's `Path` prints), if given."""
    suffixes, name_pattern, path_pattern = _include_matchers(tuple(settings.include))
    exclude = settings.exclude
    hash_stamp, pack_stamp = xxh3_64_intdigest, _STAMP
    # The folders linked corpus folders lead to, by real path: their names through the link,
    # which a folder walked into (`check .` entering store/) takes on too.
    linked = {
        real: (name + "/",)
        for absolute, real in _linked_corpus_roots(settings)
        for name in _names_through(real, "", [(absolute, real)], settings)
    }
    while pending:
        directory, prefix, others = pending.pop()
        if walked is not None:
            walked.append((directory, prefix, others))
        absolute = os.path.abspath(directory)
        ignores = gitignores(absolute) if settings.respect_gitignore else ()
        excluded_too = others if exclude else ()  # a glob may name it through a corpus link
        # Listed and stat'ed through the folder's descriptor where the platform allows it:
        # each stat then looks up one name, not the whole path (a tenth of a walk's time);
        # each entry taken as listed, not all listed first (another tenth).
        found: list[tuple[str, int, int]] = []
        subfolders = len(pending)  # this folder's are added past here
        fd = None
        try:
            if _SCANDIR_FD:
                fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            with os.scandir(directory if fd is None else fd) as entries:
                for entry in entries:
                    name = entry.name
                    is_link = False
                    try:
                        if entry.is_file(follow_symlinks=False):  # the usual entry: one call
                            is_dir = False
                        elif entry.is_symlink():
                            if links is None:
                                continue
                            is_dir, is_link = False, True  # told apart from a file below
                        else:
                            is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        continue
                    if is_dir:
                        if (
                            descend
                            and name not in SKIPPED_DIRS
                            and not (exclude and _matches_any(exclude, prefix + name))
                            and not any(_matches_any(exclude, o + name) for o in excluded_too)
                            and not (ignores and is_gitignored(ignores, absolute, name, True))
                        ):
                            below = tuple(o + name + "/" for o in others)
                            if linked:
                                below += linked.get(os.path.join(absolute, name), ())
                            pending.append(
                                (os.path.join(directory, name), prefix + name + "/", below)
                            )
                        continue
                    if not (
                        name.endswith(suffixes)
                        or (name_pattern is not None and name_pattern.match(name))
                        or (path_pattern is not None and path_pattern.match(prefix + name))
                        or (
                            path_pattern is not None
                            and any(path_pattern.match(o + name) for o in others)
                        )
                    ):
                        continue
                    if exclude and _matches_any(exclude, prefix + name):
                        continue
                    if excluded_too and any(_matches_any(exclude, o + name) for o in excluded_too):
                        continue
                    if ignores and is_gitignored(ignores, absolute, name, is_dir=False):
                        continue
                    if is_link:
                        links.append(_normal_prefix(directory) + name)  # type: ignore[union-attr]
                        continue
                    if stat:
                        try:
                            info = entry.stat(follow_symlinks=False)
                        except OSError:
                            continue
                        try:  # `identity`, inlined (a call a file) and unsigned
                            stamp = hash_stamp(
                                pack_stamp(info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
                            )
                        except struct.error:  # a time before 1970 or past 2554: masked
                            stamp = identity(info)[0] & _STAMP_MASK
                        found.append((name, stamp, info.st_size))
                    else:
                        found.append((name, 0, 0))
        except OSError as exc:  # the folder could not be opened or listed: none of it is walked
            # (Imported here: a pre-commit run's corpus walk begins before the documents'
            # modules are imported, `commands.early_walk`.)
            from corpus_lint.document import display

            del pending[subfolders:]
            errors.append(f"{display(Path(directory))}: cannot read the folder: {exc.strerror}")
            continue
        finally:
            if fd is not None:
                os.close(fd)
        yield directory, found


# os.scandir of a folder's descriptor, whose entries stat by name relative to it (POSIX).
_SCANDIR_FD = os.scandir in os.supports_fd and hasattr(os, "O_DIRECTORY")


# --- .gitignore ------------------------------------------------------------------------------
# Inside a git repository, what git ignores is left out of walks, as ruff does: the
# .gitignore files from the repository's root down to each folder, and .git/info/exclude.
# The patterns are matched by `pathspec`, whose GitIgnoreSpec follows git's own rules
# (negation, anchoring, "**", a deeper file overriding a shallower one is done here).

IgnoreChain = tuple  # ((folder, spec, regex of any pattern), ...), shallowest first


def forget_ignore_files() -> None:
    """Read the ignore files and repositories anew (they are cached for a run)."""
    gitignores.cache_clear()
    _in_repository.cache_clear()
    _linked_roots.cache_clear()
    _real_folder.cache_clear()


@cache
def gitignores(folder: str) -> IgnoreChain:
    """The ignore files that apply inside `folder` (an absolute path string): () when it is
    not inside a git repository or nothing is ignored there."""
    chain: IgnoreChain
    if os.path.exists(os.path.join(folder, ".git")):
        chain = _ignore_spec(folder, os.path.join(folder, ".git", "info", "exclude"))
    else:
        parent = os.path.dirname(folder)
        if parent == folder:
            return ()  # not in a repository: no .gitignore applies, as for git itself
        chain = gitignores(parent)
        if not chain and not _in_repository(parent):
            return ()
    return chain + _ignore_spec(folder, os.path.join(folder, ".gitignore"))


@cache
def _in_repository(folder: str) -> bool:
    if os.path.exists(os.path.join(folder, ".git")):
        return True
    parent = os.path.dirname(folder)
    return parent != folder and _in_repository(parent)


def _ignore_spec(folder: str, file: str) -> IgnoreChain:
    try:
        with open(file, encoding="utf-8", errors="surrogateescape") as handle:
            lines = handle.read().splitlines()
    except OSError:  # no such file (the usual case), or unreadable: git skips it too
        return ()
    import pathspec

    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError:  # a line of "!" or a backslash alone: git skips it, pathspec refuses it
        spec = pathspec.GitIgnoreSpec.from_lines(line for line in lines if _is_pattern(line))
    if not any(pattern.include is not None for pattern in spec.patterns):
        return ()
    return ((folder, spec, _any_pattern(spec)),)


def _is_pattern(line: str) -> bool:
    """Does pathspec take this .gitignore line (a pattern, a comment or a blank line)?"""
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


def _any_pattern(spec) -> re.Pattern[str] | None:
    """One regular expression matching what any of the spec's patterns matches: most corpus
    files match none, and one search costs a tenth of asking each pattern (0.3 s for
    100,000 files). None when the patterns are not plain regular expressions."""
    try:
        parts = [
            re.sub(r"\(\?P<\w+>", "(?:", pattern.regex.pattern)
            for pattern in spec.patterns
            if pattern.include is not None
        ]
        return re.compile("|".join(f"(?:{part})" for part in parts))
    except (AttributeError, TypeError, re.error):
        return None


def is_gitignored(chain: IgnoreChain, directory: str, name: str, is_dir: bool) -> bool:
    """Is `name`, in `directory` (absolute: the folder whose chain this is), ignored? The
    deepest ignore file with a pattern that matches decides; within one file, the last
    matching pattern."""
    path = os.path.join(directory, name)
    for folder, spec, any_pattern in reversed(chain):
        relative = path[len(folder.rstrip(os.sep)) + 1 :]  # folder: an ancestor of directory
        if os.sep != "/":
            relative = relative.replace(os.sep, "/")
        if is_dir:
            relative += "/"
        if any_pattern is not None and not any_pattern.match(relative):
            continue
        verdict = spec.check_file(relative).include
        if verdict is not None:
            return verdict
    return False


def _matches_any(globs: Iterable[str], relative: str) -> bool:
    return any(glob_matches(g, relative) for g in globs)


@cache
def _include_matchers(
    include: tuple[str, ...],
) -> tuple[tuple[str, ...], re.Pattern[str] | None, re.Pattern[str] | None]:
    """The include globs compiled once: name suffixes (from the usual "*.txt"), then one
    regular expression for the other globs on the name and one for the globs on the path."""
    by_name = [g.rstrip("/") for g in include if "/" not in g.rstrip("/")]
    by_path = [g.rstrip("/") for g in include if "/" in g.rstrip("/")]
    simple = [g for g in by_name if re.fullmatch(r"\*[^*?\[\]]*", g)]
    others = [g for g in by_name if g not in simple]
    return tuple(g[1:] for g in simple), _joined(others), _joined(by_path)


def _joined(globs: list[str]) -> re.Pattern[str] | None:
    if not globs:
        return None
    return re.compile("|".join(f"(?:{glob_regex(g).pattern})" for g in globs))


def leaves_corpus_through_link(path: Path, settings: Settings) -> bool:
    """Is `path` inside the root as written, but out of it once symbolic links are followed?

    The configured corpus folders count as inside, wherever their own links lead.
    """
    if not _inside(Path(os.path.abspath(path)), settings.root):
        return False
    real = Path(os.path.realpath(path))
    allowed = [settings.root, *(Path(os.path.realpath(c)) for c in settings.corpus)]
    return not any(_inside(real, folder) for folder in allowed)


def _below_url_root(url: str, roots: Iterable[str]) -> str:
    """A listed URL's path below the deepest of `roots` that holds it (the URL itself if none
    does): what `include` and `exclude` matched when it was listed (`distributed.list_url`)."""
    holding = [r for r in roots if url.startswith(r + "/")]
    return url[len(max(holding, key=len)) + 1 :] if holding else url


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def covered_by(path: Path, roots: Iterable[Path]) -> bool:
    """Is `path` inside one of the folders (or equal to one of the files) in `roots`?"""
    resolved = Path(os.path.realpath(path))
    for root in roots:
        root = Path(os.path.realpath(root))
        if resolved == root or root in resolved.parents:
            return True
    return False


def ignored_for_file(diagnostic: Diagnostic, settings: Settings) -> bool:
    """Is the diagnostic dropped by `per-file-ignores` for its file?"""
    if not settings.per_file_ignores:
        return False
    if is_url(diagnostic.path):
        names = [_below_url_root(diagnostic.path, settings.url_roots)]
    else:
        names = relative_names(Path(diagnostic.path), settings)
    return any(
        glob_matches(glob, relative) and not is_selected(diagnostic.code, ["ALL"], codes)
        for glob, codes in settings.per_file_ignores.items()
        for relative in names
    )

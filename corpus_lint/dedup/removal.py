"""`--fix --unsafe-fixes` on DUP003/DUP004: the redundant documents of clusters are deleted.

Only a document reported as redundant (never a keeper: it is named by the diagnostics, and
checked again here), only a file given (a target: a corpus file that a better copy given
makes redundant is reported, not removed), only when its bytes are still those that were
compared. With
`--diff`, each deletion is a git-style diff (`deleted file mode`) that `git apply` and
`patch -p1` both apply.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_lint.dedup.features import content_hash
from corpus_lint.rule import Diagnostic

if TYPE_CHECKING:
    from corpus_lint.analysis import Job, Result


def remove_redundant(
    diagnostics: list[Diagnostic],
    documents: dict[str, Any],
    job: Job,
    result: Result,
) -> list[Diagnostic]:
    """Delete (or diff the deletion of) every redundant document reported; return the
    diagnostics left (those of documents not removed)."""
    from corpus_lint import fixes, interrupts
    from corpus_lint.files import ignored_for_file

    interrupts.pause("dup-remove")  # for the test suite (see `interrupts.pause`)

    keepers = {d.related[0].path for d in diagnostics if d.cluster and d.related}
    # Where each keeper really is: a document that is its keeper's own directory entry under
    # another name (a link, "..", a folder mounted twice) is never removed, whatever led the
    # stage to see two files. (A hard link is an entry of its own: removing it leaves the
    # text under the keeper's name.)
    kept_entries = {_entry(documents[k].path) for k in keepers if documents.get(k) is not None}
    kept_entries.discard(None)
    # A cluster holding a document whose text this run's fixes changed is left whole: its
    # documents were compared and ranked as fixed, not as the check (and --diff) saw them,
    # and a fix can make two files alike (soft hyphens dropped) or change which is kept.
    # The next run compares them as they then are.
    touched = {
        d.cluster: changed
        for d in diagnostics
        if d.cluster
        for changed in [d.path, *(r.path for r in d.related)]
        if changed in result.text_fixed
    }
    left = []
    kept: dict[str, bool] = {}  # keeper -> still holds the bytes compared (`_holds`)
    for d in diagnostics:
        entry = documents.get(d.path) if d.cluster and d.fix else None
        if (
            entry is None
            or d.path in keepers
            or (job.settings is not None and ignored_for_file(d, job.settings))
        ):
            left.append(d)
            continue
        if d.cluster in touched:
            changed = touched[d.cluster]
            whose = "its text" if changed == d.path else f"the text of {changed}, of its cluster"
            result.warnings.append(
                f"{d.path}: not removed: this run's fixes changed {whose}; run again to "
                "compare them as they now are"
            )
            left.append(d)
            continue
        if not entry.target:  # a corpus file a better copy given makes redundant
            result.warnings.append(
                f"{d.path}: not among the files given; not removed (name it to remove it)"
            )
            left.append(d)
            continue
        if _entry(entry.path) in kept_entries:
            result.warnings.append(f"{d.path}: the same file as a document kept; not removed")
            left.append(d)
            continue
        path = Path(entry.path)
        try:
            if path.is_symlink():
                result.warnings.append(f"{d.path}: a symbolic link; not removed")
                left.append(d)
                continue
            raw = path.read_bytes()
            mode = os.stat(path).st_mode
        except OSError as exc:
            result.errors.append(f"{d.path}: cannot remove: {exc.strerror or exc}")
            left.append(d)
            continue
        if job.fix.diff:
            shown = d.path
            old = fixes.diff_name("a/", shown)
            result.diffs = [x for x in result.diffs if not x.startswith(b"--- " + old + b"\n")]
            result.diffs.append(deletion_diff(shown, raw, mode))
        else:
            if content_hash(raw) != entry.content:
                result.errors.append(f"{d.path}: changed while corpus-lint ran; not removed")
                left.append(d)
                continue
            keeper = d.related[0].path if d.related else None
            if keeper is not None and not kept.setdefault(keeper, _holds(documents.get(keeper))):
                # Its text would be left nowhere: the keeper was moved, deleted or rewritten.
                result.errors.append(
                    f"{d.path}: not removed: its keeper {keeper} changed or went away while "
                    "corpus-lint ran"
                )
                left.append(d)
                continue
            if not mode & 0o222 or not os.access(path, os.W_OK):  # as `fixes` refuses to write
                result.errors.append(f"{d.path}: read-only file; not removed")
                left.append(d)
                continue
            try:
                os.unlink(path)
            except OSError as exc:
                result.errors.append(f"{d.path}: cannot remove: {exc.strerror or exc}")
                left.append(d)
                continue
        result.fixed.setdefault(d.path, Counter())[d.code] += 1
    return left


def _holds(entry: Any) -> bool:
    """Whether a keeper's file still holds the bytes the stage compared."""
    if entry is None:
        return False
    try:
        return content_hash(Path(entry.path).read_bytes()) == entry.content
    except OSError:
        return False


def _entry(path: str) -> tuple[int, int, str] | None:
    """The directory entry a path names: its folder's device and inode, and its name. Equal
    for every path to one entry (through links, "..", a folder mounted twice), and for no
    two entries: hard links to one file are entries of their own."""
    try:
        folder = os.stat(os.path.realpath(os.path.dirname(path) or "."))  # ".." after a link
    except OSError:
        return None
    return folder.st_dev, folder.st_ino, os.path.basename(path)


def deletion_diff(shown: str, raw: bytes, mode: int) -> bytes:
    """The deletion of a file as git writes it: `git apply` and `patch -p1` both apply it."""
    from corpus_lint.fixes import diff_name, unified_diff

    a, b = diff_name("a/", shown), diff_name("b/", shown)
    octal = b"100755" if mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH) else b"100644"
    header = b"diff --git " + a + b" " + b + b"\ndeleted file mode " + octal + b"\n"
    if not raw:
        return header
    body = unified_diff(shown, raw, b"")
    first, second, rest = body.split(b"\n", 2)
    return header + first + b"\n+++ /dev/null\n" + rest

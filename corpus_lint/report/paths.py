"""Paths as CI tools want them: relative to the repository root, "/"-separated.

Diagnostics carry paths relative to the working directory; GitHub code scanning, GitHub
annotations and GitLab Code Quality resolve paths from the repository root, which differs
when corpus-lint runs in a subfolder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpus_lint.rule import Diagnostic


def repository_root(start: Path | None = None) -> Path:
    """The nearest folder holding `.git` (a folder, or a file in worktrees), else `start`."""
    start = (start or Path.cwd()).resolve()
    for folder in [start, *start.parents]:
        if (folder / ".git").exists():
            return folder
    return start


def from_root(path: str, root: Path) -> str:
    """A diagnostic's path relative to `root`, "/"-separated: "../" first when it lies
    outside `root` (a path relative to the working directory would name another file once
    resolved from the root); absolute when no relative path leads there (another drive)."""
    absolute = Path(os.path.abspath(path))
    # Resolve the folder (the root is resolved) but not the file, which may be a link.
    absolute = absolute.parent.resolve() / absolute.name
    try:
        return Path(os.path.relpath(absolute, root)).as_posix()
    except ValueError:
        return absolute.as_posix()


def is_outside(path_from_root: str) -> bool:
    """Does a path `from_root` gives lie outside the root?"""
    return (
        path_from_root.startswith("../")
        or path_from_root == ".."
        or Path(path_from_root).is_absolute()
    )


def rooted_message(d: Diagnostic, root: Path) -> str:
    """`d`'s message naming its related files from `root`, as the report names its files: the
    rules name them from the working directory ("same text as x.txt", where the report's
    paths say a/x.txt when the run is in a/)."""
    rooted = {r.path: from_root(r.path, root) for r in d.related}
    rooted = {path: name for path, name in rooted.items() if name != path}
    if not rooted:
        return d.message
    # One pass, the longest names first: a name given from the root may be another related
    # file's name as the rules gave it ("art/a.txt"), which a second pass would rewrite.
    names = "|".join(map(re.escape, sorted(rooted, key=len, reverse=True)))
    named = re.compile(rf"(?<!\S)(?:{names})(?![^\s),:;])")  # a name alone, not in a longer one
    return named.sub(lambda match: rooted[match.group()], d.message)

"""Which files a run looks at: the paths given, walked and filtered by include/exclude."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from corpus_lint.config import Settings, glob_matches

# Folders never walked into: version control, caches, virtual environments.
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
        return path.resolve().relative_to(settings.root).as_posix()
    except ValueError:
        return path.as_posix()


def is_excluded(path: Path, settings: Settings) -> bool:
    """Excluded when the file or any folder above it (inside the root) matches an exclude glob."""
    if not settings.exclude:
        return False
    parts = relative_to_root(path, settings).split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(glob_matches(g, p) for g in settings.exclude for p in prefixes)


def is_included(path: Path, settings: Settings) -> bool:
    relative = relative_to_root(path, settings)
    return any(glob_matches(g, relative) for g in settings.include)


def discover(paths: Iterable[Path], settings: Settings) -> tuple[list[Path], list[str]]:
    """Files to lint under `paths`, sorted, and one-line errors for paths that do not exist.

    A file named directly is linted even if `include` would not pick it (as ruff does), but
    `exclude` still applies, so pre-commit cannot force an excluded file in. Symbolic links to
    folders are not followed, so a link loop or a link out of the corpus is never walked.
    """
    found: set[Path] = set()
    errors: list[str] = []
    for path in paths:
        if path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
                for name in names:
                    file = Path(folder, name)
                    if (
                        is_included(file, settings)
                        and not is_excluded(file, settings)
                        and not file.is_symlink()
                    ):
                        found.add(file)
        elif path.exists():
            if not is_excluded(path, settings):
                found.add(path)
        else:
            errors.append(f"{path}: no such file or directory")
    return sorted(found, key=lambda p: p.as_posix()), errors


def covered_by(path: Path, roots: Iterable[Path]) -> bool:
    """Is `path` inside one of the folders (or equal to one of the files) in `roots`?"""
    resolved = path.resolve()
    for root in roots:
        root = root.resolve()
        if resolved == root or root in resolved.parents:
            return True
    return False

"""Baselines: record today's diagnostics so that only new ones are reported.

A diagnostic's identity must survive lines moving above it, so it is never its line number:
it is the file, the rule code and a hash of the offending text (`Diagnostic.snippet`, with
runs of white space made one). Two diagnostics with the same identity are counted, not told
apart, so a baseline is a multiset: `{key: count}`.

Paths in a baseline file are relative to the folder of the baseline file itself, so the same
file works whatever folder corpus-lint runs from (pre-commit runs from the repository root,
a CI job may `cd` elsewhere).

When a file has more diagnostics of one key than the baseline records, the extra ones are
the new ones; which of the identical-looking diagnostics is "new" cannot be known, so the
ones furthest down the file are reported (text is more often added below than above).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from corpus_lint.config import is_url, read_regular_file
from corpus_lint.rule import Diagnostic

FORMAT_VERSION = 1
# How much of the offending text a baseline keeps beside each hash, for people reading diffs.
SHOWN_TEXT = 60

Key = tuple[str, str, str]  # (path, code, text hash)


class BaselineError(Exception):
    """A baseline file that cannot be read or written; the message names the file."""


def text_hash(diagnostic: Diagnostic) -> str:
    """A short hash of the offending text, blind to how white space is laid out."""
    normalised = " ".join(diagnostic.snippet.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def with_occurrence(diagnostics: Iterable[Diagnostic]) -> list[tuple[Diagnostic, int]]:
    """Each diagnostic with its index among those of the same file, code and text.

    Report formats use (path, code, text hash, occurrence) as a fingerprint that is unique
    within a run and stays the same when lines move.
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for d in diagnostics:
        key = (d.path, d.code, text_hash(d))
        out.append((d, seen[key]))
        seen[key] += 1
    return out


def fingerprint(diagnostic: Diagnostic, occurrence: int, path: str) -> str:
    """A stable hex fingerprint for report formats (SARIF, GitLab): of the file's `path` from
    the repository root (`report.paths.from_root`), so that a CI job run from a subfolder
    keeps its findings' identities."""
    ident = "\0".join((path, diagnostic.code, text_hash(diagnostic), str(occurrence)))
    return hashlib.sha256(ident.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def relative_path(path: str, folder: Path) -> str:
    """A diagnostic's path (relative to the working directory) relative to `folder`."""
    return Path(os.path.relpath(os.path.abspath(path), folder.resolve())).as_posix()


def key_of(diagnostic: Diagnostic, folder: Path) -> Key:
    return (relative_path(diagnostic.path, folder), diagnostic.code, text_hash(diagnostic))


@dataclass
class Baseline:
    file: Path
    counts: Counter[Key]
    texts: dict[Key, str] = field(default_factory=dict)  # each entry's text, as the file has it

    @property
    def folder(self) -> Path:
        return self.file.resolve().parent

    @classmethod
    def load(cls, file: Path) -> Baseline:
        try:
            data = json.loads(read_regular_file(file).decode("utf-8"))
        except FileNotFoundError:
            raise BaselineError(
                f"{file}: baseline not found (create it with --write-baseline {file})"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(
                f"{file}: cannot read baseline: {getattr(exc, 'strerror', None) or exc}"
            ) from None
        except json.JSONDecodeError as exc:
            raise BaselineError(f"{file}: baseline is not valid JSON: {exc}") from None
        except RecursionError:  # json recurses once a level of arrays or objects
            raise BaselineError(f"{file}: not a corpus-lint baseline: nested too deeply") from None
        counts: Counter[Key] = Counter()
        texts: dict[Key, str] = {}
        entries = data.get("entries") if isinstance(data, dict) else None
        if (
            not isinstance(data, dict)
            or data.get("version") != FORMAT_VERSION
            or not isinstance(entries, list)
        ):
            raise BaselineError(
                f"{file}: not a corpus-lint baseline (version {FORMAT_VERSION} "
                "with a list of entries)"
            )
        for number, entry in enumerate(entries, 1):
            try:
                path, code, digest, count = (
                    entry["path"],
                    entry["code"],
                    entry["hash"],
                    entry["count"],
                )
            except (KeyError, TypeError):
                raise BaselineError(
                    f"{file}: entry #{number} needs path, code, hash and count"
                ) from None
            if not all(isinstance(v, str) for v in (path, code, digest)) or not (
                isinstance(count, int) and not isinstance(count, bool) and count > 0
            ):
                raise BaselineError(
                    f"{file}: entry #{number}: path, code and hash must be strings, "
                    "count a whole number above 0"
                )
            counts[(path, code, digest)] += count
            if isinstance(entry.get("text"), str):
                texts[(path, code, digest)] = entry["text"]
        return cls(file, counts, texts)

    @classmethod
    def record(
        cls,
        file: Path,
        diagnostics: list[Diagnostic],
        write: Callable[[Path, bytes], None],
        kept: Baseline | None = None,
    ) -> Baseline:
        """Write a baseline of `diagnostics`, and of the entries `kept` (of another baseline
        with the same folder), to `file` with `write` (the CLI's writer of the files a run
        makes: whole or not at all, into a device or through a link as a report is) and
        return it."""
        folder = file.resolve().parent
        keys = [key_of(d, folder) for d in diagnostics]
        shown = dict(kept.texts) if kept else {}
        shown.update(
            (key, " ".join(d.snippet.split())[:SHOWN_TEXT]) for key, d in zip(keys, diagnostics)
        )
        # `kept` holds no file of the diagnostics' but one they report besides the files
        # checked (a corpus file a staged copy makes redundant): each entry at most once.
        counts = Counter(keys) | (kept.counts if kept else Counter())
        entries = [
            {
                "path": path,
                "code": code,
                "hash": digest,
                "count": count,
                "text": shown.get((path, code, digest), ""),
            }
            for (path, code, digest), count in sorted(counts.items())
        ]
        data = {
            "version": FORMAT_VERSION,
            "tool": "corpus-lint",
            "comment": "Known diagnostics, reported no more with --baseline. Paths are "
            "relative to this file's folder. Regenerate with --write-baseline.",
            "entries": entries,
        }
        try:
            # ASCII escapes keep a non-UTF-8 file name (a lone surrogate in Python) writable
            # and read back as the same path.
            write(file, (json.dumps(data, indent=2, ensure_ascii=True) + "\n").encode("utf-8"))
        except OSError as exc:
            raise BaselineError(f"{file}: cannot write baseline: {exc.strerror or exc}") from None
        return cls(file, counts, shown)

    def besides(self, checked: Iterable[Path], kept_codes: Collection[str] = ()) -> Baseline:
        """The entries of the files not in `checked` that are still there, and those of the
        files checked by rules in `kept_codes`: what a run over some files (pre-commit's)
        keeps of the baseline it writes anew."""
        checked_paths = {relative_path(str(p), self.folder) for p in checked}
        counts = Counter(
            {
                key: count
                for key, count in self.counts.items()
                if (key[1] in kept_codes if key[0] in checked_paths else self._exists(key[0]))
            }
        )
        return Baseline(self.file, counts, {key: self.texts.get(key, "") for key in counts})

    def filter(
        self, diagnostics: list[Diagnostic], checked: Iterable[Path]
    ) -> tuple[list[Diagnostic], int, int]:
        """(new diagnostics, how many matched the baseline, baseline entries no longer seen).

        Only entries of the files in `checked`, or of files no longer there (deleted, renamed),
        can be "no longer seen": pre-commit checks a few changed files, and the rest of the
        baseline is not stale for that.
        """
        remaining = Counter(self.counts)
        new: list[Diagnostic] = []
        matched = 0
        # Top of the file first: those consume the baseline's counts, so the diagnostics
        # left over when a count runs out are the lowest in the file.
        for d in sorted(diagnostics, key=lambda d: d.sort_key):
            key = key_of(d, self.folder)
            if remaining[key] > 0:
                remaining[key] -= 1
                matched += 1
            else:
                new.append(d)
        checked_paths = {relative_path(str(p), self.folder) for p in checked}
        left = {path for (path, _, _), count in remaining.items() if count > 0}
        stale = {path for path in left if path in checked_paths or not self._exists(path)}
        gone = sum(count for (path, _, _), count in remaining.items() if path in stale)
        return new, matched, gone

    def _exists(self, path: str) -> bool:
        """Whether an entry's file (a path relative to the baseline's folder) is there; a
        URL's is taken to be (a remote corpus is not looked at here)."""
        return is_url(path) or os.path.lexists(os.path.join(self.folder, path))

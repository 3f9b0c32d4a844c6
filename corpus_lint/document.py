"""A document: one file read once, decoded once, split into lines once.

Every rule reads the same `Document`; nothing else opens the file.
"""

from __future__ import annotations

import bisect
import errno
import os
import re
import stat
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate, count, repeat
from pathlib import Path
from typing import Any, NamedTuple

from corpus_lint import charsets
from corpus_lint.textutil import squeeze, word_bytes

# Larger files are skipped with a warning, unread: no news article is this long, and rules
# and signatures need memory in proportion to the text (about 20 bytes per byte of text).
MAX_FILE_BYTES = 50 * 1024 * 1024

LINE_BREAK = re.compile(r"\r\n|\r|\n")


class DocumentError(Exception):
    """A file that cannot be linted as text: unreadable, a folder, binary.

    `skipped` marks files left out on purpose (binary, too large, not a regular file): a
    warning, not an error.
    """

    def __init__(self, message: str, skipped: bool = False) -> None:
        super().__init__(message)
        self.skipped = skipped


class Line(NamedTuple):  # a tuple: documents have tens of lines, made by the thousand per second
    """One line of a document; `start`/`end` are character offsets of its content in `text`."""

    number: int  # 1-based
    start: int
    end: int  # offset just past the content, before the line ending
    text: str  # the content, without the line ending
    ending: str  # "\n", "\r\n", "\r" or "" (last line without a final newline)

    @property
    def is_blank(self) -> bool:
        return not self.text.strip()


@dataclass
class Document:
    path: Path | str  # as found on disk (the walk's string, as a worker reads it)
    display_path: str  # relative to the working directory, "/" separators
    raw: bytes
    encoding: str  # a Python codec name: "utf-8" when the bytes are valid UTF-8 (see charsets)
    confidence: float  # 1.0 for valid UTF-8 and UTF-16/32, else chardet's score
    text: str = field(repr=False)
    # The file's stat taken just before it was read (None when not read from disk): the
    # signature cache records it, so a file changed after this is rehashed next time.
    status: os.stat_result | None = field(default=None, repr=False, compare=False)
    # Why transcoding the bytes to UTF-8 is not safe (ENC001 then offers no fix); None when
    # it is, or when the file is UTF-8.
    refusal: str | None = field(default=None, repr=False, compare=False)
    binary: bool = field(default=False, repr=False, compare=False)
    # Given to a batch of documents at once by `dedup.features.hash_words`, None until then
    # (and in a copy: not init fields, so `dataclasses.replace` leaves them out): the hashes
    # of the words of `word_bytes` (a numpy array), and the tokens hashed as the next one.
    word_hashes: Any = field(default=None, init=False, repr=False, compare=False)
    doubled_tokens: set[bytes] | None = field(default=None, init=False, repr=False, compare=False)
    # What each rule reported in this document, by code (`rule.reports_of`): a rule that reads
    # other rules' findings (BP006) takes them from here instead of checking again.
    reports: dict[str, list[Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def is_utf8(self) -> bool:
        return self.encoding == "utf-8"

    @cached_property
    def lines(self) -> list[Line]:
        text = self.text
        if "\r" in text:
            return self._lines_with_any_break()
        # Only "\n" breaks: str.split is several times faster than a regex walk, and the
        # lines are built by map and zip at C speed (a third faster than a loop of Line(...)).
        parts = text.split("\n")
        lengths = [len(part) + 1 for part in parts]
        starts = list(accumulate(lengths, initial=0))
        ends = [start + length - 1 for start, length in zip(starts, lengths)]
        endings = ["\n"] * len(parts)
        endings[-1] = ""
        lines = list(map(tuple.__new__, repeat(Line), zip(count(1), starts, ends, parts, endings)))
        if len(lines) > 1 and not parts[-1]:  # nothing after the last break: no line there
            lines.pop()
        return lines

    def _lines_with_any_break(self) -> list[Line]:
        lines: list[Line] = []
        start = 0
        number = 1
        for match in LINE_BREAK.finditer(self.text):
            lines.append(
                Line(number, start, match.start(), self.text[start : match.start()], match.group())
            )
            start = match.end()
            number += 1
        if start < len(self.text) or not lines:
            lines.append(Line(number, start, len(self.text), self.text[start:], ""))
        return lines

    @cached_property
    def line_texts(self) -> list[str]:
        """Each line's text (`Line.text`), without building the lines: a rule reads the text
        of every line, and most lines are reported by none, so `lines` is built only for a
        document that some rule reports (or whose breaks are not all "\\n")."""
        text = self.text
        if "\r" in text or "lines" in self.__dict__:
            return [line.text for line in self.lines]
        parts = text.split("\n")
        if len(parts) > 1 and not parts[-1]:  # nothing after the last break: no line there
            parts.pop()
        return parts

    @cached_property
    def squeezed_lines(self) -> list[bytes]:
        """Each line case-folded, without any white space, in UTF-8: lines equal after
        `textutil.normalise_phrase` are equal here (not always the converse), so it screens
        lines before they are normalised one by one. Computed for the whole text at once, at
        C speed: no Python step per line."""
        text = self.text
        if "\r" in text:  # lines not broken by "\n" alone: line by line
            return [squeeze(line.text) for line in self.lines]
        return squeeze(text).split(b"\n")[: len(self.line_texts)]

    @cached_property
    def word_bytes(self) -> bytes:
        """The text's words, lower-cased, between spaces (`textutil.word_bytes`)."""
        return word_bytes(self.text)

    @cached_property
    def _line_starts(self) -> list[int]:
        """Each line's start offset (`Line.start`), from the lines' texts when the breaks are
        all "\\n": a document some rule reports a word of (TXT001) needs no `lines`."""
        if "\r" in self.text or "lines" in self.__dict__:
            return [line.start for line in self.lines]
        texts = self.line_texts
        return list(accumulate([len(text) + 1 for text in texts], initial=0))[: len(texts)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count characters."""
        if offset == 0:  # (SRC001 reports there): no need to build the lines
            return 1, 1
        starts = self._line_starts
        index = max(bisect.bisect_right(starts, offset) - 1, 0)
        return index + 1, offset - starts[index] + 1

    @classmethod
    def from_bytes(
        cls,
        path: Path,
        raw: bytes,
        display_path: str | None = None,
        status: os.stat_result | None = None,
    ) -> Document:
        decoded = charsets.decode(raw)
        return cls(
            path=path,
            display_path=display_path or display(path),
            raw=raw,
            encoding=decoded.encoding,
            confidence=decoded.confidence,
            text=decoded.text,
            status=status,
            refusal=decoded.refusal,
            binary=decoded.binary,
        )

    @classmethod
    def from_file_bytes(
        cls,
        path: Path,
        raw: bytes,
        display_path: str,
        status: os.stat_result | None = None,
    ) -> Document:
        """`from_bytes` for a file read from storage: DocumentError (skipped) when binary."""
        doc = cls.from_bytes(path, raw, display_path, status)
        if doc.binary:
            raise DocumentError(
                f"{display_path}: binary file (NUL bytes), not linted",
                skipped=True,
            )
        return doc

    @classmethod
    def read(
        cls, path: Path | str, display_path: str | None = None, follow_link: bool = True
    ) -> Document:
        """Read a file; raise DocumentError with a one-line reason when it is not lintable text.

        Without `follow_link`, a file that is a symbolic link is not read: one found in a
        folder (which lists no link) and swapped for one since, to lead the run, and its fix,
        out of the corpus."""
        shown = display_path or display(path)
        try:
            status = os.stat(path) if follow_link else os.lstat(path)
            if stat.S_ISLNK(status.st_mode):
                raise DocumentError(f"{shown}: {SWAPPED_FOR_A_LINK}; not read")
            if stat.S_ISDIR(status.st_mode):
                raise DocumentError(f"{shown}: is a directory, not a file")
            if not stat.S_ISREG(status.st_mode):  # a FIFO would block the run forever
                raise DocumentError(f"{shown}: not a regular file, not linted", skipped=True)
            if status.st_size > MAX_FILE_BYTES:
                raise DocumentError(
                    f"{shown}: {status.st_size / 2**20:.0f} MB, over the "
                    f"{MAX_FILE_BYTES // 2**20} MB limit for a document, not linted",
                    skipped=True,
                )
            raw = read_bytes(path, status.st_size, follow_link)
        except FileNotFoundError:
            raise DocumentError(f"{shown}: no such file") from None
        except PermissionError:
            raise DocumentError(f"{shown}: permission denied") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP and not follow_link:  # swapped between stat and open
                raise DocumentError(f"{shown}: {SWAPPED_FOR_A_LINK}; not read") from None
            raise DocumentError(f"{shown}: cannot read: {exc.strerror or exc}") from None
        return cls.from_file_bytes(path, raw, shown, status)


# For reading a file's bytes with `os.open` (O_BINARY: no line-ending translation on Windows).
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


# Why a file found in a folder is not read or fixed when it is a symbolic link.
SWAPPED_FOR_A_LINK = "a symbolic link now, not when its folder was listed"


def may_follow(path: Path | str, links: frozenset[str]) -> bool:
    """Whether reading (or fixing) `path` may follow a symbolic link: it was named so, on the
    command line or as a configured corpus (`analysis.Options.links`, absolute paths). No
    path is made absolute when no link was named (nearly every run)."""
    return bool(links) and os.path.abspath(path) in links


def read_bytes(path: Path | str, size: int, follow_link: bool = True) -> bytes:
    """`path.read_bytes()`, all the bytes there are (however many since the stat that gave
    `size`), without a file object: a third of its cost (7 against 20 µs a file). Without
    `follow_link`, a symbolic link is not opened (ELOOP)."""
    fd = os.open(path, _READ_FLAGS if follow_link else _READ_FLAGS | _NO_FOLLOW)
    try:
        chunks = []
        while chunk := os.read(fd, size + 1):  # until end of file
            chunks.append(chunk)
            size = 1 << 16
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def display(path: Path | str) -> str:
    """A path as shown to users: relative to the working directory, with "/" separators."""
    if os.sep == "/":  # a path's text is its "/" form: no `Path` property (8 µs a file)
        text = os.fspath(path)
        if not text.startswith("/"):
            if ".." not in text.split("/"):
                return text  # what relpath would give, 40 times faster (once per file)
        else:  # a corpus given as an absolute path: each file's path under the cwd
            cwd = os.getcwd()
            prefix = cwd if cwd == "/" else cwd + "/"
            # relpath's answer when the rest is a plain path under the cwd: relpath cost 3% of
            # the workers' CPU in a cold run (its two abspath calls, made in Python).
            if text.startswith(prefix) and _is_normal(inside := text[len(prefix) :]):
                return inside
    elif not (path := Path(path)).is_absolute() and not path.drive and ".." not in path.parts:
        return path.as_posix()
    if ".." in os.fspath(path) and ".." in (parts := Path(path).parts):
        # The ".." of a link leads where the link is, not back up the text.
        last = len(parts) - parts[::-1].index("..")
        path = os.path.join(os.path.realpath(os.path.join(*parts[:last])), *parts[last:])
    try:
        shown = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        shown = str(path)
    return shown.replace(os.sep, "/")


def _is_normal(relative: str) -> bool:
    """Whether a relative "/" path is already normal: no empty, "." or ".." part."""
    parts = relative.split("/")
    return "" not in parts and "." not in parts and ".." not in parts

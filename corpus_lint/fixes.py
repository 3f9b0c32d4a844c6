"""Applying fixes to a document, and writing the result back without ever losing text.

A fix is a set of edits on the decoded text. Fixes are applied in passes: each pass takes
the allowed fixes in order of position, applies every fix whose edits overlap no fix already
taken (a fix is all-or-nothing), and leaves the rest to the next pass, which re-lints the new
text. Passes stop when no allowed fix changes anything, or after `MAX_PASSES`.

The result is always UTF-8. A document that is not UTF-8 is rewritten only when its ENC001
(transcode) fix is applied; otherwise none of its fixes are written, so a safe fix can never
silently change a file's encoding.
"""

from __future__ import annotations

import errno
import math
import os
import re
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from corpus_lint import interrupts
from corpus_lint.document import SWAPPED_FOR_A_LINK, Document
from corpus_lint.rule import SAFE, UNSAFE, Diagnostic, Edit

# A rule whose fix keeps changing the text after this many passes is reported, not looped.
MAX_PASSES = 10
# The rule whose fix rewrites a non-UTF-8 file as UTF-8; its edits may be empty.
TRANSCODE = "ENC001"

Lint = Callable[[Document], list[Diagnostic]]


class WriteError(Exception):
    """A fixed file that could not be written; the original is left as it was."""


@dataclass
class Fixed:
    """What fixing one document gave."""

    original: Document
    doc: Document  # the fixed document (the original when nothing changed)
    diagnostics: list[Diagnostic]  # what remains on the fixed document
    applied: list[Diagnostic] = field(default_factory=list)  # whose fixes were applied
    notes: list[str] = field(default_factory=list)  # why something was not fixed

    @property
    def changed(self) -> bool:
        return self.doc.raw != self.original.raw

    @property
    def counts(self) -> Counter[str]:
        return Counter(d.code for d in self.applied)


def allowed(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and (
        fix.applicability == SAFE or (unsafe and fix.applicability == UNSAFE)
    )


def _overlap(a: Edit, b: Edit) -> bool:
    """Do two edits touch the same characters? Two insertions at one point also conflict."""
    if a.start == a.end == b.start == b.end:
        return True
    return a.start < b.end and b.start < a.end


def _span(edit: Edit) -> tuple[int, int]:
    return edit.start, edit.end


def overlaps(diagnostic: Diagnostic, edits: list[Edit]) -> bool:
    """Does an edit of `diagnostic`'s fix overlap one of `edits` (that overlap no other, in
    order of (start, end))?"""
    fix = diagnostic.fix
    return fix is not None and any(_overlaps_taken(e, edits) for e in fix.edits)


def _overlaps_taken(edit: Edit, taken: list[Edit]) -> bool:
    """Does `edit` overlap one of `taken` (edits that overlap no other, in order of (start,
    end), so their ends never decrease)? Only the few whose span ends at or after its start,
    among those that begin at or before its end, can: comparing it with every one taken made
    fixing a file of 150,000 lines with trailing spaces take a quarter of an hour."""
    index = bisect_right(taken, (edit.end, math.inf), key=_span)
    while index > 0 and taken[index - 1].end >= edit.start:
        index -= 1
        if _overlap(edit, taken[index]):
            return True
    return False


def _valid(edits: tuple[Edit, ...], length: int) -> bool:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    if any(not 0 <= e.start <= e.end <= length for e in ordered):
        return False
    return not any(_overlap(x, y) for x, y in zip(ordered, ordered[1:]))


def _changes(edits: Iterable[Edit], text: str) -> bool:
    return any(text[e.start : e.end] != e.replacement for e in edits)


def apply_fixes(text: str, diagnostics: Iterable[Diagnostic]) -> tuple[str, list[Diagnostic]]:
    """One pass: apply every fix that overlaps no fix taken before it; return (text, applied).

    Fixes are taken in order of their first edit. A fix that would change nothing, or whose
    edits are out of range or overlap each other (a rule's bug), is not applied.
    """
    candidates = [
        d
        for d in diagnostics
        if d.fix is not None
        and d.fix.edits
        and _valid(d.fix.edits, len(text))
        and _changes(d.fix.edits, text)
    ]
    candidates.sort(
        key=lambda d: (
            min(e.start for e in d.fix.edits),
            max(e.end for e in d.fix.edits),
            d.code,
            d.message,
        )
    )
    taken: list[Edit] = []  # in order of (start, end)
    applied: list[Diagnostic] = []
    for diagnostic in candidates:
        edits = diagnostic.fix.edits
        if not taken or min(e.start for e in edits) > taken[-1].end:  # the usual case
            taken.extend(sorted(edits, key=_span))  # past every one taken: none can overlap
        elif any(_overlaps_taken(e, taken) for e in edits):
            continue  # deferred: the next pass re-lints and offers it again if still needed
        else:
            for edit in edits:
                insort(taken, edit, key=_span)
        applied.append(diagnostic)
    if not applied:
        return text, []
    out: list[str] = []
    position = 0
    for edit in taken:
        out.append(text[position : edit.start])
        out.append(edit.replacement)
        position = edit.end
    out.append(text[position:])
    return "".join(out), applied


def fix_document(doc: Document, lint: Lint, unsafe: bool, max_passes: int = MAX_PASSES) -> Fixed:
    """Lint, fix and re-lint `doc` until no allowed fix changes anything (at most max_passes).

    An unsafe fix is applied only to text the findings of the first pass (the check's
    findings) offered to change: a later pass's unsafe finding is applied when its edits lie,
    traced back through the edits made since, inside the first pass's fixable edits (a
    repeated line whose doubled word was fixed; one deferred by an overlapping edit), a
    deletion inside what they offered to delete (a line mojibake repair leaves as symbols is
    not deleted as such in the same run); never to text that other fixes brought about (a
    line split by the U+2028 fix, then deleted as chrome), which is left reported for the
    next run."""
    fixed = Fixed(original=doc, doc=doc, diagnostics=lint(doc))
    first = [e for d in fixed.diagnostics if allowed(d, unsafe) for e in d.fix.edits]
    offered = _merged((e.start, e.end) for e in first)
    deleted = _merged((e.start, e.end) for e in first if not e.replacement)
    made: list[_Pass] = []  # each pass's edits

    def applicable(d: Diagnostic) -> bool:
        if not allowed(d, unsafe):
            return False
        if d.fix.applicability == SAFE or not made:
            return True
        return all(
            _within(_traced(e.start, e.end, made), offered if e.replacement else deleted, doc.text)
            for e in d.fix.edits
        )

    for _ in range(max_passes):
        wanted = [d for d in fixed.diagnostics if applicable(d)]
        if not wanted:
            return fixed
        transcode = [d for d in wanted if d.code == TRANSCODE]
        if not fixed.doc.is_utf8:
            reason = _cannot_transcode(fixed.doc, transcode, unsafe)
            if reason:
                fixed.notes.append(f"{doc.display_path}: {reason}")
                return fixed
        text, applied = apply_fixes(fixed.doc.text, wanted)
        if not fixed.doc.is_utf8:
            applied = [*applied, *(d for d in transcode if d not in applied)]
        if not applied:
            return fixed
        try:
            raw = text.encode("utf-8")
        except UnicodeEncodeError:  # a fix inserted a lone surrogate: a rule's bug
            fixed.notes.append(f"{doc.display_path}: a fix produced text that is not Unicode")
            return fixed
        made.append(_Pass.of(sorted((e for d in applied if d.fix for e in d.fix.edits), key=_span)))
        # Written as UTF-8, so read as UTF-8 (no detection: NUL-padded text is not UTF-16).
        fixed.doc = Document(doc.path, doc.display_path, raw, "utf-8", 1.0, text)
        fixed.applied.extend(applied)
        fixed.diagnostics = lint(fixed.doc)
    still = [d for d in fixed.diagnostics if applicable(d)]
    if apply_fixes(fixed.doc.text, still)[1]:
        codes = ", ".join(sorted({d.code for d in still}))
        fixed.notes.append(
            f"{doc.display_path}: fixes did not settle after {max_passes} passes ({codes}); "
            "the file was fixed as far as that, please report this"
        )
    return fixed


class _Pass(NamedTuple):
    """A pass's edits (in order, on the text before it), with where each lies in the text
    after it and the shift of the positions after each: a position traced back in O(log n)
    (a file of 150,000 fixed lines has as many edits)."""

    edits: list[Edit]
    new_starts: list[int]
    new_ends: list[int]
    shifts: list[int]  # after each edit

    @classmethod
    def of(cls, edits: list[Edit]) -> _Pass:
        new_starts, new_ends, shifts, shift = [], [], [], 0
        for edit in edits:
            new_starts.append(edit.start + shift)
            new_ends.append(edit.start + shift + len(edit.replacement))
            shift += len(edit.replacement) - (edit.end - edit.start)
            shifts.append(shift)
        return cls(edits, new_starts, new_ends, shifts)

    def before(self, position: int, at_end: bool) -> int:
        """A position of the text after the pass in the text before it: one inside an
        edit's replacement goes to the edit's start (a span's start) or end (a span's end)."""
        after = (bisect_left if at_end else bisect_right)(self.new_starts, position)
        if not after:
            return position
        last = after - 1  # the last edit that begins before the position
        if position < self.new_ends[last] or (at_end and position == self.new_ends[last]):
            edit = self.edits[last]
            return edit.end if at_end else edit.start
        return position - self.shifts[last]


def _traced(start: int, end: int, made: list[_Pass]) -> tuple[int, int]:
    """Where the span `start:end` of the text after these passes came from in the text
    before them."""
    for done in reversed(made):
        start, end = done.before(start, at_end=False), done.before(end, at_end=True)
    return start, end


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of the spans, as sorted spans that neither overlap nor touch."""
    union: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if union and start <= union[-1][1]:
            union[-1] = (union[-1][0], max(union[-1][1], end))
        else:
            union.append((start, end))
    return union


def _within(span: tuple[int, int], offered: list[tuple[int, int]], text: str) -> bool:
    """Does `span` of `text` change no word outside the `offered` spans (`_merged`)? (Only
    the white space and symbols between them: a line deleted with the break before it.)"""
    start, end = span
    at = max(bisect_right(offered, (start, math.inf)) - 1, 0)
    for a, b in offered[at:]:
        if a >= end:
            break
        if a > start and _WORD.search(text, start, a):
            return False
        start = max(start, b)
    return start >= end or not _WORD.search(text, start, end)


_WORD = re.compile(r"\w")


def _cannot_transcode(doc: Document, transcode: list[Diagnostic], unsafe: bool) -> str | None:
    """Why a non-UTF-8 document cannot be rewritten as UTF-8, or None when it can."""
    found = f"not UTF-8 (read as {doc.encoding})"
    if not transcode:
        if doc.refusal:
            how = f" (no safe transcode: {doc.refusal})"
        else:
            how = "" if unsafe else "; --unsafe-fixes transcodes it"
        return f"{found}: not rewritten, so none of its fixes were applied{how}"
    # The text must be exactly what the bytes decode to: no byte dropped or replaced. Not
    # that encoding it back gives the same bytes: cp932 reads IBM's and NEC's copies of a
    # character alike (0xFA40 and 0xEEEF are both "ⅰ"), and ISO-2022 writes its escapes
    # where it likes; the text is the same.
    try:
        lossless = doc.raw.decode(doc.encoding) == doc.text
    except (UnicodeDecodeError, LookupError):
        lossless = False
    if not lossless:
        return f"{found}: decoding is not lossless, so the file was left as it is"
    return None


def unified_diff(display_path: str, old: bytes, new: bytes) -> bytes:
    """A unified diff of two versions of a file that `patch -p1` applies from the working dir.

    Lines are split on LF only, as patch reads them, so CR and CRLF endings survive exactly;
    a last line without LF gets patch's "\\ No newline at end of file" marker.
    """
    import difflib  # here: the fixes of a check are counted (`analysis._fixable`) without it

    lines = difflib.diff_bytes(
        difflib.unified_diff,
        _lf_lines(old),
        _lf_lines(new),
        diff_name("a/", display_path),
        diff_name("b/", display_path),
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(b"\n"):
            out.append(b"\n\\ No newline at end of file\n")
    return b"".join(out)


_C_ESCAPES = {0x07: b"\\a", 0x08: b"\\b", 0x09: b"\\t", 0x0A: b"\\n", 0x0B: b"\\v"}
_C_ESCAPES.update({0x0C: b"\\f", 0x0D: b"\\r", 0x22: b'\\"', 0x5C: b"\\\\"})


def diff_name(prefix: str, display_path: str) -> bytes:
    """A file name for a diff header, as git writes one (and patch reads it).

    The file's own bytes (a non-UTF-8 name included), C-quoted when they hold a space (which
    patch would take for the end of the name), a control character, a quote or a backslash,
    so a newline in a name cannot end the header.
    """
    name = os.fsencode(prefix + display_path)
    if not any(b <= 0x20 or b in (0x22, 0x5C, 0x7F) for b in name):
        return name
    return c_quoted(name)


def c_quoted(name: bytes) -> bytes:
    """A name in double quotes, its control characters, quotes and backslashes escaped as git
    and C escape them (other bytes as they are): "a\\nb.txt"."""
    quoted = (
        _C_ESCAPES.get(b) or (b"\\%03o" % b if b < 0x20 or b == 0x7F else bytes([b])) for b in name
    )
    return b'"' + b"".join(quoted) + b'"'


def _lf_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    last = lines.pop()
    out = [line + b"\n" for line in lines]
    if last:
        out.append(last)
    return out


def write_atomic(path: Path | str, new: bytes, expected: bytes, follow_link: bool = True) -> None:
    """Replace the file at `path` with `new`, only if it still holds `expected`.

    The bytes go to a temporary file in the same folder, are flushed and fsynced, then
    renamed over the original, so a crash or a full disk leaves either the old file or the
    new one, never half of either. The file's permission bits, owner and extended attributes
    are kept. A symbolic link is followed: the file it points to is replaced, the link stays;
    without `follow_link` (a file found in a folder, read so) it is not fixed. Ctrl-C during
    the write takes effect once it is done, so no temporary file is left behind.
    """
    with interrupts.deferred():
        interrupts.pause("fix-write")
        _write_atomic(path, new, expected, follow_link)


def _write_atomic(path: Path | str, new: bytes, expected: bytes, follow_link: bool = True) -> None:
    shown = Path(path).as_posix()
    if not follow_link and os.path.islink(path):
        raise WriteError(f"{shown}: {SWAPPED_FOR_A_LINK}; not fixed")
    target = Path(os.path.realpath(path) if follow_link else os.path.abspath(path))
    try:
        status = os.stat(target)
    except OSError as exc:
        raise WriteError(f"{shown}: cannot fix: {_reason(exc)}") from None
    if not status.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise WriteError(f"{shown}: read-only file; not fixed")

    def unchanged() -> None:
        if _read(target) != expected:
            raise WriteError(f"{shown}: changed while corpus-lint was running; not fixed")

    temp: str | None = None
    try:
        temp = _new_file_beside(target, new, status, unchanged)
        os.replace(temp, target)
        temp = None
    except OSError as exc:
        raise WriteError(f"{shown}: cannot write the fixed file: {_reason(exc)}") from None
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass


def _new_file_beside(
    target: Path, data: bytes, status: os.stat_result, before_naming: Callable[[], None]
) -> str:
    """The path of a new file in `target`'s folder holding `data`, synced, with `status`'s
    mode and owner; `before_naming` is called once it is written, before it has a name (it
    checks the original: a killed process leaves a name only from there to the rename). On
    Linux it is written with no name (O_TMPFILE) and named only once whole (`_link_beside`):
    a process killed meanwhile leaves nothing (a worker killed while it wrote a fix, or
    reread the original, left its temporary file behind). Elsewhere, or where the file
    system cannot, a named temporary file (`tempfile.mkstemp`)."""
    if _UNNAMED_FILES:
        try:
            fd = os.open(target.parent, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
        else:
            try:
                _write_whole(fd, data, status, target)
                before_naming()
                named = _link_beside(fd, target)
            except BaseException as exc:
                with suppress(OSError):
                    os.close(fd)
                if not isinstance(exc, OSError) or exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise
                # Else most likely a file system that cannot name it (EXDEV, EPERM): written
                # again below, which raises the error again if it was not that.
            else:
                _close(fd, named)
                return named
    import tempfile  # here: counting a check's fixes (`analysis._fixable`) writes nothing

    fd, temp = tempfile.mkstemp(
        dir=target.parent, prefix=f".{_shortened(target.name)}.", suffix=".corpus-lint"
    )
    try:
        _write_whole(fd, data, status, target, temp)
        before_naming()
    except BaseException:
        with suppress(OSError):
            os.close(fd)
        with suppress(OSError):
            os.unlink(temp)
        raise
    _close(fd, temp)
    return temp


def _close(fd: int, path: str) -> None:
    """Close the new file `fd`; if that fails (a delayed write error), remove it, at `path`."""
    try:
        os.close(fd)
    except OSError:
        with suppress(OSError):
            os.unlink(path)
        raise


def _write_whole(
    fd: int, data: bytes, status: os.stat_result, original: Path, path: str | None = None
) -> None:
    """Write `data` to `fd`, sync it, and give the file `status`'s mode and owner and the
    `original`'s extended attributes (through `path` if given: os.chmod takes no descriptor
    on Windows)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)
    interrupts.pause("fix-written")
    made = fd if path is None else path
    _keep_attributes(made, original)
    os.chmod(made, status.st_mode & 0o7777)
    _keep_owner(made, status)


# Linux names a file made with O_TMPFILE by linking its /proc/self/fd entry.
_UNNAMED_FILES = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")


def _link_beside(fd: int, target: Path) -> str:
    """Give the unnamed file `fd` a temporary name beside `target` (for `os.replace`, which
    needs one), as `tempfile.mkstemp` names one: its name is in the folder only from here
    to the rename."""
    # O_PATH: a folder that may be written and searched but not read (-wx) serves too.
    folder = os.open(target.parent, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        while True:
            name = f".{_shortened(target.name)}.{os.urandom(6).hex()}.corpus-lint"
            try:
                # linkat with AT_SYMLINK_FOLLOW (the link to the file, not /proc's symbolic
                # link to it): what os.link does when given a folder's descriptor.
                os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=folder)
                return os.path.join(target.parent, name)
            except FileExistsError:
                continue
    finally:
        os.close(folder)


def _keep_attributes(made: int | str, original: Path) -> None:
    """Copy the original's extended attributes (POSIX ACLs, SELinux labels, users' own) to the
    new file, as `shutil.copystat` does: each one we may not set is left out."""
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(original)
    except OSError:
        return  # a file system without them
    for name in names:
        with suppress(OSError):
            os.setxattr(made, name, os.getxattr(original, name))


def _keep_owner(made: int | str, status: os.stat_result) -> None:
    """Give the new file (a descriptor or a path) the original's owner when we can (root
    fixing a user's corpus)."""
    if not hasattr(os, "getuid") or (status.st_uid, status.st_gid) == (os.getuid(), os.getgid()):
        return
    try:
        os.chown(made, status.st_uid, status.st_gid)
    except OSError:
        pass  # not ours to give away: the fixed file then belongs to whoever ran the fix


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


# The temporary file beside a fixed file is named after it, cut to this many bytes: with
# the dots, mkstemp's 8 random characters and the suffix it stays under the 255 bytes a name
# may hold (a 234-byte name, a title in CJK as file name, could not be fixed).
TEMP_NAME_BYTES = 100


def _shortened(name: str) -> str:
    while len(name.encode("utf-8", "surrogateescape")) > TEMP_NAME_BYTES:
        name = name[:-1]
    return name


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    return exc.strerror or str(exc)

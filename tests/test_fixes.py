"""fixes.py: passes of non-overlapping fixes, UTF-8 output, diffs, atomic writes."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lint import fixes
from corpus_lint.analysis import lint_document
from corpus_lint.document import Document
from corpus_lint.packs import Packs
from corpus_lint.rule import Context, Diagnostic, Edit, Fix
from tests.fix_rules import (
    DoubleSpace,
    FakeTranscode,
    JunkLine,
    NeverSettles,
    NoFixAbout,
    TrailingSpaces,
)


def doc_of(data: str | bytes, path: Path = Path("a.txt")) -> Document:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return Document.from_bytes(path, raw, path.as_posix())


def linter(*rule_classes):
    rules = [cls() for cls in rule_classes]
    return lambda doc: lint_document(doc, rules, Context(Packs()))


def fixed_text(data, *rule_classes, unsafe=False):
    return fixes.fix_document(doc_of(data), linter(*rule_classes), unsafe).doc.text


def diagnostic(*edits: Edit, code: str = "X001") -> Diagnostic:
    return Diagnostic(code, "x", "x", "warning", "a.txt", 1, 1, 1, 1, Fix(edits, "safe", "x"))


# --- one pass ---------------------------------------------------------------------------


def test_non_overlapping_edits_of_several_fixes_are_applied_in_one_pass():
    text, applied = fixes.apply_fixes(
        "abcdef", [diagnostic(Edit(4, 5, "E")), diagnostic(Edit(0, 1, "A"), Edit(2, 3))]
    )
    assert text == "AbdEf"
    assert len(applied) == 2


def test_a_fix_overlapping_an_earlier_fix_is_left_out_of_the_pass_whole():
    first = diagnostic(Edit(0, 3, "X"))
    second = diagnostic(Edit(2, 4, "Y"), Edit(5, 6, "Z"))  # one edit overlaps: none is applied
    text, applied = fixes.apply_fixes("abcdefg", [second, first])
    assert text == "Xdefg"
    assert applied == [first]


def test_two_insertions_at_the_same_point_conflict_but_touching_edits_do_not():
    text, applied = fixes.apply_fixes(
        "abc", [diagnostic(Edit(1, 1, "X")), diagnostic(Edit(1, 1, "Y")), diagnostic(Edit(1, 2))]
    )
    assert len(applied) == 2
    assert text in ("aXc", "aYc")


def _applied_by_reference(text: str, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Which fixes one pass takes, by the plain rule: in `apply_fixes`'s order, each that
    overlaps none taken before it (compared with every one)."""
    candidates = [
        d
        for d in diagnostics
        if fixes._valid(d.fix.edits, len(text)) and fixes._changes(d.fix.edits, text)
    ]
    candidates.sort(
        key=lambda d: (min(e.start for e in d.fix.edits), max(e.end for e in d.fix.edits))
    )
    taken: list[Edit] = []
    applied = []
    for d in candidates:
        if not any(fixes._overlap(e, t) for e in d.fix.edits for t in taken):
            taken.extend(d.fix.edits)
            applied.append(d)
    return applied


_EDITS = st.tuples(st.integers(0, 12), st.integers(0, 4), st.sampled_from(["", "x", "yz"])).map(
    lambda t: Edit(t[0], t[0] + t[1], t[2])
)


@given(st.lists(st.lists(_EDITS, min_size=1, max_size=3), max_size=12))
@settings(max_examples=500, deadline=None)
def test_the_fixes_one_pass_takes_are_those_the_plain_comparison_of_every_pair_takes(edit_lists):
    text = "abcdefghij"
    diagnostics = [
        diagnostic(*edits, code=f"X{number:03}") for number, edits in enumerate(edit_lists)
    ]
    assert fixes.apply_fixes(text, diagnostics)[1] == _applied_by_reference(text, diagnostics)


def test_one_pass_compares_each_fix_with_a_few_taken_not_all(monkeypatch):
    """150,000 lines with trailing spaces: each fix compared with every one taken before it
    (11 billion comparisons) made fixing the file take a quarter of an hour."""
    compared = []
    overlap = fixes._overlap
    monkeypatch.setattr(fixes, "_overlap", lambda a, b: compared.append(1) or overlap(a, b))
    lines = 20_000
    text = "word  \n" * lines
    diagnostics = [diagnostic(Edit(line * 7 + 4, line * 7 + 6)) for line in range(lines)]
    fixed, applied = fixes.apply_fixes(text, diagnostics)
    assert fixed == "word\n" * lines and len(applied) == lines
    assert len(compared) <= 3 * lines


def test_a_fix_that_changes_nothing_or_is_out_of_range_is_not_applied():
    text, applied = fixes.apply_fixes(
        "abc", [diagnostic(Edit(0, 1, "a")), diagnostic(Edit(2, 9, "")), diagnostic()]
    )
    assert (text, applied) == ("abc", [])


# --- passes ---------------------------------------------------------------------------


def test_overlapping_fixes_are_deferred_to_the_next_pass_and_then_applied():
    # "a    b": the four "two spaces" fixes overlap each other; each pass takes what it can.
    outcome = fixes.fix_document(doc_of("a    b\n"), linter(DoubleSpace), unsafe=False)
    assert outcome.doc.text == "a b\n"
    assert outcome.counts["TST002"] == 3
    assert outcome.diagnostics == []


def test_a_line_dropped_by_an_unsafe_fix_takes_its_overlapping_safe_fix_with_it():
    outcome = fixes.fix_document(
        doc_of("keep  \njunk   \nend\n"), linter(TrailingSpaces, JunkLine), unsafe=True
    )
    assert outcome.doc.text == "keep\nend\n"


def test_unsafe_fixes_are_applied_only_when_asked():
    assert fixed_text("keep\njunk\n", JunkLine) == "keep\njunk\n"
    assert fixed_text("keep\njunk\n", JunkLine, unsafe=True) == "keep\n"


def test_passes_are_bounded_and_a_fix_that_never_settles_is_reported():
    outcome = fixes.fix_document(doc_of("text\n"), linter(NeverSettles), unsafe=False)
    assert outcome.doc.text == "text\n" + "!" * fixes.MAX_PASSES
    assert any("did not settle" in note and "TST004" in note for note in outcome.notes)


def test_fixing_twice_changes_nothing_the_second_time():
    rules = (TrailingSpaces, DoubleSpace, JunkLine)
    once = fixed_text("a   b  \njunk \n\n  c   d \n", *rules, unsafe=True)
    outcome = fixes.fix_document(doc_of(once), linter(*rules), unsafe=True)
    assert not outcome.changed
    assert outcome.applied == []


def test_the_diagnostics_left_are_those_of_the_fixed_text():
    outcome = fixes.fix_document(
        doc_of("about  \nthat\n"), linter(TrailingSpaces, NoFixAbout), unsafe=False
    )
    assert [d.code for d in outcome.diagnostics] == ["TST005"]
    assert [d.code for d in outcome.applied] == ["TST001"]


# --- encodings --------------------------------------------------------------------------


def test_the_fixed_text_is_written_as_utf8():
    outcome = fixes.fix_document(doc_of("caf\u00e9  \n"), linter(TrailingSpaces), unsafe=False)
    assert outcome.doc.raw == "caf\u00e9\n".encode()


def test_a_non_utf8_file_is_not_rewritten_by_safe_fixes_and_says_why():
    raw = "Le caf\u00e9 est ferm\u00e9 aujourd'hui, d\u00e9sol\u00e9.  \n".encode("cp1252") * 4
    outcome = fixes.fix_document(doc_of(raw), linter(TrailingSpaces, FakeTranscode), unsafe=False)
    assert not outcome.changed
    assert outcome.doc.raw == raw
    assert any("not UTF-8" in note and "--unsafe-fixes" in note for note in outcome.notes)


def test_a_non_utf8_file_without_a_transcode_fix_is_left_alone_even_with_unsafe_fixes():
    raw = "Le caf\u00e9 est ferm\u00e9 aujourd'hui, d\u00e9sol\u00e9.  \n".encode("cp1252") * 4
    outcome = fixes.fix_document(doc_of(raw), linter(TrailingSpaces), unsafe=True)
    assert not outcome.changed
    assert any("not UTF-8" in note for note in outcome.notes)


def test_the_transcode_fix_rewrites_a_non_utf8_file_as_utf8_with_its_other_fixes():
    text = "Le caf\u00e9 est ferm\u00e9 aujourd'hui, d\u00e9sol\u00e9.  \n" * 4
    doc = doc_of(text.encode("cp1252"))
    assert not doc.is_utf8
    outcome = fixes.fix_document(doc, linter(TrailingSpaces, FakeTranscode), unsafe=True)
    assert outcome.doc.raw == text.replace(".  \n", ".\n").encode("utf-8")
    assert outcome.counts == {"ENC001": 1, "TST001": 4}


def test_a_decoding_that_does_not_give_back_the_same_bytes_is_never_transcoded():
    doc = Document(
        Path("a.txt"), "a.txt", b"abc\xff\n", "latin-1", 0.99, text="abc?\n"
    )  # as if a decoder had dropped or replaced a byte
    outcome = fixes.fix_document(doc, linter(FakeTranscode), unsafe=True)
    assert not outcome.changed
    assert any("not lossless" in note for note in outcome.notes)


def test_a_decoding_whose_encoder_writes_other_bytes_for_the_same_text_is_transcoded():
    # Found by a review: cp932 reads IBM's 0xFA40 and NEC's 0xEEEF both as "ⅰ", and writes
    # the second; ENC001 offered the fix and --fix refused it ("not lossless").
    raw = "日本の記事 ".encode("cp932") + b"\xfa\x40\n"
    doc = Document(Path("a.txt"), "a.txt", raw, "cp932", 0.99, text=raw.decode("cp932"))
    assert doc.text.encode("cp932") != raw
    outcome = fixes.fix_document(doc, linter(FakeTranscode), unsafe=True)
    assert outcome.changed
    assert outcome.doc.raw == raw.decode("cp932").encode("utf-8")


# --- diff -------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("patch") is None, reason="GNU patch is not installed")
@pytest.mark.parametrize(
    "old",
    [
        b"a  \nb\nc",  # no final newline
        b"a\r\nb  \r\nc\r\n",  # CRLF
        b"a\rb  \rc\r",  # old Mac CR: one line for patch
        b"\xef\xbb\xbfx  \n",  # BOM
        b"",
    ],
)
def test_the_unified_diff_applied_by_patch_gives_exactly_the_new_bytes(tmp_path, old):
    new = b"a\nb\nc\n"
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "f.txt").write_bytes(old)
    patch = fixes.unified_diff("dir/f.txt", old, new)
    assert patch.startswith(b"--- a/dir/f.txt\n+++ b/dir/f.txt\n")
    done = subprocess.run(
        ["patch", "-p1", "--quiet"], input=patch, cwd=tmp_path, capture_output=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "dir" / "f.txt").read_bytes() == new


# --- atomic write -----------------------------------------------------------------------


def test_an_atomic_write_replaces_the_file_and_keeps_its_mode(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"old")
    path.chmod(0o640)
    fixes.write_atomic(path, b"new", b"old")
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["a.txt"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_root_fixing_another_users_file_keeps_its_owner(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"old")
    os.chown(path, 1234, 5678)
    fixes.write_atomic(path, b"new", b"old")
    assert (path.stat().st_uid, path.stat().st_gid) == (1234, 5678)


def test_an_atomic_write_keeps_the_files_extended_attributes(tmp_path):
    # Found by an adversarial review: a fix wrote a new file and dropped them (POSIX ACLs
    # and SELinux labels are such attributes).
    path = tmp_path / "a.txt"
    path.write_bytes(b"old")
    try:
        os.setxattr(path, "user.origin", b"scraper")
    except (AttributeError, OSError):
        pytest.skip("no user extended attributes on this file system")
    fixes.write_atomic(path, b"new", b"old")
    assert path.read_bytes() == b"new"
    assert os.getxattr(path, "user.origin") == b"scraper"


def test_a_symbolic_link_is_followed_and_stays_a_link(tmp_path):
    target = tmp_path / "real.txt"
    target.write_bytes(b"old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    fixes.write_atomic(link, b"new", b"old")
    assert link.is_symlink()
    assert target.read_bytes() == b"new"


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"edited by someone else")
    with pytest.raises(fixes.WriteError, match="changed while corpus-lint was running"):
        fixes.write_atomic(path, b"new", b"old")
    assert path.read_bytes() == b"edited by someone else"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_a_read_only_file_is_not_overwritten(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"old")
    path.chmod(0o444)
    with pytest.raises(fixes.WriteError, match="read-only"):
        fixes.write_atomic(path, b"new", b"old")
    assert path.read_bytes() == b"old"


def _fails_leaving_the_original_alone(folder: Path, monkeypatch, name: str, fake, match: str):
    """`write_atomic` with `os.<name>` replaced by `fake`: a WriteError matching `match`, the
    original as it was, and no other file in `folder`."""
    path = folder / "a.txt"
    path.write_bytes(b"old")
    monkeypatch.setattr(os, name, fake)
    with pytest.raises(fixes.WriteError, match=match):
        fixes.write_atomic(path, b"new", b"old")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert os.listdir(folder) == ["a.txt"]


def test_a_full_disk_leaves_the_original_and_no_temporary_file(tmp_path, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    _fails_leaving_the_original_alone(tmp_path, monkeypatch, "write", full, "no space left")


@pytest.mark.skipif(not fixes._UNNAMED_FILES, reason="no O_TMPFILE on this system")
def test_an_unnamed_file_that_cannot_be_named_falls_back_to_a_named_one(tmp_path, monkeypatch):
    # A file system that makes O_TMPFILE files but cannot link them in (EXDEV, EPERM...):
    # the fix is written again through a named temporary file, and nothing is left over.
    path = tmp_path / "a.txt"
    path.write_bytes(b"old")
    path.chmod(0o640)
    tried = []

    def cannot_link(fd, target):
        tried.append(fd)
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(fixes, "_link_beside", cannot_link)
    fixes.write_atomic(path, b"new", b"old")
    assert tried  # the unnamed file was made and written first
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["a.txt"]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="names descriptors by /proc")
def test_a_write_error_at_close_leaves_the_original_and_no_temporary_file(tmp_path, monkeypatch):
    # A delayed write error (NFS reports some at close), once the new file has its name.
    real_close = os.close

    def failing(fd):
        name = os.readlink(f"/proc/self/fd/{fd}")
        real_close(fd)
        if name.endswith((".corpus-lint", " (deleted)")):  # named, or made with O_TMPFILE
            raise OSError(errno.EIO, "Input/output error")

    _fails_leaving_the_original_alone(tmp_path, monkeypatch, "close", failing, "Input/output")


def test_a_failed_rename_leaves_the_original_and_no_temporary_file(tmp_path, monkeypatch):
    def denied(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    _fails_leaving_the_original_alone(tmp_path, monkeypatch, "replace", denied, "Permission denied")


@pytest.mark.parametrize(
    "line, kept",
    [
        # Found by a review: ENC003 offered to repair the line, and BP002 deleted the symbols
        # the repair left, in the same run.
        ("\u00c2\u00bb\u00c2\u00bb\u00c2\u00bb", "\u00bb\u00bb\u00bb"),
        # ... and TXT001 took the end of a word mojibake had split for a doubled word.
        ("The society is called C\u00c3\u00a0nan nan G\u00c3\u00a0idheal.",
         "The society is called C\u00e0nan nan G\u00e0idheal."),
    ],
)  # fmt: skip
def test_an_unsafe_fix_deletes_nothing_a_mojibake_repair_brought_about(line, kept):
    from corpus_lint.analysis import lint_document
    from corpus_lint.checks import builtin_rules
    from corpus_lint.packs import load_packs
    from corpus_lint.rule import Context

    rules = [r for r in builtin_rules().values() if not r.corpus]
    context = Context(load_packs((), {r.code: r for r in rules}))
    text = f"Council approves budget\n\nThe council met on Tuesday.\n{line}\nSource: Reuters\n"
    doc = doc_of(text)
    result = fixes.fix_document(doc, lambda d: lint_document(d, rules, context), unsafe=True)
    assert result.doc.text == text.replace(line, kept)

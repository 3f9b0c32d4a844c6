"""Hostile and broken input through the real CLI: never a traceback, never a changed file.

Each case asserts the exit code, the one-line message naming the file, and that no file
changed (bytes and modification times). Cases that need a real process (permissions, Ctrl-C)
run `python -m corpus_lint` in a subprocess.
"""

from __future__ import annotations

import gc
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus_lint import document, fixes
from corpus_lint.config import CACHE_DIR
from corpus_lint.document import MAX_FILE_BYTES, Document
from tests.helpers import CLEAN_ARTICLE

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
# A duplicate pair (DUP003) that every run over the folder reports, cache or not.
TWIN = CLEAN_ARTICLE


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder` (links not followed, the cache aside): bytes and mtime."""
    found = {}
    for path in folder.rglob("*"):
        if ".corpus_lint_cache" in path.parts:
            continue
        if path.is_file() and not path.is_symlink():
            found[path.relative_to(folder).as_posix()] = (
                path.read_bytes(),
                path.stat().st_mtime_ns,
            )
    return found


def no_traceback(err: str) -> None:
    assert "Traceback" not in err
    assert all(line.startswith("corpus-lint: ") for line in err.splitlines()), err


# --- binary files ----------------------------------------------------------------------------


def test_binary_files_named_directly_are_skipped_with_one_warning_each(tmp_path, cli):
    (tmp_path / "nul.txt").write_bytes(b"Title\n\nText\x00with a NUL byte.\n")
    (tmp_path / "photo.png").write_bytes(PNG)
    before = snapshot(tmp_path)
    run = cli("check", "--fix", "--unsafe-fixes", "nul.txt", "photo.png", cwd=tmp_path)
    assert run.code == 0
    assert run.err.splitlines() == [
        "corpus-lint: warning: nul.txt: binary file (NUL bytes), not linted",
        "corpus-lint: warning: photo.png: binary file (NUL bytes), not linted",
    ]
    assert run.out == "No files were checked.\n"  # not "All checks passed": none was read
    assert snapshot(tmp_path) == before


def test_binary_files_found_in_a_folder_are_skipped_and_the_rest_is_linted(tmp_path, cli):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "article.txt").write_text(CLEAN_ARTICLE + "Trailing  \n", encoding="utf-8")
    (corpus / "image.txt").write_bytes(PNG)  # a picture saved under a text name
    (corpus / "photo.png").write_bytes(PNG)  # not a *.txt file: never looked at
    before = snapshot(corpus)
    run = cli("check", "corpus", "--select", "WS001", cwd=tmp_path)
    assert run.code == 1
    assert run.out.startswith("corpus/article.txt:8:9: WS001")
    assert (
        run.err == "corpus-lint: warning: corpus/image.txt: binary file (NUL bytes), not linted\n"
    )
    assert snapshot(corpus) == before


# --- size ------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_skipped_unread_with_a_warning(tmp_path, cli, monkeypatch):
    big = tmp_path / "big.txt"
    try:
        with open(big, "wb") as file:  # 200 MB, sparse: written in no time, read never
            file.seek(200 * 1024 * 1024 - 2)
            file.write(b"x\n")
        (tmp_path / "article.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
        status = big.stat()
        read = []
        real_read_bytes = document.read_bytes  # what Document.read reads a file with
        monkeypatch.setattr(
            document,
            "read_bytes",
            lambda p, size, *follow: (
                read.append(os.path.basename(p)) or real_read_bytes(p, size, *follow)
            ),
        )
        run = cli("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
        assert run.code == 0
        assert run.err == (
            f"corpus-lint: warning: big.txt: 200 MB, over the {MAX_FILE_BYTES // 2**20} MB "
            "limit for a document, not linted\n"
        )
        # Not "All checks passed": a file was left out.
        assert run.out.endswith(
            "No diagnostics in the 1 file checked; 1 file left out, not checked (see the "
            "warnings).\n"
        )
        assert "big.txt" not in read and "article.txt" in read
        assert (big.stat().st_size, big.stat().st_mtime_ns) == (
            status.st_size,
            status.st_mtime_ns,
        )
    finally:
        big.unlink(missing_ok=True)


@pytest.mark.slow
def test_a_20_mb_single_line_is_linted_like_any_other_document(tmp_path, cli):
    words = "The council said on Tuesday that the harbour ferry would run two more crossings "
    line = (words * (20_000_000 // len(words) + 1))[:20_000_000].rstrip()
    (tmp_path / "line.txt").write_text(line, encoding="utf-8")
    before = snapshot(tmp_path)
    run = cli("check", "--no-cache", "--output-format", "json", "line.txt", cwd=tmp_path)
    assert run.code == 1
    found = {(d["code"], d["line"], d["column"]) for d in run.json()}
    assert found == {("SRC001", 1, 1), ("WS002", 1, len(line) + 1)}
    assert run.err == ""
    assert snapshot(tmp_path) == before


def test_a_long_run_of_spaces_before_text_does_not_make_a_pattern_backtrack(tmp_path, cli):
    # BP004's credit patterns once began with \s*\(?\s*: quadratic in the run of spaces, so
    # this line took hours; now every rule is linear in it.
    (tmp_path / "spaces.txt").write_text(" " * 300_000 + "x\n", encoding="utf-8")
    run = cli("check", "--no-cache", "--output-format", "json", "spaces.txt", cwd=tmp_path)
    assert run.code == 1
    # A lone letter on a line is a font-size button or an index letter to BP001.
    assert {d["code"] for d in run.json()} == {"WS005", "SRC001", "BP001"}


# --- empty and blank -------------------------------------------------------------------------


def test_a_zero_byte_file_passes_and_fix_leaves_it_empty(tmp_path, cli):
    (tmp_path / "empty.txt").write_bytes(b"")
    before = snapshot(tmp_path)
    run = cli("check", "--fix", "--unsafe-fixes", "empty.txt", cwd=tmp_path)
    assert (run.code, run.err) == (0, "")
    assert "All checks passed (1 file)." in run.out
    assert snapshot(tmp_path) == before


def test_a_whitespace_only_file_gets_safe_fixes_that_settle(tmp_path, cli):
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b"   \n\n\t\r\n")
    before = snapshot(tmp_path)
    run = cli("check", "--output-format", "json", "blank.txt", cwd=tmp_path)
    assert run.code == 1
    assert {d["code"] for d in run.json()} <= {"WS001", "WS003", "WS004"}
    assert all(d["fix"]["applicability"] == "safe" for d in run.json())
    assert snapshot(tmp_path) == before  # checking changes nothing
    assert cli("check", "--fix", "blank.txt", cwd=tmp_path).code == 0
    assert blank.read_bytes().strip() == b""
    fixed = snapshot(tmp_path)
    assert cli("check", "--fix", "blank.txt", cwd=tmp_path).code == 0
    assert snapshot(tmp_path) == fixed


# --- file names ------------------------------------------------------------------------------

ODD_NAMES = ["with space.txt", "new\nline.txt", os.fsdecode(b"bad\xff.txt")]


def odd_named_corpus(folder: Path) -> None:
    for name in ODD_NAMES:
        (folder / name).write_bytes(b"Title\n\nBody text.  \n")


def test_odd_file_names_cannot_forge_a_diagnostic_line_and_json_stays_valid(tmp_path):
    odd_named_corpus(tmp_path)
    before = snapshot(tmp_path)
    process = subprocess.run(  # a real process: names must survive encoding to stdout
        [sys.executable, "-m", "corpus_lint", "check", "--no-cache", "--no-progress"]
        + ["--select", "WS001", "--output-format", "text", "--output-format", "json:r.json"],
        cwd=tmp_path,
        capture_output=True,
    )
    assert process.returncode == 1, process.stderr
    assert process.stderr == b""
    lines = process.stdout.decode("utf-8").splitlines()
    assert lines[:3] == [
        f"{name}:3:11: WS001 [*] 2 whitespace characters at the end of the line: invisible "
        "noise that makes identical lines differ"
        for name in ("bad\\xff.txt", "new\\nline.txt", "with space.txt")
    ]
    assert lines[3:5] == ["", "Found 3 diagnostics in 3 of 3 files:"]
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert sorted(d["path"] for d in report) == ["bad\\xff.txt", "new\nline.txt", "with space.txt"]
    (tmp_path / "r.json").unlink()
    assert snapshot(tmp_path) == before


def test_a_non_utf8_path_given_is_written_escaped_in_the_html_report_and_warnings(tmp_path):
    # The report's "paths checked" row held the name raw: a traceback, and an empty report.
    folder = tmp_path / os.fsdecode(b"bad\xff")
    folder.mkdir()
    (folder / "x.txt").write_bytes(b"Title\n\nBody text.  \n")
    (tmp_path / "view").symlink_to(folder.name)  # a warning naming the file both ways
    process = subprocess.run(
        [sys.executable, "-m", "corpus_lint", "check", "--no-cache", "--no-progress"]
        + ["--output-format", "html", "-o", "r.html", folder.name, "view"],
        cwd=tmp_path,
        capture_output=True,
    )
    assert process.returncode == 1, process.stderr
    assert b"Traceback" not in process.stderr
    assert b"view/x.txt: the same file as bad\\xff/x.txt" in process.stderr
    report = (tmp_path / "r.html").read_text(encoding="utf-8")  # valid UTF-8
    assert "bad\\xff" in report and "WS001" in report


def test_odd_file_names_are_fixed_and_their_diff_applies_with_patch(tmp_path, cli):
    odd_named_corpus(tmp_path)
    process = subprocess.run(  # the diff is bytes: a name's bytes that are not UTF-8 stay so
        [sys.executable, "-m", "corpus_lint", "check", "--diff", "--select", "WS001", "."],
        cwd=tmp_path,
        capture_output=True,
    )
    diff = process.stdout
    assert process.returncode == 1
    assert b'--- "a/new\\nline.txt"\n+++ "b/new\\nline.txt"\n' in diff
    assert b"--- a/bad\xff.txt\n" in diff  # the name's own bytes, which patch looks for
    assert all(path.read_bytes().endswith(b"  \n") for path in tmp_path.glob("*.txt"))  # unchanged
    if shutil.which("patch"):
        copy = tmp_path / "copy"
        copy.mkdir()
        odd_named_corpus(copy)
        subprocess.run(["patch", "-s", "-p1"], input=diff, cwd=copy, check=True)
    run = cli("check", "--fix", "--select", "WS001", ".", cwd=tmp_path)
    assert run.code == 0
    for name in ODD_NAMES:
        assert (tmp_path / name).read_bytes() == b"Title\n\nBody text.\n"
        if shutil.which("patch"):
            assert (copy / name).read_bytes() == b"Title\n\nBody text.\n"


# --- symbolic links --------------------------------------------------------------------------


def test_symbolic_link_loops_are_not_followed_and_a_named_one_is_an_error(tmp_path, cli):
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "self").symlink_to("../loop")
    (tmp_path / "a.txt").symlink_to("b.txt")
    (tmp_path / "b.txt").symlink_to("a.txt")
    (tmp_path / "article.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    run = cli("check", ".", cwd=tmp_path)
    # Found by review rev34b: "All checks passed" though two .txt files were never read.
    assert run.code == 0
    assert run.err == (
        "corpus-lint: warning: a.txt (and 1 more): symbolic link found in a folder, not "
        "followed; not checked (name them to check them)\n"
    )
    assert "No diagnostics in the 1 file checked; 2 files left out" in run.out
    run = cli("check", "a.txt", "loop/self", cwd=tmp_path)
    assert run.code == 2
    assert run.err == "corpus-lint: error: a.txt: broken symbolic link or link loop\n"


def test_symbolic_links_out_of_the_corpus_are_not_followed(tmp_path, cli):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_bytes(b"Secret  \n")  # WS001 and SRC001, if it were ever read
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "article.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    (corpus / "link.txt").symlink_to(secret)
    (corpus / "linked-folder").symlink_to(outside)
    before = snapshot(outside)
    run = cli("check", "--fix", ".", cwd=corpus)
    assert run.code == 0
    assert run.err.startswith("corpus-lint: warning: link.txt: symbolic link found in a folder")
    assert "No diagnostics in the 1 file checked; 1 file left out" in run.out
    run = cli("check", "--fix", "link.txt", "linked-folder", "linked-folder/secret.txt", cwd=corpus)
    assert run.code == 2  # named, so not checking them is an error
    assert [line.split(", not followed")[0] for line in run.err.splitlines()] == [
        f"corpus-lint: error: {name}: symbolic link out of {corpus.resolve()}"
        for name in ("link.txt", "linked-folder", "linked-folder/secret.txt")
    ]
    assert snapshot(outside) == before


# --- races -----------------------------------------------------------------------------------


def read_after(monkeypatch, name: str, meanwhile) -> None:
    """Run `meanwhile(path)` just before corpus-lint reads the file called `name`."""
    real_read = Document.read.__func__

    def read(cls, path, display_path=None, **options):
        if os.path.basename(path) == name:  # the walk's string, or a Path
            meanwhile(Path(path))
        return real_read(cls, path, display_path, **options)

    monkeypatch.setattr(Document, "read", classmethod(read))


def test_a_file_deleted_after_discovery_is_an_error_naming_it(tmp_path, cli, monkeypatch):
    (tmp_path / "gone.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    (tmp_path / "kept.txt").write_text(CLEAN_ARTICLE + "Trailing  \n", encoding="utf-8")
    read_after(monkeypatch, "gone.txt", Path.unlink)
    run = cli("check", "--fix", "--select", "WS001", ".", cwd=tmp_path)
    assert run.code == 2
    assert run.err == "corpus-lint: error: gone.txt: no such file\n"
    assert (tmp_path / "kept.txt").read_text(encoding="utf-8").endswith("Trailing\n")


def test_a_file_replaced_by_a_folder_after_discovery_is_an_error(tmp_path, cli, monkeypatch):
    (tmp_path / "a.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")

    def replace_by_folder(path: Path) -> None:
        path.unlink()
        path.mkdir()

    read_after(monkeypatch, "a.txt", replace_by_folder)
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.code == 2
    assert run.err == "corpus-lint: error: a.txt: is a directory, not a file\n"


def test_a_file_rewritten_after_discovery_is_linted_as_it_is_when_read(tmp_path, cli, monkeypatch):
    (tmp_path / "a.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    read_after(monkeypatch, "a.txt", lambda path: path.write_bytes(b"Rewritten  \n"))
    run = cli("check", "--select", "WS001", "a.txt", cwd=tmp_path)
    assert run.code == 1
    assert run.out.startswith("a.txt:1:10: WS001")


def test_a_file_rewritten_between_reading_and_fixing_is_not_overwritten(tmp_path, cli, monkeypatch):
    article = tmp_path / "a.txt"
    article.write_text(CLEAN_ARTICLE + "Trailing  \n", encoding="utf-8")
    real_fix = fixes.fix_document

    def meanwhile(doc, lint, unsafe, **kwargs):
        fixed = real_fix(doc, lint, unsafe, **kwargs)
        article.write_bytes(b"Someone else's edit  \n")
        return fixed

    monkeypatch.setattr(fixes, "fix_document", meanwhile)
    run = cli("check", "--fix", "--select", "WS001", "a.txt", cwd=tmp_path)
    assert run.code == 2
    assert run.err == (
        "corpus-lint: error: a.txt: changed while corpus-lint was running; not fixed\n"
    )
    assert article.read_bytes() == b"Someone else's edit  \n"
    assert [p.name for p in tmp_path.iterdir() if p.name != CACHE_DIR] == ["a.txt"]  # no temp file


def test_a_named_pipe_is_skipped_not_waited_on(tmp_path, cli):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "article.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    run = cli("check", ".", cwd=tmp_path)
    assert run.code == 0
    assert run.err == "corpus-lint: warning: pipe.txt: not a regular file, not linted\n"


# --- permissions (a real process without the right to read) ---------------------------------


def _unprivileged_prefix() -> list[str] | None:
    """A command prefix that runs a process which obeys file permissions, or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return []  # not root: permissions apply already
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    # Root without the capabilities that bypass permission checks.
    prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]
    probe = subprocess.run([*prefix, sys.executable, "-c", ""], capture_output=True)
    return prefix if probe.returncode == 0 else None


UNPRIVILEGED = _unprivileged_prefix()


def run_unprivileged(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if UNPRIVILEGED is None:
        pytest.skip("running as root without setpriv: permissions cannot be denied")
    return subprocess.run(
        [*UNPRIVILEGED, sys.executable, "-m", "corpus_lint", "check", "--no-progress", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def test_a_file_that_cannot_be_read_is_an_error_and_the_rest_is_fixed(tmp_path):
    locked = tmp_path / "locked.txt"
    locked.write_text("Locked  \n", encoding="utf-8")
    (tmp_path / "open.txt").write_text(CLEAN_ARTICLE + "Trailing  \n", encoding="utf-8")
    locked.chmod(0)
    try:
        before = locked.stat().st_mtime_ns
        process = run_unprivileged(tmp_path, "--fix", "--select", "WS001", ".")
    finally:
        locked.chmod(0o644)
    assert process.returncode == 2
    assert process.stderr == "corpus-lint: error: locked.txt: permission denied\n"
    assert (locked.read_bytes(), locked.stat().st_mtime_ns) == (b"Locked  \n", before)
    assert (tmp_path / "open.txt").read_text(encoding="utf-8").endswith("Trailing\n")


def test_a_folder_that_cannot_be_read_is_an_error_naming_it(tmp_path):
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "a.txt").write_text("Hidden  \n", encoding="utf-8")
    (tmp_path / "article.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    before = snapshot(tmp_path)
    (tmp_path / "closed").chmod(0)
    try:
        process = run_unprivileged(tmp_path, "--fix", ".")
    finally:
        (tmp_path / "closed").chmod(0o755)
    assert process.returncode == 2
    assert (
        process.stderr == "corpus-lint: error: closed: cannot read the folder: Permission denied\n"
    )
    # A folder it could not read: the run never says it passed.
    assert "No diagnostics in the 1 file checked, but 1 error (see below)." in process.stdout
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_corpus_part_a_changed_files_run_cannot_read_is_an_error_not_a_pass(tmp_path, jobs):
    # A pre-commit run compares its files with the configured corpus: a corpus folder or
    # file it could not read was left out silently, and the run said "All checks passed".
    corpus = tmp_path / "corpus"
    for name in ["ok/s1.txt", "locked/copy.txt", "ok/s2.txt", "ok/unread.txt"]:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
    (corpus / "ok" / "s1.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    (corpus / "locked" / "copy.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    (corpus / "ok" / "s2.txt").write_text(TWIN, encoding="utf-8")
    (corpus / "ok" / "unread.txt").write_text(TWIN, encoding="utf-8")
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n')
    (corpus / "locked").chmod(0)
    (corpus / "ok" / "unread.txt").chmod(0)
    try:
        process = run_unprivileged(
            tmp_path, "--no-cache", "--jobs", jobs, "corpus/ok/s1.txt", "corpus/ok/s2.txt"
        )
    finally:
        (corpus / "locked").chmod(0o755)
        (corpus / "ok" / "unread.txt").chmod(0o644)
    assert process.returncode == 2, process.stderr
    assert process.stderr == (
        "corpus-lint: error: corpus/locked: cannot read the folder: Permission denied\n"
        "corpus-lint: error: corpus/ok/unread.txt: permission denied\n"
    )
    assert "passed" not in process.stdout
    # Given, and found by the corpus walk too: each error once, and counted once.
    (corpus / "locked").chmod(0)
    (corpus / "ok" / "unread.txt").chmod(0)
    try:
        process = run_unprivileged(
            tmp_path, "--no-cache", "corpus/ok/s1.txt", "corpus/ok/unread.txt"
        )
    finally:
        (corpus / "locked").chmod(0o755)
        (corpus / "ok" / "unread.txt").chmod(0o644)
    assert process.stderr == (
        "corpus-lint: error: corpus/ok/unread.txt: permission denied\n"
        "corpus-lint: error: corpus/locked: cannot read the folder: Permission denied\n"
    )
    assert "1 error" not in process.stdout and "2 errors" in process.stdout


def test_the_corpus_walk_of_worker_processes_reports_a_folder_it_cannot_list(tmp_path, monkeypatch):
    from corpus_lint import files
    from corpus_lint.config import Settings

    for folder in ["a", "b", "c"]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text("x\n")
    scandir = os.scandir

    def failing(path):  # the workers are forked with it
        if isinstance(path, int) and os.readlink(f"/proc/self/fd/{path}").endswith("/b"):
            raise PermissionError(13, "Permission denied")
        return scandir(path)

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("no /proc to tell a folder from its descriptor")
    monkeypatch.setattr(files, "_SCANDIR_FD", True)
    monkeypatch.setattr(files.os, "scandir", failing)
    monkeypatch.setattr(files, "PARALLEL_WALK_FILES", -1)  # the root listed here, no more
    walk = files.CorpusWalk([tmp_path], Settings(root=tmp_path), {}, workers=2)
    found = walk.result()
    assert sorted(os.path.basename(f) for f in found) == sorted([tmp_path.name, "a", "c"])
    assert [e.split(": ", 1)[1] for e in walk.errors] == [
        "cannot read the folder: Permission denied"
    ]


@pytest.mark.parametrize("cache_exists", [False, True], ids=["new", "existing"])
def test_an_unwritable_cache_folder_gives_a_warning_and_the_run_goes_on(tmp_path, cache_exists):
    (tmp_path / "a.txt").write_text(TWIN, encoding="utf-8")
    (tmp_path / "b.txt").write_text(TWIN, encoding="utf-8")
    cache = tmp_path / ".corpus_lint_cache"
    if cache_exists:
        subprocess.run([sys.executable, "-m", "corpus_lint", "check", "."], cwd=tmp_path)
    else:
        cache.mkdir()
    before = snapshot(tmp_path)
    cache.chmod(0o555)
    try:
        process = run_unprivileged(tmp_path, "--select", "DUP003", ".")
    finally:
        cache.chmod(0o755)
    assert process.returncode == 1
    assert process.stdout.startswith("b.txt:1:1: DUP003 same text as a.txt")
    no_traceback(process.stderr)
    assert len(process.stderr.splitlines()) == 1
    assert process.stderr.startswith(f"corpus-lint: warning: {cache}")
    assert process.stderr.endswith("; running without it\n")
    assert snapshot(tmp_path) == before


# --- the cache -------------------------------------------------------------------------------


def test_a_corrupt_cache_database_is_rebuilt_with_a_warning(tmp_path, cli):
    (tmp_path / "a.txt").write_text(TWIN, encoding="utf-8")
    (tmp_path / "b.txt").write_text(TWIN, encoding="utf-8")
    database = tmp_path / ".corpus_lint_cache" / "signatures.sqlite3"
    database.parent.mkdir()
    database.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
    run = cli("check", "--select", "DUP003", ".", cwd=tmp_path)
    assert run.code == 1
    assert run.out.startswith("b.txt:1:1: DUP003 same text as a.txt")
    assert run.err.startswith("corpus-lint: warning: ")
    assert run.err.endswith(
        "signatures.sqlite3: unreadable cache (file is not a database); rebuilding it\n"
    )
    assert len(run.err.splitlines()) == 1
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM files").fetchone()[0] == 2
    run = cli("check", "--select", "DUP003", ".", cwd=tmp_path)
    assert (run.code, run.err) == (1, "")


# --- Ctrl-C ----------------------------------------------------------------------------------

PARAGRAPH = "The harbour council voted on Tuesday to add two evening crossings.   \n\n"


def many_articles(folder: Path, count: int) -> dict[str, tuple[bytes, bytes]]:
    """`count` articles with trailing spaces: name -> (original bytes, fixed bytes)."""
    articles = {}
    for number in range(count):
        text = f"Title {number}\n\n" + PARAGRAPH * 40 + "Source: Gazette\n"
        original = text.encode()
        (folder / f"a{number:04}.txt").write_bytes(original)
        articles[f"a{number:04}.txt"] = (original, original.replace(b".   \n", b".\n"))
    return articles


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_during_fix_stops_cleanly_and_leaves_no_file_half_written(tmp_path, jobs):
    articles = many_articles(tmp_path, 1500)  # several seconds of fixing: stopped early
    first = [tmp_path / name for name in sorted(articles)[:100]]
    process = subprocess.Popen(
        [sys.executable, "-m", "corpus_lint", "check", "--fix", "--no-cache", "--no-progress"]
        + ["--select", "WS001", "--jobs", jobs, "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size != len(articles[p.name][0]) for p in first):
            assert process.poll() is None, "the run ended before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the whole group gets SIGINT
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert err == "corpus-lint: interrupted\n"
    states = []
    for path in tmp_path.iterdir():
        assert path.name in articles, f"left behind: {path.name}"
        original, fixed = articles[path.name]
        states.append({original: "original", fixed: "fixed"}.get(path.read_bytes(), "broken"))
    assert "broken" not in states
    assert 0 < states.count("fixed") < len(articles)


def test_ctrl_c_while_a_fixed_file_is_written_lets_the_write_finish(tmp_path, cli, monkeypatch):
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("Ctrl-C is not Python's KeyboardInterrupt here")
    articles = many_articles(tmp_path, 3)
    real_fsync = os.fsync

    def interrupted_fsync(fd):  # Ctrl-C lands after the bytes are written, before the rename
        os.kill(os.getpid(), signal.SIGINT)
        real_fsync(fd)

    monkeypatch.setattr(fixes.os, "fsync", interrupted_fsync)
    run = cli("check", "--fix", "--select", "WS001", "--jobs", "1", ".", cwd=tmp_path)
    assert run.code == 130
    assert run.err == "corpus-lint: interrupted\n"
    contents = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != CACHE_DIR}
    assert contents == {
        "a0000.txt": articles["a0000.txt"][1],  # finished, then the interrupt took effect
        "a0001.txt": articles["a0001.txt"][0],
        "a0002.txt": articles["a0002.txt"][0],
    }


def test_ctrl_c_and_sigterm_pending_together_stop_the_run_once_without_a_traceback(monkeypatch):
    """Both pending when the handler runs (sent back to back, or while the run was in a long
    C call): the first stops the run; the second found SIG_IGN set by the first, and Python
    printed "Signal 15 ignored due to race condition" with a traceback."""
    from corpus_lint import interrupts

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("Ctrl-C is not Python's KeyboardInterrupt here")
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    both = {signal.SIGINT, signal.SIGTERM}
    before = {number: signal.getsignal(number) for number in interrupts.STOPS}
    stopped = False
    try:
        with interrupts.handled():
            signal.pthread_sigmask(signal.SIG_BLOCK, both)
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, both)  # both delivered at once
            for _ in range(1000):
                time.sleep(0)
    except KeyboardInterrupt:
        stopped = True
        for _ in range(1000):  # (where the second one's handler runs)
            time.sleep(0)
        interrupts.ignore()  # as the command line does once stopped
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, both)
        for number, handler in before.items():
            signal.signal(number, handler)
    assert stopped
    assert [hook.exc_value for hook in unraisable] == []
    assert interrupts.how_stopped() in (("interrupted", 130), ("terminated", 143))


def test_ctrl_c_as_the_run_ends_is_one_line_and_exit_130(tmp_path, cli, monkeypatch):
    """A Ctrl-C that lands as the command has returned, when the run puts back the Ctrl-C
    handler it found, still stops it as any other: one line, 130 (it was a traceback)."""
    from corpus_lint import interrupts

    many_articles(tmp_path, 3)
    set_handler = signal.signal

    def ctrl_c_as_the_handler_is_put_back(number, handler):
        if handler is signal.default_int_handler and signal.getsignal(number) is interrupts._stop:
            os.kill(os.getpid(), signal.SIGINT)  # pending: `signal.signal` handles it first
        return set_handler(number, handler)

    monkeypatch.setattr(signal, "signal", ctrl_c_as_the_handler_is_put_back)
    try:
        run = cli("check", "--select", "WS001", ".", cwd=tmp_path)
    except KeyboardInterrupt:
        pytest.fail("the interrupt escaped `main`: a traceback, not one line and 130")
    finally:
        monkeypatch.undo()
    assert (run.code, run.err) == (130, "corpus-lint: interrupted\n")


def test_two_ctrl_cs_as_the_command_line_run_ends_are_one_line_and_exit_130(
    tmp_path, monkeypatch, capsys
):
    """The command line's run (`main()`, which exits after): a Ctrl-C as the handler is put
    back, and another as "interrupted" is printed (a terminal's and `timeout`'s): one line,
    130, and the Ctrl-Cs that follow are ignored until the process exits (the second one was
    a traceback)."""
    from corpus_lint import interrupts
    from corpus_lint.cli import main

    many_articles(tmp_path, 3)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["corpus-lint", "check", "--select", "WS001", "."])
    set_handler = signal.signal
    armed = []

    def ctrl_c_as_the_handler_is_put_back(number, handler):
        putting_back = handler is signal.default_int_handler
        putting_back = putting_back and signal.getsignal(number) is interrupts._stop
        previous = set_handler(number, handler)
        if putting_back:  # just after: the handler put back gets it
            armed.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        return previous

    class SecondCtrlC(io.StringIO):
        def write(self, text):
            if armed and len(armed) == 1:
                armed.append(True)
                os.kill(os.getpid(), signal.SIGINT)  # a second one, as it is printed
            return super().write(text)

    err = SecondCtrlC()
    monkeypatch.setattr(signal, "signal", ctrl_c_as_the_handler_is_put_back)
    monkeypatch.setattr(sys, "stderr", err)
    before = {number: signal.getsignal(number) for number in interrupts.STOPS}
    frozen = gc.get_freeze_count()
    try:
        code = main()
        after = signal.getsignal(signal.SIGINT)
    except KeyboardInterrupt:
        pytest.fail("a Ctrl-C escaped `main`: a traceback, not one line and 130")
    finally:
        monkeypatch.undo()
        for number, handler in before.items():
            signal.signal(number, handler)
        if not frozen:  # a run that exits keeps its heap frozen: the tests after see it again
            gc.unfreeze()
    assert len(armed) == 2
    assert (code, err.getvalue()) == (130, "corpus-lint: interrupted\n")
    assert after is signal.SIG_IGN


@pytest.mark.slow
def test_ctrl_c_while_the_workers_stop_after_the_last_file_stops_the_run(
    tmp_path, cli, monkeypatch
):
    """Every file checked and fixed, Ctrl-C as the worker pool is taken down: the run stops.
    (The pool was taken down when the caller dropped the analysis generator, which it had
    asked for no result past the last: the interrupt was raised in the generator's finaliser,
    printed as "Exception ignored", and the run went on to exit 0.)"""
    from concurrent.futures import ProcessPoolExecutor

    from corpus_lint.parallel import MIN_FILES_FOR_WORKERS

    articles = many_articles(tmp_path, 2 * MIN_FILES_FOR_WORKERS)
    shutdown = ProcessPoolExecutor.shutdown
    interrupted = []

    def interrupted_shutdown(executor, *args, **kwargs):
        if not interrupted:
            interrupted.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        shutdown(executor, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "shutdown", interrupted_shutdown)
    run = cli("check", "--fix", "--no-cache", "--select", "WS001", "--jobs", "2", ".", cwd=tmp_path)
    assert interrupted
    assert (run.code, run.err) == (130, "corpus-lint: interrupted\n")
    assert all(
        tmp_path.joinpath(name).read_bytes() == fixed for name, (_, fixed) in articles.items()
    )


def _ignores_ctrl_c(pid: int, or_exited: bool = False) -> bool:
    """Whether a process ignores SIGINT, from its ignored-signals mask in /proc (`or_exited`:
    or it has exited, its parent not yet told)."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    if or_exited and "State:\tZ (zombie)" in status:
        return True
    for line in status:
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_ctrl_c_reaching_the_walking_workers_leaves_the_walk_to_the_parent(tmp_path, monkeypatch):
    """A terminal's Ctrl-C reaches the processes that stat the corpus too: they must neither
    die nor print a traceback (the parent cancels the walk, or, here, finishes it)."""
    import corpus_lint.files as files
    from corpus_lint.config import load_settings

    for folder in range(6):
        (tmp_path / "c" / f"d{folder}").mkdir(parents=True)
        for name in range(3):
            (tmp_path / "c" / f"d{folder}" / f"{name}.txt").write_text(f"{folder} {name}")
    settings = load_settings(cwd=tmp_path)
    monkeypatch.setattr(files, "PARALLEL_WALK_FILES", 2)
    walk = files.CorpusWalk([tmp_path / "c"], settings, {}, workers=2)
    try:
        workers = walk._pool.pids  # forked, each with its share of the folders
        assert len(workers) == 2
        deadline = time.monotonic() + 30
        # Each has set itself up (or walked its share already: it waits to be reaped).
        while not all(_ignores_ctrl_c(pid, or_exited=True) for pid in workers):
            assert time.monotonic() < deadline, "the walking workers never set up"
            time.sleep(0.01)
        for pid in workers:
            os.kill(pid, signal.SIGINT)
        walked = walk.result()
    finally:
        walk.cancel()
    assert walked == files.corpus_folders([tmp_path / "c"], settings, {}, workers=1)


@pytest.mark.parametrize("forked", [True, False], ids=["forked", "worker-pool"])
def test_walking_tasks_that_die_or_raise_are_never_a_result(monkeypatch, forked):
    """A worker of `parallel.Tasks` (the corpus walk's) that dies is WorkersDied; one whose
    call raises raises it in the parent; the others' results come in order."""
    from corpus_lint.interrupts import WorkersDied
    from corpus_lint.parallel import CANCEL_GRACE_SECONDS, Tasks

    if forked and not Tasks.FORKED:
        pytest.skip("workers are forked on Linux only")
    monkeypatch.setattr(Tasks, "FORKED", forked)
    assert Tasks(int, [("1",), ("22",)]).results() == [1, 22]
    with pytest.raises(ValueError, match="invalid literal"):
        Tasks(int, [("1",), ("x",)]).results()
    with pytest.raises(WorkersDied):
        Tasks(os._exit, [(3,)]).results()
    if forked:  # a result cut short (a worker killed as it wrote, its exit status unknown)
        import corpus_lint.parallel as parallel

        read_to_end = parallel._read_to_end
        monkeypatch.setattr(parallel, "_read_to_end", lambda fd: read_to_end(fd)[:-3])
        with pytest.raises(WorkersDied):
            Tasks(int, [("1",)]).results()
        monkeypatch.setattr(parallel, "_read_to_end", read_to_end)
    stopped = Tasks(time.sleep, [(30,), (30,)])
    started = time.monotonic()
    stopped.cancel()
    # Forked walkers only read: killed at once (a pool's finish the call in hand first).
    assert time.monotonic() - started < (5 if forked else CANCEL_GRACE_SECONDS + 10)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forked workers")
@pytest.mark.parametrize("started", [0, 1])
def test_walking_tasks_that_cannot_all_start_leave_no_worker_and_no_frozen_heap(
    monkeypatch, started
):
    """No more processes (fork fails after `started` workers): the error, the workers started
    stopped and reaped, and the garbage collector sees the heap again."""
    import gc

    from corpus_lint.parallel import Tasks

    monkeypatch.setattr(Tasks, "FORKED", True)
    forked: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        if len(forked) == started:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    frozen = gc.get_freeze_count()
    descriptors = len(os.listdir("/proc/self/fd"))
    with pytest.raises(BlockingIOError):
        Tasks(time.sleep, [(30,), (30,)])
    assert len(forked) == started
    assert len(os.listdir("/proc/self/fd")) == descriptors  # no pipe left open
    for pid in forked:
        with pytest.raises(ChildProcessError):  # already reaped
            os.waitpid(pid, os.WNOHANG)
    assert gc.get_freeze_count() == frozen

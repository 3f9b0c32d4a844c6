"""`check --fix / --unsafe-fixes / --diff` end to end: what is written, printed and returned."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from corpus_lint import checks, fixes, packs
from corpus_lint.packs import Packs
from tests.fix_rules import TEST_RULES
from tests.helpers import SEEDS

TEST_SELECT = "TST001,TST002,TST003,TST005"


@pytest.fixture
def test_rules(monkeypatch):
    """Run the test rules instead of the built-in rules and packs, for one test."""
    # (commands imports these when it loads the rules: patched where they live)
    monkeypatch.setattr(checks, "builtin_rules", lambda: {c.code: c() for c in TEST_RULES})
    monkeypatch.setattr(packs, "load_packs", lambda paths, builtin: Packs())


def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def writable(folder: Path) -> Path:
    """The seeds are kept read-only; their copies must be writable for --fix to write them."""
    for path in folder.rglob("*.txt"):
        path.chmod(0o644)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.txt")}


def test_fix_writes_the_safe_fixes_and_reports_only_what_remains(tmp_path, cli, test_rules):
    write(tmp_path, "c/a.txt", "about  \njunk\n")
    write(tmp_path, "c/b.txt", "fine\n")
    run = cli("check", "c", "--fix", "--select", TEST_SELECT, cwd=tmp_path)
    assert (tmp_path / "c/a.txt").read_text() == "about\njunk\n"
    assert (tmp_path / "c/b.txt").read_text() == "fine\n"
    assert "TST001" not in run.out
    assert "c/a.txt:1:1: TST005" in run.out
    assert "c/a.txt:2:1: TST003" in run.out
    assert "Fixed 1 issue in 1 file." in run.out
    assert run.code == 1


def test_unsafe_fixes_drop_lines_only_with_fix(tmp_path, cli, test_rules):
    write(tmp_path, "c/a.txt", "keep\njunk\n")
    run = cli("check", "c", "--unsafe-fixes", "--select", TEST_SELECT, cwd=tmp_path)
    assert (tmp_path / "c/a.txt").read_text() == "keep\njunk\n"
    assert run.code == 1
    run = cli("check", "c", "--fix", "--unsafe-fixes", "--select", TEST_SELECT, cwd=tmp_path)
    assert (tmp_path / "c/a.txt").read_text() == "keep\n"
    assert run.out.splitlines()[0] == "Fixed 1 issue in 1 file."
    assert run.code == 0


def test_show_fixes_lists_the_codes_fixed_in_each_file(tmp_path, cli, test_rules):
    write(tmp_path, "c/a.txt", "a    b  \n")
    run = cli("check", "c", "--fix", "--show-fixes", "--select", TEST_SELECT, cwd=tmp_path)
    assert "Fixed 4 issues in 1 file." in run.out
    assert "  c/a.txt: 1 × TST001, 3 × TST002" in run.out


def test_exit_non_zero_on_fix_fails_a_run_that_changed_files_and_left_nothing(
    tmp_path, cli, test_rules
):
    write(tmp_path, "c/a.txt", "text  \n")
    run = cli("check", "c", "--fix", "--select", "TST001", cwd=tmp_path)
    assert run.code == 0
    write(tmp_path, "c/a.txt", "text  \n")
    run = cli("check", "c", "--fix", "--exit-non-zero-on-fix", "--select", "TST001", cwd=tmp_path)
    assert run.code == 1
    run = cli("check", "c", "--fix", "--exit-non-zero-on-fix", "--select", "TST001", cwd=tmp_path)
    assert run.code == 0  # nothing left to change


def test_diff_prints_the_fixes_writes_nothing_and_exits_one(tmp_path, cli, test_rules):
    write(tmp_path, "c/a.txt", "keep  \njunk\n")
    run = cli("check", "c", "--diff", "--unsafe-fixes", "--select", TEST_SELECT, cwd=tmp_path)
    assert run.out == ("--- a/c/a.txt\n+++ b/c/a.txt\n@@ -1,2 +1 @@\n-keep  \n-junk\n+keep\n")
    assert "Would fix 2 issues in 1 file." in run.err
    assert (tmp_path / "c/a.txt").read_text() == "keep  \njunk\n"
    assert run.code == 1


def test_diff_wins_over_fix_and_writes_nothing(tmp_path, cli, test_rules):
    write(tmp_path, "c/a.txt", "keep  \n")
    run = cli("check", "c", "--fix", "--diff", "--select", TEST_SELECT, cwd=tmp_path)
    assert (tmp_path / "c/a.txt").read_text() == "keep  \n"
    assert "+keep\n" in run.out
    assert run.code == 1


def test_diff_with_nothing_to_fix_prints_nothing_and_exits_zero(tmp_path, cli, test_rules):
    write(tmp_path, "c/a.txt", "about\n")
    run = cli("check", "c", "--diff", "--select", TEST_SELECT, cwd=tmp_path)
    assert (run.out, run.code) == ("", 0)


def test_fixes_respect_per_file_ignores(tmp_path, cli, test_rules):
    (tmp_path / "corpus-lint.toml").write_text(
        'per-file-ignores = { "c/keep_*.txt" = ["TST001"] }\n'
    )
    write(tmp_path, "c/keep_a.txt", "x  \n")
    write(tmp_path, "c/b.txt", "x  \n")
    cli("check", "c", "--fix", "--select", "TST001", cwd=tmp_path)
    assert (tmp_path / "c/keep_a.txt").read_text() == "x  \n"
    assert (tmp_path / "c/b.txt").read_text() == "x\n"


def test_a_non_utf8_file_is_left_alone_by_fix_and_the_user_is_told(tmp_path, cli, test_rules):
    raw = "Le caf\u00e9 est ferm\u00e9 aujourd'hui, d\u00e9sol\u00e9.  \n".encode("cp1252") * 4
    write(tmp_path, "c/a.txt", raw)
    run = cli("check", "c", "--fix", "--select", "TST001,ENC001", cwd=tmp_path)
    assert (tmp_path / "c/a.txt").read_bytes() == raw
    assert "c/a.txt: not UTF-8" in run.err
    run = cli("check", "c", "--fix", "--unsafe-fixes", "--select", "TST001,ENC001", cwd=tmp_path)
    assert (tmp_path / "c/a.txt").read_bytes() == raw.decode("cp1252").replace(
        ".  \n", ".\n"
    ).encode("utf-8")
    assert run.code == 0


# --- I/O errors: the original stays intact, the error is reported, exit 2 ------------------


def test_a_read_only_file_is_reported_and_left_intact(tmp_path, cli, test_rules):
    path = write(tmp_path, "c/a.txt", "x  \n")
    path.chmod(0o444)
    run = cli("check", "c", "--fix", "--select", "TST001", cwd=tmp_path)
    assert path.read_text() == "x  \n"
    assert "corpus-lint: error: c/a.txt: read-only file; not fixed" in run.err
    assert "c/a.txt:1:2: TST001" in run.out  # what is on disk is still reported
    assert run.code == 2


@pytest.mark.parametrize("name", ["L" * 251 + ".txt", "新" * 83 + ".txt"])
def test_a_file_whose_name_is_as_long_as_names_go_is_fixed(tmp_path, cli, test_rules, name):
    # The temporary file beside it was named after it, 22 bytes longer: past 233 bytes
    # (78 CJK characters) the fix failed with "File name too long".
    try:
        path = write(tmp_path, f"c/{name}", "x  \n")
    except OSError:
        pytest.skip("this file system does not take 255-byte names")
    run = cli("check", "c", "--fix", "--select", "TST001", cwd=tmp_path)
    assert run.code == 0, run.err
    assert path.read_text() == "x\n"
    assert os.listdir(tmp_path / "c") == [name]  # no temporary file left


@pytest.mark.parametrize(
    "target, error, message",
    [
        ("write", OSError(errno.ENOSPC, "No space left on device"), "no space left on device"),
        ("replace", PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
    ],
)
def test_a_write_error_is_reported_and_leaves_the_original_intact(
    tmp_path, cli, test_rules, monkeypatch, target, error, message
):
    path = write(tmp_path, "c/a.txt", "x  \n")
    real = getattr(os, target)

    def failing(*args):
        monkeypatch.setattr(os, target, real)  # fail once, then behave
        raise error

    monkeypatch.setattr(os, target, failing)
    run = cli("check", "c", "--fix", "--select", "TST001", cwd=tmp_path)
    assert path.read_text() == "x  \n"
    assert os.listdir(tmp_path / "c") == ["a.txt"]  # no temporary file left behind
    assert f"c/a.txt: cannot write the fixed file: {message}" in run.err
    assert run.code == 2


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed-file", "named-file"])
def test_a_folder_where_no_temporary_file_can_be_made_is_reported(
    tmp_path, cli, test_rules, monkeypatch, unnamed
):
    """(Denied, not a read-only folder: the suite may run as root.) Both ways of making one:
    an unnamed file (O_TMPFILE, Linux), or a named one (mkstemp) where there is none."""
    path = write(tmp_path, "c/a.txt", "x  \n")

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    import tempfile  # (fixes imports it when it writes a file)

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    if unnamed:
        if not fixes._UNNAMED_FILES:
            pytest.skip("no O_TMPFILE on this system")
        real_open = os.open

        def no_unnamed_file(path, flags, *args, **kwargs):
            if flags & os.O_TMPFILE == os.O_TMPFILE:
                raise PermissionError(errno.EACCES, "Permission denied")
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", no_unnamed_file)
    else:
        monkeypatch.setattr(fixes, "_UNNAMED_FILES", False)
    run = cli("check", "c", "--fix", "--select", "TST001", cwd=tmp_path)
    assert path.read_text() == "x  \n"
    assert "c/a.txt: cannot write the fixed file: Permission denied" in run.err
    assert run.code == 2


def test_a_file_rewritten_during_the_run_is_not_overwritten(tmp_path, cli, test_rules, monkeypatch):
    path = write(tmp_path, "c/a.txt", "x  \n")
    real_fix_document = fixes.fix_document

    def meanwhile(doc, *args, **kwargs):
        outcome = real_fix_document(doc, *args, **kwargs)
        path.write_text("someone else's edit\n")  # after the read, before the write
        return outcome

    monkeypatch.setattr(fixes, "fix_document", meanwhile)
    run = cli("check", "c", "--fix", "--select", "TST001", cwd=tmp_path)
    assert path.read_text() == "someone else's edit\n"
    assert "c/a.txt: changed while corpus-lint was running; not fixed" in run.err
    assert run.code == 2


# --- the real rules on a copy of seeds/ --------------------------------------------------


def test_fix_on_seeds_leaves_only_what_has_no_safe_fix_and_is_idempotent(seeds_copy, cli):
    writable(seeds_copy)
    before = snapshot(seeds_copy)
    cli("check", ".", "--fix", "--no-cache", cwd=seeds_copy)
    after = snapshot(seeds_copy)
    assert after != before  # the seeds have trailing spaces, no-break spaces, ...
    run = cli("check", ".", "--no-cache", "--output-format", "json", cwd=seeds_copy)
    assert [d for d in run.json() if d["fix"] and d["fix"]["applicability"] == "safe"] == []
    run = cli("check", ".", "--fix", "--no-cache", cwd=seeds_copy)
    assert snapshot(seeds_copy) == after
    assert "Fixed" not in run.out


def test_unsafe_fix_on_seeds_is_idempotent_and_keeps_every_word_not_on_a_dropped_line(
    seeds_copy, cli
):
    writable(seeds_copy)
    cli("check", ".", "--fix", "--unsafe-fixes", "--no-cache", cwd=seeds_copy)
    after = snapshot(seeds_copy)
    run = cli("check", ".", "--no-cache", "--output-format", "json", cwd=seeds_copy)
    assert [d for d in run.json() if d["fix"]] == []
    cli("check", ".", "--fix", "--unsafe-fixes", "--no-cache", cwd=seeds_copy)
    assert snapshot(seeds_copy) == after


@pytest.mark.skipif(shutil.which("patch") is None, reason="GNU patch is not installed")
@pytest.mark.parametrize("unsafe", [False, True])
def test_diff_on_seeds_applied_with_patch_gives_exactly_what_fix_writes(tmp_path, cli, unsafe):
    flags = ["--unsafe-fixes"] if unsafe else []
    for name in ("original", "patched", "fixed"):
        shutil.copytree(SEEDS, tmp_path / name / "seeds")
        writable(tmp_path / name)
    run = cli("check", "seeds", "--diff", "--no-cache", *flags, cwd=tmp_path / "patched")
    assert run.code == 1
    assert run.out.startswith("--- a/seeds/")
    done = subprocess.run(
        ["patch", "-p1", "--quiet"],
        input=run.out.encode("utf-8"),
        cwd=tmp_path / "patched",
        capture_output=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    cli("check", "seeds", "--fix", "--no-cache", *flags, cwd=tmp_path / "fixed")
    assert snapshot(tmp_path / "patched") == snapshot(tmp_path / "fixed")
    assert snapshot(tmp_path / "fixed") != snapshot(tmp_path / "original")


def test_an_unsafe_fix_never_deletes_text_that_other_fixes_brought_about(tmp_path, cli):
    # Found by an adversarial review: the check reported only U+2028 (ENC006, safe); its fix
    # split the line, and the same --fix --unsafe-fixes then deleted the split-off "Press"
    # of "Source: Associated Press" as a boilerplate phrase (BP001) no report had named.
    (tmp_path / "a.txt").write_text(
        "Harbour works begin\n\nWork on the new harbour wall started on Monday.\n\n"
        "Source: Associated\u2028Press\n",
        encoding="utf-8",
    )
    run = cli("check", "--no-cache", "--output-format", "json", "a.txt", cwd=tmp_path)
    assert [d["code"] for d in run.json()] == ["ENC006"]
    run = cli("check", "--no-cache", "--fix", "--unsafe-fixes", "--output-format", "json", "a.txt")
    text = (tmp_path / "a.txt").read_text(encoding="utf-8")
    assert text.endswith("Source: Associated\nPress\n")
    # What the fix brought about is reported, for the next run (the user sees it first).
    assert run.code == 1 and [(d["code"], d["line"]) for d in run.json()] == [("BP001", 6)]

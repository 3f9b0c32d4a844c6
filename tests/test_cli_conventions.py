"""The command line behaves as ruff users expect (issue #15): strict flags, one-line usage
errors, honest summaries, .gitignore, --show-files/--show-settings, --config overrides,
stdin, the full output format, colour and short flags."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import CLEAN_ARTICLE, PROJECT, SEEDS

UNTIDY = CLEAN_ARTICLE.replace("ferry timetable\n", "ferry timetable   \n", 1)  # WS001


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_error(run, *parts: str) -> None:
    """Exit 2, nothing on stdout, and exactly one line on stderr holding every part."""
    assert run.code == 2, run
    assert run.out == ""
    assert len(run.err.splitlines()) == 1, run.err
    assert run.err.startswith("corpus-lint: error: ")
    for part in parts:
        assert part in run.err


# --- reports: one per stream ------------------------------------------------------------------


@pytest.mark.parametrize(
    "formats, said",
    [
        (["json", "github"], "json and github would both go to stdout"),
        (["json", "json"], "json and json would both go to stdout"),
        (["json:r.json", "sarif:r.json"], "two reports would be written to r.json"),
        (["json:"], "the file name after ':' is empty"),
        (["concise", "json:-"], "concise and json would both go to stdout"),
    ],
)
def test_reports_that_would_share_a_stream_are_a_usage_error(tmp_path, cli, formats, said):
    write(tmp_path / "a.txt", UNTIDY)
    args = [x for f in formats for x in ("--output-format", f)]
    one_line_error(cli("check", "a.txt", *args, cwd=tmp_path), said)
    assert not (tmp_path / "r.json").exists()


def test_a_report_to_the_file_dash_goes_to_stdout(tmp_path, cli):
    # Found by a review: "html:-" wrote a file named "-" ("-" is stdin as a PATH).
    write(tmp_path / "a.txt", UNTIDY)
    run = cli("check", "a.txt", "--output-format", "json:-", cwd=tmp_path)
    assert run.code == 1 and run.json() and not (tmp_path / "-").exists()
    # Found by review rev34a: `-o -` wrote a file named "-" too.
    run = cli("check", "a.txt", "--output-format", "json", "-o", "-", cwd=tmp_path)
    assert run.code == 1 and run.json() and not (tmp_path / "-").exists()
    # ... and refused where `-o FILE` is (review rev34c: it was silently unused there).
    one_line_error(cli("check", "a.txt", "--diff", "-o", "-"), "--diff prints a diff")


@pytest.mark.parametrize(
    "args",
    [
        ["-o", "a.json", "-o", "b.json"],
        ["--baseline", "a.json", "--baseline", "b.json"],
        ["--write-baseline", "a.json", "--write-baseline", "b.json"],
        ["--write-removals", "a.txt", "--write-removals", "b.txt"],
        ["--jobs", "1", "--jobs", "2"],
        ["--color", "never", "--color", "always"],
        ["--executor", "local", "--executor", "dask"],
    ],
)
def test_an_option_of_one_value_given_twice_is_a_usage_error(tmp_path, cli, args):
    # Found by review rev34a: the last value was silently kept (`-o a.json -o b.json` wrote
    # only b.json; `--baseline missing.json --baseline b.json` never read the first).
    write(tmp_path / "a.txt", UNTIDY)
    before = snapshot(tmp_path)
    one_line_error(cli("check", "a.txt", *args, cwd=tmp_path), f"{args[0]} given twice")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "args, said",
    [
        # Found by a review: the baseline, or the removals, was replaced by the report, and the
        # run said it had written the baseline (exit 0).
        (["--write-baseline", "r.json", "-o", "r.json"], "--output-file and --write-baseline"),
        (["--write-removals", "r.txt", "--output-format", "json:r.txt"],
         "--output-format and --write-removals"),
        (["--write-removals", "r.txt", "--write-baseline", "r.txt"], "--write-removals and --"),
        # One folder through a link: one report was lost unseen.
        (["--output-format", "json:alias/r.json", "--output-format", "sarif:c/r.json"],
         "--output-format: two reports would be written to"),
    ],
)  # fmt: skip
def test_two_outputs_naming_one_file_are_a_usage_error(tmp_path, cli, args, said):
    write(tmp_path / "c" / "a.txt", UNTIDY)
    (tmp_path / "alias").symlink_to("c")
    one_line_error(cli("check", "c", *args, cwd=tmp_path), said)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alias", "c"]


def test_output_file_and_a_stdout_format_still_make_one_report_each(tmp_path, cli):
    write(tmp_path / "a.txt", UNTIDY)
    run = cli("check", "a.txt", "--output-format", "json", "-o", "r.json", cwd=tmp_path)
    assert run.code == 1
    assert json.loads((tmp_path / "r.json").read_text())[0]["code"] == "WS001"
    run = cli(
        "check",
        "a.txt",
        "--output-format",
        "json",
        "-o",
        "r.json",
        "--output-format",
        "sarif:r.json",
    )
    one_line_error(run, "two reports would be written to r.json")


# --- strict flags and commands ------------------------------------------------------------------


def test_a_prefix_of_a_flag_is_not_the_flag(seeds_copy, cli):
    before = snapshot(seeds_copy)
    run = cli("check", "--unsafe", "--fi", str(seeds_copy))
    one_line_error(run, "unrecognized arguments: --unsafe --fi", "`corpus-lint check --help`")
    assert snapshot(seeds_copy) == before


def test_a_mistyped_command_names_the_closest_one_and_lints_nothing(tmp_path, cli):
    write(tmp_path / "seeds" / "a.txt", UNTIDY)
    run = cli("chekc", "seeds", cwd=tmp_path)
    one_line_error(run, "unknown command 'chekc'", "did you mean 'check'?")
    run = cli("rulez", cwd=tmp_path)
    one_line_error(run, "unknown command 'rulez'", "did you mean 'rule'?")


def test_a_path_is_still_checked_without_the_command(tmp_path, cli):
    write(tmp_path / "chekc", UNTIDY)  # a file of that name is a path, not a typo
    run = cli("chekc", "--select", "WS001", cwd=tmp_path)
    assert run.code == 1 and run.out.startswith("chekc:1:")


@pytest.mark.parametrize(
    "args, said",
    [
        (["check", "--jobs", "abc"], "argument --jobs: invalid int value: 'abc'"),
        (["check", "--bogus"], "unrecognized arguments: --bogus (see `corpus-lint check --help`)"),
        (["rule"], "the following arguments are required: CODE (see `corpus-lint rule --help`)"),
        (["check", "--color", "pink"], "argument --color: invalid choice: 'pink'"),
        (["--bogus"], "(see `corpus-lint check --help`)"),
    ],
)
def test_argument_errors_are_one_line_naming_the_commands_help(tmp_path, cli, args, said):
    one_line_error(cli(*args, cwd=tmp_path), said)


def test_flag_combinations_that_would_be_ignored_are_usage_errors(tmp_path, cli):
    write(tmp_path / "a.txt", UNTIDY)
    before = snapshot(tmp_path)
    one_line_error(cli("check", "a.txt", "--show-fixes", cwd=tmp_path), "--show-fixes")
    one_line_error(cli("check", "a.txt", "--diff", "--output-format", "json"), "--diff")
    one_line_error(cli("check", "a.txt", "--exit-non-zero-on-fix"), "needs --fix")
    # Found by a review: the run fixed files and exited 0 (ruff refuses the pair too).
    one_line_error(
        cli("check", "a.txt", "--fix", "--exit-zero", "--exit-non-zero-on-fix"), "opposite exit"
    )
    one_line_error(cli("check", "a.txt", "--stdin-filename", "x.txt"), "give the path '-'")
    # Found by an adversarial review: these listed, or printed JSON, exit 0 or 1 as if heard.
    for shown in ("--show-files", "--show-settings"):
        one_line_error(cli("check", "a.txt", shown, "--fix", "--unsafe-fixes"), "drop --fix")
        one_line_error(cli("check", "a.txt", shown, "--diff"), "drop --fix/--diff")
    # ... and --write-removals, which lists instead of removing, wrote an empty list.
    for fixing in (["--fix", "--unsafe-fixes"], ["--diff", "--unsafe-fixes"]):
        one_line_error(cli("check", "a.txt", "--write-removals", "r.txt", *fixing), "instead of")
    # Found by review rev34a: these were accepted and did nothing (an empty removals list).
    said = "--write-removals lists the redundant copies that DUP003 and DUP004 find"
    one_line_error(cli("check", "a.txt", "--select", "WS", "--write-removals", "r.txt"), said)
    said = "--jobs sets this machine's worker processes"
    dask = ("--executor", "dask", "--scheduler", "tcp://127.0.0.1:1")
    one_line_error(cli("check", "a.txt", *dask, "--jobs", "2"), said)
    write(tmp_path / "corpus-lint.toml", 'scheduler = "tcp://127.0.0.1:1"\n')
    one_line_error(cli("check", "a.txt"), "'scheduler' is the dask executor's")
    (tmp_path / "corpus-lint.toml").unlink()
    said = "--statistics counts the findings in the text report"
    one_line_error(cli("check", "a.txt", "--statistics", "--output-format", "json"), said)
    assert cli("check", "a.txt", "--no-cache", "--statistics", "--output-format", "full").code == 1
    # Found by a second review: these were dropped, exit 0 (or the diff's 1) and no file.
    one_line_error(cli("check", "a.txt", "--diff", "--statistics"), "drop --output-format/")
    for shown in ("--show-files", "--show-settings"):
        for flags in (["--output-file", "x.out"], ["--output-format", "sarif:x.sarif"],
                      ["--exit-zero"], ["--write-baseline", "b.json"],
                      ["--write-removals", "r.txt"], ["--baseline", "missing.json"],
                      ["--statistics"]):  # fmt: skip
            one_line_error(cli("check", "a.txt", shown, *flags), f"drop {flags[0]}")
    assert snapshot(tmp_path) == before


# --- honest summaries ---------------------------------------------------------------------------


def test_a_missing_path_never_says_all_checks_passed(tmp_path, cli):
    run = cli("check", "does/not/exist", cwd=tmp_path)
    assert run.code == 2
    assert "All checks passed" not in run.out
    assert run.err == "corpus-lint: error: does/not/exist: no such file or directory\n"


def test_a_path_through_a_link_loop_says_so_not_that_it_is_missing(tmp_path, cli):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    run = cli("check", "a/x.txt", cwd=tmp_path)
    assert run.code == 2
    assert run.err == (
        "corpus-lint: error: a/x.txt: cannot read: Too many levels of symbolic links\n"
    )


@pytest.mark.parametrize("args", [["check", "--fix", ""], [""], ["check", "-o", "", "."]])
def test_an_empty_path_is_a_usage_error_not_the_working_directory(tmp_path, cli, args):
    # Path("") is ".": `check --fix --unsafe-fixes "$FILE"` with FILE unset fixed every file.
    (tmp_path / "a.txt").write_text("Title\n\nBody text.  \n")
    run = cli(*args, cwd=tmp_path)
    assert run.code == 2
    assert "an empty path (an unset variable?)" in run.err
    assert (tmp_path / "a.txt").read_text() == "Title\n\nBody text.  \n"


def test_a_folder_without_documents_warns_and_does_not_pass(tmp_path, cli):
    write(tmp_path / "notes.md", "# not a text document\n")
    run = cli("check", ".", cwd=tmp_path)
    assert run.code == 0
    assert run.out == "No files were checked.\n"
    assert run.err == "corpus-lint: warning: no files matching *.txt under the given paths\n"
    # Found by review rev34a: a folder whose files are all excluded said the same, which sent
    # the user to `include`.
    write(tmp_path / "drafts" / "a.txt", "Title\n\nBody text.  \n")
    write(tmp_path / "corpus-lint.toml", 'exclude = ["*.txt"]\n')
    run = cli("check", ".", cwd=tmp_path)
    assert (run.code, run.out) == (0, "No files were checked.\n")
    assert run.err == (
        "corpus-lint: warning: 1 file matching *.txt under the given paths, every one left out "
        "by `exclude` or .gitignore\n"
    )


def test_selecting_no_rule_is_an_error_not_a_pass(tmp_path, cli):
    write(tmp_path / "a.txt", UNTIDY)
    one_line_error(cli("check", "a.txt", "--select", "", cwd=tmp_path), "no rule is selected")


def test_quiet_statistics_prints_the_counts(tmp_path, cli):
    write(tmp_path / "a.txt", "A  \nB  \nSource: X\n")
    run = cli("check", "a.txt", "--select", "WS001", "-q", "--statistics", cwd=tmp_path)
    assert run.out == "  2 WS001   trailing-whitespace\n"


def test_writing_a_baseline_does_not_say_all_checks_passed(tmp_path, cli):
    write(tmp_path / "a.txt", UNTIDY)
    run = cli("check", "a.txt", "--write-baseline", "base.json", cwd=tmp_path)
    assert run.code == 0
    assert "All checks passed" not in run.out
    assert run.out.splitlines() == [
        "Wrote 1 diagnostic to the baseline base.json.",
        "No new diagnostics in 1 file (1 in the baseline).",
    ]


def test_summary_fix_counts_are_what_fix_then_does(tmp_path, cli):
    counts = {}
    for unsafe in (False, True):
        copy = tmp_path / f"seeds-{unsafe}"
        shutil.copytree(SEEDS, copy)
        for path in copy.iterdir():
            path.chmod(0o644)
        run = cli("check", "-n", str(copy), cwd=tmp_path)
        safe = int(re.search(r"\[\*\] (\d+) fixable with `--fix`", run.out).group(1))
        more = int(re.search(r"(\d+) more fixable with `--fix --unsafe-fixes`", run.out).group(1))
        counts[unsafe] = safe + more if unsafe else safe
        flags = ["--fix", "--unsafe-fixes"] if unsafe else ["--fix"]
        run = cli("check", "-n", str(copy), *flags)
        fixed = int(re.search(r"Fixed (\d+) issues", run.out).group(1))
        assert fixed == counts[unsafe], run.out
    # The seeds need fixes that only appear once others are applied, so counting the
    # diagnostics that carry a fix (what the summary used to say) falls short.
    run = cli("check", "-n", str(SEEDS), "--output-format", "json")
    with_fix = Counter((d["fix"] or {}).get("applicability") for d in json.loads(run.out))
    assert counts[False] > with_fix["safe"]
    assert counts[True] > with_fix["safe"] + with_fix["unsafe"]


def test_summary_fix_counts_include_the_corpus_rules_fixes(tmp_path, cli):
    # A redundant copy (DUP003's unsafe fix deletes it) beside a per-document fix (WS001):
    # the summary counted only the per-document fixes, so it said nothing of the deletion
    # that `--fix --unsafe-fixes` then made.
    write(tmp_path / "c" / "a.txt", UNTIDY)
    write(tmp_path / "c" / "b.txt", CLEAN_ARTICLE + "A second paragraph of the copy.\n")
    write(tmp_path / "c" / "copy.txt", CLEAN_ARTICLE + "A second paragraph of the copy.\n")
    run = cli("check", "-n", "c", cwd=tmp_path)
    assert "DUP003" in run.out
    found = cli("check", "-n", "c", "--output-format", "concise", "-q", cwd=tmp_path)
    safe = int(re.search(r"\[\*\] (\d+) fixable with `--fix`", run.out).group(1))
    more = int(re.search(r"(\d+) more fixable with `--fix --unsafe-fixes`", run.out).group(1))
    assert more >= 1
    run = cli("check", "-n", "c", "--fix", "--unsafe-fixes", cwd=tmp_path)
    fixed = int(re.search(r"Fixed (\d+) issues?", run.out).group(1))
    assert fixed == safe + more, run.out
    # (a.txt, fixed, is a near copy of b.txt too: each redundant copy is one fix, one file less)
    redundant = len(re.findall(r"^\S+:\d+:\d+: DUP00[34] ", found.out, re.MULTILINE))
    assert len(list((tmp_path / "c").iterdir())) == 3 - redundant < 3


# --- progress -----------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [10, 20, 40, 80, 200])
def test_the_progress_line_never_fills_the_terminal(columns):
    from corpus_lint.progress import Progress

    progress = Progress("Hashing corpus", 123_456, enabled=True)
    progress.done = 61_000
    line = progress.line(progress.started + 3, columns)
    assert len(line) <= columns - 1
    if columns >= 80:
        assert "61,000/123,456 files" in line and "[" in line


def test_progress_is_shown_while_pairs_are_verified(tmp_path, cli, monkeypatch):
    import corpus_lint.progress as progress

    monkeypatch.setattr(progress, "progress_wanted", lambda disabled: not disabled)
    monkeypatch.setattr(progress, "SHOW_AFTER_SECONDS", 0.0)
    monkeypatch.setattr(progress, "REDRAW_EVERY_SECONDS", 0.0)
    monkeypatch.setattr(progress, "terminal_width", lambda: 40)
    words = " ".join(f"word{i}" for i in range(300))
    write(tmp_path / "a.txt", f"Title\n\n{words}.\n\nSource: X\n")
    write(tmp_path / "b.txt", f"Title\n\n{words} more.\n\nSource: X\n")
    run = cli("check", "-n", "--select", "DUP004", ".", cwd=tmp_path)
    drawn = [part.removesuffix("\x1b[K") for part in run.err.split("\r") if part]
    assert any(part.startswith("Verifying") and "pairs" in part for part in drawn), drawn
    assert all(len(part) <= 39 for part in drawn if not part.startswith("\x1b")), drawn


# --- .gitignore ---------------------------------------------------------------------------------


@pytest.fixture
def git_corpus(tmp_path: Path) -> Path:
    """A git repository with a git-ignored virtualenv and a nested .gitignore."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    write(repo / ".gitignore", "env/\n*.tmp.txt\n")
    write(repo / "articles" / ".gitignore", "drafts/\n!keep.tmp.txt\n")
    write(repo / "articles" / "a.txt", UNTIDY)
    write(repo / "articles" / "keep.tmp.txt", UNTIDY)  # re-included by the nested file
    write(repo / "articles" / "scratch.tmp.txt", UNTIDY)
    write(repo / "articles" / "drafts" / "d.txt", UNTIDY)
    write(repo / "env" / "lib" / "site-packages" / "pip" / "LICENSE.txt", UNTIDY)
    return repo


IGNORED = [
    "articles/drafts/d.txt",
    "articles/scratch.tmp.txt",
    "env/lib/site-packages/pip/LICENSE.txt",
]
KEPT = ["articles/a.txt", "articles/keep.tmp.txt"]


def test_git_ignored_files_are_neither_listed_nor_linted(git_corpus, cli):
    run = cli("check", "--show-files", cwd=git_corpus)
    assert (run.code, run.out.splitlines()) == (0, KEPT)
    run = cli("check", "-n", "--select", "WS001", "--output-format", "json")
    assert sorted(d["path"] for d in run.json()) == KEPT


def test_no_respect_gitignore_lists_and_lints_them(git_corpus, cli):
    run = cli("check", "--show-files", "--no-respect-gitignore", cwd=git_corpus)
    assert run.out.splitlines() == sorted(KEPT + IGNORED)
    run = cli("check", "-n", "--select", "WS001", "-o", "r.json", "--no-respect-gitignore")
    assert "Found 5 diagnostics in 5 of 5 files:" in run.out
    write(git_corpus / "corpus-lint.toml", "respect-gitignore = false\n")
    run = cli("check", "--show-files")
    assert run.out.splitlines() == sorted(KEPT + IGNORED)
    run = cli("check", "--show-files", "--respect-gitignore")  # the flag beats the file
    assert run.out.splitlines() == KEPT


def test_fix_leaves_git_ignored_files_alone(git_corpus, cli):
    before = snapshot(git_corpus / "env")
    run = cli("check", "-n", "--fix", "--select", "WS001", cwd=git_corpus)
    assert run.out.startswith("Fixed 2 issues in 2 files.")
    assert snapshot(git_corpus / "env") == before


def test_gitignore_lines_git_skips_are_skipped_and_the_others_apply(git_corpus, cli):
    # A line of "!" or a backslash alone is no pattern to git (`git check-ignore` skips it);
    # pathspec refused it, and every run in the repository stopped with its traceback.
    write(git_corpus / ".gitignore", "env/\n!\n\\\n*.tmp.txt\n")
    run = cli("check", "--show-files", cwd=git_corpus)
    assert (run.code, run.err, run.out.splitlines()) == (0, "", KEPT)
    asked = subprocess.run(
        ["git", "check-ignore", *KEPT, *IGNORED], cwd=git_corpus, capture_output=True
    )
    assert asked.stdout.decode().splitlines() == IGNORED  # what git itself ignores


def test_folders_always_skipped_are_documented():
    from corpus_lint.files import SKIPPED_DIRS

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for name in SKIPPED_DIRS:
        assert f"`{name}`" in readme, name


# --- --show-files, --show-settings --------------------------------------------------------------


def test_show_files_lists_exactly_the_files_a_check_reads(tmp_path, cli):
    write(tmp_path / "corpus-lint.toml", 'corpus = ["news"]\nexclude = ["news/old"]\n')
    for name in ("news/a.txt", "news/b.txt", "news/old/c.txt", "news/x.md", "other/d.txt"):
        write(tmp_path / name, "No final newline")  # WS002 in every file that is read
    run = cli("check", "--show-files", cwd=tmp_path)
    assert run.out.splitlines() == ["news/a.txt  (corpus: news)", "news/b.txt  (corpus: news)"]
    run = cli("check", "-n", "--select", "WS002", "--output-format", "json")
    assert sorted(d["path"] for d in run.json()) == ["news/a.txt", "news/b.txt"]
    run = cli("check", "--show-files", "other")  # compared with the corpus, not part of it
    assert run.out.splitlines() == ["other/d.txt  (outside the corpus; compared with it)"]
    # An excluded file named is said to be excluded, as a check says (found by a review:
    # "no files matching *.txt").
    run = cli("check", "--show-files", "news/old/c.txt")
    assert (run.out, run.err) == (
        "",
        "corpus-lint: warning: news/old/c.txt: excluded by `exclude` in the configuration, "
        "not checked\n",
    )


def test_show_settings_on_the_project_prints_the_config_file_and_settings(cli):
    run = cli("check", "--show-settings", cwd=PROJECT)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == f"# Configuration file: {PROJECT / 'pyproject.toml'}"
    assert f'corpus = ["{PROJECT / "seeds"}"]' in lines
    assert "respect-gitignore = true" in lines and "threshold = 0.8" in lines
    # What it prints is a configuration file giving the same settings.
    from corpus_lint.config import parse_settings, tomllib

    shown = parse_settings(tomllib.loads(run.out), PROJECT / "corpus-lint.toml")
    assert shown.corpus == [PROJECT / "seeds"] and shown.select == ["ALL"]


def test_show_settings_gives_the_keeper_policy_and_allow_list(tmp_path, cli):
    write(tmp_path / "dups.allow.toml", "")
    write(
        tmp_path / "corpus-lint.toml",
        '[near-duplicate]\nkeep = ["most-text"]\nallow = "dups.allow.toml"\n',
    )
    run = cli("check", "--show-settings", cwd=tmp_path)
    from corpus_lint.config import parse_settings, tomllib

    shown = parse_settings(tomllib.loads(run.out), tmp_path / "elsewhere" / "corpus-lint.toml")
    assert shown.near_duplicate.keep == ("most-text", "first-path")
    assert shown.near_duplicate.allow_file == (tmp_path / "dups.allow.toml").resolve()


# --- --config KEY=VALUE and extend ----------------------------------------------------------


def test_config_overrides_in_toml(tmp_path, cli):
    write(tmp_path / "corpus-lint.toml", 'select = ["WS"]\n')
    write(tmp_path / "a.txt", "Title  \n\n\n\nBody")  # WS001, WS004, WS002
    run = cli(
        "check",
        "a.txt",
        "--config",
        'ignore = ["WS002"]',
        "-o",
        "r.json",
        "--output-format",
        "json",
        cwd=tmp_path,
    )
    codes = {d["code"] for d in json.loads((tmp_path / "r.json").read_text())}
    assert codes == {"WS001", "WS004"}
    run = cli("check", "--show-settings", "--config", "near-duplicate.threshold=0.9")
    assert (
        "threshold = 0.9" in run.out
        and "# Override: --config near-duplicate.threshold=0.9" in run.out
    )
    one_line_error(cli("check", "--config", "colour = 1"), "--config 'colour = 1'", "unknown key")
    one_line_error(cli("check", "--config", "select = ["), "neither a configuration file nor")


def test_a_config_value_too_long_for_a_file_name_is_a_key_value(tmp_path, cli):
    # Asking whether 'exclude = ["xxx..."]' names a file raised "File name too long".
    long = "x" * 300
    run = cli("check", "--show-settings", "--config", f'exclude = ["{long}"]', cwd=tmp_path)
    assert run.code == 0 and f'exclude = ["{long}"]' in run.out.splitlines(), run
    said = "neither a configuration file nor a TOML KEY = VALUE"
    one_line_error(cli("check", "--config", f'exclude = ["{long}"'), said)
    one_line_error(cli("check", "--config", long), f"{long}: cannot read: File name too long")


def test_extend_reads_a_base_configuration(tmp_path, cli):
    write(tmp_path / "base.toml", 'corpus = ["shared"]\nignore = ["WS002"]\n')
    write(tmp_path / "project" / "corpus-lint.toml", 'extend = "../base.toml"\nselect = ["WS"]\n')
    write(tmp_path / "shared" / "a.txt", "Title  \n\nBody")
    run = cli("check", "-n", "--output-format", "json", cwd=tmp_path / "project")
    # corpus comes from the base, relative to the base's folder; ignore from the base too.
    assert [(d["path"], d["code"]) for d in run.json()] == [("../shared/a.txt", "WS001")]
    run = cli("check", "--show-settings")
    assert f"# Extends: {tmp_path.resolve() / 'base.toml'}" in run.out


# --- standard input -----------------------------------------------------------------------------


def console(*args: str, stdin: bytes, cwd: Path, env: dict | None = None):
    script = Path(sys.executable).parent / "corpus-lint"
    return subprocess.run([str(script), *args], input=stdin, cwd=cwd, capture_output=True, env=env)


def test_stdin_is_linted_under_its_stdin_filename(tmp_path):
    done = console(
        "check", "-", "--stdin-filename", "a.txt", stdin=b"Title\n\nBody text.  \n", cwd=tmp_path
    )
    assert done.returncode == 1
    assert b"a.txt:3:11: WS001 [*]" in done.stdout
    assert (
        b"Not run on standard input (they compare corpus files): BP005, DUP003, DUP004."
        in done.stdout
    )


def test_stdin_counts_what_fix_would_fix_as_for_a_file(tmp_path):
    # Found by an adversarial review: UTF-16 on stdin counted its safe fixes "fixable with
    # --fix", which applies none of them (not UTF-8: only with the transcode, unsafe).
    (tmp_path / "a.txt").write_bytes("Title \n\nBody.\n".encode("utf-16"))
    as_file = console("check", "--no-cache", "--select", "WS,ENC", "a.txt", stdin=b"", cwd=tmp_path)
    on_stdin = console("check", "-", "--stdin-filename", "a.txt", "--select", "WS,ENC",
                       stdin=(tmp_path / "a.txt").read_bytes(), cwd=tmp_path)  # fmt: skip
    assert b"fixable with `--fix`." not in on_stdin.stdout
    summary = on_stdin.stdout.split(b"\n\n")[-1].splitlines()[-1]
    assert summary.endswith(b"more fixable with `--fix --unsafe-fixes`.")
    assert summary in as_file.stdout


def test_stdin_with_fix_prints_the_fixed_text(tmp_path):
    done = console(
        "check",
        "-",
        "--stdin-filename",
        "a.txt",
        "--fix",
        "--select",
        "WS",
        stdin=b"Title  \n\n\n\nBody text.",
        cwd=tmp_path,
    )
    assert done.stdout == b"Title\n\nBody text.\n"
    assert done.returncode == 0
    assert b"Fixed 3 issues in 1 file." in done.stderr


def test_stdin_with_fix_and_exit_non_zero_on_fix_exits_1_when_it_changed_the_text(tmp_path):
    # Found by review rev34a: the flag was accepted on stdin and had no effect (exit 0).
    args = ("check", "-", "--stdin-filename", "a.txt", "--fix", "--exit-non-zero-on-fix")
    changed = console(*args, "--select", "WS", stdin=b"Title  \n\nBody text.\n", cwd=tmp_path)
    assert changed.stdout == b"Title\n\nBody text.\n"
    assert changed.returncode == 1
    clean = console(*args, "--select", "WS", stdin=b"Title\n\nBody text.\n", cwd=tmp_path)
    assert clean.returncode == 0


def test_stdin_takes_the_baseline_and_exclude_as_its_file_would(tmp_path, cli, monkeypatch):
    # Found by an adversarial review: on standard input the baseline was never read (a
    # recorded finding failed the run; a missing baseline was no error), --write-removals
    # was dropped, and an excluded name was linted where the file itself is not.
    import io

    def piped(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))

    untidy = "Title\n\nBody text.  \n\nSource: X\n"
    write(tmp_path / "a.txt", untidy)
    assert cli("check", "-n", "a.txt", "--write-baseline", "bl.json", cwd=tmp_path).code == 0
    piped(untidy)
    run = cli("check", "-", "--stdin-filename", "a.txt", "--baseline", "bl.json", "-n")
    assert run.code == 0 and "1 known diagnostic hidden by the baseline bl.json." in run.out
    piped(untidy + "Share this  \n")  # a new finding is still one
    run = cli("check", "-", "--stdin-filename", "a.txt", "--baseline", "bl.json", "-n")
    assert run.code == 1 and "a.txt:6:11: WS001" in run.out
    piped(untidy)
    one_line_error(cli("check", "-", "--baseline", "missing.json"), "missing.json")
    piped(untidy)
    one_line_error(cli("check", "-", "--write-removals", "r.txt"), "--write-removals")
    write(tmp_path / "corpus-lint.toml", 'exclude = ["drafts"]\n')
    write(tmp_path / "drafts" / "d.txt", untidy)
    named = cli("check", "-n", "drafts/d.txt")
    said = "corpus-lint: warning: drafts/d.txt: excluded by `exclude` in the configuration"
    assert named.code == 0 and named.err.startswith(said), named.err
    piped(untidy)
    run = cli("check", "-", "--stdin-filename", "drafts/d.txt", "-n")
    assert (run.code, run.out, run.err) == (named.code, named.out, named.err)
    piped(untidy)
    run = cli("check", "-", "--stdin-filename", "drafts/d.txt", "--fix", "-n")
    assert run.code == 0 and run.out == untidy  # given back as it came


def test_stdin_filename_takes_per_file_ignores(tmp_path, cli, monkeypatch):
    import io

    write(tmp_path / "corpus-lint.toml", 'per-file-ignores = { "drafts/*" = ["WS001"] }\n')
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Title  \n\nSource: X\n")))
    run = cli("check", "-", "--stdin-filename", "drafts/a.txt", "--select", "WS", cwd=tmp_path)
    assert (run.code, run.out.splitlines()[-1]) == (0, "All checks passed (1 file).")


# --- --output-format full -------------------------------------------------------------------


def test_full_format_shows_each_offending_line_under_its_diagnostic(cli):
    run = cli("check", "-n", "--output-format", "full", "seeds", cwd=PROJECT)
    concise = cli("check", "-n", "seeds", "--output-format", "json").json()
    blocks = run.out.split("\n\n")
    for d, block in zip(concise, blocks):
        lines = block.splitlines()
        assert lines[0].startswith(f"{d['path']}:{d['line']}:{d['column']}: {d['code']}")
        number = f"{d['line']} | "
        assert any(line.startswith(number) for line in lines), block
        assert any(set(line.split("| ", 1)[-1].strip()) == {"^"} for line in lines), block


def test_full_format_marks_the_span_under_multibyte_characters(tmp_path, cli):
    write(tmp_path / "a.txt", "Café naïve 日本  \n\nSource: X\n")
    run = cli("check", "a.txt", "--select", "WS001", "--output-format", "full", cwd=tmp_path)
    lines = run.out.splitlines()
    assert lines[0].startswith("a.txt:1:14: WS001")  # columns count characters
    assert lines[2] == "1 | Café naïve 日本  "
    # 日 and 本 take two cells each on a terminal: the two trailing spaces are cells 17-18.
    assert lines[3] == "  | " + " " * 15 + "^^"


def test_full_format_shortens_a_long_line_around_the_span(tmp_path, cli):
    write(tmp_path / "a.txt", "x" * 300 + " of of " + "y" * 300 + "\n\nSource: X\n")
    run = cli("check", "a.txt", "--select", "TXT001", "--output-format", "full", cwd=tmp_path)
    shown, marker = run.out.splitlines()[2:4]
    assert len(shown) < 120 and shown.startswith("1 | …") and shown.endswith("…")
    start = marker.index("^")
    assert shown[start : start + len(marker) - start] in ("of of", "of")


# --- colour and short flags -------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags, env, coloured",
    [
        ([], {}, False),  # not a terminal
        (["--color", "always"], {}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_colour(tmp_path, cli, monkeypatch, flags, env, coloured):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    write(tmp_path / "a.txt", UNTIDY)
    run = cli("check", "a.txt", "--select", "WS001", *flags, cwd=tmp_path)
    assert ("\x1b[" in run.out) == coloured
    if coloured:
        assert "\x1b[1;31mWS001\x1b[0m \x1b[36m[*]\x1b[0m" in run.out
    cli("check", "a.txt", "--select", "WS001", *flags, "--output-format", "concise:r.txt")
    assert "\x1b" not in (tmp_path / "r.txt").read_text()  # never in a file


def test_short_flags(tmp_path, cli):
    write(tmp_path / "a.txt", UNTIDY)
    run = cli("check", "a.txt", "-o", "r.txt", "-e", "-n", cwd=tmp_path)
    assert run.code == 0 and (tmp_path / "r.txt").read_text().startswith("a.txt:1:")
    assert not (tmp_path / ".corpus_lint_cache").exists()
    run = cli("check", "a.txt", "-q")
    assert run.code == 1 and run.out.startswith("a.txt:1:") and "Found" not in run.out
    run = cli("check", "a.txt", "-s")
    assert (run.code, run.out, run.err) == (1, "", "")
    run = cli("check", "missing.txt", "-s")  # silent, but an error is still said
    assert (
        run.code == 2 and run.err == "corpus-lint: error: missing.txt: no such file or directory\n"
    )


def test_help_lists_every_flag_the_readme_documents(cli):
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    helps = "".join(cli(command, "--help").out for command in ("check", "mine-boilerplate"))
    documented = set(re.findall(r"`(--[a-z][a-z-]+|-[a-z])\b", readme))
    for flag in documented - {"--version", "--fi"}:  # "`--fi` is not `--fix`"
        assert re.search(rf"(^|[\s,]){re.escape(flag)}\b", helps), flag


def test_extend_cycles_and_missing_bases_are_one_line_errors(tmp_path, cli):
    write(tmp_path / "a.toml", 'extend = "b.toml"\n')
    write(tmp_path / "b.toml", 'extend = "a.toml"\n')
    run = cli("check", "--config", "a.toml", "--show-settings", cwd=tmp_path)
    one_line_error(run, "'extend' makes a cycle")
    write(tmp_path / "c.toml", 'extend = "gone.toml"\n')
    one_line_error(cli("check", "--config", "c.toml", "--show-settings"), "gone.toml not found")
    (tmp_path / "folder").mkdir()  # found by a review: a folder was "not found" too
    write(tmp_path / "f.toml", 'extend = "folder"\n')
    run = cli("check", "--config", "f.toml", "--show-settings")
    one_line_error(run, "folder not a configuration file")
    write(tmp_path / "d.toml", 'extend = "e.toml"\n')
    write(tmp_path / "e.toml", 'colour = "red"\n')  # the error names the base that has it
    one_line_error(cli("check", "--config", "d.toml"), "e.toml: unknown key 'colour'")


def test_silent_diff_prints_nothing_and_exits_one(tmp_path, cli):
    write(tmp_path / "a.txt", UNTIDY)
    run = cli("check", "a.txt", "--diff", "-s", cwd=tmp_path)
    assert (run.code, run.out, run.err) == (1, "", "")


def test_full_format_in_colour_marks_the_span_in_red(tmp_path, cli):
    write(tmp_path / "a.txt", UNTIDY)
    run = cli(
        "check",
        "a.txt",
        "--select",
        "WS001",
        "--output-format",
        "full",
        "--color",
        "always",
        cwd=tmp_path,
    )
    assert "\x1b[1;31m^^^\x1b[0m" in run.out


def test_the_github_recipe_prints_only_annotations_as_the_readme_says(tmp_path, cli):
    write(tmp_path / "a.txt", UNTIDY)
    run = cli(
        "check", "--no-progress", "--output-format", "github",
        "--output-format", "sarif:corpus-lint.sarif", cwd=tmp_path,
    )  # fmt: skip
    assert run.code == 1
    assert run.out.splitlines() and all(line.startswith("::") for line in run.out.splitlines())
    assert json.loads((tmp_path / "corpus-lint.sarif").read_text())["version"] == "2.1.0"
    run = cli("check", "--output-format", "sarif:corpus-lint.sarif")  # every report in a file
    assert "Found 1 diagnostic in 1 of 1 file:" in run.out


def test_stdin_is_judged_binary_or_text_as_a_file_is(tmp_path):
    article = "Title\n\nBody text.\n"
    utf16 = console(
        "check", "-", "--stdin-filename", "a.txt", stdin=article.encode("utf-16"), cwd=tmp_path
    )
    assert utf16.returncode == 1 and b"ENC001" in utf16.stdout
    late_nul = (article * 1000).encode() + b"\x00"  # past the first 8 KB
    binary = console("check", "-", "--stdin-filename", "a.txt", stdin=late_nul, cwd=tmp_path)
    assert binary.returncode == 2
    assert binary.stderr == b"corpus-lint: error: a.txt: binary input (NUL bytes), not linted\n"


def test_a_working_directory_deleted_under_the_shell_is_named_in_the_error(tmp_path):
    # Found by an adversarial review: "corpus-lint: error: No such file or directory", with
    # no path, even for `rules`, which reads no file.
    gone = tmp_path / "gone"
    gone.mkdir()
    script = (
        "import os, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); "
        "from corpus_lint.cli import main; sys.exit(main(['rules']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(gone)], capture_output=True, text=True, cwd=PROJECT
    )
    assert done.returncode == 2
    assert done.stderr == (
        "corpus-lint: error: the working directory no longer exists (deleted?): "
        "cd to one that does\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["-o", "missing\x1b[31m/a\nb.txt"],
        ["--baseline", "x\ny"],
        ["--config", "a\nb\x1b.toml"],
        ["--write-baseline", "missing/a\nb"],
    ],
)
def test_an_error_naming_a_hostile_name_is_one_line_with_escapes(tmp_path, cli, args):
    # Found by a review: names given to these flags reached stderr raw, a newline splitting
    # the error and an escape sequence acting on the terminal.
    write(tmp_path / "a.txt", UNTIDY)
    run = cli("check", "a.txt", *args, cwd=tmp_path)
    one_line_error(run, args[1].replace("\n", "\\n").replace("\x1b", "\\x1b"))
    assert "\x1b" not in run.err


def test_mine_boilerplate_names_a_hostile_output_name_with_escapes(tmp_path, cli):
    write(tmp_path / "a.txt", UNTIDY)
    one_line_error(cli("mine-boilerplate", "-o", "missing/a\nb", "a.txt", cwd=tmp_path), "a\\nb")

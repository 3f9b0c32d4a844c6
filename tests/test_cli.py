from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from corpus_lint import document
from tests.helpers import CLEAN_ARTICLE, PROJECT


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def test_a_clean_article_gets_no_diagnostic_and_exits_zero(tmp_path, cli):
    write(tmp_path / "corpus" / "a.txt", CLEAN_ARTICLE)
    write(tmp_path / "corpus" / "b.txt", CLEAN_ARTICLE.replace("ferry", "bus"))
    run = cli("check", "corpus", "--output-format", "json", cwd=tmp_path)
    assert run.json() == []
    assert run.code == 0
    run = cli("check", "corpus", cwd=tmp_path)
    assert run.out == "All checks passed (2 files).\n"


def test_check_is_the_default_command(tmp_path, cli):
    write(tmp_path / "a.txt", "No final newline")
    run = cli("a.txt", "--select", "WS002", cwd=tmp_path)
    assert run.code == 1
    assert run.out.startswith("a.txt:1:17: WS002")


def test_text_output_has_one_line_per_diagnostic_then_a_summary(tmp_path, cli):
    write(tmp_path / "a.txt", "Title  \n\nBody\nSource: X")
    run = cli("check", "a.txt", "--select", "WS001,WS002", cwd=tmp_path)
    lines = run.out.splitlines()
    assert lines[0].startswith("a.txt:1:6: WS001 [*] ")
    assert lines[1].startswith("a.txt:4:10: WS002 [*] ")
    assert "Found 2 diagnostics in 1 of 1 file:" in run.out
    assert "[*] 2 fixable with `--fix`." in run.out


def test_json_output_has_exactly_the_documented_fields(tmp_path, cli):
    write(tmp_path / "a.txt", "Title  \n\nBody\nSource: X\n")
    run = cli("check", "a.txt", "--select", "WS001", "--output-format", "json", cwd=tmp_path)
    [diagnostic] = run.json()
    assert diagnostic == {
        "code": "WS001",
        "name": "trailing-whitespace",
        "message": diagnostic["message"],
        "severity": diagnostic["severity"],
        "path": "a.txt",
        "line": 1,
        "column": 6,
        "end_line": 1,
        "end_column": 8,
        "fix": {"applicability": "safe", "message": diagnostic["fix"]["message"]},
        "related": [],
    }
    assert run.code == 1


def test_jsonl_output_is_one_object_per_line(tmp_path, cli):
    write(tmp_path / "a.txt", "Title  \n\nBody  \nSource: X\n")
    run = cli("check", "a.txt", "--select", "WS001", "--output-format", "jsonl", cwd=tmp_path)
    assert [json.loads(line)["line"] for line in run.out.splitlines()] == [1, 3]


def test_select_by_prefix_and_ignore_by_code(tmp_path, cli):
    write(tmp_path / "a.txt", "Title  \n\n\n\nBody\nSource: X")
    run = cli(
        "check",
        "a.txt",
        "--select",
        "WS",
        "--ignore",
        "WS004",
        "--output-format",
        "json",
        cwd=tmp_path,
    )
    assert sorted({d["code"] for d in run.json()}) == ["WS001", "WS002"]
    run = cli(
        "check", "a.txt", "--select", "WS002", "--extend-select", "WS004", "--output-format", "json"
    )
    assert sorted({d["code"] for d in run.json()}) == ["WS002", "WS004"]


def test_a_specific_select_beats_a_broad_ignore(tmp_path, cli):
    write(tmp_path / "corpus-lint.toml", 'select = ["WS002"]\nignore = ["WS"]\n')
    write(tmp_path / "a.txt", "No final newline  ")
    run = cli("check", "a.txt", "--output-format", "json", cwd=tmp_path)
    assert [d["code"] for d in run.json()] == ["WS002"]


def test_select_on_the_command_line_starts_the_selection_anew_as_ruff_s_does(tmp_path, cli):
    # Found by review rev34a: the configured extend-select still ran, and a configured
    # ignore beat an explicit --select (an error blaming --select).
    write(tmp_path / "corpus-lint.toml", 'extend-select = ["WS004"]\nignore = ["WS002"]\n')
    write(tmp_path / "a.txt", "Title  \n\n\n\nBody\nSource: X")
    run = cli("check", "a.txt", "--output-format", "json", cwd=tmp_path)
    assert "WS002" not in {d["code"] for d in run.json()}
    run = cli("check", "a.txt", "--select", "WS002", "--output-format", "json")
    assert sorted({d["code"] for d in run.json()}) == ["WS002"]
    run = cli("check", "a.txt", "--select", "WS001", "--extend-select", "WS002", "--ignore",
              "WS004", "--output-format", "json")  # fmt: skip
    assert sorted({d["code"] for d in run.json()}) == ["WS001", "WS002"]


def test_unknown_code_on_the_command_line_is_a_usage_error(tmp_path, cli):
    write(tmp_path / "a.txt", CLEAN_ARTICLE)
    run = cli("check", "a.txt", "--select", "WS9", cwd=tmp_path)
    assert run.code == 2
    assert run.err == (
        "corpus-lint: error: --select: unknown rule code or prefix 'WS9' "
        "(see `corpus-lint rules`)\n"
    )


def test_exit_zero_reports_but_exits_zero(tmp_path, cli):
    write(tmp_path / "a.txt", "No final newline")
    run = cli("check", "a.txt", "--select", "WS002", "--exit-zero", cwd=tmp_path)
    assert run.code == 0 and "WS002" in run.out


def test_statistics_prints_counts_instead_of_diagnostics(tmp_path, cli):
    write(tmp_path / "a.txt", "A  \nB  \nC  \nSource: X\n")
    run = cli("check", "a.txt", "--select", "WS001", "--statistics", cwd=tmp_path)
    assert "a.txt:" not in run.out
    assert "  3 WS001   trailing-whitespace" in run.out


def test_quiet_prints_diagnostics_only(tmp_path, cli):
    write(tmp_path / "a.txt", "No final newline")
    run = cli("check", "a.txt", "--select", "WS002", "--quiet", cwd=tmp_path)
    assert run.out.splitlines() == [run.out.splitlines()[0]]
    assert run.out.startswith("a.txt:1:17: WS002")


def test_output_file_gets_the_report_and_the_terminal_the_summary(tmp_path, cli):
    write(tmp_path / "a.txt", "No final newline")
    run = cli(
        "check",
        "a.txt",
        "--select",
        "WS002",
        "--output-format",
        "json",
        "--output-file",
        "report.json",
        cwd=tmp_path,
    )
    assert run.code == 1
    assert json.loads((tmp_path / "report.json").read_text())[0]["code"] == "WS002"
    assert "Found 1 diagnostic in 1 of 1 file:" in run.out


def test_several_reports_in_one_run(tmp_path, cli):
    write(tmp_path / "a.txt", "No final newline")
    run = cli(
        "check",
        "a.txt",
        "--select",
        "WS002",
        "--output-format",
        "text",
        "--output-format",
        "jsonl:out.jsonl",
        cwd=tmp_path,
    )
    assert run.out.startswith("a.txt:1:17: WS002")
    assert json.loads((tmp_path / "out.jsonl").read_text())["code"] == "WS002"


def test_unknown_output_format_is_a_usage_error(tmp_path, cli):
    run = cli("check", "--output-format", "yaml", cwd=tmp_path)
    assert run.code == 2 and "unknown format 'yaml'" in run.err


def test_missing_path_is_an_error_but_the_rest_is_still_checked(tmp_path, cli):
    write(tmp_path / "a.txt", "No final newline")
    run = cli("check", "a.txt", "missing.txt", "--select", "WS002", cwd=tmp_path)
    assert run.code == 2
    assert "WS002" in run.out
    assert run.err == "corpus-lint: error: missing.txt: no such file or directory\n"


@pytest.mark.parametrize("corpus", [False, True])  # the pre-commit case: named beside a corpus
def test_a_name_too_long_for_the_system_is_an_error_not_a_traceback(tmp_path, cli, corpus):
    write(tmp_path / "a.txt", "No final newline")
    long_name = "x" * 300 + ".txt"  # over NAME_MAX (255): stat fails with ENAMETOOLONG
    if corpus:
        write(tmp_path / "corpus" / "b.txt", "Another text.\n")
        write(tmp_path / "corpus-lint.toml", 'corpus = ["corpus"]\n')
    run = cli("check", "a.txt", long_name, "--select", "WS002,DUP", cwd=tmp_path)
    assert run.code == 2
    assert "WS002" in run.out
    assert run.err == f"corpus-lint: error: {long_name}: cannot read: File name too long\n"


def test_binary_file_is_skipped_with_a_warning(tmp_path, cli):
    write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    run = cli("check", "image.txt", cwd=tmp_path)
    assert run.code == 0
    assert run.err == "corpus-lint: warning: image.txt: binary file (NUL bytes), not linted\n"


def test_a_run_that_left_a_file_out_never_says_all_checks_passed(tmp_path, cli):
    # Found by an adversarial review: a binary file beside clean ones gave "All checks passed".
    write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    write(tmp_path / "a.txt", CLEAN_ARTICLE.encode())
    run = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert run.code == 0
    left_out = "1 file left out, not checked (see the warnings)"
    assert run.out == f"No diagnostics in the 1 file checked; {left_out}.\n"
    write(tmp_path / "b.txt", b"Title  \n\nBody.\n\nSource: Coastal Gazette\n")
    run = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert run.code == 1
    assert run.out.splitlines()[-1] == f"And {left_out}."
    # A file named through a link out of the corpus is not read, and an error: the run did
    # not check what it was asked to (it was left out with exit 0: a review found a folder
    # named so checked nothing, and the CI job passed).
    (tmp_path / "outside.txt").symlink_to("/etc/hostname")
    run = cli("check", "--no-cache", "a.txt", "outside.txt", cwd=tmp_path)
    assert run.code == 2
    assert run.out == "No diagnostics in the 1 file checked, but 1 error (see below).\n"
    assert run.err == (
        f"corpus-lint: error: outside.txt: symbolic link out of {tmp_path.resolve()}, not "
        f"followed (name {os.path.realpath('/etc/hostname')} itself, or configure it as the "
        "corpus)\n"
    )
    # A file named twice (through a link to it) was checked once.
    (tmp_path / "alias.txt").symlink_to("a.txt")
    run = cli("check", "--no-cache", "a.txt", "alias.txt", cwd=tmp_path)
    assert (run.code, run.out) == (0, "All checks passed (1 file).\n"), run.err


def test_unreadable_file_is_an_error_naming_it(tmp_path, cli, monkeypatch):
    write(tmp_path / "a.txt", CLEAN_ARTICLE)
    real = document.read_bytes  # what Document.read reads a file with

    def refuse(path, size, *follow_link):
        if Path(path).name == "a.txt":  # the walk's string or a Path
            raise PermissionError(13, "Permission denied")
        return real(path, size, *follow_link)

    monkeypatch.setattr(document, "read_bytes", refuse)
    run = cli("check", "a.txt", cwd=tmp_path)
    assert run.code == 2
    assert run.err == "corpus-lint: error: a.txt: permission denied\n"


def test_directory_as_config_file_is_an_error(tmp_path, cli):
    (tmp_path / "conf").mkdir()
    run = cli("check", "--config", "conf", cwd=tmp_path)
    assert run.code == 2
    assert run.err == "corpus-lint: error: conf: is a directory, not a configuration file\n"


def test_empty_file_is_linted_without_crashing(tmp_path, cli):
    write(tmp_path / "empty.txt", b"")
    run = cli("check", "empty.txt", "--output-format", "json", cwd=tmp_path)
    # An empty file breaks no rule (`all(...)` over its findings was true of an empty list):
    # nothing found, and the file was read and checked, not skipped.
    assert (run.code, run.json()) == (0, [])
    run = cli("check", "empty.txt", cwd=tmp_path)
    assert (run.code, run.out) == (0, "All checks passed (1 file).\n")


def test_rule_command_prints_the_documentation(cli):
    run = cli("rule", "ws002")
    assert run.code == 0
    assert run.out.startswith("# WS002 missing-final-newline")
    assert "## What it does" in run.out and "## Fix safety" in run.out


def test_rule_command_rejects_an_unknown_code(cli):
    run = cli("rule", "XYZ1")
    assert run.code == 2 and "unknown rule 'XYZ1'" in run.err


def test_rules_command_lists_every_catalogue_code(cli):
    run = cli("rules")
    codes = {line.split()[0] for line in run.out.splitlines() if line[:1].isupper()}
    catalogue = (
        {f"ENC00{i}" for i in range(1, 7)}
        | {f"WS00{i}" for i in range(1, 6)}
        | {f"DUP00{i}" for i in range(1, 5)}
        | {f"BP00{i}" for i in range(1, 5)}
        | {"SRC001", "SRC002", "TXT001"}
    )
    assert catalogue <= codes


def test_every_rule_documents_itself_in_the_ruff_sections():
    from corpus_lint.checks import builtin_rules

    for code, rule in builtin_rules().items():
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
            assert section in rule.doc, f"{code} lacks {section}"


def test_every_rule_has_a_name_of_its_own():
    # Found by a contract review: DUP001 and BP005 were both "repeated-line", and the name is
    # what JSON, SARIF rules and GitHub annotation titles show.
    from corpus_lint.checks import builtin_rules

    names = [rule.name for rule in builtin_rules().values()]
    assert sorted(names) == sorted(set(names))


def test_python_dash_m_runs_the_same_cli(tmp_path):
    write(tmp_path / "a.txt", "No final newline")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "corpus_lint",
            "check",
            "a.txt",
            "--select",
            "WS002",
            "--no-progress",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stdout.startswith("a.txt:1:17: WS002")


def test_version_flag(cli):
    from corpus_lint import __version__

    run = cli("--version")
    assert run.code == 0 and run.out.strip() == f"corpus-lint {__version__}"


@pytest.mark.parametrize("command", [[], ["check"], ["rule"], ["rules"], ["mine-boilerplate"]])
def test_help_breaks_no_flag_or_file_name_at_its_hyphen(cli, command, monkeypatch):
    # Found by a review: "--output-\n format", "corpus-\n lint.toml" could not be copied.
    monkeypatch.setenv("COLUMNS", "80")
    run = cli(*command, "--help")
    assert run.code == 0
    assert not [line for line in run.out.splitlines() if re.search(r"\w-$", line)], run.out


def test_help_mentions_every_check_flag(cli):
    run = cli("check", "--help")
    for flag in (
        "--select",
        "--ignore",
        "--extend-select",
        "--output-format",
        "--config",
        "--exit-zero",
        "--statistics",
        "--quiet",
        "--no-progress",
        "--jobs",
    ):
        assert flag in run.out


def test_running_from_the_project_root_lints_the_configured_seeds(cli):
    run = cli("check", "--select", "WS002", "--output-format", "json", cwd=PROJECT)
    assert {d["path"] for d in run.json()} >= {"seeds/000_ba3998b432922702.txt"}


def test_only_the_command_lines_own_process_keeps_a_run_frozen(tmp_path, monkeypatch, capsys):
    """A check leaves nothing frozen out of the garbage collector's sight in a process that
    goes on (a test, a library user); the command line's process, which exits after it,
    keeps everything frozen, so that no full collection goes over the run's objects."""
    import gc

    from corpus_lint.cli import _main, main
    from corpus_lint.parallel import heap_frozen_for_fork

    gc.unfreeze()
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "a.txt", CLEAN_ARTICLE)
    try:
        assert main(["check", "--no-cache", "a.txt"]) == 0
        assert gc.get_freeze_count() == 0
        assert _main(["check", "--no-cache", "a.txt"], exits=True) == 0
        frozen = gc.get_freeze_count()
        assert frozen > 0
        # A worker pool closing leaves frozen what was frozen before it started.
        with heap_frozen_for_fork():
            pass
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
    capsys.readouterr()

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import CLEAN_ARTICLE

SEED_ENDING_WITH_SOURCE = "004_718e70c8ce2378b9.txt"  # ends "Source: Daily Mail", no newline
FOOTER = "Share this article"


def test_a_baseline_of_the_seeds_hides_them_and_a_new_footer_line_is_the_only_report(
    seeds_copy, cli
):
    root = seeds_copy.parent
    written = cli(
        "check", "seeds", "--no-cache", "--write-baseline", "seeds.baseline.json", cwd=root
    )
    assert written.code == 0
    assert cli("check", "seeds", "--no-cache", "--baseline", "seeds.baseline.json").code == 0

    seed = seeds_copy / SEED_ENDING_WITH_SOURCE
    original = seed.read_bytes()
    seed.write_bytes(original + b"\n" + FOOTER.encode())
    run = cli(
        "check",
        "seeds",
        "--no-cache",
        "--baseline",
        "seeds.baseline.json",
        "--output-format",
        "json",
    )
    assert run.code == 1
    [new] = run.json()
    footer_line = original.count(b"\n") + 2
    assert (new["path"], new["line"], new["code"]) == (
        f"seeds/{SEED_ENDING_WITH_SOURCE}",
        footer_line,
        "BP001",
    )


def write_article(path: Path, *extra_lines: str, above: str = "") -> Path:
    body = CLEAN_ARTICLE.replace("Source:", "\n".join(extra_lines) + "\nSource:")
    path.write_text(above + body, encoding="utf-8")
    return path


def test_known_diagnostics_stay_known_when_lines_move(tmp_path, cli):
    article = write_article(tmp_path / "a.txt", "Print Friendly, PDF & Email")
    assert cli("check", "a.txt", "--write-baseline", "b.json", cwd=tmp_path).code == 0
    write_article(article, "Print Friendly, PDF & Email", above="Fresh line.\n\n")
    run = cli("check", "a.txt", "--baseline", "b.json")
    assert run.code == 0, run.out


def test_one_more_copy_of_a_known_line_is_new_and_the_lowest_is_reported(tmp_path, cli):
    footer = "Print Friendly, PDF & Email"
    article = write_article(tmp_path / "a.txt", footer, "", footer)
    cli("check", "a.txt", "--select", "BP001", "--write-baseline", "b.json", cwd=tmp_path)
    assert json.loads((tmp_path / "b.json").read_text())["entries"][0]["count"] == 2
    write_article(article, footer, "", footer, "", footer)
    run = cli(
        "check", "a.txt", "--select", "BP001", "--baseline", "b.json", "--output-format", "json"
    )
    assert run.code == 1
    lines = [n for n, text in enumerate(article.read_text().splitlines(), 1) if text == footer]
    assert [d["line"] for d in run.json()] == [max(lines)]


def test_entries_no_longer_found_are_counted(tmp_path, cli):
    article = write_article(tmp_path / "a.txt", "Print Friendly, PDF & Email", "Share this article")
    cli("check", "a.txt", "--write-baseline", "b.json", cwd=tmp_path)
    write_article(article, "Share this article")
    run = cli("check", "a.txt", "--baseline", "b.json")
    assert run.code == 0
    assert "1 baseline entry no longer occurs" in run.out
    assert "1 known diagnostic hidden by the baseline b.json." in run.out


def test_entries_of_files_not_checked_are_not_counted_as_gone(tmp_path, cli):
    write_article(tmp_path / "a.txt", "Share this article")
    write_article(tmp_path / "b.txt", "Print Friendly, PDF & Email")
    cli("check", "a.txt", "b.txt", "--select", "BP", "--write-baseline", "base.json", cwd=tmp_path)
    run = cli("check", "a.txt", "--select", "BP", "--baseline", "base.json")
    assert run.code == 0
    assert "no longer" not in run.out + run.err


def test_a_changed_files_run_writing_the_baseline_keeps_the_other_files_entries(tmp_path, cli):
    # Found by review rev34a: following a pre-commit run's hint ("update it with
    # --write-baseline") with the staged files rewrote the baseline from them alone, and the
    # next full run failed on every finding of the other files.
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["c"]\nselect = ["BP"]\n')
    (tmp_path / "c").mkdir()
    write_article(tmp_path / "c" / "a.txt", "Share this article")
    write_article(tmp_path / "c" / "b.txt", "Print Friendly, PDF & Email")
    write_article(tmp_path / "c" / "gone.txt", "Share this article")
    assert cli("check", "--write-baseline", "base.json", cwd=tmp_path).code == 0
    (tmp_path / "c" / "gone.txt").unlink()  # its entry goes: not a file of the corpus now
    write_article(tmp_path / "c" / "a.txt", "Print Friendly, PDF & Email")
    run = cli("check", "c/a.txt", "--write-baseline", "base.json")
    assert run.code == 0
    said = (
        "Wrote 1 diagnostic to the baseline base.json, and kept 1 entry of what it did not check."
    )
    assert said in run.out
    entries = json.loads((tmp_path / "base.json").read_text())["entries"]
    assert [(e["path"], e["text"]) for e in entries] == [
        ("c/a.txt", "Print Friendly, PDF & Email"),
        ("c/b.txt", "Print Friendly, PDF & Email"),
    ]
    run = cli("check", "--baseline", "base.json")
    assert run.code == 0 and "no longer" not in run.out + run.err
    # A run of the whole corpus writes it anew.
    write_article(tmp_path / "c" / "b.txt")
    assert cli("check", "--write-baseline", "base.json").code == 0
    entries = json.loads((tmp_path / "base.json").read_text())["entries"]
    assert [e["path"] for e in entries] == ["c/a.txt"]


@pytest.mark.parametrize("change", ["deleted", "renamed"])
def test_entries_of_a_file_no_longer_there_are_counted_as_gone(tmp_path, cli, change):
    # Found by an adversarial review: a deleted or renamed file's entries were never "gone",
    # whatever was checked, so the baseline kept them for ever without a word.
    write_article(tmp_path / "a.txt", "Share this article")
    write_article(tmp_path / "b.txt", "Print Friendly, PDF & Email")
    cli("check", "a.txt", "b.txt", "--select", "BP", "--write-baseline", "base.json", cwd=tmp_path)
    if change == "deleted":
        (tmp_path / "b.txt").unlink()
    else:
        (tmp_path / "b.txt").rename(tmp_path / "c.txt")
    run = cli("check", "a.txt", "--select", "BP", "--baseline", "base.json")
    assert "1 baseline entry no longer occurs" in run.out


def test_baseline_paths_are_relative_to_the_baseline_file(tmp_path, cli):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_article(corpus / "a.txt", "Share this article")
    cli("check", "corpus", "--write-baseline", "corpus-lint.baseline.json", cwd=tmp_path)
    entries = json.loads((tmp_path / "corpus-lint.baseline.json").read_text())["entries"]
    assert {e["path"] for e in entries} == {"corpus/a.txt"}
    run = cli("check", "a.txt", "--baseline", "../corpus-lint.baseline.json", cwd=corpus)
    assert run.code == 0, run.out


def test_baseline_records_no_line_numbers_and_is_sorted(tmp_path, cli):
    write_article(tmp_path / "b.txt", "Share this article")
    write_article(tmp_path / "a.txt", "Share this article", "\\")
    cli("check", ".", "--select", "BP", "--write-baseline", "base.json", cwd=tmp_path)
    data = json.loads((tmp_path / "base.json").read_text())
    assert data["version"] == 1
    keys = [(e["path"], e["code"], e["hash"]) for e in data["entries"]]
    assert keys == sorted(keys) and len(keys) == 3
    assert all(set(e) == {"path", "code", "hash", "count", "text"} for e in data["entries"])


def test_write_baseline_exits_zero_and_says_how_many_it_recorded(tmp_path, cli):
    write_article(tmp_path / "a.txt", "Share this article", "Print Friendly, PDF & Email")
    run = cli("check", "a.txt", "--write-baseline", "base.json", cwd=tmp_path)
    assert run.code == 0
    assert "Wrote 2 diagnostics to the baseline base.json." in run.out


def test_notes_go_to_stderr_when_no_text_summary_is_printed(tmp_path, cli):
    write_article(tmp_path / "a.txt", "Share this article")
    cli("check", "a.txt", "--write-baseline", "base.json", cwd=tmp_path)
    run = cli("check", "a.txt", "--baseline", "base.json", "--output-format", "json")
    assert run.json() == []
    assert "1 known diagnostic hidden by the baseline" in run.err


@pytest.mark.parametrize(
    "content, reason",
    [
        (None, "baseline not found"),
        ("{not json", "baseline is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "not a corpus-lint baseline: nested too deeply"),
        ('{"version": 1}', "not a corpus-lint baseline"),
        ('{"version": 1, "entries": [{"path": "a.txt"}]}', "entry #1 needs"),
        (
            '{"version": 1, "entries": [{"path": "a.txt", "code": "X", "hash": "h", "count": 0}]}',
            "count a whole number above 0",
        ),
    ],
)
def test_a_missing_or_broken_baseline_is_a_one_line_error(tmp_path, cli, content, reason):
    article = write_article(tmp_path / "a.txt", "Share this article  ")
    before = article.read_bytes()
    if content is not None:
        (tmp_path / "base.json").write_text(content, encoding="utf-8")
    run = cli("check", "a.txt", "--fix", "--baseline", "base.json", cwd=tmp_path)
    assert run.code == 2
    assert run.err.count("\n") == 1 and "base.json" in run.err and reason in run.err
    assert "Traceback" not in run.err
    assert article.read_bytes() == before  # nothing fixed before the baseline was read


def test_an_unwritable_baseline_is_a_one_line_error(tmp_path, cli):
    write_article(tmp_path / "a.txt", "Share this article")
    run = cli("check", "a.txt", "--write-baseline", "missing/base.json", cwd=tmp_path)
    assert run.code == 2  # told before the run
    assert run.err.startswith("corpus-lint: error: missing/base.json: no such folder to write to")
    if os.path.isdir("/proc"):  # a folder where no file can be made
        run = cli("check", "a.txt", "--write-baseline", "/proc/base.json", cwd=tmp_path)
        assert run.code == 2
        assert run.err.startswith("corpus-lint: error: /proc/base.json: cannot write baseline")


def test_a_baseline_is_written_through_a_link_and_into_a_device_as_a_report_is(tmp_path, cli):
    # Found by an adversarial review: the baseline's own writer renamed a new file over the
    # name given, so a link was replaced (its target kept the old baseline) and, as root,
    # /dev/null or /dev/full became a regular file; a full device went unnoticed (exit 0).
    write_article(tmp_path / "a.txt", "Share this article")
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "base.json").write_text("old")
    (tmp_path / "base.json").symlink_to("kept/base.json")
    run = cli("check", "a.txt", "--write-baseline", "base.json", cwd=tmp_path)
    assert run.code == 0, run.err
    assert (tmp_path / "base.json").is_symlink()
    assert json.loads((tmp_path / "kept" / "base.json").read_text())["entries"]
    if os.path.exists("/dev/full"):
        run = cli("check", "a.txt", "--write-baseline", "/dev/full", cwd=tmp_path)
        assert run.code == 2 and "No space left on device" in run.err, run.err
        assert not os.path.isfile("/dev/full")  # still the device


def test_a_file_name_that_is_not_utf8_is_recorded_and_recognised(tmp_path, cli):
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text("No final newline", encoding="utf-8")
    run = cli("check", ".", "--select", "WS002", "--write-baseline", "b.json", cwd=tmp_path)
    assert run.code == 0, run.err
    assert cli("check", ".", "--select", "WS002", "--baseline", "b.json").code == 0
    (tmp_path / "new.txt").write_text("No final newline", encoding="utf-8")
    run = cli("check", ".", "--select", "WS002", "--baseline", "b.json")
    assert run.code == 1 and "new.txt" in run.out and "caf" not in run.out


def test_the_fixable_counts_are_those_of_the_findings_a_baseline_leaves(cli, tmp_path):
    # Found by a review: with every finding in the baseline, the html page said "Findings 0"
    # beside "Fixable with --fix 9": the run's counts took in the hidden findings.
    import re
    import shutil

    from tests.helpers import SEEDS

    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, tmp_path / seed.name)
    cli("check", "--no-cache", ".", "--write-baseline", "base.json", "-q", cwd=tmp_path)
    run = cli("check", "--no-cache", "--baseline", "base.json", "--output-format",
              "html:b.html", "--output-format", "text", ".", cwd=tmp_path)  # fmt: skip
    assert "fixable" not in run.out
    page = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert re.findall(r'id="fixable-(?:safe|unsafe)">(\d+)', page) == ["0", "0"]


def test_a_partial_run_keeps_what_a_corpus_file_it_reports_had_recorded(tmp_path, cli):
    # Found by review rev34c: a staged copy made a committed file redundant (DUP003 on it);
    # the baseline then lost that file's other entries, and the next full run failed.
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["c"]\n')
    (tmp_path / "c").mkdir()
    write_article(tmp_path / "c" / "c1.txt", "Share this article")
    write_article(tmp_path / "c" / "c2.txt", "Share this article", above="Other title\n\n")
    assert cli("check", "--write-baseline", "base.json", cwd=tmp_path).code == 0
    (tmp_path / "c" / "a0.txt").write_bytes((tmp_path / "c" / "c2.txt").read_bytes())
    assert cli("check", "c/a0.txt", "--write-baseline", "base.json").code == 0
    run = cli("check", "--baseline", "base.json")
    assert run.code == 0, run.out


def test_a_run_over_files_named_where_no_corpus_is_configured_keeps_the_others(tmp_path, cli):
    # Found by review rev34c: without `corpus`, a hook's run over the staged files rewrote
    # the baseline from them alone.
    write_article(tmp_path / "a.txt", "Share this article")
    write_article(tmp_path / "b.txt", "Print Friendly, PDF & Email")
    assert cli("check", "--select", "BP", "--write-baseline", "base.json", cwd=tmp_path).code == 0
    write_article(tmp_path / "a.txt", "Share this article", "Print Friendly, PDF & Email")
    assert cli("check", "--select", "BP", "a.txt", "--write-baseline", "base.json").code == 0
    run = cli("check", "--select", "BP", "--baseline", "base.json")
    assert run.code == 0 and "no longer" not in run.out + run.err, run.out


def test_a_run_from_a_subfolder_keeps_the_entries_of_the_rest(tmp_path, cli):
    # Found by review rev34d: following the hint from x/ ("--write-baseline ../base.json")
    # rewrote the baseline from x/ alone, and the next run from the root failed.
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    write_article(tmp_path / "x" / "a.txt", "Share this article", above="One title\n\n")
    write_article(tmp_path / "y" / "b.txt", "Print Friendly, PDF & Email", above="Two\n\n")
    assert cli("check", "--select", "BP", "--write-baseline", "base.json", cwd=tmp_path).code == 0
    write_article(tmp_path / "x" / "a.txt", above="One title\n\n")
    run = cli("check", "--select", "BP", "--write-baseline", "../base.json", cwd=tmp_path / "x")
    assert "kept 1 entry of what it did not check" in run.out, run.out
    run = cli("check", "--select", "BP", "--baseline", "base.json", cwd=tmp_path)
    assert run.code == 0 and "no longer" not in run.out + run.err, run.out


def test_a_run_over_named_files_with_no_corpus_keeps_their_duplicate_entries(tmp_path, cli):
    # Found by review rev34d: such a run compares the files named with no others, so their
    # DUP003 entries were written as gone, and the next full run failed.
    write_article(tmp_path / "a.txt", "Share this article")
    (tmp_path / "b.txt").write_bytes((tmp_path / "a.txt").read_bytes())
    assert cli("check", "--write-baseline", "base.json", cwd=tmp_path).code == 0
    codes = {e["code"] for e in json.loads((tmp_path / "base.json").read_text())["entries"]}
    assert "DUP003" in codes
    assert cli("check", "b.txt", "--write-baseline", "base.json").code == 0
    run = cli("check", "--baseline", "base.json")
    assert run.code == 0 and "no longer" not in run.out + run.err, run.out

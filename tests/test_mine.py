"""`corpus-lint mine-boilerplate`: a reviewed pack of the lines a corpus repeats."""

from __future__ import annotations

from pathlib import Path

from corpus_lint.checks import builtin_rules
from corpus_lint.packs import load_packs
from corpus_lint.textutil import normalise_phrase

CHROME = "Ferry News Online: your harbour, your news"
QUOTE = "We will not stop until the ferry runs again."


def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(10):
        lines = [f"Title {i}", "", f"Story number {i} about the ferry timetable.", ""]
        if i < 6:
            lines += [CHROME, ""]
        if i < 2:
            lines += [QUOTE, ""]
        lines += ["Share this article", "", "Source: Ferry Times", ""]
        (folder / f"{i}.txt").write_text("\n".join(lines))
    return folder


def test_mined_pack_lists_the_repeated_chrome_and_bp001_then_reports_it(tmp_path, cli):
    folder = corpus(tmp_path)
    run = cli("mine-boilerplate", "corpus", "-o", "mined.toml", cwd=tmp_path)
    assert run.code == 0, run.err
    assert run.err == "1 repeated line in 10 documents written to mined.toml\n"  # (was "lines")
    text = (tmp_path / "mined.toml").read_text()
    # The chrome line with its count and an example; not the quote in 2 documents, not the
    # source line, not what BP001 already reports.
    assert f'"{CHROME}",  # 6 documents, e.g. "corpus/0.txt"' in text
    assert QUOTE not in text and "Source:" not in text and "Share this article" not in text
    packs = load_packs([tmp_path / "mined.toml"], builtin_rules())
    assert normalise_phrase(CHROME) in packs.phrases("BP001")
    (tmp_path / "corpus-lint.toml").write_text('rule-packs = ["mined.toml"]\n')
    run = cli("check", "corpus", "--select", "BP001", "--output-format", "json", cwd=tmp_path)
    reported = {(d["path"], d["line"]) for d in run.json() if CHROME in d["message"]}
    assert reported == {(f"corpus/{i}.txt", 5) for i in range(6)}
    assert folder.is_dir()


def test_min_documents_and_an_existing_output_file(tmp_path, cli):
    corpus(tmp_path)
    run = cli("mine-boilerplate", "corpus", "--min-documents", "2", cwd=tmp_path)
    assert run.code == 0 and QUOTE in run.out
    (tmp_path / "taken.toml").write_text("# mine\n")
    run = cli("mine-boilerplate", "corpus", "-o", "taken.toml", cwd=tmp_path)
    assert run.code == 2 and "exists already" in run.err
    assert (tmp_path / "taken.toml").read_text() == "# mine\n"
    run = cli("mine-boilerplate", "corpus", "--min-documents", "1", cwd=tmp_path)
    assert run.code == 2 and "--min-documents" in run.err
    # A path that cannot be read: counts of part of the corpus, so no pack is written (it
    # was, with exit 2; found by an adversarial review).
    run = cli("mine-boilerplate", "missing", "corpus", "-o", "new.toml", cwd=tmp_path)
    assert run.code == 2 and "corpus-lint: error: missing: no such file" in run.err
    assert not (tmp_path / "new.toml").exists()
    # One line an error, the last saying nothing was written (it took a second line).
    assert run.err.splitlines() == [
        "corpus-lint: error: missing: no such file or directory (nothing written)"
    ]


def test_an_output_that_cannot_be_written_is_one_line_and_exit_2(tmp_path, cli):
    # Found by an adversarial review: a FileNotFoundError traceback, exit 1, once the whole
    # corpus had been counted.
    corpus(tmp_path)
    run = cli("mine-boilerplate", "corpus", "-o", "nodir/x.toml", cwd=tmp_path)
    assert run.code == 2 and run.err.strip().splitlines() == [
        "corpus-lint: error: nodir/x.toml: no such folder to write to (nothing written)"
    ]
    if Path("/proc").is_dir():  # a folder where no file can be made: told at the end
        run = cli("mine-boilerplate", "corpus", "-o", "/proc/x.toml", cwd=tmp_path)
        assert run.code == 2 and "/proc/x.toml: cannot write the pack" in run.err


def test_reading_no_document_writes_no_pack(tmp_path, cli):
    # Found by a review: an empty pack, exit 0 and no warning, for a folder named through a
    # link out of the project or holding no article; the pack then blocked the next try.
    (tmp_path / "empty").mkdir()
    run = cli("mine-boilerplate", "empty", "-o", "mined.toml", cwd=tmp_path)
    assert (run.code, run.err) == (
        2,
        "corpus-lint: error: no documents matching *.txt read (nothing written)\n",
    )
    assert not (tmp_path / "mined.toml").exists()
    (tmp_path / "elsewhere").mkdir()
    corpus(tmp_path / "elsewhere")
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "corpus").symlink_to(tmp_path / "elsewhere" / "corpus")
    run = cli("mine-boilerplate", "corpus", "-o", "mined.toml", cwd=tmp_path / "project")
    assert run.code == 2
    assert run.err.startswith("corpus-lint: error: corpus: symbolic link out of ")
    assert not (tmp_path / "project" / "mined.toml").exists()


def test_strings_that_toml_must_escape_round_trip(tmp_path, cli):
    folder = tmp_path / "corpus"
    folder.mkdir()
    odd = 'Odd "quoted" \\ line\x7f with \ttab'
    for i in range(5):
        (folder / f"{i}.txt").write_text(f"Title {i}\n\n{odd}\n")
    run = cli("mine-boilerplate", "corpus", "-o", "odd.toml", cwd=tmp_path)
    assert run.code == 0, run.err
    packs = load_packs([tmp_path / "odd.toml"], builtin_rules())
    assert normalise_phrase(odd) in packs.phrases("BP001")

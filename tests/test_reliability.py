"""Issue 14: odd runs that broke the tool's promises, each through the real CLI.

Hostile file names and configuration files, a damaged cache, a file edited in place behind the
cache's back, a cluster that cannot start, a FIFO among the rule packs: each is one line naming
the file and exit 2, or the same result as a run without the cache; never a traceback.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import threading
import xml.etree.ElementTree as ET

import pytest

from tests.helpers import CLEAN_ARTICLE

UNTIDY = CLEAN_ARTICLE.replace("timetable\n", "timetable   \n", 1)  # WS001


def one_error_line(err: str, names: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("corpus-lint: error: "), err
    assert names in lines[0]
    assert "Traceback" not in err


# --- 3. a file name that is not UTF-8 ---------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "full", "sarif"])
def test_a_reader_that_stops_early_leaves_the_exit_code_of_the_findings(tmp_path, output_format):
    # `corpus-lint check | head`: the JSON report, written in chunks, exited 2 (an error),
    # the text report 1; both now exit as the findings say, and print nothing more.
    import subprocess

    (tmp_path / "c").mkdir()
    for number in range(300):  # a report far larger than a pipe's buffer
        (tmp_path / "c" / f"{number:03}.txt").write_text(
            UNTIDY.replace("Harbour", f"Port {number}")
        )
    run = subprocess.Popen(
        [sys.executable, "-m", "corpus_lint", "check", "--no-cache", "--output-format",
         output_format, "c"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert len(run.stdout.read(100)) == 100
    run.stdout.close()  # as `head -c 100` exits
    err = run.stderr.read()
    assert (run.wait(timeout=60), err) == (1, b"")


@pytest.mark.skipif(sys.platform != "linux", reason="Linux file names are any bytes")
def test_a_file_name_that_is_not_utf8_is_cached_like_any_other(tmp_path, cli):
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["c"]\n')
    folder = tmp_path / "c"
    folder.mkdir()
    odd = os.fsdecode(b"caf\xe9.txt")  # latin-1 "é": a lone surrogate once decoded
    (folder / odd).write_text(CLEAN_ARTICLE)
    (folder / "copy.txt").write_text(CLEAN_ARTICLE)
    (folder / "other.txt").write_text(UNTIDY.replace("Harbour", "River"))
    uncached = cli("check", "--no-cache", cwd=tmp_path)
    assert uncached.code == 1 and "DUP003" in uncached.out
    cold = cli("check", cwd=tmp_path)  # was: UnicodeEncodeError in the cache's file table
    warm = cli("check", cwd=tmp_path)
    changed = cli("check", "c/other.txt", cwd=tmp_path)  # pre-commit: a few files, cache read
    assert (cold.code, cold.out, cold.err) == (uncached.code, uncached.out, uncached.err)
    assert (warm.code, warm.out, warm.err) == (uncached.code, uncached.out, uncached.err)
    assert (changed.code, changed.err) == (1, "")
    assert "caf\\udce9.txt" in uncached.out or "caf\\xe9.txt" in uncached.out


def test_files_dated_before_1970_or_after_2262_are_cached_like_any_other(tmp_path, cli):
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["c"]\n')
    (tmp_path / "c").mkdir()
    for name, mtime_ns in (("old.txt", -(10**18)), ("far.txt", 2**63 + 5)):
        (tmp_path / "c" / name).write_text(CLEAN_ARTICLE)
        try:
            os.utime(tmp_path / "c" / name, ns=(0, mtime_ns))
        except (OverflowError, OSError):
            pytest.skip("this file system cannot hold such a date")
    uncached = cli("check", "--no-cache", cwd=tmp_path)
    assert "DUP003" in uncached.out
    for _ in range(2):  # cold, then warm
        run = cli("check", cwd=tmp_path)
        assert (run.code, run.out, run.err) == (uncached.code, uncached.out, uncached.err)


# --- 4. JUnit text from file names -----------------------------------------------------------


def test_junit_failure_text_holds_no_raw_newline_or_cr_from_a_file_name(tmp_path, cli):
    name = "a\n::error title=x::y\r.txt"
    (tmp_path / name).write_text(UNTIDY)
    run = cli("check", "--output-format", "junit", name, cwd=tmp_path)
    assert run.code == 1
    root = ET.fromstring(run.out)
    (failure,) = root.iter("failure")
    assert "\n::error" not in run.out and "\r" not in run.out
    assert failure.text.splitlines()[0].startswith("a\\n::error title=x::y\\r.txt:")
    assert "::error" not in "".join(line for line in run.out.splitlines() if line.startswith("::"))


# --- 5. a configuration file that is not UTF-8 -----------------------------------------------


@pytest.mark.parametrize("name", ["pyproject.toml", "corpus-lint.toml"])
@pytest.mark.parametrize("where", ["here", "parent", "--config"])
def test_a_configuration_file_that_is_not_utf8_is_one_line_exit_2(tmp_path, cli, name, where):
    table = "[tool.corpus-lint]\n" if name == "pyproject.toml" else ""
    config = tmp_path / name
    config.write_bytes(b"# caf\xe9 (latin-1)\n" + table.encode() + b'select = ["WS"]\n')
    work = tmp_path / "sub" if where == "parent" else tmp_path
    work.mkdir(exist_ok=True)
    (work / "a.txt").write_text(CLEAN_ARTICLE)
    args = ["--config", str(config)] if where == "--config" else []
    run = cli("check", *args, "a.txt", cwd=work)
    assert run.code == 2
    one_error_line(run.err, f"{config}: not UTF-8")


# --- 6. a Dask cluster that cannot start ------------------------------------------------------


def test_a_local_dask_cluster_that_fails_to_start_is_one_line_exit_2(tmp_path, cli, monkeypatch):
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

    async def dies(self):  # as when a worker process is killed while the cluster starts
        raise RuntimeError("Nanny failed to start.")

    monkeypatch.setattr(distributed.Nanny, "start_unsafe", dies)
    (tmp_path / "a.txt").write_text(CLEAN_ARTICLE)
    run = cli("check", "--executor", "dask", "a.txt", cwd=tmp_path)
    assert (run.code, run.out) == (2, "")
    one_error_line(run.err, "cannot start a local Dask cluster (Nanny failed to start.)")
    assert threading.active_count() < 20  # no cluster left running in this process


# --- 7. a cache with a damaged page ------------------------------------------------------------


@pytest.mark.slow
def test_a_cache_with_a_damaged_page_is_rebuilt_with_a_warning(tmp_path, cli):
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["c"]\n')
    folder = tmp_path / "c"
    folder.mkdir()
    for number in range(300):
        body = " ".join(f"word{(number * 7 + i) % 997}" for i in range(200))
        (folder / f"{number:03}.txt").write_text(f"Title {number}\n\n{body}\n")
    (folder / "copy.txt").write_text((folder / "000.txt").read_text())
    expected = cli("check", "--no-cache", cwd=tmp_path)
    assert cli("check", cwd=tmp_path).out == expected.out
    database = tmp_path / ".corpus_lint_cache" / "signatures.sqlite3"
    size = database.stat().st_size
    assert size > 64 * 1024
    with database.open("r+b") as handle:  # random bytes over the middle half of the file,
        handle.seek(size // 4 // 4096 * 4096)  # where pages of every table a warm run reads are
        handle.write(random.Random(14).randbytes(size // 2 // 4096 * 4096))
    damaged = cli("check", cwd=tmp_path)
    assert (damaged.code, damaged.out) == (expected.code, expected.out)
    assert damaged.err.count("\n") == 1 and "rebuilding it" in damaged.err, damaged.err
    with sqlite3.connect(database) as db:  # rebuilt: intact, and used by the next run
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    again = cli("check", cwd=tmp_path)
    assert (again.code, again.out, again.err) == (expected.code, expected.out, "")


# --- 8. a file edited in place, its size and mtime set back -----------------------------------


def test_an_in_place_edit_that_keeps_size_and_mtime_is_seen_by_a_changed_files_run(tmp_path, cli):
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["c"]\nselect = ["DUP"]\n')
    folder = tmp_path / "c"
    folder.mkdir()
    text = "Ferry timetable\n\n" + " ".join(f"word{i}" for i in range(300)) + "\n"
    (folder / "a.txt").write_text(text)
    copy = folder / "b.txt"
    copy.write_text(text)
    (folder / "other.txt").write_text("Other\n\n" + " ".join(f"w{i}" for i in range(300)) + "\n")
    first = cli("check", cwd=tmp_path)  # the cache now holds b.txt as an exact copy
    assert "DUP003" in first.out
    status = copy.stat()
    with copy.open("r+b") as handle:  # same size, one word changed: a near-duplicate now
        handle.seek(text.index("word150"))
        handle.write(b"WORD150")
    os.utime(copy, ns=(status.st_atime_ns, status.st_mtime_ns))  # `touch -d` back
    assert (copy.stat().st_size, copy.stat().st_mtime_ns) == (status.st_size, status.st_mtime_ns)
    uncached = cli("check", "--no-cache", "c/a.txt", cwd=tmp_path)
    assert "DUP004" in uncached.out and "DUP003" not in uncached.out
    cached = cli("check", "c/a.txt", cwd=tmp_path)  # was: DUP003, from the cache
    assert (cached.code, cached.out) == (uncached.code, uncached.out)


# --- 9. a FIFO where the run reads a file the user names ----------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize(
    "args, config, fifo, names",
    [
        ([], 'rule-packs = ["packs"]\n', "packs/trap.toml", "trap.toml: cannot read"),
        (["--baseline", "trap.json"], "", "trap.json", "trap.json: cannot read baseline"),
        (["--config", "trap.toml"], "", "trap.toml", "trap.toml: cannot read"),
        ([], '[near-duplicate]\nallow = "trap.toml"\n', "trap.toml", "trap.toml: cannot read"),
    ],
    ids=["rule-pack", "baseline", "config", "allow-list"],
)
def test_a_fifo_the_run_would_read_is_one_line_exit_2_not_a_hang(
    tmp_path, args, config, fifo, names
):
    """Every file the user names besides the corpus (a FIFO named *.toml in a rule-pack
    folder, a baseline, a configuration, an allow-list) is opened without blocking: a FIFO
    is a one-line error (exit 2), not a run waiting for a writer for ever."""
    import subprocess

    (tmp_path / fifo).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(tmp_path / fifo)
    if config:
        (tmp_path / "corpus-lint.toml").write_text(config)
    (tmp_path / "a.txt").write_text(CLEAN_ARTICLE)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "corpus_lint", "check", *args, "a.txt"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the run waited on the FIFO")
    assert run.returncode == 2
    one_error_line(run.stderr, f"{names}: not a regular file")


# --- found by an adversarial review: pre-commit runs against a corpus that is not there -------


@pytest.mark.parametrize("cache", [[], ["--no-cache"]])
def test_a_configured_corpus_that_does_not_exist_fails_a_pre_commit_run(tmp_path, cli, cache):
    # A typo in `corpus` made every staged file "pass": compared with nothing, an exact copy
    # of a committed article got "All checks passed" and exit 0.
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "001.txt").write_text(CLEAN_ARTICLE)
    (tmp_path / "staged.txt").write_text(CLEAN_ARTICLE)
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["artciles"]\nselect = ["DUP"]\n')
    run = cli("check", *cache, "staged.txt", cwd=tmp_path)
    assert run.code == 2 and "All checks passed" not in run.out
    one_error_line(run.err, "artciles: no such file or directory")
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["articles"]\nselect = ["DUP"]\n')
    spelt = cli("check", *cache, "staged.txt", cwd=tmp_path)
    assert spelt.code == 1 and "DUP003" in spelt.out


# --- found by an adversarial review: standard streams full, closed, or not UTF-8 -------------


def _shell(command: str, cwd, env=None):
    import subprocess

    python = f"{sys.executable} -m corpus_lint"
    return subprocess.run(
        command.replace("CL", python), shell=True, cwd=cwd, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=60,
    )  # fmt: skip


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(
    ("command", "says"),
    [
        # Was: a traceback, exit 1; then a message naming nothing (an adversarial review).
        ("CL check c > /dev/full", "standard output: cannot write the concise report: No"),
        ("CL check c --output-format json > /dev/full", "cannot write the json report: No space"),
        ("CL rule WS001 > /dev/full", "No space left on device"),
        ("CL check c >&-", "standard output is closed"),  # was: AttributeError
        ("printf 'T\\n' | CL check - --stdin-filename a.txt <&-", "standard input is closed"),
    ],
)
def test_a_full_or_closed_standard_stream_is_one_error_line_and_exit_2(tmp_path, command, says):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text(UNTIDY)
    run = _shell(command, tmp_path)
    assert run.returncode == 2, run.stderr
    one_error_line(run.stderr, says)
    # With stderr closed too, the exit code alone tells (was 1, the findings' code).
    assert _shell("CL check missing.txt 2>&-", tmp_path).returncode == 2


@pytest.mark.skipif(sys.platform != "linux", reason="Linux file names are any bytes")
def test_a_file_name_the_terminal_encoding_cannot_show_is_escaped(tmp_path):
    # "é" spelt "e" + a combining accent, shown through a latin-1 terminal: was a
    # UnicodeEncodeError traceback.
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "cafe\u0301.txt").write_text(UNTIDY)
    run = _shell("CL check c --no-cache", tmp_path, env={"PYTHONIOENCODING": "latin-1"})
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "c/cafe\\u0301.txt:" in run.stdout


# --- found by an adversarial review: a report written over a document checked ----------------


@pytest.mark.parametrize(
    "flags",
    [
        ["-o", "c/001.txt"],
        ["--output-format", "json:c/../c/001.txt"],
        ["--write-removals", "c/001.txt"],
        ["--write-baseline", "c/001.txt"],
    ],
)
def test_a_report_is_never_written_over_a_document_checked(tmp_path, cli, flags):
    # `-o c/001.txt` replaced the article with the report, `--write-removals` emptied it.
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "001.txt").write_text(UNTIDY)
    (tmp_path / "c" / "002.txt").write_text(CLEAN_ARTICLE.replace("Harbour", "River"))
    run = cli("check", "c", "--no-cache", *flags, cwd=tmp_path)
    assert run.code == 2 and (tmp_path / "c" / "001.txt").read_text() == UNTIDY
    one_error_line(run.err, "is one of the documents checked")
    # ... nor over a file of the configured corpus, in a pre-commit run naming another file.
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["c"]\n')
    (tmp_path / "staged.txt").write_text(CLEAN_ARTICLE)
    run = cli("check", "staged.txt", *flags, cwd=tmp_path)
    assert run.code == 2 and (tmp_path / "c" / "001.txt").read_text() == UNTIDY
    # A report file of its own is written, and written over, as before.
    assert cli("check", "c", "-o", "report.txt", cwd=tmp_path).code == 1
    assert cli("check", "c", "-o", "report.txt", cwd=tmp_path).code == 1
    assert "c/001.txt" in (tmp_path / "report.txt").read_text()


@pytest.mark.parametrize("flag", ["-o", "--write-removals"])
def test_a_report_written_through_a_hard_link_to_a_document_leaves_the_document(
    tmp_path, cli, flag
):
    # Found by an adversarial review: the refusal above compared names, so `-o report.html`,
    # a hard link to c/001.txt, wrote the report into the article (exit 0).
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "001.txt").write_text(UNTIDY)
    os.link(tmp_path / "c" / "001.txt", tmp_path / "report.txt")
    run = cli("check", "c", "--no-cache", flag, "report.txt", cwd=tmp_path)
    assert run.code == 1, run.err
    assert (tmp_path / "c" / "001.txt").read_text() == UNTIDY
    assert (tmp_path / "report.txt").read_text() != UNTIDY


@pytest.mark.parametrize("stream", ["/dev/stdout", "/dev/stderr"])
def test_a_report_to_the_runs_own_output_appends_to_the_log_it_goes_to(tmp_path, stream):
    # Found by an adversarial review: `-o /dev/stdout >> ci.log` renamed the report over the
    # log, so its earlier lines (and the summary) were gone.
    import subprocess

    (tmp_path / "a.txt").write_text(UNTIDY)
    log = tmp_path / "ci.log"
    log.write_text("EARLIER LINE\n")
    with open(log, "ab") as out:
        done = subprocess.run(
            [sys.executable, "-m", "corpus_lint", "check", "--no-cache", "a.txt", "-o", stream,
             "--output-format", "json"],
            cwd=tmp_path, stdout=out, stderr=out,
        )  # fmt: skip
    assert done.returncode == 1
    text = log.read_text()
    assert text.startswith("EARLIER LINE\n")
    assert '"code": "WS001"' in text and "Found 1 diagnostic" in text


@pytest.mark.parametrize("where", ["folder", "missing/r.json"])
def test_a_report_path_that_cannot_be_written_is_refused_before_the_run(tmp_path, cli, where):
    # It was told after every file had been checked, with the summary printed and the other
    # reports written.
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "001.txt").write_text(UNTIDY)
    (tmp_path / "folder").mkdir()
    run = cli("check", "c", "--output-format", "json:r.json", "--output-format", f"html:{where}",
              cwd=tmp_path)  # fmt: skip
    assert run.code == 2 and run.out == ""
    one_error_line(run.err, where)
    assert not (tmp_path / "r.json").exists()


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_report_that_cannot_be_written_whole_leaves_the_report_before(tmp_path):
    # A full disk (a file size limit here) truncated the report written over the old one.
    import resource
    import signal
    import subprocess

    (tmp_path / "c").mkdir()
    for number in range(30):
        (tmp_path / "c" / f"{number:03}.txt").write_text(UNTIDY.replace("Title", f"T{number}"))
    (tmp_path / "r.json").write_text("[]\n")

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run(
        [sys.executable, "-m", "corpus_lint", "check", "c", "--no-cache", "--output-format",
         "json:r.json"],
        cwd=tmp_path, capture_output=True, text=True, preexec_fn=limited, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "r.json: cannot write the json report" in done.stderr
    assert (tmp_path / "r.json").read_text() == "[]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "r.json"]  # no temporary file


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_the_summary_counts_a_report_that_could_not_be_written_whatever_the_order(tmp_path):
    # Found by an adversarial review: the text report, given before a report file that
    # failed to be written, printed its summary without the error ("All checks passed" on a
    # clean run), though the run exited 2.
    import resource
    import signal
    import subprocess

    (tmp_path / "c").mkdir()
    for number in range(30):
        (tmp_path / "c" / f"{number:03}.txt").write_text(UNTIDY.replace("Title", f"T{number}"))

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    for formats in (["text", "json:r.json"], ["json:r.json", "text"]):
        done = subprocess.run(
            [sys.executable, "-m", "corpus_lint", "check", "c", "--no-cache",
             *(f"--output-format={name}" for name in formats)],
            cwd=tmp_path, capture_output=True, text=True, preexec_fn=limited, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2
        assert "r.json: cannot write the json report" in done.stderr
        assert "1 error (see below)" in done.stdout, formats

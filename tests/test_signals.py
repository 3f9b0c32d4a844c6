"""Ctrl-C and dying workers, through the real CLI in its own process group.

A terminal's Ctrl-C sends SIGINT to the whole process group (the run and its workers), and
wrappers such as `timeout` send the main process another. The racy moment, while the worker
pool starts, is reached deterministically: with CORPUS_LINT_TEST_PAUSE=pool-start:FOLDER the
run pauses there (the workers forked, Ctrl-C held) and says so by creating a file.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest

PAUSE_VARIABLE = "CORPUS_LINT_TEST_PAUSE"  # corpus_lint.interrupts.PAUSE_VARIABLE

pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"), pytest.mark.slow]

LINE = "The harbour council voted on Tuesday to add {} evening crossings.   \n\n"
FILES = 600  # enough for two worker processes (engine.MIN_FILES_FOR_WORKERS each)


def write_corpus(folder: Path, files: int = FILES) -> dict[str, tuple[bytes, bytes]]:
    """Articles with trailing spaces (WS001, fixable): name -> (original, fixed bytes)."""
    folder.mkdir()
    articles = {}
    for number in range(files):
        # Not alike (a number in every line): 1,000 articles from one template are each
        # other's candidates, 500,000 pairs to verify: slow, and not what these test.
        line = LINE.format(number)
        original = (f"Title {number}\n\n" + line * 20 + "Source: Gazette\n").encode()
        (folder / f"a{number:04}.txt").write_bytes(original)
        articles[f"a{number:04}.txt"] = (original, original.replace(b".   \n", b".\n"))
    return articles


def start(
    cwd: Path,
    *args: str,
    pause: Path | None = None,
    ignoring: signal.Signals | None = None,
    point: str = "pool-start",
    cache: bool = False,
):
    env = dict(os.environ)
    env.pop(PAUSE_VARIABLE, None)
    if pause is not None:
        env[PAUSE_VARIABLE] = f"{point}:{pause}"

    def ignore() -> None:  # as `cmd &` in a non-interactive shell starts it (SIGINT)
        signal.signal(ignoring, signal.SIG_IGN)

    return subprocess.Popen(
        # Without the result cache (unless `cache`): every run reads its files in workers.
        [sys.executable, "-m", "corpus_lint", "check", "--no-progress", "--jobs", "2"]
        + ([] if cache else ["--no-cache"])
        + list(args),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=ignore if ignoring else None,
    )


def wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None, f"the run ended before {path.name}: {process.stderr.read()}"
        assert time.monotonic() < deadline, f"the run never reached {path.name}"
        time.sleep(0.005)


def children(pid: int) -> list[int]:
    listed = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True)
    return [int(p) for p in listed.stdout.split()]


def group_members(pgid: int) -> list[str]:
    """The processes left in the run's process group (workers would stay in it)."""
    listed = subprocess.run(["ps", "-eo", "pid=,pgid=,stat=,args="], capture_output=True, text=True)
    return [
        line
        for line in listed.stdout.splitlines()
        if int(line.split()[1]) == pgid and not line.split()[2].startswith("Z")
    ]


def members_left(pgid: int, within: float) -> list[str]:
    """`group_members`, once the group is empty or after `within` seconds (processes that
    die with another take a moment)."""
    deadline = time.monotonic() + within
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return group_members(pgid)


def finish(process: subprocess.Popen, timeout: float) -> tuple[str, str]:
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"the run did not exit within {timeout} s")


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def assert_left_whole(process: subprocess.Popen, folder: Path, articles) -> None:
    """No process left in the run's group, and every file as it was or fully fixed (no
    other file, such as a temporary one, left beside them)."""
    assert group_members(process.pid) == []
    for path in folder.iterdir():
        original, fixed = articles[path.name]
        assert path.read_bytes() in (original, fixed)


@pytest.mark.parametrize("fix", [False, True], ids=["check", "fix"])
@pytest.mark.parametrize("second", [False, True], ids=["one-ctrl-c", "ctrl-c-then-sigint"])
def test_ctrl_c_while_the_pool_starts_exits_130_at_once_and_leaves_nothing(tmp_path, fix, second):
    """Case 1 of issue 14: the second SIGINT hung the run in the pool's shutdown for ever."""
    articles = write_corpus(tmp_path / "c")
    args = ["--fix", "--unsafe-fixes"] if fix else []
    process = start(tmp_path / "c", *args, ".", pause=tmp_path)
    try:
        wait_for(tmp_path / "pool-start.ready", process)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the whole group
        if second:
            time.sleep(0.01)
            os.kill(process.pid, signal.SIGINT)  # `timeout` passes another one on
        began = time.monotonic()
        (tmp_path / "pool-start.go").touch()
        out, err = finish(process, timeout=10)
        took = time.monotonic() - began
    finally:
        kill_group(process)
    assert (process.returncode, err, out) == (130, "corpus-lint: interrupted\n", "")
    assert took < 1.0
    assert_left_whole(process, tmp_path / "c", articles)


@pytest.mark.parametrize(
    "how, whom, storm",
    [
        (signal.SIGINT, "both", True),
        (signal.SIGTERM, "main", False),
        (signal.SIGTERM, "group", False),
        # Found by an adversarial review: SIGHUP (a terminal closed) ended the run unannounced.
        (signal.SIGHUP, "group", False),
    ],
    ids=["ctrl-c-storm", "sigterm-to-main", "sigterm-to-group", "sighup-to-group"],
)
def test_a_signal_during_a_fix_stops_the_run_within_a_second_and_leaves_nothing(
    tmp_path, how, whom, storm
):
    """However many SIGINTs arrive, to the group and to the main process, whenever they land.
    SIGTERM (from `kill`, `timeout`, a cancelled CI job), to the main process or to the
    whole group, stops the run alike and exits 143 (128 + 15, as a shell reports it)."""
    articles = write_corpus(tmp_path / "c")
    process = start(tmp_path / "c", "--fix", ".", pause=tmp_path)
    try:
        wait_for(tmp_path / "pool-start.ready", process)
        (tmp_path / "pool-start.go").touch()
        time.sleep(0.05)  # the workers are fixing files
        began = time.monotonic()
        while True:
            if whom in ("group", "both"):
                os.killpg(process.pid, how)
            if whom in ("main", "both"):
                os.kill(process.pid, how)
            if not storm or process.poll() is not None or time.monotonic() - began > 2:
                break
            time.sleep(0.002)
        out, err = finish(process, timeout=10)
        took = time.monotonic() - began
    finally:
        kill_group(process)
    if process.returncode == 1:  # finished before the first signal: a very fast machine
        pytest.skip("the run finished before it could be stopped")
    word = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}.get(how, "hung up")
    assert (process.returncode, err, out) == (128 + how, f"corpus-lint: {word}\n", "")
    assert took < 1.0
    assert_left_whole(process, tmp_path / "c", articles)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_a_worker_in_the_middle_of_a_file_stops_at_once(tmp_path, how):
    """A worker no longer finishes the file in hand (seconds for a large one): paused in its
    first file, it ends as soon as the run stops."""
    articles = write_corpus(tmp_path / "c")
    process = start(tmp_path / "c", "--fix", ".", pause=tmp_path, point="worker-file")
    try:
        wait_for(tmp_path / "worker-file.ready", process)  # never told to go on
        began = time.monotonic()
        os.killpg(process.pid, how)
        out, err = finish(process, timeout=10)
        took = time.monotonic() - began
    finally:
        kill_group(process)
    word = "interrupted" if how == signal.SIGINT else "terminated"
    assert (process.returncode, err, out) == (128 + how, f"corpus-lint: {word}\n", "")
    assert took < 1.0
    assert_left_whole(process, tmp_path / "c", articles)


def test_a_worker_stuck_while_it_writes_a_fix_is_killed_after_the_grace_period(tmp_path):
    """A worker writing a fixed file finishes it before it stops; one stuck there (paused, as
    on a hung network file system) is killed after CANCEL_GRACE_SECONDS, so a Ctrl-C always
    ends the run."""
    from corpus_lint.parallel import CANCEL_GRACE_SECONDS

    articles = write_corpus(tmp_path / "c")
    process = start(tmp_path / "c", "--fix", ".", pause=tmp_path, point="fix-write")
    try:
        wait_for(tmp_path / "fix-write.ready", process)  # never told to go on
        began = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        out, err = finish(process, timeout=CANCEL_GRACE_SECONDS + 10)
        took = time.monotonic() - began
    finally:
        kill_group(process)
    assert (process.returncode, err, out) == (130, "corpus-lint: interrupted\n", "")
    assert CANCEL_GRACE_SECONDS - 0.5 < took < CANCEL_GRACE_SECONDS + 2
    assert_left_whole(process, tmp_path / "c", articles)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="O_TMPFILE is Linux's")
def test_a_worker_killed_while_it_writes_a_fix_leaves_no_temporary_file(tmp_path):
    """Killed outright (SIGKILL: no handler, no clean-up), a worker that was writing a fixed
    file left its temporary file beside it (`.NAME.*.corpus-lint`): the file is written
    unnamed (O_TMPFILE) and named only for the rename, so the system removes it."""
    from corpus_lint import fixes

    articles = write_corpus(tmp_path / "c")
    try:  # (a file system without it, as NFS: fixes write a named file, which stays)
        os.close(os.open(tmp_path / "c", os.O_TMPFILE | os.O_WRONLY, 0o600))
    except OSError as exc:
        pytest.skip(f"no O_TMPFILE files here: {exc.strerror}")
    assert fixes._UNNAMED_FILES
    process = start(tmp_path / "c", "--fix", ".", pause=tmp_path, point="fix-written")
    try:
        wait_for(tmp_path / "fix-written.ready", process)  # its data written and synced
        os.kill(int((tmp_path / "fix-written.ready").read_text()), signal.SIGKILL)
        out, err = finish(process, timeout=30)
    finally:
        kill_group(process)
    assert process.returncode == 2 and "a worker process died" in err, err
    assert "passed" not in out
    assert_left_whole(process, tmp_path / "c", articles)  # no file but the articles


def test_sigterm_while_the_pool_starts_is_held_until_it_has_started(tmp_path):
    """As Ctrl-C: held while the pool starts (never a traceback from its bookkeeping), then the
    run stops with nothing fixed."""
    articles = write_corpus(tmp_path / "c")
    process = start(tmp_path / "c", "--fix", ".", pause=tmp_path)
    try:
        wait_for(tmp_path / "pool-start.ready", process)
        os.kill(process.pid, signal.SIGTERM)
        time.sleep(0.2)
        assert process.poll() is None  # held
        (tmp_path / "pool-start.go").touch()
        out, err = finish(process, timeout=10)
    finally:
        kill_group(process)
    assert (process.returncode, err, out) == (143, "corpus-lint: terminated\n", "")
    assert group_members(process.pid) == []
    for name, (original, _) in articles.items():
        assert (tmp_path / "c" / name).read_bytes() == original


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_a_run_that_ignores_it_checks_every_file(tmp_path, how):
    """Case 2 of issue 14: started with SIGINT ignored (`cmd &` in a script), the run goes on;
    its workers dropped their queued files and it said "All checks passed" with most of the
    files unchecked. Now they ignore it too, and the run reports every file. So with SIGTERM
    ignored (its workers once ended on it all the same)."""
    write_corpus(tmp_path / "c")
    (tmp_path / "c" / "a0000.txt").write_text("Clean title\n\nClean text.\n")
    reference = start(tmp_path / "c", "--select", "WS001", "--statistics", ".")
    expected = finish(reference, timeout=120)
    assert reference.returncode == 1
    assert f"diagnostics in {FILES - 1} of {FILES} files" in expected[0]
    process = start(
        tmp_path / "c", "--select", "WS001", "--statistics", ".", pause=tmp_path, ignoring=how
    )
    try:
        wait_for(tmp_path / "pool-start.ready", process)
        os.killpg(process.pid, how)
        (tmp_path / "pool-start.go").touch()
        while process.poll() is None:  # and more, while the workers check the files
            os.killpg(process.pid, how)
            time.sleep(0.01)
        got = finish(process, timeout=120)
    finally:
        kill_group(process)
    assert (process.returncode, got) == (1, expected)


@pytest.mark.parametrize(
    "how, point",
    [(signal.SIGKILL, "pool-start"), (signal.SIGTERM, "worker-file")],  # idle, or in a file
    ids=["killed", "sigterm"],
)
def test_a_worker_killed_mid_run_is_one_line_exit_2_and_never_a_pass(tmp_path, how, point):
    """A run that did not check every file never says it passed. Nor does it wait: the
    executor stops the workers left with SIGTERM (their queue's lock may be lost with the
    dead one), which ends them at once (they lived on until killed after the grace period)."""
    from corpus_lint.parallel import CANCEL_GRACE_SECONDS

    write_corpus(tmp_path / "c")
    process = start(tmp_path / "c", "--select", "E", ".", pause=tmp_path, point=point)  # clean
    try:
        wait_for(tmp_path / f"{point}.ready", process)
        workers = children(process.pid)
        assert len(workers) == 2
        os.kill(workers[0], how)
        began = time.monotonic()
        (tmp_path / f"{point}.go").touch()
        out, err = finish(process, timeout=30)
        took = time.monotonic() - began
    finally:
        kill_group(process)
    assert process.returncode == 2
    # The first file without a result is named, with how many are left from it on: a0000
    # when the worker's loss is seen at once, a later batch's first file when the other
    # worker returned the batches before it first (under load).
    assert_names_the_first_file_left(
        err,
        r"a(\d{4})\.txt: a worker process died \(killed, or out of memory\?\); not checked "
        r"\((\d+) files from this one on\)",
    )
    assert "passed" not in out
    assert took < CANCEL_GRACE_SECONDS - 2
    assert group_members(process.pid) == []


def _worker_blocked_sending(process: subprocess.Popen) -> int | None:
    """Stop the run's main process until one of its workers is blocked writing a result to
    it (one larger than the pipe's buffer: the main process's reading thread is stopped),
    and return that worker, the main process left stopped; None (the run resumed) if none
    blocks within 20 s."""
    os.kill(process.pid, signal.SIGSTOP)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for pid in children(process.pid):
            try:
                waiting_in = Path(f"/proc/{pid}/wchan").read_text()
            except OSError:
                continue
            if waiting_in in ("pipe_write", "anon_pipe_write"):
                return pid
        time.sleep(0.001)
    os.kill(process.pid, signal.SIGCONT)
    return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/wchan")
@pytest.mark.parametrize("what", ["ctrl-c", "worker-killed"])
def test_a_worker_ended_while_it_sends_a_large_result_never_leaves_the_run_waiting(tmp_path, what):
    """A worker ended in the middle of a result larger than the pipe's buffer left the
    executor's thread waiting for the rest for ever, and the run with it (until kill -9):
    cancelled or killed, the run now sees it gone and closes its own end of the pipe."""
    write_corpus(tmp_path / "c")
    (tmp_path / "c" / "big.txt").write_text("Big\n\n" + "A line of text.   \n" * 20_000)
    process = start(tmp_path / "c", "--select", "WS001", ".")  # megabytes of findings
    try:
        time.sleep(0.3)
        worker = _worker_blocked_sending(process)
        if worker is None:
            pytest.skip("no worker was ever blocked sending a result (a pipe buffer this big?)")
        if what == "ctrl-c":
            os.kill(process.pid, signal.SIGCONT)
            os.kill(process.pid, signal.SIGINT)
        else:
            os.kill(worker, signal.SIGKILL)
            os.kill(process.pid, signal.SIGCONT)
        began = time.monotonic()
        out, err = finish(process, timeout=30)
        took = time.monotonic() - began
    finally:
        with suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGCONT)
        kill_group(process)
    if what == "ctrl-c":
        assert (process.returncode, err, out) == (130, "corpus-lint: interrupted\n", "")
    else:
        assert process.returncode == 2 and "a worker process died" in err, err
        assert "passed" not in out
    assert took < 5
    assert group_members(process.pid) == []


def test_ctrl_c_while_the_cache_is_written_stops_the_writer_and_commits_nothing(tmp_path):
    """The signature cache is written in the background while the corpus stage works (a
    process of its own on Linux; a run that read 1,000 files at least): a run stopped then
    leaves no writer behind, and none of its write in the cache; the next run fills it, and
    reports what a run without it does."""
    import sqlite3

    from corpus_lint.dedup.cache import SignatureCache
    from corpus_lint.dedup.corpus import MIN_FILES_TO_WRITE_APART

    corpus = tmp_path / "corpus"
    write_corpus(corpus, files=MIN_FILES_TO_WRITE_APART)
    pause = tmp_path / "pause"
    pause.mkdir()
    process = start(tmp_path, "corpus", pause=pause, point="cache-write", cache=True)
    try:
        wait_for(pause / "cache-write.ready", process)
        writer = int((pause / "cache-write.ready").read_text())
        if SignatureCache.stores_in_a_process():
            assert writer in children(process.pid)  # not the run's own process
        else:
            assert writer == process.pid  # a thread of it
        os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C (SIGTERM: the same path)
        out, err = finish(process, timeout=20)
    finally:
        kill_group(process)
    assert (process.returncode, err) == (130, "corpus-lint: interrupted\n")
    assert group_members(process.pid) == []  # the writer too
    database = tmp_path / ".corpus_lint_cache" / "signatures.sqlite3"
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM files").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM features").fetchone() == (0,)
    command = [sys.executable, "-m", "corpus_lint", "check", "--output-format", "json", "corpus"]
    uncached = subprocess.run([*command, "--no-cache"], cwd=tmp_path, capture_output=True)
    cached = subprocess.run(command, cwd=tmp_path, capture_output=True)
    assert cached.stdout == uncached.stdout and cached.returncode == uncached.returncode
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM files").fetchone() == (MIN_FILES_TO_WRITE_APART,)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_another_holds_the_cache_s_lock_stops_the_run_at_once(tmp_path, how):
    """Found by an adversarial review: with the cache's write lock held (a sqlite3 shell, a
    run stopped with Ctrl-Z), a run waited in SQLite's busy handler, C code no signal ends:
    Ctrl-C and SIGTERM took effect 27 s later."""
    import sqlite3

    corpus = tmp_path / "corpus"
    articles = write_corpus(corpus, files=20)
    subprocess.run([sys.executable, "-m", "corpus_lint", "check", "-q", "corpus"], cwd=tmp_path)
    database = tmp_path / ".corpus_lint_cache" / "signatures.sqlite3"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        process = start(tmp_path, "--fix", "--select", "WS,DUP", "corpus", cache=True)
        try:
            time.sleep(3)  # 20 files are checked in well under that: it waits for the lock
            assert process.poll() is None, process.communicate()
            os.killpg(process.pid, how) if how == signal.SIGINT else process.send_signal(how)
            sent = time.monotonic()
            out, err = finish(process, timeout=20)
            took = time.monotonic() - sent
        finally:
            kill_group(process)
    finally:
        holder.close()
    assert process.returncode == 128 + how and took < 2, (process.returncode, took, err)
    assert_left_whole(process, corpus, articles)


def assert_names_the_first_file_left(err: str, message: str) -> None:
    """The one-line error names the first of the FILES files without a result (its number,
    group 1) and how many are left from it on (group 2)."""
    found = re.fullmatch(rf"corpus-lint: error: {message}\n", err)
    assert found, err
    assert int(found[1]) + int(found[2]) == FILES


def kill_paused_child(process: subprocess.Popen, pause: Path, point: str) -> tuple[str, str]:
    """Kill the child process paused at `point` (`interrupts.pause`), let the run go on, and
    finish it: (stdout, stderr)."""
    try:
        wait_for(pause / f"{point}.ready", process)
        child = int((pause / f"{point}.ready").read_text())
        assert child in children(process.pid)  # not the run's own process
        os.kill(child, signal.SIGKILL)
        (pause / f"{point}.go").touch()
        return finish(process, timeout=30)
    finally:
        kill_group(process)


def test_a_cache_writer_that_dies_loses_the_cache_write_not_the_findings(tmp_path):
    """Every file was checked when the forked writer of the signature cache is killed: the
    run reports its findings, as a run without the cache does, and warns that they were not
    cached (it said "a worker process died; not checked", exit 2, and printed nothing)."""
    import sqlite3

    from corpus_lint.dedup.cache import SignatureCache
    from corpus_lint.dedup.corpus import MIN_FILES_TO_WRITE_APART

    if not SignatureCache.stores_in_a_process():
        pytest.skip("the cache is written by a thread here: no process to kill")
    corpus = tmp_path / "corpus"
    write_corpus(corpus, files=MIN_FILES_TO_WRITE_APART)
    command = [sys.executable, "-m", "corpus_lint", "check", "--output-format", "json", "corpus"]
    uncached = subprocess.run(
        [*command, "--no-cache"], cwd=tmp_path, capture_output=True, text=True
    )
    pause = tmp_path / "pause"
    pause.mkdir()
    process = start(
        tmp_path, "--output-format", "json", "corpus", pause=pause, point="cache-write", cache=True
    )
    out, err = kill_paused_child(process, pause, "cache-write")
    assert (process.returncode, out) == (uncached.returncode, uncached.stdout)
    assert "this run's files were not cached: the process writing them died" in err, err
    assert group_members(process.pid) == []
    database = tmp_path / ".corpus_lint_cache" / "signatures.sqlite3"
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM files").fetchone() == (0,)
    cached = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert (cached.returncode, cached.stdout) == (uncached.returncode, uncached.stdout)


_PARALLEL_WALK = """
import sys
import corpus_lint.files
corpus_lint.files.PARALLEL_WALK_FILES = 2  # a corpus of a few files walked by workers
from corpus_lint.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_walker_that_dies_is_named_as_one(tmp_path):
    """A pre-commit run's corpus walk forks processes that stat the corpus: one killed is a
    one-line error that says the corpus was not compared, not that a file went unchecked."""
    write_corpus(tmp_path / "corpus", files=20)
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n')
    (tmp_path / "new.txt").write_text("A title\n\nA sentence of text.\n\nSource: Reuters\n")
    pause = tmp_path / "pause"
    pause.mkdir()
    env = {k: v for k, v in os.environ.items() if k != PAUSE_VARIABLE}
    env[PAUSE_VARIABLE] = f"walk-share:{pause}"
    process = subprocess.Popen(
        [sys.executable, "-c", _PARALLEL_WALK, "check", "--no-progress", "new.txt"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    out, err = kill_paused_child(process, pause, "walk-share")
    assert process.returncode == 2
    from corpus_lint.files import WALKER_DIED

    assert err == f"corpus-lint: error: {WALKER_DIED}\n"
    assert "passed" not in out
    assert group_members(process.pid) == []


def test_a_worker_that_dies_reading_the_corpus_says_it_was_not_compared(tmp_path):
    """A pre-commit run reads the corpus files the cache lacks in worker processes, only to
    compare them with the file named. One killed said "corpus/a0000.txt: ...; not checked
    (600 files from this one on)": the one file checked was checked, the corpus was not
    compared."""
    write_corpus(tmp_path / "corpus")
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n')
    (tmp_path / "new.txt").write_text("A title\n\nA sentence of text.\n\nSource: Reuters\n")
    pause = tmp_path / "pause"
    pause.mkdir()
    process = start(tmp_path, "new.txt", pause=pause, point="worker-batch")
    out, err = kill_paused_child(process, pause, "worker-batch")
    assert process.returncode == 2
    assert_names_the_first_file_left(
        err,
        r"corpus/a(\d{4})\.txt: a worker process died \(killed, or out of memory\?\) while the "
        r"corpus was read; it was not compared \((\d+) of its files from this one on\)",
    )
    assert "passed" not in out
    assert group_members(process.pid) == []


def test_ctrl_c_and_sigterm_together_are_one_line(tmp_path):
    """Both at once (a terminal's Ctrl-C as `timeout` sends SIGTERM): whichever stops the run,
    the other, already pending, is ignored, without a traceback ("Signal 15 ignored due to
    race condition", when the first had set SIG_IGN under it)."""
    articles = write_corpus(tmp_path / "c")
    process = start(tmp_path / "c", "--fix", ".", pause=tmp_path)
    try:
        wait_for(tmp_path / "pool-start.ready", process)
        os.kill(process.pid, signal.SIGINT)  # both held until the pool has started
        os.kill(process.pid, signal.SIGTERM)
        (tmp_path / "pool-start.go").touch()
        out, err = finish(process, timeout=10)
    finally:
        kill_group(process)
    assert (process.returncode, out) in ((130, ""), (143, ""))
    assert (
        err
        == {130: "corpus-lint: interrupted\n", 143: "corpus-lint: terminated\n"}[process.returncode]
    )
    assert_left_whole(process, tmp_path / "c", articles)


def test_the_ctrl_c_tests_pass_in_a_suite_started_with_ctrl_c_ignored(tmp_path):
    """A suite started as `pytest &` in a script inherits SIGINT ignored; its runs must still
    get Ctrl-C as a terminal's job does (tests/conftest.py), or they exit 0, not 130."""
    tests = "tests/test_hostile_input.py::test_ctrl_c_"
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + [f"--basetemp={tmp_path}"]  # not the numbered folders of the suite running this one
        + [f"{tests}during_fix_stops_cleanly_and_leaves_no_file_half_written[1]"]
        + [f"{tests}while_a_fixed_file_is_written_lets_the_write_finish"],  # in-process
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert suite.returncode == 0, suite.stdout
    assert "2 passed" in suite.stdout and "skipped" not in suite.stdout, suite.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_a_main_process_killed_and_fix_nothing_after_it(tmp_path):
    # Killed (SIGKILL, as the out-of-memory killer does), the main process cancels nothing:
    # its workers lived on, orphans, fixing files for ever.
    articles = write_corpus(tmp_path / "c")
    process = start(tmp_path / "c", "--fix", ".", pause=tmp_path)
    try:
        wait_for(tmp_path / "pool-start.ready", process)
        workers = children(process.pid)
        assert len(workers) == 2
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        (tmp_path / "pool-start.go").touch()  # (nothing waits there any more)
        assert members_left(process.pid, within=5) == []
    finally:
        kill_group(process)
    # Every file as it was: the workers died before they fixed any.
    for name, (original, _) in articles.items():
        assert (tmp_path / "c" / name).read_bytes() == original


def test_a_ctrl_c_while_the_command_line_is_imported_is_one_line_and_exit_130():
    """Before `cli.main` handles Ctrl-C, its modules are imported (a tenth of a second): one
    that lands there is a KeyboardInterrupt out of an import, which the entry point ends as
    any other, without a traceback. (Simulated: the import of `corpus_lint.cli` raises it.)"""
    program = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "corpus_lint.cli":
            raise KeyboardInterrupt

sys.meta_path.insert(0, CtrlC())
from corpus_lint.__main__ import main
sys.exit(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stderr, done.stdout) == (130, "corpus-lint: interrupted\n", "")


@pytest.mark.dask
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("point", ["dask-cluster-started", "dask-task-done", "dask-closing"])
def test_a_signal_to_a_run_on_a_local_dask_cluster_is_one_line_and_leaves_no_process(
    tmp_path, how, point
):
    """Sent to the whole group, as a terminal's Ctrl-C is: Dask's workers printed a
    KeyboardInterrupt traceback each, a run stopped while its cluster started left it half made
    (an AssertionError from distributed's clean-up at exit), and one stopped while it collected
    tasks cancelled some already let go (an AssertionError in the scheduler, printed by
    asyncio); one stopped while the cluster closed waited 10 s at exit, where distributed
    closed it again. At "dask-cluster-started" and "dask-closing" the signal is held until the
    cluster is up, or closed."""
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    write_corpus(tmp_path / "c", files=200)
    process = start(tmp_path / "c", "--executor", "dask", ".", pause=tmp_path, point=point)
    try:
        wait_for(tmp_path / f"{point}.ready", process)
        os.killpg(process.pid, how)
        (tmp_path / f"{point}.go").touch()
        started = time.monotonic()
        out, err = finish(process, timeout=60)
        assert time.monotonic() - started < 5
        assert members_left(process.pid, within=10) == []  # the cluster's, as it closes
    finally:
        kill_group(process)
    word = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}[how]
    assert (process.returncode, err, out) == (128 + how, f"corpus-lint: {word}\n", "")


_CUT_INSIDE_THE_CLOSE = """
import os, signal, sys, threading, time
if __name__ == "__main__":  # (not in the workers Dask spawns)
    from distributed import LocalCluster

    close = LocalCluster.close

    def send():
        with open(sys.argv[1], "w") as sent:
            sent.write(repr(time.monotonic()))
        os.kill(os.getpid(), signal.SIGTERM)

    def close_and_signal(self, *args, **kwargs):  # the signal lands while the cluster closes
        threading.Timer(0.05, send).start()
        return close(self, *args, **kwargs)

    LocalCluster.close = close_and_signal
    from corpus_lint.cli import main

    sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.dask
def test_a_signal_while_the_local_dask_cluster_closes_stops_the_run_within_seconds(tmp_path):
    """A signal that cut the cluster's close left it half closed: distributed closed it again
    at exit, and waited 10 s for it."""
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    write_corpus(tmp_path / "c", files=20)
    script = tmp_path / "cut.py"
    script.write_text(_CUT_INSIDE_THE_CLOSE)
    sent = tmp_path / "sent"
    done = subprocess.run(
        [sys.executable, str(script), str(sent), "check", "--no-progress", "--no-cache",
         "--executor", "dask", "c"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    ended = time.monotonic()  # (CLOCK_MONOTONIC: one clock for every process)
    assert (done.returncode, done.stderr, done.stdout) == (143, "corpus-lint: terminated\n", "")
    assert ended - float(sent.read_text()) < 5


def test_a_stop_raised_inside_a_finalizer_still_stops_the_command(capfd):
    """A signal that comes while Python runs a `__del__` (Dask's futures have one) raised its
    KeyboardInterrupt there, where Python prints it as "Exception ignored in" with a traceback
    and drops it: the run went on to its end and passed."""
    from corpus_lint import interrupts

    class SignalledWhileFinalized:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.01)  # the handler runs here, inside the finalizer

    handlers = {number: signal.getsignal(number) for number in interrupts.STOPS}
    went_on = 0
    try:
        with pytest.raises(KeyboardInterrupt), interrupts.handled():
            SignalledWhileFinalized()  # dropped at once
            while went_on < 100:
                went_on += 1
                time.sleep(0.01)
    finally:  # a stopped command leaves the next signals ignored (as its process exits)
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert went_on <= 10  # stopped within about 0.1 s, not at the end of the command
    assert interrupts.how_stopped() == ("terminated", 143)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("change", ["rewritten", "moved"])
def test_a_copy_is_not_removed_when_its_keeper_changes_or_goes_away_during_the_run(
    tmp_path, change
):
    # Found by an adversarial review: the copy was deleted all the same, and its text was
    # then left nowhere; the run said "All checks passed" and exited 0.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = b"Harbour council approves ferry timetable\n\nThe council voted.\n\nSource: Gazette\n"
    (corpus / "a.txt").write_bytes(text)  # the keeper (first path)
    (corpus / "b.txt").write_bytes(text)
    pause = tmp_path / "pause"
    pause.mkdir()
    process = start(corpus, "--fix", "--unsafe-fixes", ".", pause=pause, point="dup-remove")
    wait_for(pause / "dup-remove.ready", process)
    if change == "rewritten":
        (corpus / "a.txt").write_bytes(b"Another story\n\nNew text.\n\nSource: AP\n")
    else:
        (corpus / "a.txt").rename(tmp_path / "a.txt")
    (pause / "dup-remove.go").touch()
    out, err = finish(process, 60)
    assert process.returncode == 2, (out, err)
    assert (corpus / "b.txt").read_bytes() == text
    assert "b.txt: not removed: its keeper a.txt changed or went away" in err
    assert "All checks passed" not in out + err

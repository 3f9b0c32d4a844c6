"""`--executor dask`: the same diagnostics as the local executor, on a 2-worker LocalCluster.

The cluster is started once for the module; the CLI reaches it with `--scheduler`. One test
lets the CLI start its own local cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from corpus_lint import distributed as dask_executor
from tests.helpers import CLEAN_ARTICLE, PROJECT, SEEDS, repeated_line_corpus

pytest.importorskip("distributed")
pytestmark = [pytest.mark.dask, pytest.mark.slow]

GENERATED_FILES = 1500


@pytest.fixture(scope="module")
def cluster():
    """(client, scheduler address) of a LocalCluster of two single-threaded worker processes."""
    import logging

    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.CRITICAL + 1,
    )
    client = Client(cluster, set_as_default=False)
    yield client, cluster.scheduler_address
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated corpus with planted exact and near-duplicates (its corpus-lint.toml sets
    `corpus`), and the local executor's JSON report of it."""
    out = tmp_path_factory.mktemp("generated")
    subprocess.run(
        [
            sys.executable,
            str(PROJECT / "benchmarks" / "generate_corpus.py"),
            str(out),
            "--files",
            str(GENERATED_FILES),
            "--seed",
            "7",
        ],
        check=True,
        capture_output=True,
    )
    return out


def report(cli, *args: str, cwd: Path) -> list[dict]:
    """The JSON report of a run, sorted: the comparison does not depend on output order."""
    run = cli("check", "--no-progress", "--output-format", "json", *args, cwd=cwd)
    assert run.code in (0, 1), run.err
    assert run.err == "", run.err  # neither Dask's logging nor warnings reach the user
    return sorted(run.json(), key=lambda d: json.dumps(d, sort_keys=True))


def test_seeds_give_the_same_diagnostics_on_dask_as_locally(cli, seeds_copy, cluster):
    _, address = cluster
    local = report(cli, "--no-cache", "seeds", cwd=seeds_copy.parent)
    on_dask = report(
        cli, "--executor", "dask", "--scheduler", address, "seeds", cwd=seeds_copy.parent
    )
    assert local, "the seeds have findings"
    assert on_dask == local


def test_the_summary_counts_the_fixes_of_the_local_executor(cli, seeds_copy, cluster):
    # The summary counted fixes from the findings alone: a file that is not UTF-8 showed safe
    # fixes that `--fix` does not apply (only the unsafe transcode does); and an exact copy
    # removed by `--fix --unsafe-fixes` counts as the local executor counts it.
    _, address = cluster
    (seeds_copy / "utf16.txt").write_bytes("Title \n\nBody.\n".encode("utf-16"))
    shutil.copy(next(seeds_copy.glob("001_*.txt")), seeds_copy / "copy-of-001.txt")
    args = ("check", "--no-progress", "--output-format", "text", "seeds")
    local = cli(*args, "--no-cache", cwd=seeds_copy.parent)
    on_dask = cli(*args, "--executor", "dask", "--scheduler", address, cwd=seeds_copy.parent)
    assert local.code == on_dask.code == 1, on_dask.err
    summary = local.out.split("Found ")[-1]
    assert "fixable with `--fix --unsafe-fixes`" in summary
    assert on_dask.out.split("Found ")[-1] == summary


def test_generated_corpus_gives_the_same_duplicates_on_dask_as_locally(cli, generated, cluster):
    _, address = cluster
    local = report(cli, "--no-cache", cwd=generated)
    on_dask = report(cli, "--executor", "dask", "--scheduler", address, cwd=generated)
    codes = {d["code"] for d in on_dask}
    assert {"DUP003", "DUP004"} <= codes
    assert on_dask == local
    stats = dask_executor.last_stats
    assert stats.partitions > 1 and stats.buckets > 1  # the band shuffle had work to spread
    assert stats.candidates >= sum(d["code"] == "DUP004" for d in on_dask)


def near_copy(text: str) -> str:
    """The text with one word of its second paragraph changed: a near-duplicate."""
    return text.replace("complaints", "grumbles", 1)


def corpus_with_duplicates(folder: Path) -> Path:
    """The seeds, an exact copy of one, and two near-duplicate articles."""
    shutil.copytree(SEEDS, folder)
    first = sorted(folder.iterdir())[0]
    shutil.copy(first, folder / "zz_exact_copy.txt")
    long_article = CLEAN_ARTICLE.replace(
        "\n\nSource", " " + " ".join(["More text follows."] * 3) + "\n\nSource"
    )
    (folder / "aa_article.txt").write_text(long_article, encoding="utf-8")
    (folder / "ab_article_edited.txt").write_text(near_copy(long_article), encoding="utf-8")
    return folder


def test_corpus_read_through_a_file_url_gives_the_same_diagnostics(cli, tmp_path, cluster):
    _, address = cluster
    corpus = corpus_with_duplicates(tmp_path / "corpus")
    local = report(cli, "--no-cache", "corpus", cwd=tmp_path)
    url = corpus.resolve().as_uri()
    on_dask = report(cli, "--executor", "dask", "--scheduler", address, url, cwd=tmp_path)
    assert {"DUP003", "DUP004"} <= {d["code"] for d in local}
    # The same findings, on files shown by their URL (with no fix: none applies to a URL).
    shown = json.loads(json.dumps(on_dask).replace(url + "/", "corpus/"))
    local = [{**d, "fix": None} for d in local]
    assert sorted(shown, key=lambda d: json.dumps(d, sort_keys=True)) == local
    assert all(d["path"].startswith(url + "/") for d in on_dask)


def test_a_url_corpus_follows_no_link_and_skips_a_named_pipe_as_a_local_walk(
    cli, tmp_path, cluster
):
    # Found by an adversarial review: listed through a file:// URL, a link to a corpus file
    # was its DUP003 copy (and --write-removals listed it), and a named pipe hung the run.
    _, address = cluster
    corpus = corpus_with_duplicates(tmp_path / "corpus")
    first = sorted(corpus.iterdir())[0]
    (corpus / "link.txt").symlink_to(first.name)
    os.mkfifo(corpus / "pipe.txt")
    local = cli("check", "--no-cache", "--output-format", "json", "corpus", cwd=tmp_path)
    url = corpus.resolve().as_uri()
    run = cli("check", "--executor", "dask", "--scheduler", address, "--output-format", "json",
              url, cwd=tmp_path)  # fmt: skip
    assert all(not d["path"].endswith("link.txt") for d in run.json())
    shown = json.loads(json.dumps(run.json()).replace(url + "/", "corpus/"))
    key = lambda d: json.dumps(d, sort_keys=True)  # noqa: E731
    assert sorted(shown, key=key) == sorted(({**d, "fix": None} for d in local.json()), key=key)
    assert f"{url}/pipe.txt: not a regular file, not linted" in run.err


def test_configured_executor_without_scheduler_starts_a_local_cluster(cli, tmp_path):
    corpus_with_duplicates(tmp_path / "corpus")
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n', encoding="utf-8")
    local = report(cli, "--no-cache", cwd=tmp_path)
    (tmp_path / "corpus-lint.toml").write_text(
        'corpus = ["corpus"]\nexecutor = "dask"\n', encoding="utf-8"
    )
    dask_executor.last_stats = dask_executor.Stats()
    on_dask = report(cli, "--jobs", "8", cwd=tmp_path)
    assert dask_executor.last_stats.tasks > 0  # it did run on a cluster
    # Of --jobs workers (found by review rev34a), but no more than the local executor would
    # start for so few files (--jobs 64 started 64 processes on 2 cores: review rev34c).
    assert dask_executor.last_stats.workers == 1
    assert on_dask == local


def test_configured_scheduler_is_used(cli, tmp_path, cluster):
    _, address = cluster
    corpus_with_duplicates(tmp_path / "corpus")
    (tmp_path / "corpus-lint.toml").write_text(
        f'corpus = ["corpus"]\nexecutor = "dask"\nscheduler = "{address}"\n', encoding="utf-8"
    )
    report(cli, cwd=tmp_path)
    assert dask_executor.last_stats.workers == 2


def test_changed_files_run_locally_against_the_configured_corpus(cli, tmp_path, cluster):
    _, address = cluster
    corpus_with_duplicates(tmp_path / "corpus")
    (tmp_path / "corpus-lint.toml").write_text(
        f'corpus = ["corpus"]\nexecutor = "dask"\nscheduler = "{address}"\n', encoding="utf-8"
    )
    dask_executor.last_stats = dask_executor.Stats()
    found = report(cli, "--no-cache", "corpus/zz_exact_copy.txt", cwd=tmp_path)
    assert dask_executor.last_stats.tasks == 0  # the local executor ran
    assert [d["code"] for d in found if d["code"] in ("DUP003", "DUP004")] == ["DUP003"]


def test_a_copy_outside_the_configured_corpus_keeps_no_corpus_file_on_dask(cli, tmp_path, cluster):
    # As the local stage does (`dedup.corpus.outside_corpus`): path order alone made
    # aaa/copy.txt the keeper of the corpus's own article.
    _, address = cluster
    corpus = corpus_with_duplicates(tmp_path / "corpus")
    (tmp_path / "aaa").mkdir()
    shutil.copy(corpus / "aa_article.txt", tmp_path / "aaa" / "copy.txt")
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n', encoding="utf-8")
    args = ("--select", "DUP003", "--no-cache", "aaa", "corpus")
    local = report(cli, *args, cwd=tmp_path)
    on_dask = report(cli, "--executor", "dask", "--scheduler", address, *args, cwd=tmp_path)
    assert on_dask == local
    copies = [(d["path"], d["related"][0]["path"]) for d in local]
    assert ("aaa/copy.txt", "corpus/aa_article.txt") in copies


def test_unknown_executor_in_the_configuration_is_exit_2(cli, tmp_path):
    (tmp_path / "corpus-lint.toml").write_text('executor = "spark"\n', encoding="utf-8")
    run = cli("check", cwd=tmp_path)
    assert run.code == 2
    assert "'executor' must be one of 'local', 'dask'" in run.err


def test_unknown_executor_flag_is_exit_2(cli, tmp_path):
    run = cli("check", "--executor", "spark", cwd=tmp_path)
    assert run.code == 2
    assert "invalid choice: 'spark'" in run.err


def test_unreachable_scheduler_is_a_one_line_error(cli, seeds_copy):
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = cli(
        "check",
        "--executor",
        "dask",
        "--scheduler",
        f"tcp://127.0.0.1:{port}",
        "seeds",
        cwd=seeds_copy.parent,
    )
    assert run.code == 2
    assert run.err.startswith(
        f"corpus-lint: error: --scheduler tcp://127.0.0.1:{port}: cannot reach"
    )
    assert run.err.count("\n") == 1 and "Traceback" not in run.err


@pytest.fixture()
def silent_listener():
    """The address of a server that takes connections and never answers (a wedged scheduler,
    or a service that waits for its own protocol's first line)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:  # closed below
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for connection in held:
        connection.close()


def test_scheduler_that_never_answers_is_a_one_line_error(cli, seeds_copy, silent_listener):
    # The client waited for such a server without a limit, deaf to Ctrl-C.
    started = time.monotonic()
    run = cli(
        "check",
        "--executor",
        "dask",
        "--scheduler",
        silent_listener,
        "seeds",
        cwd=seeds_copy.parent,
    )
    took = time.monotonic() - started
    assert run.code == 2
    assert run.err == (
        f"corpus-lint: error: --scheduler {silent_listener}: cannot reach the Dask scheduler "
        f"(it took the connection but gave no Dask answer within "
        f"{dask_executor.CONNECT_SECONDS} s)\n"
    )
    assert took < dask_executor.CONNECT_SECONDS + 8


def test_ctrl_c_while_a_scheduler_does_not_answer_exits_130(seeds_copy, silent_listener):
    command = [sys.executable, "-m", "corpus_lint", "check", "--executor", "dask"]
    run = subprocess.Popen(
        [*command, "--scheduler", silent_listener, "seeds"],
        cwd=seeds_copy.parent,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(2)  # imported Dask and waiting for the answer (the deadline is 10 s)
    sent = time.monotonic()
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 130, err
    assert err == "corpus-lint: interrupted\n"
    assert time.monotonic() - sent < 3


def test_scheduler_without_the_dask_executor_is_a_usage_error(cli, seeds_copy):
    run = cli("check", "--scheduler", "tcp://127.0.0.1:8786", "seeds", cwd=seeds_copy.parent)
    assert run.code == 2
    assert "--scheduler needs --executor dask" in run.err


def test_missing_dask_tells_how_to_install_it(cli, seeds_copy, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    run = cli("check", "--executor", "dask", "seeds", cwd=seeds_copy.parent)
    assert run.code == 2
    assert run.err == (
        "corpus-lint: error: the dask executor needs Dask: "
        "pip install 'dask[distributed]>=2023.1' 'fsspec>=2023.1'\n"
    )


def test_local_executor_does_not_import_dask(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    code = (
        "import sys\nfrom corpus_lint.cli import main\nmain(['check', '--no-cache', 'seeds'])\n"
        "assert 'distributed' not in sys.modules and 'dask' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_fixes_on_a_url_are_refused_and_nothing_changes(cli, seeds_copy):
    before = {p.name: p.read_bytes() for p in seeds_copy.iterdir()}
    url = seeds_copy.resolve().as_uri()
    run = cli("check", "--executor", "dask", "--fix", url, cwd=seeds_copy.parent)
    assert run.code == 2
    assert run.err == (
        f"corpus-lint: error: {url}: fixes are not applied to a remote corpus; fix a local copy\n"
    )
    assert {p.name: p.read_bytes() for p in seeds_copy.iterdir()} == before


def test_a_check_of_a_url_offers_no_fix(cli, seeds_copy, cluster):
    # Found by an adversarial review: its summary said "fixable with `--fix`", which the
    # same URL then refuses.
    _, address = cluster
    url = seeds_copy.resolve().as_uri()
    run = cli("check", "--executor", "dask", "--scheduler", address, url, cwd=seeds_copy.parent)
    assert run.code == 1 and "fixable" not in run.out and "[*]" not in run.out
    found = cli("check", "--executor", "dask", "--scheduler", address, "--output-format",
                "json", url).json()  # fmt: skip
    assert found and all(d["fix"] is None for d in found)


def test_a_url_needs_the_dask_executor(cli, seeds_copy):
    url = seeds_copy.resolve().as_uri()
    run = cli("check", url, cwd=seeds_copy.parent)
    assert run.code == 2
    assert "URLs are read only with --executor dask" in run.err


def test_a_rule_failing_on_a_worker_names_the_file(tmp_path, monkeypatch):
    from corpus_lint import analysis
    from corpus_lint.analysis import Job
    from corpus_lint.commands import load_rules
    from corpus_lint.rule import Context

    (tmp_path / "a.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    _, packs, rules = load_rules(None)

    def broken(doc, rules, ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(analysis, "lint_document", broken)  # the stage the executor runs
    job = Job(tuple(rules.values()), Context(packs), None)
    source = dask_executor.Source(str(tmp_path / "a.txt"), "corpus/a.txt")
    with pytest.raises(dask_executor.FileFailed, match=r"^corpus/a.txt: a rule failed .*boom"):
        dask_executor._analyse(0, [source], job)


def test_a_partition_reads_each_next_batch_of_local_files_ahead(tmp_path, monkeypatch):
    from corpus_lint.analysis import BATCH_FILES, Job
    from corpus_lint.commands import load_rules
    from corpus_lint.rule import Context

    _, packs, rules = load_rules(None)
    part = []
    for i in range(2 * BATCH_FILES + 6):
        (tmp_path / f"{i:03d}.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
        part.append(dask_executor.Source(str(tmp_path / f"{i:03d}.txt"), f"corpus/{i:03d}.txt"))
    part.insert(BATCH_FILES + 1, dask_executor.Source("s3://bucket/a.txt", "s3://bucket/a.txt"))
    asked = []
    monkeypatch.setattr(dask_executor, "read_ahead", asked.append)
    monkeypatch.setattr(dask_executor, "_read", lambda source: _read_local(source))
    job = Job(tuple(r for r in rules.values() if not r.corpus), Context(packs), None)
    report, _ = dask_executor._analyse(0, part, job)
    assert report.files_checked == len(part)
    locations = [s.location for s in part]
    local = [x for x in locations[BATCH_FILES : 2 * BATCH_FILES] if not x.startswith("s3:")]
    assert asked == [local, locations[2 * BATCH_FILES : 3 * BATCH_FILES], []]


def _read_local(source):
    """`Document.read`, the URL read as a local clean article (no network in a test)."""
    from corpus_lint.document import Document

    if source.location.startswith("s3:"):
        return Document.from_bytes(Path("a.txt"), CLEAN_ARTICLE.encode(), source.shown)
    return Document.read(source.location, source.shown)


def test_workers_dying_on_a_partition_is_one_line_naming_its_files():
    from types import SimpleNamespace

    from distributed import KilledWorker

    key = "corpus-lint-analyse-3"
    lost = KilledWorker(key, SimpleNamespace(address="tcp://127.0.0.1:1"), 3)
    described = {key: "checking the 64 files from a/1.txt to a/64.txt"}
    message = dask_executor._failure(lost, key, described)
    assert message.startswith(
        "the Dask workers died while checking the 64 files from a/1.txt to a/64.txt"
    )
    assert "\n" not in message


def test_a_worker_killed_mid_run_is_retried_and_the_run_finishes(cli, generated, cluster):
    client, address = cluster
    local = report(cli, "--no-cache", cwd=generated)
    pids = client.run(os.getpid)  # worker address -> process id
    killed: list[str] = []

    def kill_a_busy_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for worker, keys in client.processing().items():
                if any(str(k).startswith("corpus-lint-analyse") for k in keys) and worker in pids:
                    os.kill(pids[worker], signal.SIGKILL)
                    killed.append(worker)
                    return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    try:
        on_dask = report(cli, "--executor", "dask", "--scheduler", address, cwd=generated)
    finally:
        killer.join()
    assert killed, "a worker was killed while it analysed files"
    assert on_dask == local


def test_two_runs_on_one_scheduler_share_no_task(cli, seeds_copy, cluster):
    """Stopping a run cancels its tasks by key on the scheduler: had the next run of the same
    files the same keys, a late cancel would cancel its tasks, and it would wait forever."""
    client, address = cluster

    def keys_of_a_run() -> set[str]:
        client.run_on_scheduler(_forget_task_keys)
        report(cli, "--executor", "dask", "--scheduler", address, cwd=seeds_copy.parent)
        return set(client.run_on_scheduler(_task_keys_seen))

    client.run_on_scheduler(_record_task_keys)
    first, second = keys_of_a_run(), keys_of_a_run()
    assert first and second
    assert not first & second


def _record_task_keys(dask_scheduler) -> None:
    from distributed.diagnostics.plugin import SchedulerPlugin

    class Seen(SchedulerPlugin):
        name = "corpus-lint-test-keys"
        keys: set = set()

        def transition(self, key, start, finish, *args, **kwargs):
            self.keys.add(str(key))

    dask_scheduler.add_plugin(Seen(), name=Seen.name, idempotent=True)


def _task_keys_seen(dask_scheduler) -> list[str]:
    return sorted(dask_scheduler.plugins["corpus-lint-test-keys"].keys)


def _forget_task_keys(dask_scheduler) -> None:
    dask_scheduler.plugins["corpus-lint-test-keys"].keys.clear()


def test_a_scheduler_without_workers_is_an_error_not_a_hang(cli, seeds_copy):
    import logging

    from distributed import LocalCluster

    with LocalCluster(
        n_workers=0, dashboard_address=":0", silence_logs=logging.CRITICAL + 1
    ) as empty:
        address = empty.scheduler_address
        run = cli(
            "check", "--executor", "dask", "--scheduler", address, "seeds", cwd=seeds_copy.parent
        )
    assert run.code == 2
    assert run.err == (
        "corpus-lint: error: the Dask scheduler has no workers: start some with `dask worker`\n"
    )


def _die_on_poison():
    """A worker plugin: the worker process exits at once when it reads a file named
    poison.txt, as a crash in a C extension or the kernel's OOM killer would end it.
    (Defined in a function, so that cloudpickle sends the class itself to the workers.)"""
    from distributed import WorkerPlugin

    class DieOnPoison(WorkerPlugin):
        name = "corpus-lint-test-poison"

        def setup(self, worker):
            from corpus_lint import distributed

            read = distributed.read_source

            def read_or_die(source):
                if source.shown.endswith("poison.txt"):
                    os._exit(1)
                return read(source)

            distributed.read_source = read_or_die

    return DieOnPoison()


def test_workers_dying_on_one_file_name_that_file(cli, tmp_path):
    import logging

    import dask
    from distributed import Client, LocalCluster

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(150):
        (corpus / f"{i:03d}.txt").write_text(CLEAN_ARTICLE.replace("The", f"The {i}"))
    (corpus / "077poison.txt").write_text(CLEAN_ARTICLE)
    # One death is enough for Dask to give up on a task: the test need not wait for four.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL + 1,
        )
    try:
        with Client(cluster, set_as_default=False) as client:
            client.register_plugin(_die_on_poison())
            run = cli(
                "check", "--executor", "dask", "--scheduler", cluster.scheduler_address,
                "--no-progress", "corpus", cwd=tmp_path,
            )  # fmt: skip
    finally:
        cluster.close()
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(
        "corpus-lint: error: the Dask workers died while checking corpus/077poison.txt "
    ), run.err
    assert run.err.count("\n") == 1


def test_the_same_clusters_keepers_and_allowed_pairs_on_dask_as_locally(cli, tmp_path, cluster):
    from tests.helpers import changed, random_article

    _, address = cluster
    corpus = corpus_with_duplicates(tmp_path / "corpus")
    a = random_article(1)
    b = changed(a, list(range(10, 400, 50)))
    (corpus / "chain_a.txt").write_text(a)
    (corpus / "chain_b.txt").write_text(b)
    (corpus / "chain_c.txt").write_text(changed(b, list(range(35, 400, 50))))
    (corpus / "wire1.txt").write_text(random_article(2))
    (corpus / "wire2.txt").write_text(random_article(2))
    (corpus / "longer.txt").write_text(random_article(3) + "\nA closing line only this copy has.\n")
    (corpus / "shorter.txt").write_text(random_article(3))
    (tmp_path / "corpus-lint.toml").write_text(
        '[near-duplicate]\nallow = "allow.toml"\nkeep = ["most-text"]\n'
    )
    (tmp_path / "allow.toml").write_text(
        '[[allow]]\npaths = ["corpus/wire1.txt", "corpus/wire2.txt"]\nreason = "wire"\n'
        '[[allow]]\npaths = ["corpus/chain_a.txt", "corpus/wire1.txt"]\nreason = "stale"\n'
    )

    def clusters(*args: str) -> tuple[list[dict], list[str]]:
        run = cli("check", "--no-progress", "--output-format", "clusters", *args, cwd=tmp_path)
        text = cli("check", "--no-progress", "--select", "DUP", *args, cwd=tmp_path)
        stale = [line for line in text.out.splitlines() if "stale allow-list" in line]
        return [json.loads(line) for line in run.out.splitlines()], stale

    local = clusters("--no-cache", "corpus")
    on_dask = clusters("--executor", "dask", "--scheduler", address, "corpus")
    assert on_dask == local
    found, stale = local
    keepers = {c["keeper"]: [m["path"] for m in c["members"]] for c in found}
    assert keepers["corpus/chain_a.txt"] == ["corpus/chain_b.txt"]  # chain_c is not like a
    assert keepers["corpus/longer.txt"] == ["corpus/shorter.txt"]
    assert not any("wire" in c["keeper"] for c in found)  # the allowed pair
    assert len(stale) == 1 and "chain_a.txt" in stale[0]


def test_copies_of_one_text_are_banded_once_on_dask_with_the_local_findings(cli, tmp_path, cluster):
    """Of the files with the same bytes, one goes into each band bucket (as in the local
    stage), but for a copy an allow-list names; an NFD copy of a text is banded apart from
    the NFC one (other bytes, though the same shingles). The findings and stale entries are
    the local ones."""
    import unicodedata

    from tests.helpers import changed, random_article

    _, address = cluster
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = random_article(31)
    for i in range(6):
        (corpus / f"copy{i}.txt").write_text(text)
    (corpus / "near.txt").write_text(changed(text, [50, 250]))
    (corpus / "other.txt").write_text(random_article(32))
    accented = random_article(33).replace("x", "\u00e9")  # every word: "w33é123"
    (corpus / "nfc.txt").write_text(accented)
    (corpus / "nfd.txt").write_text(unicodedata.normalize("NFD", accented))
    (corpus / "nfd-near.txt").write_text(unicodedata.normalize("NFD", changed(accented, [99])))
    (tmp_path / "corpus-lint.toml").write_text('[near-duplicate]\nallow = "allow.toml"\n')
    (tmp_path / "allow.toml").write_text(
        '[[allow]]\npaths = ["corpus/copy0.txt", "corpus/near.txt"]\nreason = "reviewed"\n'
    )

    def findings(*args: str) -> list[str]:
        run = cli("check", "--no-progress", "--select", "DUP", *args, "corpus", cwd=tmp_path)
        return sorted(run.out.splitlines())

    local = findings("--no-cache")
    assert findings("--executor", "dask", "--scheduler", address) == local
    reported = {line.split(":")[0]: line.split(" ")[1] for line in local if " DUP" in line}
    assert {path: reported[path] for path in reported if "nf" in path} == {
        "corpus/nfd.txt": "DUP003",  # of nfc.txt, the keeper (as much text, path order)
        "corpus/nfd-near.txt": "DUP004",  # of nfc.txt: its words composed, as the keeper's
    }
    # Banded each, the six copies make 21 pairs with one another and 6 with the near copy.
    assert dask_executor.last_stats.candidates <= 6


def test_a_keeper_pair_no_bucket_verified_is_verified_by_a_task(tmp_path, cluster):
    # The verification tasks sent back a~b and b~c only: the cluster step must verify a~c
    # (on the cluster) before c may join a's cluster; here it is alike, so c joins.
    from corpus_lint.checks import builtin_rules
    from corpus_lint.config import NearDuplicateSettings, Settings
    from corpus_lint.dedup import features_of
    from corpus_lint.document import Document
    from tests.helpers import changed, random_article

    client, _ = cluster
    near = NearDuplicateSettings(keep=("first-path",))
    a = random_article(21)
    texts = {"a.txt": a, "b.txt": changed(a, [100]), "c.txt": changed(a, [300])}
    docs = {}
    for id, (name, text) in enumerate(texts.items()):
        path = tmp_path / name
        path.write_text(text)
        features = features_of(Document.read(path), [], near)
        docs[id] = dask_executor._Doc(id, dask_executor.Source(str(path), name), features)
    alike = dask_executor._Alike(pairs=[(0, 1, 0.95), (1, 2, 0.9)], docs=docs)
    rules = {code: rule for code, rule in builtin_rules().items() if code in ("DUP003", "DUP004")}
    found = dask_executor._clusters(client, alike, rules, near, Settings(root=tmp_path))
    assert [(d.path, d.related[0].path) for d in found] == [("b.txt", "a.txt"), ("c.txt", "a.txt")]
    assert 0.9 < found[1].related[0].similarity < 1  # a~c's exact Jaccard, computed now


def test_repeated_lines_are_the_same_on_dask_as_locally(cli, tmp_path, cluster):
    """BP005: chrome in 50 of 1,000 documents reported in all 50, a quote in 3 in none."""
    _, address = cluster
    chrome, _ = repeated_line_corpus(tmp_path / "corpus")
    local = report(cli, "--no-cache", "--select", "BP005,DUP003", "corpus", cwd=tmp_path)
    on_dask = report(
        cli,
        "--executor",
        "dask",
        "--scheduler",
        address,
        "--select",
        "BP005,DUP003",
        "corpus",
        cwd=tmp_path,
    )
    assert sorted(d["path"] for d in on_dask) == sorted(f"corpus/{p.name}" for p in chrome)
    assert all("stands in 50 documents" in d["message"] for d in on_dask)
    assert on_dask == local
    assert dask_executor.last_stats.partitions > 1  # counted across partitions


def test_per_file_ignores_with_a_folder_match_the_files_of_a_url(cli, tmp_path, cluster):
    # A glob with "/" matched no file of a URL corpus (its paths are URLs, not paths under
    # the configuration folder): it matches the path below the URL given, as `include` does.
    _, address = cluster
    corpus = tmp_path / "corpus"
    for folder in ("drafts", "final"):
        (corpus / folder).mkdir(parents=True)
        (corpus / folder / "a.txt").write_text("No final newline", encoding="utf-8")
    (corpus / "corpus-lint.toml").write_text(
        'select = ["WS002"]\nper-file-ignores = { "drafts/*.txt" = ["WS"] }\n', encoding="utf-8"
    )
    url = corpus.as_uri()
    on_dask = report(cli, "--executor", "dask", "--scheduler", address, url, cwd=corpus)
    local = report(cli, "--no-cache", ".", cwd=corpus)
    assert [d["path"].removeprefix(url + "/") for d in on_dask] == ["final/a.txt"]
    assert [d["path"] for d in local] == ["final/a.txt"]
    # Below the URL of drafts/, its file is a.txt: the glob no longer names it.
    on_dask = report(cli, "--executor", "dask", "--scheduler", address, url + "/drafts",
                     cwd=corpus)  # fmt: skip
    assert [d["path"] for d in on_dask] == [url + "/drafts/a.txt"]
    # A file URL given alone is matched by its name below its folder.
    alone = report(cli, "--executor", "dask", "--scheduler", address, url + "/final/a.txt",
                   "--config", 'per-file-ignores = { "a.txt" = ["WS"] }', cwd=corpus)  # fmt: skip
    assert alone == []

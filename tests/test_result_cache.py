"""The result cache (`corpus_lint.results`): a warm run reads no unchanged file, and gives
exactly what a `--no-cache` run gives, whatever changed in between."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from corpus_lint import document, engine
from corpus_lint.dedup.cache import RESULT_RUNS
from tests.helpers import CLEAN_ARTICLE, PROJECT, SEEDS, changed, random_article

BBC = PROJECT.parent / "shared" / "corpora" / "bbc"
CACHE = Path(".corpus_lint_cache") / "signatures.sqlite3"


def small_corpus(root: Path, files: int = 24) -> Path:
    """Articles with exact and near copies among them, and a few lint findings."""
    folder = root / "c"
    folder.mkdir(parents=True)
    for seed in range(files):
        text = random_article(seed, words=200, source=seed % 3 != 0)
        if seed % 4 == 1:
            text = text.replace("\n\n", "  \n\n", 1)  # WS001, with a safe fix
        folder.joinpath(f"a{seed:03}.txt").write_text(text, encoding="utf-8")
    folder.joinpath("copy.txt").write_text(random_article(2, words=200), encoding="utf-8")
    near = changed(random_article(5, words=200), [3, 60])
    folder.joinpath("near.txt").write_text(near, encoding="utf-8")
    return folder


def outputs(cli, root: Path, *args: str) -> tuple[str, str]:
    """(cached, uncached) output of the same check: JSON and the text summary."""
    cached = [cli("check", *args, cwd=root) for args in _formats(args)]
    uncached = [cli("check", "--no-cache", *args, cwd=root) for args in _formats(args)]
    return [(r.code, r.out, r.err) for r in cached], [(r.code, r.out, r.err) for r in uncached]


def _formats(args: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [("--output-format", "json", *args), ("--statistics", *args)]


def counting_reads(monkeypatch) -> list[str]:
    """The paths that `Document.read` reads from now on (in this process: under 200 files,
    a run starts no worker processes)."""
    read: list[str] = []
    real = document.Document.read.__func__

    def counted(cls, path, display_path=None, **options):
        read.append(os.path.basename(path))
        return real(cls, path, display_path, **options)

    monkeypatch.setattr(document.Document, "read", classmethod(counted))
    return read


def test_a_warm_run_reads_no_unchanged_file_and_reports_the_same(cli, tmp_path, monkeypatch):
    small_corpus(tmp_path)
    cold = cli("check", "--output-format", "json", "c", cwd=tmp_path)
    assert {"DUP003", "DUP004", "WS001", "SRC001"} <= {d["code"] for d in cold.json()}
    read = counting_reads(monkeypatch)
    warm = cli("check", "--output-format", "json", "c", cwd=tmp_path)
    assert (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)
    assert read == []  # not even the near copies: their similarity is cached
    path = tmp_path / "c" / "a007.txt"
    path.write_text(path.read_text(encoding="utf-8") + "New last line  \n", encoding="utf-8")
    one_changed = cli("check", "--output-format", "json", "c", cwd=tmp_path)
    assert read == ["a007.txt"]
    uncached = cli("check", "--no-cache", "--output-format", "json", "c", cwd=tmp_path)
    assert one_changed.out == uncached.out


def test_a_file_edited_in_place_with_its_size_and_mtime_set_back_is_read_again(cli, tmp_path):
    folder = small_corpus(tmp_path, files=4)
    path = folder / "a002.txt"
    cli("check", "--select", "WS001", "c", cwd=tmp_path)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("number 2\n", "number 2  \n", 1)[:-3] + "\n")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    run = cli("check", "--select", "WS001", "--output-format", "json", "c", cwd=tmp_path)
    assert {(d["path"], d["line"]) for d in run.json()} >= {("c/a002.txt", 1)}


@pytest.mark.parametrize("small_writes", [False, True])
def test_edits_renames_deletions_config_and_pack_changes_give_the_uncached_result(
    cli, tmp_path, monkeypatch, small_writes
):
    """The property: after any sequence of changes, cached and uncached runs agree byte for
    byte, in JSON and in the text summary (whose fix counts are cached too), the corpus
    stage's stored findings included (stored here for this small corpus too). With
    `small_writes`, results are written a few at a time while the files are read, and the
    workers leave the features of contents the signature cache holds to the corpus stage
    (as in a run over 1,000 files or more), whose results are written after it."""
    from corpus_lint.dedup import corpus as corpus_stage
    from corpus_lint.results import ResultCache

    monkeypatch.setattr(corpus_stage, "MIN_FILES_TO_STORE_FINDINGS", 0)
    monkeypatch.setattr(engine, "MIN_FILES_TO_REMEMBER", 0)  # and whole runs' output
    if small_writes:
        monkeypatch.setattr(ResultCache, "WRITE_ROWS", 3)
        monkeypatch.setattr(engine, "MIN_FILES_FOR_CACHED_FEATURES", 1)
    folder = small_corpus(tmp_path)
    pack = tmp_path / "extra.toml"
    pack.write_text(_pack("Daily Ledger"), encoding="utf-8")
    config = tmp_path / "corpus-lint.toml"
    config.write_text('corpus = ["c"]\nrule-packs = ["extra.toml"]\n', encoding="utf-8")
    rng = random.Random(19)

    def edit() -> None:
        path = rng.choice(sorted(folder.iterdir()))
        path.write_text(path.read_text(encoding="utf-8") + rng.choice(["x  \n", "\n\n\n", "y"]))

    def rename() -> None:
        path = rng.choice(sorted(folder.iterdir()))
        path.rename(folder / f"renamed{rng.randrange(10**6)}.txt")

    def delete() -> None:
        rng.choice(sorted(folder.iterdir())).unlink()

    def copy() -> None:  # a new exact duplicate of a file the cache holds
        path = rng.choice(sorted(folder.iterdir()))
        shutil.copy(path, folder / f"copy{rng.randrange(10**6)}.txt")

    def configure() -> None:
        lines = ['corpus = ["c"]', 'rule-packs = ["extra.toml"]']
        lines += rng.choice(
            [[], ['ignore = ["SRC001"]'], ['select = ["WS", "DUP", "X"]'], ["[per-file-ignores]"]]
        )
        if lines[-1] == "[per-file-ignores]":
            lines.append('"c/a00*.txt" = ["WS001"]')
        lines.append(f"[near-duplicate]\nshingle-size = {rng.choice([4, 5])}")
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def change_pack() -> None:
        pack.write_text(_pack(rng.choice(["Daily Ledger", "Title number"])), encoding="utf-8")

    cached, uncached = outputs(cli, tmp_path)
    assert cached == uncached
    for step in range(10):
        rng.choice([edit, edit, rename, delete, copy, configure, change_pack])()
        cached, uncached = outputs(cli, tmp_path)
        assert cached == uncached, f"step {step}"
        assert cached == outputs(cli, tmp_path)[0], f"step {step}, warm"
        monkeypatch.setattr(engine, "MIN_FILES_TO_REMEMBER", 10**9)  # the stage's own alone
        warm = cli("check", "--output-format", "json", cwd=tmp_path)
        assert (warm.code, warm.out, warm.err) == cached[0], f"step {step}, warm json"
        assert corpus_stage.last_stats.reused, f"step {step}"  # from the stored findings
        monkeypatch.setattr(engine, "MIN_FILES_TO_REMEMBER", 0)


def _pack(phrase: str) -> str:
    return (
        '[[rules]]\ncode = "X001"\nname = "ledger-line"\nmessage = "a ledger line"\n'
        f'pattern = "{phrase}"\n'
    )


def test_a_fix_run_fixes_files_whose_results_are_cached_and_the_next_run_sees_the_fix(
    cli, tmp_path
):
    small_corpus(tmp_path, files=8)
    before = cli("check", "--select", "WS001", "--output-format", "json", "c", cwd=tmp_path)
    assert {d["path"] for d in before.json()} == {"c/a001.txt", "c/a005.txt"}
    fixed = cli("check", "--select", "WS001", "--fix", "c", cwd=tmp_path)
    assert fixed.code == 0, fixed.out
    assert "  \n" not in (tmp_path / "c" / "a001.txt").read_text(encoding="utf-8")
    after = cli("check", "--select", "WS001", "--output-format", "json", "c", cwd=tmp_path)
    assert (after.code, after.json()) == (0, [])


def test_seeds_warm_and_uncached_are_byte_identical(cli, seeds_copy):
    cached, uncached = outputs(cli, seeds_copy.parent, "seeds")
    assert cached == uncached
    assert outputs(cli, seeds_copy.parent, "seeds")[0] == uncached


@pytest.mark.slow
@pytest.mark.skipif(not BBC.is_dir(), reason=f"the BBC corpus is not at {BBC}")
def test_bbc_warm_and_uncached_json_are_byte_identical(cli, tmp_path):
    def run(*args: str) -> str:
        done = cli("check", "--output-format", "json", *args, str(BBC), cwd=tmp_path)
        assert done.code == 1, done.err
        return done.out

    uncached = run("--no-cache")
    assert run() == uncached  # cold: fills the cache
    assert run() == uncached  # warm


def test_rows_of_deleted_files_are_pruned_and_only_the_last_run_keys_are_kept(cli, tmp_path):
    folder = small_corpus(tmp_path, files=6)
    cli("check", "c", cwd=tmp_path)
    assert _rows(tmp_path) == 8
    (folder / "a003.txt").unlink()
    cli("check", "c", cwd=tmp_path)
    assert _rows(tmp_path) == 7
    with sqlite3.connect(tmp_path / CACHE) as db:
        gone = os.fsencode(str((folder / "a003.txt").resolve()))
        assert db.execute("SELECT count(*) FROM files WHERE path = ?", (gone,)).fetchone() == (0,)
    for code in ["WS001", "WS002", "WS003", "WS004", "WS005"]:  # five configurations in turn
        cli("check", "--select", code, "c", cwd=tmp_path)
    with sqlite3.connect(tmp_path / CACHE) as db:
        runs = db.execute("SELECT count(DISTINCT run) FROM results").fetchone()[0]
    assert runs == RESULT_RUNS
    assert _rows(tmp_path) == 7 * RESULT_RUNS


def test_results_are_written_while_the_files_are_read_not_kept_for_the_end(
    cli, tmp_path, monkeypatch
):
    """A first run over many files holds no plain copy of every result until the corpus
    stage is over: each WRITE_ROWS results are written as they are read."""
    from corpus_lint.results import ResultCache

    monkeypatch.setattr(ResultCache, "WRITE_ROWS", 4)
    small_corpus(tmp_path, files=10)  # 12 files
    at_store: list[tuple[int, int, int]] = []
    real_store = ResultCache.store

    def store(self, features):
        at_store.append((_rows(tmp_path), len(self.ready), len(self.pending)))
        return real_store(self, features)

    monkeypatch.setattr(ResultCache, "store", store)
    cold = cli("check", "--output-format", "json", "c", cwd=tmp_path)
    assert at_store == [(12, 0, 0)]  # three writes of four, nothing left for the end
    read = counting_reads(monkeypatch)
    warm = cli("check", "--output-format", "json", "c", cwd=tmp_path)
    assert (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)
    assert read == []


def test_a_write_that_fails_while_the_files_are_read_is_a_warning_not_an_error(
    cli, tmp_path, monkeypatch
):
    from corpus_lint.dedup.cache import SignatureCache
    from corpus_lint.results import ResultCache

    monkeypatch.setattr(ResultCache, "WRITE_ROWS", 4)
    small_corpus(tmp_path, files=10)
    expected = cli("check", "--no-cache", "--output-format", "json", "c", cwd=tmp_path)
    calls = []
    real = SignatureCache.store_results

    def locked(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise sqlite3.OperationalError("database is locked")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SignatureCache, "store_results", locked)
    run = cli("check", "--output-format", "json", "c", cwd=tmp_path)
    assert (run.code, run.out) == (expected.code, expected.out)
    assert "database is locked" in run.err and "results not cached" in run.err
    assert len(calls) == 2  # no write after the one that failed
    assert _rows(tmp_path) == 4  # the first write's
    monkeypatch.setattr(SignatureCache, "store_results", real)
    read = counting_reads(monkeypatch)
    again = cli("check", "--output-format", "json", "c", cwd=tmp_path)
    assert (again.code, again.out, again.err) == (expected.code, expected.out, expected.err)
    assert len(read) == 8  # those not written


def test_a_run_key_written_before_drops_no_results_and_scans_none(tmp_path):
    """Two configurations used in turn: the key of each moves to the front of the kept keys,
    and no run but one with a new key pays the scan that drops other keys' results (0.4 s at
    100,000 files, each run)."""
    from corpus_lint.dedup.cache import SignatureCache

    cache = SignatureCache.open(tmp_path / "cache", 0, [])
    deletes: list[str] = []
    cache.db.set_trace_callback(
        lambda sql: deletes.append(sql) if sql.startswith("DELETE FROM results") else None
    )
    row = (b"/c/a.txt", 1, 2, b"data")
    for run in range(1, RESULT_RUNS + 2):  # one key too many: the first one's results go
        cache.store_results(run, [row])
    assert len(deletes) == RESULT_RUNS + 1
    kept = {r for (r,) in cache.db.execute("SELECT DISTINCT run FROM results")}
    assert kept == set(range(2, RESULT_RUNS + 2))
    deletes.clear()
    for run in (2, RESULT_RUNS + 1, 2, 3):  # keys written before, in turn
        cache.store_results(run, [row])
    assert deletes == []
    assert {r for (r,) in cache.db.execute("SELECT DISTINCT run FROM results")} == kept
    cache.store_results(RESULT_RUNS + 2, [row])  # a new one drops the least recent: 4
    assert {r for (r,) in cache.db.execute("SELECT DISTINCT run FROM results")} == (kept - {4}) | {
        RESULT_RUNS + 2
    }
    cache.close()


def _rows(root: Path) -> int:
    with sqlite3.connect(root / CACHE) as db:
        return db.execute("SELECT count(*) FROM results").fetchone()[0]


def test_a_row_that_does_not_decode_is_read_again_not_trusted(cli, tmp_path):
    (tmp_path / "a.txt").write_text(CLEAN_ARTICLE + "Trailing  \n", encoding="utf-8")
    first = cli("check", "--output-format", "json", "a.txt", cwd=tmp_path)
    with sqlite3.connect(tmp_path / CACHE) as db:
        db.execute("UPDATE results SET data = x'00ff'")
    again = cli("check", "--output-format", "json", "a.txt", cwd=tmp_path)
    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)


def test_two_runs_at_once_over_a_cold_cache_both_report_the_uncached_result(tmp_path):
    small_corpus(tmp_path, files=40)
    command = [sys.executable, "-m", "corpus_lint", "check", "--output-format", "json", "c"]
    expected = subprocess.run([*command, "--no-cache"], cwd=tmp_path, capture_output=True)
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE) for _ in range(2)]
    assert [run.communicate(timeout=120)[0] for run in runs] == [expected.stdout] * 2
    again = subprocess.run(command, cwd=tmp_path, capture_output=True)
    assert again.stdout == expected.stdout


def test_the_seeds_are_cached_under_a_key_of_their_rules_not_reread(cli, seeds_copy, monkeypatch):
    """A run that selects other rules has its own key: its results are never another's."""
    root = seeds_copy.parent
    ws = cli("check", "--select", "WS001", "--output-format", "json", "seeds", cwd=root)
    every = cli("check", "--output-format", "json", "seeds", cwd=root)
    read = counting_reads(monkeypatch)
    assert cli("check", "--select", "WS001", "--output-format", "json", "seeds", cwd=root) == ws
    assert cli("check", "--output-format", "json", "seeds", cwd=root) == every
    assert read == []
    assert len(list(SEEDS.glob("*.txt"))) == len(list(seeds_copy.glob("*.txt")))


@pytest.mark.parametrize(
    "path", ["a.txt", "c/a.txt", "/a.txt", "/x/y/a b.txt", "./a.txt", "../c/a.txt", "c/.a"]
)
def test_split_path_is_os_path_split(path):
    from corpus_lint.results import split_path

    assert split_path(path) == os.path.split(path)


def test_a_text_run_after_a_json_run_reads_nothing_and_counts_the_same_fixes(
    cli, tmp_path, monkeypatch
):
    small_corpus(tmp_path, files=8)
    cli("check", "--output-format", "json", "c", cwd=tmp_path)  # shows no fix counts
    read = counting_reads(monkeypatch)
    text = cli("check", "c", cwd=tmp_path)
    assert read == []
    assert "fixable with `--fix`" in text.out
    assert text.out == cli("check", "--no-cache", "c", cwd=tmp_path).out


def test_an_edited_module_of_corpus_lint_is_a_new_run_key(tmp_path):
    """The version alone keys the cache of a released install; an editable checkout whose
    code changed must not reuse results the old code found."""
    import os

    from corpus_lint.results import _code_stamp

    (tmp_path / "checks").mkdir()
    module = tmp_path / "checks" / "rule.py"
    module.write_text("X = 1\n")
    (tmp_path / "notes.txt").write_text("not code")
    before = _code_stamp(tmp_path)
    assert _code_stamp(tmp_path) == before
    (tmp_path / "notes.txt").write_text("not code, edited")
    assert _code_stamp(tmp_path) == before
    os.utime(module, ns=(1, 1))
    assert _code_stamp(tmp_path) != before


def test_the_corpus_stage_findings_are_reused_only_while_every_file_is_the_same(
    cli, tmp_path, monkeypatch
):
    """The corpus stage's findings are stored under a hash of its files (`results.stage_key`):
    a warm run over the same files reuses them, and anything that can change them (an edit
    that makes a new copy, a rename, a deletion, a touched file, the threshold, the working
    directory, an unrelated corpus file in a changed-files run) is a run of its own that
    gives the uncached result."""
    from corpus_lint.dedup import corpus as corpus_stage

    monkeypatch.setattr(corpus_stage, "MIN_FILES_TO_STORE_FINDINGS", 0)  # a small corpus
    folder = small_corpus(tmp_path)
    config = tmp_path / "corpus-lint.toml"
    config.write_text('corpus = ["c"]\n', encoding="utf-8")

    def agree(*args: str, reused: bool | None, cwd: Path = tmp_path) -> list[dict]:
        uncached = cli("check", "--no-cache", "--output-format", "json", *args, cwd=cwd)
        cached = cli("check", "--output-format", "json", *args, cwd=cwd)
        assert reused is None or corpus_stage.last_stats.reused is reused
        assert (cached.code, cached.out, cached.err) == (uncached.code, uncached.out, uncached.err)
        return cached.json()

    agree("c", reused=False)  # cold
    warm = agree("c", reused=True)
    assert {"DUP003", "DUP004"} <= {d["code"] for d in warm}
    assert corpus_stage.last_stats.clusters > 0  # the stored run's counts
    shutil.copy(folder / "a010.txt", folder / "a011.txt")  # an edit that makes a new copy
    assert ("c/a011.txt", "DUP003") in {(d["path"], d["code"]) for d in agree("c", reused=False)}
    agree("c", reused=True)
    (folder / "a011.txt").rename(folder / "b011.txt")
    agree("c", reused=False)
    (folder / "b011.txt").unlink()
    assert agree("c", reused=False) == warm
    os.utime(folder / "a003.txt")  # read again, the same content: the same findings
    agree("c", reused=True)
    config.write_text('corpus = ["c"]\n[near-duplicate]\nthreshold = 0.95\n', encoding="utf-8")
    agree("c", reused=False)
    config.write_text('corpus = ["c"]\n', encoding="utf-8")
    agree("c", reused=True)  # the earlier run's row is still kept
    agree("a002.txt", "--config", str(config), reused=False, cwd=folder)  # other paths shown
    # A changed-files run: its findings depend on every corpus file, not only the one named.
    agree("c/a002.txt", reused=False)
    agree("c/a002.txt", reused=True)
    shutil.copy(folder / "a002.txt", folder / "a020.txt")  # an unrelated file, now a copy
    found = agree("c/a002.txt", reused=False)
    assert any("c/a020.txt" in str(d) for d in found if d["code"] == "DUP003")
    agree("c/a002.txt", reused=None)  # the new file is now trusted from the cache, not read
    agree("c/a002.txt", reused=True)
    (folder / "a020.txt").unlink()  # a corpus file gone, not one the stage holds
    found = agree("c/a002.txt", reused=False)
    assert not any("c/a020.txt" in str(d) for d in found)
    with sqlite3.connect(tmp_path / CACHE) as db:
        assert db.execute("SELECT count(*) FROM stages").fetchone() == (2 * RESULT_RUNS,)


def test_the_findings_of_a_stage_over_few_files_are_not_stored(cli, tmp_path):
    from corpus_lint.dedup import corpus as corpus_stage

    small_corpus(tmp_path)
    for _ in range(2):
        cli("check", "--output-format", "json", "c", cwd=tmp_path)
        assert corpus_stage.last_stats.reused is False
    with sqlite3.connect(tmp_path / CACHE) as db:
        assert db.execute("SELECT count(*) FROM stages").fetchone() == (0,)


def test_stored_stage_findings_that_do_not_decode_are_formed_again(cli, tmp_path, monkeypatch):
    from corpus_lint.dedup import corpus as corpus_stage

    monkeypatch.setattr(corpus_stage, "MIN_FILES_TO_STORE_FINDINGS", 0)
    small_corpus(tmp_path)
    first = cli("check", "--output-format", "json", "c", cwd=tmp_path)
    with sqlite3.connect(tmp_path / CACHE) as db:
        assert db.execute("UPDATE stages SET data = x'00ff'").rowcount == 1
    again = cli("check", "--output-format", "json", "c", cwd=tmp_path)
    assert corpus_stage.last_stats.reused is False
    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)
    cli("check", "--output-format", "json", "c", cwd=tmp_path)
    assert corpus_stage.last_stats.reused is True  # stored again by the run before


def test_a_whole_run_is_remembered_only_while_every_target_and_setting_is_the_same(
    cli, tmp_path, monkeypatch
):
    """A run over targets (no other corpus walked) stores its output under a hash of the run
    key, the working directory, what it counts, and every target's path and identity
    (`ResultCache.run_digest`): a run over exactly the same files shows it without reading a
    row; a touched, edited, new or deleted file, another format or working directory does not."""
    from corpus_lint.results import ResultCache

    monkeypatch.setattr(engine, "MIN_FILES_TO_REMEMBER", 0)
    fetched: list[int] = []
    fetch = ResultCache.fetch

    def counted(self):
        fetched.append(1)
        return fetch(self)

    monkeypatch.setattr(ResultCache, "fetch", counted)
    folder = small_corpus(tmp_path)

    def agree(*args: str, remembered: bool, cwd: Path = tmp_path) -> None:
        uncached = cli("check", "--no-cache", *args, cwd=cwd)
        fetched.clear()
        cached = cli("check", *args, cwd=cwd)
        assert (cached.code, cached.out, cached.err) == (uncached.code, uncached.out, uncached.err)
        assert fetched == ([] if remembered else [1])

    json = ("--output-format", "json")
    agree(*json, "c", remembered=False)
    agree(*json, "c", remembered=True)
    agree("--statistics", "c", remembered=False)  # counts what JSON does not: its own
    agree("--statistics", "c", remembered=True)
    agree(*json, "a001.txt", "a002.txt", remembered=False, cwd=folder)  # other targets
    os.utime(folder / "a003.txt")
    agree(*json, "c", remembered=False)
    agree(*json, "c", remembered=True)
    shutil.copy(folder / "a004.txt", folder / "a005.txt")  # an edit: a new copy
    agree(*json, "c", remembered=False)
    (folder / "a006.txt").unlink()
    agree(*json, "c", remembered=False)
    (tmp_path / "corpus-lint.toml").write_text('ignore = ["SRC001"]\n', encoding="utf-8")
    agree(*json, "c", remembered=False)
    (folder / "a007.txt").write_bytes(b"\x00binary")  # skipped with a warning: not stored
    agree(*json, "c", remembered=False)
    agree(*json, "c", remembered=False)


@pytest.mark.parametrize(
    "left_out",
    ['exclude = ["001.txt"]', 'include = ["00[2-5].txt", "copy.txt"]'],
    ids=["exclude", "include"],
)
def test_a_file_the_configuration_leaves_out_now_is_no_corpus_file_for_a_changed_file(
    cli, tmp_path, left_out
):
    # Found by a review: once the whole corpus was checked with a file excluded, a pre-commit
    # run of a copy of it still found it in the cache (its `files` row outlives the change)
    # and reported DUP003 against it: the commit blocked by a file out of the corpus.
    folder = tmp_path / "art"
    folder.mkdir()
    for number in range(1, 6):
        text = random_article(number, words=200)
        folder.joinpath(f"00{number}.txt").write_text(text, encoding="utf-8")
    shutil.copy(folder / "001.txt", folder / "copy.txt")
    config = tmp_path / "corpus-lint.toml"
    config.write_text('corpus = ["art"]\nselect = ["DUP"]\n')
    assert cli("check", "--no-progress", cwd=tmp_path).code == 1  # fills the cache
    config.write_text(f'corpus = ["art"]\nselect = ["DUP"]\n{left_out}\n')
    assert cli("check", "--no-progress", cwd=tmp_path).code == 0  # the folder's new digest
    cached = cli("check", "--output-format", "json", "art/copy.txt", cwd=tmp_path)
    uncached = cli("check", "--no-cache", "--output-format", "json", "art/copy.txt", cwd=tmp_path)
    assert (cached.code, cached.out) == (uncached.code, uncached.out) == (0, "[]\n")


def test_findings_damaged_inside_a_sound_cache_are_read_again(cli, tmp_path):
    # Found by a review: a byte changed inside a stored result that still decoded was
    # reported as it read ("the document CANNOT be traced"), by every later run.
    folder = small_corpus(tmp_path)
    assert cli("check", "--no-progress", "-q", cwd=folder.parent).code == 1
    database = folder.parent / CACHE
    raw = database.read_bytes()
    at = raw.find(b"cannot be traced")
    assert at > 0
    with open(database, "r+b") as file:
        file.seek(at)
        file.write(b"CANNOT")
    cached, uncached = outputs(cli, folder.parent)
    assert cached == uncached
    assert "CANNOT" not in cached[0][1]

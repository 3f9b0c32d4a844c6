"""What the run keeps in memory, kept compactly: the per-document findings packed until the
report (`engine.PackedFindings`), the same findings in the same order once unpacked."""

from __future__ import annotations

import contextlib
import io
import json

from corpus_lint.rule import SAFE, Diagnostic, Edit, Fix, Related


def _findings(count: int) -> list[Diagnostic]:
    odd = 'quote " é \U0001f600 \udcff lone surrogate'
    found = []
    for i in range(count):
        fix = (
            Fix((Edit(i, i + 2, odd), Edit(i + 5, i + 6, "")), SAFE, f"fix {i}") if i % 3 else None
        )
        related = (
            (Related(f"p{i % 7}.txt", 4, 0.8125), Related(f"p{i % 5}.txt", 1)) if i % 4 else ()
        )
        found.append(
            Diagnostic(
                "DUP004" if i % 4 else "TXT001",
                "name",
                f"{odd} {i}",
                "warning",
                f"p{i % 7}.txt",  # a related path equal to its own, others not
                i,
                1,
                i,
                2**40 if i == 5 else 3,
                fix,
                related,
                snippet=odd if i % 2 else "",
                cluster="0a0b0c0d" if i % 4 else None,
            )
        )
    return found


def test_packed_findings_are_packed_a_block_at_a_time_and_unpacked_equal_and_in_order():
    from corpus_lint.engine import PackedFindings

    findings = _findings(2 * PackedFindings.BLOCK + 17)
    packed = PackedFindings()
    for start in range(0, len(findings), 9):  # a file's findings at a time
        packed.extend(findings[start : start + 9])
    assert len(packed.blocks) == 2 and len(packed.pending) < PackedFindings.BLOCK
    unpacked = packed.unpacked()
    assert unpacked == findings  # equal fields, fixes and related ones, in order
    assert [(d.snippet, d.cluster) for d in unpacked] == [(d.snippet, d.cluster) for d in findings]


def test_a_check_with_more_findings_than_a_block_reports_them_all_sorted(tmp_path, monkeypatch):
    """Through the CLI: the findings of files read by the workers, packed in blocks of two,
    reach the report sorted, as a run that packs none reports them."""
    from corpus_lint import engine
    from corpus_lint.cli import main

    for i in range(450):  # enough files for worker processes
        (tmp_path / f"{i:03}.txt").write_text(f"A title {i} \n\nA sentence. \n\nSource: Reuters\n")

    def report() -> list:
        stdout = io.StringIO()
        args = ["check", "--no-cache", "--no-progress", "--output-format", "json", str(tmp_path)]
        with contextlib.redirect_stdout(stdout):
            main(args)
        return json.loads(stdout.getvalue())

    monkeypatch.setattr(engine.PackedFindings, "BLOCK", 1 << 30)  # never packed
    whole = report()
    monkeypatch.setattr(engine.PackedFindings, "BLOCK", 2)
    assert report() == whole
    assert len(whole) >= 900  # two WS001 a file at least
    assert whole == sorted(whole, key=lambda d: (d["path"], d["line"], d["column"], d["code"]))


def test_the_items_to_read_are_names_and_each_result_keeps_its_name(tmp_path):
    """The engine gives the reader the walk's names (strings), not a `Path` a file held for
    the whole analysis (32 MB at 100,000 files): in worker processes and in this one, each
    result comes back under the name it was given, read like a `Path`."""
    from corpus_lint.analysis import Job, Options, analyze_all
    from corpus_lint.checks import builtin_rules
    from corpus_lint.packs import load_packs
    from corpus_lint.progress import Progress
    from corpus_lint.rule import Context

    names = []
    for i in range(400):  # enough files for two worker processes
        (tmp_path / f"{i:03}.txt").write_text(f"A title {i} \n\nA sentence.\n\nSource: Reuters\n")
        names.append(str(tmp_path / f"{i:03}.txt"))
    rules = tuple(r for r in builtin_rules().values() if r.code == "WS001")
    job = Job(rules, Context(load_packs([], builtin_rules())), None)
    for jobs in (2, 1):
        items = [(name, True) for name in names]
        results = list(analyze_all(items, job, Options(jobs=jobs), Progress("", 0, False)))
        assert [r.path for r in results] == names  # the same strings, in order
        assert all(isinstance(r.path, str) for r in results)
        # Each file read: its finding as an object, or packed by a worker (`analysis.sent`).
        assert [len(r.diagnostics) + len(r.packed) for r in results] == [1] * len(names)


def test_the_engine_sends_the_walks_names_to_be_read_not_paths(tmp_path, monkeypatch):
    """A check over a folder gives the reader the walk's strings: the engine made a `Path`
    of every target before, held until the last file was read."""
    from corpus_lint import engine
    from corpus_lint.cli import main

    for i in range(3):
        (tmp_path / f"{i}.txt").write_text("A title\n\nA sentence.\n\nSource: Reuters\n")
    given = []
    read = engine.analyze_all

    def recorded(items, *args):
        given.extend(path for path, _ in items)
        return read(items, *args)

    monkeypatch.setattr(engine, "analyze_all", recorded)
    with contextlib.redirect_stdout(io.StringIO()):
        assert (
            main(["check", "--no-cache", "--exit-zero", "--output-format", "json", str(tmp_path)])
            == 0
        )
    assert len(given) == 3 and all(type(path) is str for path in given)


def test_a_stage_without_a_cache_keeps_no_key_or_content_a_file(tmp_path, monkeypatch):
    """Without a cache, once the entries are sorted nothing looks a file up by its key: the
    stage drops its dict of keys, each entry keeps its folder's key (shared) and reads its
    content hash from its table row; the keys made when asked for are the absolute paths,
    and the duplicates are found as before."""
    import os

    from corpus_lint.cli import main
    from corpus_lint.dedup import corpus

    text = "A title\n\n" + " ".join(f"word{i}" for i in range(80)) + ".\n\nSource: Reuters\n"
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(text)
    (tmp_path / "other.txt").write_text("Another\n\nNothing alike at all here.\n")
    seen = []
    near = corpus._Stage._near_duplicates

    def recorded(stage, groups):
        seen.append(
            (
                stage.by_key,
                {e.key for e in stage.entries},
                [(e._key, e._content) for e in stage.entries],
            )
        )
        return near(stage, groups)

    monkeypatch.setattr(corpus._Stage, "_near_duplicates", recorded)
    monkeypatch.chdir(tmp_path)  # no configured corpus: the targets are the corpus
    out = io.StringIO()
    argv = ["check", "--no-cache", "--exit-zero", "--select", "DUP003,DUP004"]
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--output-format", "json", "."]) == 0
    [(by_key, keys, held)] = seen
    assert by_key is None
    folder = os.path.join(os.path.realpath(tmp_path), "")
    assert keys == {folder + name for name in ("0.txt", "1.txt", "2.txt", "other.txt")}
    assert all(key == folder and content is None for key, content in held)
    found = json.loads(out.getvalue())
    assert sorted((d["code"], d["path"]) for d in found) == [
        ("DUP003", "1.txt"),
        ("DUP003", "2.txt"),
    ]


def test_a_stage_over_many_files_hands_freed_memory_back_between_its_steps(tmp_path, monkeypatch):
    """Between the corpus stage's steps, a stage over TRIM_FILES files or more hands the memory
    its last step freed back to the system (glibc's malloc_trim, found on Linux); a smaller
    one does not, and gives the same findings."""
    import sys

    from corpus_lint.cli import main
    from corpus_lint.dedup import corpus

    text = "A title\n\n" + " ".join(f"word{i}" for i in range(80)) + ".\n\nSource: Reuters\n"
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(text)
    calls = []
    monkeypatch.setattr(corpus, "release_freed_memory", lambda: calls.append(1))
    monkeypatch.chdir(tmp_path)
    reports = []
    for files in (4, 3):  # the corpus holds 3 files
        monkeypatch.setattr(corpus, "TRIM_FILES", files)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["check", "--no-cache", "--output-format", "json", "."]) == 1
        reports.append(out.getvalue())
        # Before the steps: DUP003, DUP004 (and after its band keys), the clusters, BP005;
        # then once the stage's feature table is released.
        assert len(calls) == (0 if files == 4 else 6)
    assert reports[0] == reports[1] and '"DUP003"' in reports[0]
    if sys.platform.startswith("linux"):
        assert corpus._malloc_trim() is not None


def test_a_stage_over_its_targets_alone_without_a_cache_makes_an_entry_only_when_compared(
    tmp_path, monkeypatch
):
    """Without a cache, fixes or a corpus besides the targets, the stage's entries are the
    feature table's rows from the start: an `Entry` (and its key) is made only for a file a
    step compares or reports, not one a file to be dropped later (its freed heap stayed,
    13 MB of a cold run's peak at 100,000 files). The findings are the cached run's."""
    from corpus_lint.cli import main
    from corpus_lint.dedup import corpus

    text = "A title\n\n" + " ".join(f"word{i}" for i in range(80)) + ".\n\nSource: Reuters\n"
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(text)
    for i in range(40):
        body = " ".join(f"other{i}x{j}" for j in range(60))
        (tmp_path / f"z{i:02}.txt").write_text(f"Title {i}\n\n{body}.\n\nSource: Reuters\n")
    made = []
    init = corpus.Entry.__init__

    def counted(entry, *args, **kwargs):
        made.append(args[1])
        init(entry, *args, **kwargs)

    monkeypatch.setattr(corpus.Entry, "__init__", counted)
    monkeypatch.chdir(tmp_path)
    reports = []
    for cache in (["--no-cache"], []):
        made.clear()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["check", *cache, "--exit-zero", "--output-format", "json", "."]) == 0
        reports.append(out.getvalue())
        if cache:
            assert set(made) <= {"0.txt", "1.txt", "2.txt"}, made
    assert len(made) >= 43  # with a cache, an entry a file
    assert reports[0] == reports[1] and '"DUP003"' in reports[0]


def test_sorted_slots_sort_the_keys_and_are_none_when_they_are_in_order():
    import random

    from corpus_lint.dedup.corpus import _sorted_slots

    rng = random.Random(5)
    for size in (0, 1, 2, 7, 50):
        keys = [rng.choice(["a/b", "a", "b", "a/c", "ab", "é", "a b"]) for _ in range(size)]
        slots = _sorted_slots(keys)
        if keys == sorted(keys):
            assert slots is None
        else:
            assert sorted(slots.tolist()) == list(range(size))
            assert [keys[i] for i in slots] == sorted(keys)


def test_a_file_named_twice_is_one_file_of_the_stage_without_a_cache(tmp_path, monkeypatch):
    """A folder or file given by a relative and by an absolute name: one file, compared with
    no copy of itself, with or without a cache (the entries made as columns took the two
    names for two files, each reported a DUP003 of the other)."""
    from corpus_lint.cli import main

    (tmp_path / "d").mkdir()
    for i in range(3):
        (tmp_path / "d" / f"f{i}.txt").write_text(f"Title {i}\n\nWords {i} of a text.\n")
    monkeypatch.chdir(tmp_path)
    for targets in (["d", str(tmp_path / "d")], ["d/f1.txt", str(tmp_path / "d" / "f1.txt")]):
        for cache in (["--no-cache"], []):
            out = io.StringIO()
            argv = ["check", *cache, "--select", "DUP003,DUP004", "--output-format", "json"]
            with contextlib.redirect_stdout(out):
                assert main([*argv, *targets]) == 0, (targets, cache)
            assert json.loads(out.getvalue()) == []


def test_distinct_files_are_told_by_names_all_relative_or_all_absolute_and_normal():
    from corpus_lint.dedup.corpus import _distinct_files

    assert _distinct_files(["a/b.txt", "a/c.txt", "b.txt"])
    assert _distinct_files(["/x/a/b.txt", "/x/b.txt"])
    assert _distinct_files([])
    for names in (
        ["a/b.txt", "/x/a/b.txt"],  # one relative, one absolute
        ["a/b.txt", "a//b.txt"],
        ["a/b.txt", "./a/b.txt"],
        ["a/b.txt", "a/./b.txt"],
        ["a/b.txt", "c/../a/b.txt"],
        ["/x/a/b.txt", "/x/c/../a/b.txt"],
        ["a/b.txt", "a/b.txt/"],
    ):
        assert not _distinct_files(names), names


def test_a_results_plain_values_are_the_same_from_its_findings_or_its_packed_rows():
    """The result cache stores a worker's packed findings as they came (no Diagnostic made
    again), equal to what it stores of the same findings as objects; a row of another path
    than the file's shown one is made plain under it, as an object would be."""
    from corpus_lint.analysis import FileResult
    from corpus_lint.results import packed, plain

    findings = _findings(40)  # their paths p0.txt .. p6.txt, related ones among them
    for shown in ("p3.txt", "elsewhere.txt"):
        as_objects = plain(FileResult("x", diagnostics=findings), shown, True)
        as_rows = plain(FileResult("x", packed=packed(findings)), shown, True)
        assert as_rows == as_objects


def test_a_results_findings_are_its_objects_or_its_packed_rows_made_objects():
    from corpus_lint.analysis import FileResult
    from corpus_lint.results import packed

    findings = _findings(12)
    assert FileResult("x", diagnostics=findings).findings == findings
    assert FileResult("x", packed=packed(findings)).findings == findings
    assert FileResult("x").findings == []

"""What a run holds per file, kept small (issue #19): the check's targets are names
(strings) from the walk, not Paths, each shown exactly as its Path was; findings are slotted."""

from __future__ import annotations

import os
import pickle
import random
from pathlib import Path

import pytest

from corpus_lint.files import _normal_prefix
from corpus_lint.rule import SAFE, Diagnostic, Edit, Fix, Related
from tests.helpers import CLEAN_ARTICLE


def test_a_walked_name_is_normal_as_its_path_prints():
    # A walked folder's prefix and an entry's name (never "", "." or "..", no separator).
    parts = [".", "..", "a", "b.txt", "", "/"]
    rng = random.Random(19)
    folders = ["./x", "a//b", "a/./b", "//x/y", "///a", "/", ".", "a/b/", "//", "./"]
    folders += ["/".join(rng.choice(parts) for _ in range(rng.randint(1, 5))) for _ in range(500)]
    for folder in [f for f in folders if f]:
        for name in ("a.txt", ".hidden.txt", "..b.txt"):
            expected = str(Path(os.path.join(folder, name)))
            assert _normal_prefix(folder) + name == expected, (folder, name)


def test_a_check_of_the_current_folder_shows_paths_without_a_leading_dot(tmp_path, cli):
    # The walk of "." finds "./sub/a.txt"; its Path printed "sub/a.txt", and so must the name.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("Title  \n\n" + CLEAN_ARTICLE, encoding="utf-8")
    run = cli("check", ".", "--select", "WS001", "--output-format", "json", cwd=tmp_path)
    assert [d["path"] for d in run.json()] == ["sub/a.txt"]
    run = cli("check", "./sub//", "--select", "WS001", "--output-format", "json", cwd=tmp_path)
    assert [d["path"] for d in run.json()] == [f"sub{os.sep}a.txt".replace(os.sep, "/")]


def test_only_a_bare_dash_reads_standard_input(tmp_path, cli, monkeypatch):
    # Found by an adversarial review: "./-" (a file named "-") and "-/" (a folder) print as
    # "-", and were read as standard input: "All checks passed", their files unchecked.
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(CLEAN_ARTICLE.encode())))
    untidy = "Title  \n\n" + CLEAN_ARTICLE
    (tmp_path / "-").mkdir()
    (tmp_path / "-" / "a.txt").write_text(untidy, encoding="utf-8")
    for given in ("-/", "./-/"):
        run = cli(
            "check", "--select", "WS001", "--output-format", "json", "--", given, cwd=tmp_path
        )
        assert run.code == 1 and [d["path"] for d in run.json()] == ["-/a.txt"], given
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "-").write_text(untidy, encoding="utf-8")
    run = cli("check", "--select", "WS001", "./-", cwd=tmp_path / "f")
    assert run.code == 1 and "WS001" in run.out
    run = cli("check", "--select", "WS001", "-", cwd=tmp_path / "f")  # standard input
    assert run.code == 0, run.out


def test_a_file_reached_through_two_of_the_paths_given_is_checked_once(tmp_path, cli):
    # "." finds "./a.txt", which prints "a.txt": once normal, the two are one file.
    (tmp_path / "a.txt").write_text("Title  \n\n" + CLEAN_ARTICLE, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("Title  \n\n" + CLEAN_ARTICLE, encoding="utf-8")
    run = cli(
        "check", ".", "a.txt", "sub", "--select", "WS001", "--output-format", "json", cwd=tmp_path
    )
    assert [d["path"] for d in run.json()] == ["a.txt", "sub/b.txt"]


def test_findings_fixes_and_edits_have_no_dict_each():
    # A run holds every finding until the report: slotted, 0.97 KB each, not 1.3 KB.
    fix = Fix((Edit(1, 2, "x"),), SAFE, "Remove it")
    d = Diagnostic("WS001", "n", "m", "warning", "a.txt", 1, 2, 1, 3, fix, (Related("b.txt"),))
    for thing in (d, fix, fix.edits[0], d.related[0]):
        assert not hasattr(thing, "__dict__")
    assert pickle.loads(pickle.dumps(d)) == d  # sent by the workers


def _linked_corpus(tmp_path: Path) -> None:
    """store/ with two articles and a subfolder, corpus -> store (a symbolic link)."""
    (tmp_path / "store" / "sub").mkdir(parents=True)
    (tmp_path / "store" / "a.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    other = "Rain this week\n\nRain fell across the north on Monday and Tuesday, the weather"
    other += " office said, and more is expected before the weekend.\n\nSource: Example News\n"
    (tmp_path / "store" / "sub" / "b.txt").write_text(other, encoding="utf-8")
    (tmp_path / "corpus").symlink_to("store", target_is_directory=True)


def test_a_file_given_through_a_link_and_its_real_path_is_checked_once(tmp_path, cli):
    # Checked twice, the file was its own DUP003 duplicate, and the unsafe fix deleted it.
    _linked_corpus(tmp_path)
    for paths, dropped in (
        (["corpus", "store"], ["corpus/a.txt", "corpus/sub/b.txt"]),
        (["corpus/a.txt", "store/a.txt"], ["corpus/a.txt"]),
        (["corpus/sub", "store"], ["corpus/sub/b.txt"]),
        (["store", "corpus/sub/b.txt"], ["corpus/sub/b.txt"]),
    ):
        run = cli("check", *paths, "--select", "DUP003", "--output-format", "json", cwd=tmp_path)
        assert (run.code, run.json()) == (0, []), paths
        warned = [line.split(":")[2].strip() for line in run.err.splitlines()]
        assert warned == dropped[:1], run.err  # the first, and how many more
        more = " (1 more file likewise)" if len(dropped) > 1 else ""  # (two at most here)
        assert run.err.endswith(f"checked once under that name{more}\n")
    run = cli("check", "corpus", "store", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert run.code == 0
    assert sorted(p.name for p in (tmp_path / "store").rglob("*.txt")) == ["a.txt", "b.txt"]


def test_a_file_given_by_another_spelling_of_its_walked_name_is_checked_once(tmp_path, cli):
    # `sub/../sub/a.txt`, or an absolute path next to ".": not a link, yet another name than
    # the walk gives the file; it was checked (and counted, and reported) twice.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("Title\n\nBody text here.  \n", encoding="utf-8")
    (tmp_path / "sub" / "b.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    for paths in (
        ["sub", "sub/../sub/a.txt"],
        [".", str(tmp_path / "sub" / "a.txt")],
        [".", "sub/.."],
        [".", str(tmp_path / "sub")],
    ):
        run = cli("check", *paths, "--select", "WS001", "--output-format", "json", cwd=tmp_path)
        assert [d["path"] for d in run.json()] == ["sub/a.txt"], paths
        assert run.err == "", paths  # shown alike: one name to the user, nothing to say
    run = cli("check", "sub", "sub/../sub/a.txt", "--select", "WS001", cwd=tmp_path)
    assert "Found 1 diagnostic in 1 of 2 files" in run.out


def _linked_store(tmp_path: Path, config: str) -> None:
    (tmp_path / "store" / "drafts").mkdir(parents=True)
    (tmp_path / "store" / "a.txt").write_text("Title\n\nBody text here.  \n")
    (tmp_path / "store" / "drafts" / "d.txt").write_text("Draft\n\nDraft text here.  \n")
    (tmp_path / "corpus").symlink_to("store", target_is_directory=True)
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n' + config)


def test_globs_name_a_file_of_a_linked_corpus_through_the_link_however_it_is_reached(tmp_path, cli):
    # corpus -> store: the walk matched `exclude` and `per-file-ignores` against corpus/...,
    # a file named on the command line (and the fixes) against store/...; an excluded draft
    # named by pre-commit was checked, and --fix changed it. Its corpus name counts now too.
    _linked_store(
        tmp_path,
        'exclude = ["corpus/drafts"]\nper-file-ignores = { "corpus/a.txt" = ["WS001"] }\n',
    )
    for paths in ([], ["corpus/a.txt"], ["store/a.txt"], ["corpus"], ["store"]):
        run = cli("check", "--select", "WS001", *paths, cwd=tmp_path)
        assert (run.code, run.out) == (0, "All checks passed (1 file).\n"), (paths, run.err)
    for draft in ("corpus/drafts/d.txt", "store/drafts/d.txt"):
        before = (tmp_path / "store" / "drafts" / "d.txt").read_bytes()
        run = cli("check", "--fix", draft, cwd=tmp_path)
        assert (tmp_path / "store" / "drafts" / "d.txt").read_bytes() == before
        assert run.err == (
            f"corpus-lint: warning: {draft}: excluded by `exclude` in the configuration, "
            "not checked\n"
        )


def test_the_folder_a_corpus_link_leads_to_takes_its_name_through_the_link_when_walked_into(
    tmp_path, cli
):
    # `check .` walks into store/ itself (links are not followed): its files are the corpus's.
    _linked_store(tmp_path, 'exclude = ["corpus/drafts"]\ninclude = ["corpus/**/*.txt"]\n')
    (tmp_path / "other.txt").write_text(CLEAN_ARTICLE)  # not under the include glob
    run = cli("check", "--show-files", ".", cwd=tmp_path)
    assert [line.split()[0] for line in run.out.splitlines()] == ["store/a.txt"]


def test_git_ignores_a_linked_corpus_by_the_names_it_is_walked_under(tmp_path, cli):
    _linked_store(tmp_path, "")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("/corpus/drafts/\n")
    run = cli("check", "--show-files", cwd=tmp_path)
    assert [line.split()[0] for line in run.out.splitlines()] == ["corpus/a.txt"]


def test_a_path_with_dotdot_after_a_link_is_judged_where_it_leads(tmp_path, cli):
    (tmp_path / "store" / "sub").mkdir(parents=True)
    (tmp_path / "store" / "draft.txt").write_text("Hello  world.   \n")
    (tmp_path / "lnk").symlink_to("store/sub", target_is_directory=True)
    (tmp_path / "corpus-lint.toml").write_text('exclude = ["store/draft.txt"]\n')
    run = cli("check", "--fix", "lnk/../draft.txt", cwd=tmp_path)
    assert (tmp_path / "store" / "draft.txt").read_text() == "Hello  world.   \n"
    assert "store/draft.txt: excluded by `exclude` in the configuration" in run.err


def test_a_path_with_dotdot_after_a_link_is_shown_where_it_leads(tmp_path, cli):
    # Found by an adversarial review: c/sub/../001.txt, sub a link to other/deep, opens
    # other/001.txt, but was shown as c/001.txt (the ".." taken as text), so the findings
    # named the wrong article and the --diff did not apply with patch -p1.
    (tmp_path / "c").mkdir()
    (tmp_path / "other" / "deep").mkdir(parents=True)
    (tmp_path / "c" / "001.txt").write_text(CLEAN_ARTICLE)
    (tmp_path / "other" / "001.txt").write_text(CLEAN_ARTICLE.replace("timetable", "timetable "))
    (tmp_path / "c" / "sub").symlink_to("../other/deep", target_is_directory=True)
    run = cli("check", "--no-cache", "--select", "WS001", "c/sub/../001.txt", cwd=tmp_path)
    assert run.out.startswith("other/001.txt:"), run.out
    diff = cli("check", "--diff", "--select", "WS001", "c/sub/../001.txt", cwd=tmp_path).out
    assert diff.startswith("--- a/other/001.txt\n+++ b/other/001.txt\n"), diff


def test_include_globs_name_a_folder_given_through_a_link_where_it_leads(tmp_path, cli):
    (tmp_path / "articles" / "2024").mkdir(parents=True)
    (tmp_path / "articles" / "2024" / "a.txt").write_text(CLEAN_ARTICLE)
    (tmp_path / "lnk").symlink_to("articles", target_is_directory=True)
    (tmp_path / "corpus-lint.toml").write_text('include = ["articles/**/*.txt"]\n')
    run = cli("check", "--show-files", "lnk", cwd=tmp_path)
    assert run.out.split() == ["lnk/2024/a.txt"]


def test_paths_that_overlap_as_given_are_not_taken_for_links(tmp_path, cli):
    # No link between the paths given (the working directory itself reached through one):
    # normal names already make each file one, and no file is looked up again.
    _linked_corpus(tmp_path)
    for cwd, paths in ((tmp_path, ["corpus", "corpus/sub"]), (tmp_path / "corpus", [".", "sub"])):
        run = cli("check", *paths, "--select", "DUP003", "--output-format", "json", cwd=cwd)
        assert (run.code, run.json(), run.err) == (0, [], ""), paths


def test_corpus_roots_that_hold_the_same_files_under_other_names_are_walked_once(
    tmp_path, monkeypatch
):
    from corpus_lint.config import load_settings
    from corpus_lint.files import distinct_roots as distinct
    from corpus_lint.files import forget_ignore_files

    _linked_corpus(tmp_path)  # corpus -> store
    (tmp_path / "x.txt").symlink_to("store/a.txt")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(cwd=tmp_path)

    def distinct_roots(roots):
        return distinct(roots, settings)

    link, store, sub = Path("corpus"), Path("store"), Path("store/sub")
    assert distinct_roots([link, store]) == [store]  # the one needing no link
    assert distinct_roots([store, link]) == [store]
    assert distinct_roots([link, sub]) == [link]  # store/sub is corpus/sub, walked under it
    assert distinct_roots([Path("x.txt"), store]) == [store]
    assert distinct_roots([Path("x.txt"), Path("store/a.txt")]) == [Path("store/a.txt")]
    # Overlapping as written: the walk names their files alike, nothing to drop.
    assert distinct_roots([store, sub, Path("store/")]) == [store, sub, Path("store/")]
    assert distinct_roots([link, Path("corpus/sub")]) == [link, Path("corpus/sub")]
    assert distinct_roots(["s3://bucket/news", store]) == ["s3://bucket/news", store]
    # A root under a folder the other's walk does not enter is no copy of its files.
    (tmp_path / "store" / "raw").mkdir()
    (tmp_path / "store" / "raw" / "r.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    (tmp_path / "store" / ".gitignore").write_text("raw/\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()  # .gitignore files count inside a repository
    (tmp_path / "extra").symlink_to("store/raw", target_is_directory=True)
    (tmp_path / "store" / "node_modules").mkdir()
    (tmp_path / "nm").symlink_to("store/node_modules", target_is_directory=True)
    settings = load_settings(cwd=tmp_path)
    forget_ignore_files()  # read again, as a run does before its walks
    assert distinct_roots([store, Path("extra"), Path("nm")]) == [store, Path("extra"), Path("nm")]
    assert distinct_roots([link, Path("store/raw")]) == [link, Path("store/raw")]


def test_the_name_kept_needs_no_link_from_a_working_directory_reached_through_one(tmp_path, cli):
    (tmp_path / "real").mkdir()
    _linked_corpus(tmp_path / "real")
    (tmp_path / "here").symlink_to("real", target_is_directory=True)
    run = cli("check", "corpus", "store", "--select", "WS", cwd=tmp_path / "here")
    assert run.code == 0
    # One warning, however many files: the first dropped, and how many more.
    assert run.err.splitlines() == [
        "corpus-lint: warning: corpus/a.txt: the same file as store/a.txt, checked once under"
        " that name (1 more file likewise)"
    ]


def test_real_paths_are_resolved_a_folder_at_a_time_as_realpath_gives_them(tmp_path, monkeypatch):
    from corpus_lint.files import _real_paths

    _linked_corpus(tmp_path)
    (tmp_path / "x.txt").symlink_to("corpus/a.txt")
    monkeypatch.chdir(tmp_path)
    names = ["corpus/a.txt", "store/a.txt", "x.txt", "corpus/sub/b.txt", "corpus/../x.txt"]
    names += [str(tmp_path / "corpus" / "sub"), ".", "corpus", "gone/y.txt", "store/sub/../a.txt"]
    (tmp_path / "far" / "deep" / "store2").mkdir(parents=True)
    (tmp_path / "l2").symlink_to("far/deep/store2", target_is_directory=True)
    names += ["l2/../x.txt", "l2/a.txt", "l2"]  # ".." after a link: far/deep/x.txt
    paths = [Path(n) for n in names]
    assert _real_paths(paths) == [os.path.realpath(p) for p in paths]


def test_a_file_named_twice_without_a_link_is_checked_once(tmp_path, cli):
    # `store` and its absolute path, `a.txt` and `sub/../a.txt`: names Path does not make
    # one. Shown alike, they need no warning.
    _linked_corpus(tmp_path)
    for paths in (["store", str(tmp_path / "store")], ["store", str(tmp_path / "store" / "sub")]):
        run = cli("check", *paths, "--output-format", "json", "--select", "WS", cwd=tmp_path)
        assert (run.code, run.err) == (0, ""), paths
    run = cli("check", "store", str(tmp_path / "store"), "--select", "WS", cwd=tmp_path)
    assert "(2 files)" in run.out
    run = cli("check", "store/a.txt", "store/sub/../a.txt", "--select", "WS", cwd=tmp_path)
    assert "(1 file)" in run.out


def test_the_warning_counts_the_other_files_checked_once_in_words(tmp_path, monkeypatch):
    from corpus_lint.files import _one_name_a_file

    _linked_corpus(tmp_path)
    (tmp_path / "store" / "c.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    names = ["corpus/a.txt", "corpus/c.txt", "corpus/sub/b.txt", "store/a.txt", "store/c.txt"]
    names.append("store/sub/b.txt")
    warnings: list[str] = []
    assert _one_name_a_file(names, warnings) == names[3:]
    assert warnings == [
        "corpus/a.txt: the same file as store/a.txt, checked once under that name"
        " (2 more files likewise)"
    ]
    warnings.clear()
    assert _one_name_a_file(names[1:2] + names[4:5], warnings) == names[4:5]
    assert warnings[0].endswith("checked once under that name")


def test_two_files_whose_names_are_shown_alike_are_counted_as_two(tmp_path, cli):
    # Found by a review: a name holding the byte 0xFF and one holding the text "\xff" are
    # shown alike; the summary said "in 1 of 2 files" on the terminal, "2 of 2" with -o.
    folder = os.fsencode(tmp_path)
    for name in (b"k\xff.txt", b"k\\xff.txt"):
        try:
            with open(os.path.join(folder, name), "wb") as file:
                file.write(b"No final newline")
        except OSError:  # a file system that refuses such names
            pytest.skip("this file system refuses a name that is not UTF-8")
    for extra in ([], ["-o", "report.txt"]):
        run = cli("check", "--select", "WS002", ".", *extra, cwd=tmp_path)
        assert "Found 2 diagnostics in 2 of 2 files" in run.out, run.out
    full = cli("check", "--select", "WS002", "--output-format", "full", ".", cwd=tmp_path)
    assert full.out.count("| No final newline") == 2  # each file's own line, read by its name


def test_include_names_a_file_of_a_linked_corpus_through_the_link_as_the_walk_does(
    tmp_path, monkeypatch
):
    # Found by a review: `exclude` matched a file under any of its names, `include` under its
    # real path only; a pre-commit run that left out corpus files `include` leaves out took a
    # real file of a linked corpus for one ("store/a.txt" against "corpus/*.txt").
    from corpus_lint.config import load_settings
    from corpus_lint.files import forget_ignore_files, is_included

    _linked_store(tmp_path, 'include = ["corpus/*.txt"]\n')
    monkeypatch.chdir(tmp_path)
    forget_ignore_files()
    settings = load_settings(None)
    assert is_included(tmp_path / "store" / "a.txt", settings)
    assert is_included(tmp_path / "corpus" / "a.txt", settings)
    assert not is_included(tmp_path / "store" / "drafts" / "d.txt", settings)

"""DUP003 (duplicate-document) and DUP004 (near-duplicate) through the CLI."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lint.dedup import corpus as corpus_stage
from tests.helpers import PROJECT, SEEDS

SEED_004 = SEEDS / "004_718e70c8ce2378b9.txt"
BOILERPLATE = [
    "Share this article",
    "Print Friendly, PDF & Email",
    "Follow us on Twitter",
    "Sign up for our newsletter",
    "Leave a comment",
]


def article(seed: int, words: int = 400) -> str:
    """A distinct article of random words: a title, paragraphs, a source line."""
    rng = random.Random(seed)
    vocabulary = [f"w{seed}x{i}" for i in range(3000)]
    body = [rng.choice(vocabulary) for _ in range(words)]
    paragraphs = [" ".join(body[i : i + 60]) + "." for i in range(0, words, 60)]
    return f"Title number {seed}\n\n" + "\n\n".join(paragraphs) + "\n\nSource: Daily Ledger\n"


def edited(text: str, changed_runs: int, run_length: int = 1) -> str:
    """The text with `changed_runs` runs of `run_length` words replaced, evenly spread."""
    lines = text.split("\n")
    words = lines[2].split(" ")
    step = len(words) // (changed_runs + 1)
    for run in range(changed_runs):
        for offset in range(run_length):
            words[step * (run + 1) + offset] = f"changed{run}x{offset}"
    lines[2] = " ".join(words)
    return "\n".join(lines)


def dup_findings(cli, folder: Path, *paths: str) -> list[dict]:
    run = cli("check", "--select", "DUP003,DUP004", "--output-format", "json", *paths, cwd=folder)
    assert run.code in (0, 1), run.err
    return run.json()


def test_copy_of_a_seed_with_a_dozen_words_changed_is_a_near_duplicate(cli, seeds_copy):
    text = SEED_004.read_text(encoding="utf-8")
    for phrase, replacement in [
        ("in southern", "across northern"),
        ("al-Qaeda", "its local allies"),
    ]:
        text = text.replace(phrase, replacement, 1)
    words = text.split(" ")
    for position in (60, 61, 62, 63, 200, 201, 202, 203):
        words[position] = "edited"
    (seeds_copy / "copy.txt").write_text(" ".join(words), encoding="utf-8")
    found = dup_findings(cli, seeds_copy.parent, "seeds")
    assert [(d["code"], d["path"]) for d in found] == [("DUP004", "seeds/copy.txt")]
    similarity = found[0]["related"][0]["similarity"]
    assert found[0]["related"][0]["path"] == "seeds/004_718e70c8ce2378b9.txt"
    assert 0.8 <= similarity < 1.0
    assert f"{similarity:.2f}" in found[0]["message"]


def test_the_five_seeds_are_not_duplicates_of_each_other(cli, seeds_copy):
    assert dup_findings(cli, seeds_copy.parent, "seeds") == []


def test_a_pair_just_above_the_threshold_is_reported_and_just_below_is_not(cli, tmp_path):
    original = article(1)
    (tmp_path / "a.txt").write_text(original)
    # 400 words, 396 shingles; each isolated changed word spoils 5 shingles.
    # 7 changes: (396-35)/(396+35) = 0.838; 13 changes: (396-65)/(396+65) = 0.718.
    (tmp_path / "b_above.txt").write_text(edited(original, 7))
    (tmp_path / "c_below.txt").write_text(edited(original, 13))
    found = dup_findings(cli, tmp_path, ".")
    assert [(d["path"], d["related"][0]["path"]) for d in found] == [("b_above.txt", "a.txt")]
    assert found[0]["related"][0]["similarity"] == pytest.approx(361 / 431, abs=0.005)


def test_threshold_comes_from_the_configuration(cli, tmp_path):
    original = article(1)
    (tmp_path / "a.txt").write_text(original)
    (tmp_path / "b.txt").write_text(edited(original, 13))
    (tmp_path / "corpus-lint.toml").write_text("[near-duplicate]\nthreshold = 0.7\n")
    found = dup_findings(cli, tmp_path, ".")
    assert [d["code"] for d in found] == ["DUP004"]


def test_identical_files_are_dup003_and_not_also_dup004(cli, tmp_path):
    text = article(2)
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(text)
    found = dup_findings(cli, tmp_path, ".")
    assert [(d["code"], d["path"], d["related"][0]["path"]) for d in found] == [
        ("DUP003", "b.txt", "a.txt"),
        ("DUP003", "c.txt", "a.txt"),
    ]


@pytest.mark.parametrize(
    "variant",
    [
        lambda t: t.replace(" ", "  "),
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.replace(" ", "\u00a0", 5),
        lambda t: "  " + t + "\n\n",
    ],
    ids=["double-spaces", "crlf", "no-break-spaces", "outer-white-space"],
)
def test_white_space_only_differences_are_dup003(cli, tmp_path, variant):
    text = article(3)
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(variant(text).encode("utf-8"))
    found = dup_findings(cli, tmp_path, ".")
    assert [(d["code"], d["path"]) for d in found] == [("DUP003", "b.txt")]


def test_unicode_normalisation_differences_are_dup003(cli, tmp_path):
    (tmp_path / "a.txt").write_text("Caf\u00e9 owners protest\n\nThe caf\u00e9 closed.\n")
    (tmp_path / "b.txt").write_text("Cafe\u0301 owners protest\n\nThe cafe\u0301 closed.\n")
    found = dup_findings(cli, tmp_path, ".")
    assert [(d["code"], d["path"]) for d in found] == [("DUP003", "b.txt")]


def test_tiny_documents_are_never_near_duplicates(cli, tmp_path):
    (tmp_path / "a.txt").write_text("Read more here\n")
    (tmp_path / "b.txt").write_text("Read more here!\n")
    (tmp_path / "c.txt").write_text("read MORE here.\n")
    found = dup_findings(cli, tmp_path, ".")
    assert [d["code"] for d in found if d["code"] == "DUP004"] == []


def test_empty_files_are_not_duplicates_of_each_other(cli, tmp_path):
    (tmp_path / "a.txt").write_text("")
    (tmp_path / "b.txt").write_text("")
    (tmp_path / "c.txt").write_text("\n\n")
    assert dup_findings(cli, tmp_path, ".") == []


def test_shared_boilerplate_lines_do_not_make_articles_alike(cli, tmp_path):
    chrome = "\n\n".join(BOILERPLATE)
    for name, seed in (("a.txt", 4), ("b.txt", 5)):
        text = article(seed, words=20).replace("\n\nSource:", f"\n\n{chrome}\n\nSource:")
        (tmp_path / name).write_text(text)
    run = cli("check", "--output-format", "json", "--exit-zero", ".", cwd=tmp_path)
    codes = [d["code"] for d in run.json()]
    assert "BP001" in codes
    assert "DUP004" not in codes


def corpus_folder(tmp_path: Path, files: int = 6) -> Path:
    (tmp_path / "corpus").mkdir()
    for i in range(files):
        (tmp_path / "corpus" / f"{i:02d}.txt").write_text(article(10 + i))
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n')
    return tmp_path


def test_changed_files_mode_finds_a_duplicate_of_an_unchanged_file(cli, tmp_path):
    folder = corpus_folder(tmp_path)
    assert dup_findings(cli, folder) == []
    (folder / "corpus" / "new.txt").write_text(edited(article(12), 3))
    (folder / "corpus" / "same.txt").write_text(article(13))
    found = dup_findings(cli, folder, "corpus/new.txt", "corpus/same.txt")
    assert [(d["code"], d["path"], d["related"][0]["path"]) for d in found] == [
        ("DUP004", "corpus/new.txt", "corpus/02.txt"),
        ("DUP003", "corpus/same.txt", "corpus/03.txt"),
    ]
    assert corpus_stage.last_stats.unchanged == 6
    assert corpus_stage.last_stats.analysed == 0


@pytest.mark.parametrize("others", [0, 70])  # 64 files or more: links found by a listing
@pytest.mark.parametrize("named", ["corpus/alias.txt", "view/02.txt"])
def test_a_file_named_through_a_symbolic_link_is_not_its_own_duplicate(
    cli, tmp_path, named, others
):
    folder = corpus_folder(tmp_path)
    (folder / "corpus" / "alias.txt").symlink_to("02.txt")  # a link to a file of the corpus
    (folder / "view").symlink_to("corpus")  # a link to the corpus folder
    more = [f"{named.split('/')[0]}/more{n}.txt" for n in range(others)]
    for n, name in enumerate(more):
        (folder / "corpus" / name.split("/")[1]).write_text(article(100 + n))
    assert dup_findings(cli, folder, named, *more) == []
    assert dup_findings(cli, folder, "--no-cache", named, *more) == []


@pytest.mark.parametrize("named", ["corpus/02.txt", "store/02.txt"])
def test_a_corpus_configured_through_a_linked_folder_holds_each_file_once(cli, tmp_path, named):
    # `corpus = ["corpus"]` where corpus is a link to store/: the walk names the files
    # through the link, the target is found by its real path; they are one file.
    folder = corpus_folder(tmp_path)
    (folder / "corpus").rename(folder / "store")
    (folder / "corpus").symlink_to("store")
    assert dup_findings(cli, folder, named) == []
    assert dup_findings(cli, folder, "--no-cache", named) == []
    (folder / "store" / "copy.txt").write_text(article(12))  # a real copy is still one
    found = dup_findings(cli, folder, named)
    # Which of the two is kept follows path order, as shown (`clusters.rank`).
    assert [(d["code"], {d["path"], d["related"][0]["path"]}) for d in found] == [
        ("DUP003", {"corpus/copy.txt", named})
    ]


def test_a_corpus_file_configured_through_a_link_is_not_its_own_duplicate(cli, tmp_path):
    folder = corpus_folder(tmp_path)
    (folder / "store").mkdir()
    (folder / "store" / "x.txt").write_text(article(40))
    (folder / "x.txt").symlink_to("store/x.txt")
    (folder / "corpus-lint.toml").write_text('corpus = ["corpus", "x.txt"]\n')
    assert dup_findings(cli, folder, "x.txt") == []
    assert dup_findings(cli, folder, "store/x.txt") == []


@pytest.mark.parametrize("named", ["corpus/01.txt", "x.txt"])
def test_a_file_the_corpus_holds_under_two_names_is_one_file(cli, tmp_path, named):
    # x.txt, a configured root, links to corpus/01.txt: the same file under two names, not
    # two copies (both were reported, and `--fix --unsafe-fixes` deleted them). A whole run
    # checks it once, saying so; a target named either way is not its own duplicate.
    folder = corpus_folder(tmp_path)
    (folder / "x.txt").symlink_to("corpus/01.txt")
    (folder / "corpus-lint.toml").write_text('corpus = ["corpus", "x.txt"]\n')
    assert dup_findings(cli, folder) == []
    run = cli("check", "--select", "DUP", "--output-format", "json", cwd=folder)
    assert "x.txt: the same file as corpus/01.txt, checked once under that name" in run.err
    assert dup_findings(cli, folder, named) == []


def test_the_walk_names_a_file_through_each_root_that_holds_it():
    from corpus_lint.dedup.corpus import _walk_names

    roots = [("/data", "/p/corpus"), ("/data/a.txt", "/p/x.txt"), ("/", "/p/all")]
    assert _walk_names("/data/a.txt", roots) == ["/p/corpus/a.txt", "/p/x.txt", "/p/all/data/a.txt"]
    assert _walk_names("/data2/b.txt", roots) == ["/p/all/data2/b.txt"]  # not under /data
    assert _walk_names("/data", roots[:2]) == ["/p/corpus"]
    assert _walk_names("/elsewhere/c.txt", roots[:2]) == []


def test_a_changed_file_that_the_policy_keeps_reports_its_unchanged_copy(cli, tmp_path):
    # The keeper is chosen as in a whole-corpus run (here every criterion ties but path
    # order), so the committed copy is the redundant one, reported against the new file.
    folder = corpus_folder(tmp_path)
    dup_findings(cli, folder)
    (folder / "corpus" / "000.txt").write_text(article(14))
    found = dup_findings(cli, folder, "corpus/000.txt")
    assert [(d["path"], d["related"][0]["path"]) for d in found] == [
        ("corpus/04.txt", "corpus/000.txt")
    ]
    assert dup_findings(cli, folder) == found


def test_fixing_a_file_given_never_removes_the_corpus_files_it_makes_redundant(cli, tmp_path):
    # Found by an adversarial review: `check --fix --unsafe-fixes corpus/000.txt` deleted
    # corpus/04.txt, which was not named, and said "2 redundant documents (200.0% of the
    # 1 files checked)". It is reported (the keeper is chosen as in a whole run), not removed.
    folder = corpus_folder(tmp_path)
    (folder / "corpus" / "000.txt").write_text(article(14))
    (folder / "corpus" / "06.txt").write_text(article(14))
    run = cli("check", "--no-cache", "--select", "DUP", "--fix", "--unsafe-fixes",
              "corpus/000.txt", cwd=folder)  # fmt: skip
    assert (folder / "corpus" / "04.txt").read_text() == article(14)
    assert (folder / "corpus" / "06.txt").read_text() == article(14)
    assert run.code == 1 and "not among the files given; not removed" in run.err
    assert "Found 2 diagnostics in 0 of 1 file and 2 corpus files the files checked" in run.out
    assert "(2 in the corpus besides the 1 file checked)" in run.out
    # ... and the summary counts none of them as fixable (it said "2 more fixable" after the
    # --fix that had just refused them).
    assert "fixable" not in run.out
    # Named, the redundant copy goes.
    run = cli("check", "--select", "DUP", "--fix", "--unsafe-fixes", "corpus/06.txt", cwd=folder)
    assert not (folder / "corpus" / "06.txt").exists() and "Fixed 1 issue" in run.out


@pytest.mark.parametrize("outside", ["aaa/copy.txt", "zzz/copy.txt"])
def test_a_copy_given_from_outside_the_corpus_never_makes_a_corpus_file_redundant(
    cli, tmp_path, outside
):
    # Every criterion ties: path order alone made aaa/copy.txt the keeper of corpus/02.txt,
    # and `--fix --unsafe-fixes aaa/copy.txt` deleted the corpus's own article.
    folder = corpus_folder(tmp_path)
    (folder / outside).parent.mkdir()
    (folder / outside).write_text(article(12))
    found = dup_findings(cli, folder, outside)
    assert [(d["path"], d["related"][0]["path"]) for d in found] == [(outside, "corpus/02.txt")]
    run = cli("check", "--select", "DUP", "--fix", "--unsafe-fixes", outside, cwd=folder)
    assert run.code == 0, run.err
    assert (folder / "corpus" / "02.txt").read_text() == article(12)
    assert not (folder / outside).exists()  # the copy given, the redundant one, goes


@pytest.mark.parametrize("paths", [["."], ["corpus", "aaa/copy.txt"], ["corpus/00lnk/copy.txt"]])
def test_a_copy_outside_the_configured_corpus_keeps_no_corpus_file_whatever_is_checked(
    cli, tmp_path, paths
):
    # Paths covering the corpus (it is then not walked again), or a target reached through a
    # link inside the corpus folder that leads out of it: path order made the copy keep.
    folder = corpus_folder(tmp_path)
    (folder / "aaa").mkdir()
    (folder / "aaa" / "copy.txt").write_text(article(12))
    (folder / "corpus" / "00lnk").symlink_to("../aaa", target_is_directory=True)
    run = cli("check", "--select", "DUP", "--fix", "--unsafe-fixes", *paths, cwd=folder)
    assert run.code == 0, run.err
    assert (folder / "corpus" / "02.txt").read_text() == article(12)
    assert not (folder / "aaa" / "copy.txt").exists()


def test_outside_corpus_tells_where_files_really_are(tmp_path):
    from corpus_lint.dedup.corpus import outside_corpus

    (tmp_path / "corpus").mkdir()
    (tmp_path / "view").symlink_to("corpus")
    (tmp_path / "corpus" / "out").symlink_to("../elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    names = ["corpus/a.txt", "view/b.txt", "corpus2/c.txt", "d.txt", "corpus/out/e.txt", "x.txt"]
    places = {n: str(tmp_path / n) for n in names}
    places |= {"s3://news/a.txt": "s3://news/a.txt", "s3://other/b.txt": "s3://other/b.txt"}
    roots = [Path("corpus"), Path("x.txt"), "s3://news"]
    assert sorted(outside_corpus(places, roots, tmp_path)) == [
        "corpus/out/e.txt",
        "corpus2/c.txt",
        "d.txt",
        "s3://other/b.txt",
    ]


def test_the_cache_is_reused_and_rehashes_only_changed_files(cli, tmp_path):
    folder = corpus_folder(tmp_path)
    dup_findings(cli, folder, "corpus/00.txt")
    assert corpus_stage.last_stats.analysed == 5
    (folder / "corpus" / "01.txt").write_text(article(99))
    dup_findings(cli, folder, "corpus/00.txt")
    assert (corpus_stage.last_stats.unchanged, corpus_stage.last_stats.analysed) == (4, 1)
    assert (folder / ".corpus_lint_cache" / ".gitignore").read_text().strip().endswith("*")


def test_a_file_edited_or_added_in_a_folder_the_cache_trusts_is_rehashed(cli, tmp_path):
    folder = corpus_folder(tmp_path)
    dup_findings(cli, folder, "corpus/00.txt")
    dup_findings(cli, folder, "corpus/00.txt")  # every folder's digest is now cached
    assert corpus_stage.last_stats.analysed == 0
    (folder / "corpus" / "03.txt").write_text(article(10) + "One more line.\n")
    (folder / "corpus" / "99.txt").write_text(article(11))
    found = dup_findings(cli, folder, "corpus/00.txt", "corpus/01.txt")
    assert corpus_stage.last_stats.analysed == 2
    assert sorted((d["code"], d["path"], d["related"][0]["path"]) for d in found) == [
        ("DUP003", "corpus/99.txt", "corpus/01.txt"),  # the first path is kept
        ("DUP004", "corpus/00.txt", "corpus/03.txt"),  # the longer text is kept
    ]


def test_a_full_check_records_its_folders_for_the_next_changed_files_run(
    cli, tmp_path, monkeypatch
):
    from corpus_lint.dedup.cache import SignatureCache

    folder = corpus_folder(tmp_path)
    (folder / "corpus" / "sub").mkdir()
    (folder / "corpus" / "sub" / "a.txt").write_text(article(30))
    assert dup_findings(cli, folder) == []  # a full check: its targets are the corpus
    written: list[tuple] = []
    store = SignatureCache.store
    monkeypatch.setattr(
        SignatureCache,
        "store",
        lambda self, *args, **kw: written.append(args) or store(self, *args, **kw),
    )
    assert dup_findings(cli, folder) == []
    assert written == []  # a second, with nothing new, writes nothing: the digests are known
    digests = _folder_digests(folder)
    (folder / "corpus" / "00.txt").write_text(article(40))
    assert dup_findings(cli, folder) == []  # reads one file of the folder, the rest cached:
    assert _folder_digests(folder) == digests  # no digest of that one file as the folder's
    asked: list[str] = []  # the corpus files the cache is asked about, file by file
    stale = SignatureCache.stale

    def spied(self, files):
        asked.extend(path for path, _, _ in files)
        return stale(self, files)

    monkeypatch.setattr(SignatureCache, "stale", spied)
    (folder / "corpus" / "new.txt").write_text(article(30))
    found = dup_findings(cli, folder, "corpus/new.txt")
    assert [(d["path"], d["related"][0]["path"]) for d in found] == [
        ("corpus/sub/a.txt", "corpus/new.txt")
    ]
    # The folder with a new file is looked at file by file; the other, as the full check
    # recorded it, is trusted whole.
    assert sorted(os.path.basename(p) for p in asked) == [f"{i:02d}.txt" for i in range(6)]
    assert (corpus_stage.last_stats.unchanged, corpus_stage.last_stats.analysed) == (7, 0)
    # A file of the trusted folder rewritten in place is read again.
    (folder / "corpus" / "sub" / "a.txt").write_text(article(31))
    assert dup_findings(cli, folder, "corpus/new.txt") == []
    assert corpus_stage.last_stats.analysed == 1


def test_the_folder_of_an_edited_target_is_trusted_but_for_it_until_another_file_changes(
    cli, tmp_path, monkeypatch
):
    from corpus_lint.dedup.cache import SignatureCache

    folder = corpus_folder(tmp_path)
    assert dup_findings(cli, folder) == []  # a full check records the folder's digest
    asked: list[str] = []  # the corpus files the cache is asked about, file by file
    stale = SignatureCache.stale

    def spied(self, files):
        asked.extend(os.path.basename(path) for path, _, _ in files)
        return stale(self, files)

    monkeypatch.setattr(SignatureCache, "stale", spied)
    (folder / "corpus" / "00.txt").write_text(edited(article(10), 3))  # the target, edited
    assert dup_findings(cli, folder, "corpus/00.txt") == []
    assert asked == []  # its folder is as recorded but for it: no file looked up
    assert (corpus_stage.last_stats.unchanged, corpus_stage.last_stats.analysed) == (5, 0)
    # Another file of the folder changed too (a near copy of the target's new text): the
    # folder is looked at file by file, and that file read again.
    (folder / "corpus" / "02.txt").write_text(edited(article(50), 2))
    (folder / "corpus" / "00.txt").write_text(edited(article(50), 3))
    found = dup_findings(cli, folder, "corpus/00.txt")
    assert sorted(asked) == ["01.txt", "02.txt", "03.txt", "04.txt", "05.txt"]
    assert (corpus_stage.last_stats.unchanged, corpus_stage.last_stats.analysed) == (4, 1)
    assert [(d["code"], {d["path"], d["related"][0]["path"]}) for d in found] == [
        ("DUP004", {"corpus/00.txt", "corpus/02.txt"})
    ]
    uncached = cli(
        "check",
        "--select",
        "DUP003,DUP004",
        "--output-format",
        "json",
        "--no-cache",
        "corpus/00.txt",
        cwd=folder,
    )
    assert uncached.json() == found


def _folder_digests(folder: Path) -> dict[bytes, int]:
    with sqlite3.connect(folder / ".corpus_lint_cache" / "signatures.sqlite3") as db:
        return dict(db.execute("SELECT path, digest FROM folders"))


@pytest.mark.parametrize("setting", ["shingle-size = 4", "num-perm = 64"])
def test_the_cache_is_invalidated_when_the_signature_settings_change(cli, tmp_path, setting):
    folder = corpus_folder(tmp_path)
    dup_findings(cli, folder, "corpus/00.txt")
    dup_findings(cli, folder, "corpus/00.txt")
    assert corpus_stage.last_stats.analysed == 0
    (folder / "corpus-lint.toml").write_text(f'corpus = ["corpus"]\n[near-duplicate]\n{setting}\n')
    dup_findings(cli, folder, "corpus/00.txt")
    assert corpus_stage.last_stats.analysed == 5


def test_no_cache_neither_reads_nor_writes_the_cache(cli, tmp_path):
    folder = corpus_folder(tmp_path)
    run = cli("check", "--select", "DUP", "--no-cache", "corpus/00.txt", cwd=folder)
    assert run.code == 0
    assert not (folder / ".corpus_lint_cache").exists()


@pytest.mark.parametrize("junk", [b"this is not a database at all" * 100, b""])
def test_a_corrupt_cache_is_rebuilt_with_a_warning(cli, tmp_path, junk):
    folder = corpus_folder(tmp_path)
    dup_findings(cli, folder)
    cache = folder / ".corpus_lint_cache" / "signatures.sqlite3"
    for suffix in ("-wal", "-shm"):
        Path(f"{cache}{suffix}").unlink(missing_ok=True)
    cache.write_bytes(junk)
    (folder / "corpus" / "dup.txt").write_text(article(11))
    run = cli(
        "check",
        "--select",
        "DUP003,DUP004",
        "--output-format",
        "json",
        "corpus/dup.txt",
        cwd=folder,
    )
    assert [d["code"] for d in run.json()] == ["DUP003"]
    if junk:
        assert "rebuilding" in run.err
    dup_findings(cli, folder, "corpus/dup.txt")
    assert corpus_stage.last_stats.analysed == 0  # the rebuilt cache works


def test_a_foreign_sqlite_file_is_rebuilt_with_a_warning(cli, tmp_path):
    folder = corpus_folder(tmp_path)
    (folder / ".corpus_lint_cache").mkdir()
    db = sqlite3.connect(folder / ".corpus_lint_cache" / "signatures.sqlite3")
    db.execute("CREATE TABLE photos (id INTEGER)")
    db.commit()
    db.close()
    run = cli("check", "--select", "DUP", "corpus/00.txt", cwd=folder)
    assert run.code == 0
    assert "not a corpus-lint cache" in run.err


def test_an_unwritable_cache_folder_means_a_warning_and_no_cache(cli, tmp_path):
    folder = corpus_folder(tmp_path)
    (folder / ".corpus_lint_cache").write_text("a file where the folder should be")
    run = cli("check", "--select", "DUP", "corpus/00.txt", cwd=folder)
    assert run.code == 0
    assert "running without it" in run.err


def test_two_runs_at_once_leave_an_intact_cache(tmp_path):
    folder = corpus_folder(tmp_path, files=30)
    command = [sys.executable, "-m", "corpus_lint", "check", "--select", "DUP", "--no-progress"]
    runs = [subprocess.Popen(command, cwd=folder, stderr=subprocess.PIPE) for _ in range(2)]
    for run in runs:
        assert run.wait(timeout=60) == 0, run.stderr.read().decode()
    db = sqlite3.connect(folder / ".corpus_lint_cache" / "signatures.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*) FROM files").fetchone() == (30,)


def test_a_run_opening_the_cache_while_another_creates_it_waits_for_it(tmp_path):
    """The switch to WAL of a new cache upgrades a read lock to a write lock, for which SQLite
    calls no busy handler: "database is locked" at once while another run creates the file
    (a warning in 60 of 500 trials of four processes opening a new cache at once), unless the
    run waits for it."""
    from corpus_lint.dedup.cache import CACHE_FILE_NAME, SignatureCache

    folder = tmp_path / ".corpus_lint_cache"
    folder.mkdir()
    # Another run, creating the cache: its file is still in the rollback journal mode.
    other = sqlite3.connect(folder / CACHE_FILE_NAME, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    done = threading.Timer(0.3, other.execute, ("COMMIT",))
    done.start()
    warnings: list[str] = []
    try:
        cache = SignatureCache.open(folder, 0, warnings)
    finally:
        done.join()
        other.close()
    assert warnings == []
    assert cache.db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    cache.close()


# datasketch and scipy (a second to import) are never needed: their values are computed. xxhash
# (0.4 ms to import) hashes the result cache's keys and file stamps in every run.
@pytest.mark.parametrize(("selected", "imported"), [("WS", "xxhash"), ("DUP", "numpy,xxhash")])
def test_only_a_check_with_dup_rules_imports_numpy_and_never_datasketch(
    tmp_path, selected, imported
):
    shutil.copy(SEED_004, tmp_path / "a.txt")
    shutil.copy(SEED_004, tmp_path / "b.txt")
    code = (
        "import sys\n"
        "from corpus_lint.cli import main\n"
        f"main(['check', '--select', '{selected}', '-q', 'a.txt', 'b.txt'])\n"
        "heavy = [m for m in ('numpy', 'scipy', 'datasketch', 'xxhash') if m in sys.modules]\n"
        "print('heavy:' + ','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PROJECT), "PATH": ""},
    )
    assert done.stdout.strip().splitlines()[-1] == f"heavy:{imported}", done.stdout + done.stderr


def test_rule_documentation_names_the_options(cli):
    run = cli("rule", "DUP004")
    assert "[tool.corpus-lint.near-duplicate]" in run.out
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in run.out


def test_verification_in_small_batches_reports_the_same_pairs(cli, tmp_path, monkeypatch):
    for i in range(4):  # four near-duplicate pairs, each file ~400 shingles
        (tmp_path / f"{i}a.txt").write_text(article(40 + i))
        (tmp_path / f"{i}b.txt").write_text(edited(article(40 + i), 3))
    whole = dup_findings(cli, tmp_path, "--no-cache")
    assert len(whole) == 4
    batches = []
    real = corpus_stage._verify_batches
    monkeypatch.setattr(corpus_stage, "VERIFY_SHINGLES", 500)  # about one pair per batch
    monkeypatch.setattr(
        corpus_stage, "_verify_batches", lambda pairs: batches.extend(real(pairs)) or batches
    )
    assert dup_findings(cli, tmp_path, "--no-cache") == whole
    assert len(batches) == 4
    assert all(len(files) == 2 for _, files in batches)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 120), st.data())
def test_verification_batches_hold_each_pair_once_with_its_files(count, data):
    from corpus_lint.dedup.corpus import REREAD_FILES, Entry, _verify_batches
    from corpus_lint.dedup.features import Features

    entries = [
        Entry(f"/c/{i:03}", Path(f"c/{i:03}"), True, i, Features(i, i, data.draw(SHINGLES), b""))
        for i in range(count)
    ]
    indices = st.integers(0, count - 1)
    drawn = data.draw(st.sets(st.tuples(indices, indices).filter(lambda p: p[0] < p[1])))
    pairs = [(entries[i], entries[j]) for i, j in sorted(drawn)]
    batches = list(_verify_batches(pairs))
    batched = [p for batch, _ in batches for p in batch]
    assert sorted(batched, key=_orders) == sorted(pairs, key=_orders)
    for batch, files in batches:
        assert batch and files == list(dict.fromkeys(e for pair in batch for e in pair))
        assert len(files) < 3 * REREAD_FILES  # a batch grows to 32 files, then one tile more


SHINGLES = st.sampled_from([0, 10, 400, 300_000])


def _orders(pair):
    return (pair[0].order, pair[1].order)


def test_files_all_alike_are_reread_once_a_block_of_them_not_once_a_pair():
    """1,000 articles from one template are all candidates of one another: each batch a file
    and the next 31 of its pairs reread 516,000 files for 500,000 pairs (41 s)."""
    from corpus_lint.dedup.corpus import REREAD_FILES, Entry, _verify_batches
    from corpus_lint.dedup.features import Features

    count = 300
    entries = [
        Entry(f"/c/{i:03}", Path(f"c/{i:03}"), True, i, Features(i, i, 50, b""))
        for i in range(count)
    ]
    pairs = [(a, b) for i, a in enumerate(entries) for b in entries[i + 1 :]]
    rereads = sum(len(files) for _, files in _verify_batches(pairs))
    blocks = -(-count // REREAD_FILES)
    assert rereads <= count * (blocks + 1)  # each file once with each block, about


@pytest.mark.parametrize(
    "run", ["whole", "changed files", "allow-list names a copy", "allow-list names the kept one"]
)
def test_copies_of_one_text_are_banded_once_and_report_what_banding_each_does(
    cli, tmp_path, monkeypatch, run
):
    """Of the files of a same-text group with the same bytes, only one goes into the LSH
    bands (3,000 copies of an error page made 4.5 million candidates): the findings are
    those of banding every copy. Equal texts in other bytes are banded each: an NFD copy
    has other shingles than the NFC one, and only it is like its own near copy."""
    import unicodedata

    for i in range(4):  # three copies of a text, and one with other white space
        text = article(80)
        (tmp_path / f"copy{i}.txt").write_text(text.replace(" ", "  ", 3) if i == 3 else text)
    (tmp_path / "near.txt").write_text(edited(article(80), 3))
    (tmp_path / "other.txt").write_text(article(81))
    (tmp_path / "other-near.txt").write_text(edited(article(81), 4))
    (tmp_path / "other-copy.txt").write_text(article(81))
    accented = article(82).replace("x", "\u00e9")  # every word: "w82é123"
    (tmp_path / "nfc.txt").write_text(accented)
    (tmp_path / "nfd.txt").write_text(unicodedata.normalize("NFD", accented))
    (tmp_path / "nfd-near.txt").write_text(unicodedata.normalize("NFD", edited(accented, 3)))
    paths = ["."]
    if run == "changed files":
        (tmp_path / "corpus-lint.toml").write_text('corpus = ["."]\n')
        dup_findings(cli, tmp_path)  # the cache holds the corpus
        paths = ["copy2.txt", "near.txt", "nfc.txt"]
    if run.startswith("allow-list"):
        named = "copy1.txt" if run.endswith("a copy") else "copy0.txt"
        (tmp_path / "corpus-lint.toml").write_text('[near-duplicate]\nallow = "allow.toml"\n')
        allowed = f'[[allow]]\npaths = ["{named}", "near.txt"]\nreason = "reviewed"\n'
        (tmp_path / "allow.toml").write_text(allowed)
    once = dup_findings(cli, tmp_path, *paths)
    banded_once = corpus_stage.last_stats.candidates
    assert {f["code"] for f in once} == {"DUP003", "DUP004"}
    if run != "changed files":
        assert any(f["path"] == "nfd-near.txt" and f["code"] == "DUP004" for f in once)
    signed_only = lambda stage, groups: stage.table.signed_rows(stage.entries.rows)  # noqa: E731
    monkeypatch.setattr(corpus_stage._Stage, "_banded", signed_only)
    assert dup_findings(cli, tmp_path, *paths) == once
    if run != "changed files":  # (which pairs its targets with the cache's bands instead)
        assert corpus_stage.last_stats.candidates > banded_once


def test_worker_processes_reread_and_compare_the_pairs_the_parent_only_gathers(
    cli, tmp_path, monkeypatch
):
    """With workers, each verification batch's files are reread and its pairs compared in a
    worker: the parent computes no exact Jaccard (it once compared every pair itself, alone
    on one core after the workers were done), and the findings are those of one process."""
    import corpus_lint.parallel

    for i in range(4):
        (tmp_path / f"{i}a.txt").write_text(article(60 + i))
        (tmp_path / f"{i}b.txt").write_text(edited(article(60 + i), 3))
    (tmp_path / "changed.txt").write_text(article(70))
    compared = []
    real = corpus_stage.exact_jaccard
    monkeypatch.setattr(
        corpus_stage, "exact_jaccard", lambda a, b: compared.append(os.getpid()) or real(a, b)
    )
    alone = dup_findings(cli, tmp_path, "--no-cache", "--jobs", "1")
    assert len(alone) == 4 and compared == [os.getpid()] * 4
    compared.clear()
    monkeypatch.setattr(corpus_lint.parallel, "MIN_FILES_FOR_WORKERS", 2)
    assert dup_findings(cli, tmp_path, "--no-cache", "--jobs", "2") == alone
    assert compared == []
    assert corpus_stage.last_stats.verified == 4


def test_repeated_lines_are_counted_while_the_workers_verify_the_pairs(cli, tmp_path, monkeypatch):
    """BP005 needs no verified pair: with workers, its lines are counted once the batches are
    queued, before the parent gathers the first similarity (it ran after the clusters, the
    workers long gone), and every finding is that of one process."""
    import corpus_lint.parallel

    line = "Follow our live coverage of the markets every weekday morning"
    for i in range(4):
        (tmp_path / f"{i}a.txt").write_text(article(90 + i) + line + "\n")
        (tmp_path / f"{i}b.txt").write_text(edited(article(90 + i), 3) + line + "\n")
    counted = []
    real = corpus_stage._Stage._repeated_lines

    def recorded(stage):
        counted.append(corpus_stage.last_stats.verified)
        return real(stage)

    monkeypatch.setattr(corpus_stage._Stage, "_repeated_lines", recorded)
    argv = ("check", "--no-cache", "--select", "DUP004,BP005", "--output-format", "json")
    alone = cli(*argv, "--jobs", "1", cwd=tmp_path).json()
    assert {d["code"] for d in alone} == {"DUP004", "BP005"}
    monkeypatch.setattr(corpus_lint.parallel, "MIN_FILES_FOR_WORKERS", 2)
    assert cli(*argv, "--jobs", "2", cwd=tmp_path).json() == alone
    assert counted == [0, 0] and corpus_stage.last_stats.verified == 4


def test_the_stage_is_freed_when_it_returns_though_the_collector_is_off(cli, tmp_path, monkeypatch):
    """The run pauses the garbage collector: the stage must leave no reference cycle (the
    step it runs while the workers verify holds it), or its entries and tables outlive it
    through the report (10 MB of a cold run's peak at 100,000 files)."""
    import gc
    import weakref

    for i in range(2):
        (tmp_path / f"{i}a.txt").write_text(article(95 + i) + "Read more from our newsroom\n")
        (tmp_path / f"{i}b.txt").write_text(edited(article(95 + i), 3))
    stages = []
    real = corpus_stage._Stage.run

    def run(stage):
        stages.append(weakref.ref(stage))
        return real(stage)

    monkeypatch.setattr(corpus_stage._Stage, "run", run)
    enabled = gc.isenabled()
    gc.disable()
    try:
        found = cli("check", "--no-cache", "--select", "DUP004,BP005", cwd=tmp_path)
    finally:
        if enabled:
            gc.enable()
    assert "DUP004" in found.out
    assert len(stages) == 1 and stages[0]() is None


def test_a_batch_pair_with_a_file_changed_since_its_features_is_not_compared(tmp_path):
    """`batch_similarities` (a worker's task): the exact Jaccard of each pair of files as
    they are now, None for a pair with a file whose bytes are no longer the hashed ones."""
    from corpus_lint.dedup.features import content_hash

    paths = []
    for name, text in [("a", article(80)), ("b", edited(article(80), 3)), ("c", article(81))]:
        (tmp_path / f"{name}.txt").write_text(text)
        paths.append(str(tmp_path / f"{name}.txt"))
    contents = [content_hash(Path(p).read_bytes()) for p in paths]
    files = [(p, c, ()) for p, c in zip(paths, contents)]
    pairs = [(0, 1), (0, 2), (1, 2)]
    first = corpus_stage.batch_similarities((files, pairs), 5)
    assert 0.8 < first[0] < 1 and first[1] < 0.1 and first[2] < 0.1
    (tmp_path / "b.txt").write_text(article(80))  # b changed: its pairs are not compared
    assert corpus_stage.batch_similarities((files, pairs), 5) == [None, first[1], None]


def test_changed_files_mode_with_the_corpus_walked_by_worker_processes(cli, tmp_path, monkeypatch):
    import corpus_lint.files

    monkeypatch.setattr(corpus_lint.files, "PARALLEL_WALK_FILES", 2)
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n')
    for i in range(8):
        (tmp_path / "corpus" / f"f{i}").mkdir(parents=True)
        for j in range(3):
            (tmp_path / "corpus" / f"f{i}" / f"{j}.txt").write_text(article(100 + 3 * i + j))
    assert dup_findings(cli, tmp_path, "--jobs", "2") == []  # fills the cache
    (tmp_path / "corpus" / "f0" / "new.txt").write_text(edited(article(100 + 3 * 7 + 1), 3))
    (tmp_path / "corpus" / "f0" / "same.txt").write_text(article(100 + 3 * 5))
    found = dup_findings(cli, tmp_path, "--jobs", "2", "corpus/f0/new.txt", "corpus/f0/same.txt")
    # Ties but path order: the new files are kept, the committed copies are redundant.
    assert [(d["code"], d["path"], d["related"][0]["path"]) for d in found] == [
        ("DUP003", "corpus/f5/0.txt", "corpus/f0/same.txt"),
        ("DUP004", "corpus/f7/1.txt", "corpus/f0/new.txt"),
    ]
    assert corpus_stage.last_stats.unchanged == 24
    assert corpus_stage.last_stats.analysed == 0
    # A file of an unchanged folder rewritten in place is found again by the next walk.
    (tmp_path / "corpus" / "f3" / "2.txt").write_text(article(100 + 3 * 7 + 1))
    found = dup_findings(cli, tmp_path, "--jobs", "2", "corpus/f0/new.txt")
    assert sorted((d["path"], d["related"][0]["path"]) for d in found) == [
        ("corpus/f3/2.txt", "corpus/f0/new.txt"),
        ("corpus/f7/1.txt", "corpus/f0/new.txt"),
    ]
    assert corpus_stage.last_stats.analysed == 1
    # The walk begins before the configuration's cache key is known: folders the cache
    # vouches for under another configuration only are walked again, and rehashed.
    settings = 'corpus = ["corpus"]\n[near-duplicate]\nshingle-size = 4\n'
    (tmp_path / "corpus-lint.toml").write_text(settings)
    found = dup_findings(cli, tmp_path, "--jobs", "2", "corpus/f0/new.txt")
    assert len(found) == 2
    assert (corpus_stage.last_stats.unchanged, corpus_stage.last_stats.analysed) == (0, 25)
    # A file beside the target rewritten in place: its folder, walked by this process while
    # the workers walk the others (and looked up in the cache meanwhile), gives it again.
    (tmp_path / "corpus" / "f0" / "same.txt").write_text(edited(article(100 + 3 * 7 + 1), 5))
    found = dup_findings(cli, tmp_path, "--jobs", "2", "corpus/f0/new.txt")
    assert sorted((d["path"], d["related"][0]["path"]) for d in found) == [
        ("corpus/f0/same.txt", "corpus/f0/new.txt"),
        ("corpus/f3/2.txt", "corpus/f0/new.txt"),
        ("corpus/f7/1.txt", "corpus/f0/new.txt"),
    ]
    assert (corpus_stage.last_stats.unchanged, corpus_stage.last_stats.analysed) == (24, 1)


def test_a_corpus_walk_begun_for_a_run_that_does_not_need_it_is_cancelled(
    cli, tmp_path, monkeypatch
):
    # `commands.early_walk` guesses from the arguments that two files named against the
    # corpus are a pre-commit run and begins the walk, which the stage uses; when the engine
    # finds that its run does not need it (here made so), it cancels that walk (no fork while
    # walkers run) and the stage walks the corpus itself, to the same findings.
    import corpus_lint.commands
    import corpus_lint.engine
    import corpus_lint.files
    import corpus_lint.parallel

    monkeypatch.setattr(corpus_lint.files, "PARALLEL_WALK_FILES", 2)
    begun, cancelled = [], []
    early_walk, cancel = corpus_lint.commands.early_walk, corpus_lint.files.CorpusWalk.cancel

    def spied_early_walk(*args):
        begun.append(early_walk(*args))
        return begun[-1]

    def spied_cancel(walk) -> None:
        cancelled.append(walk._pool is not None)  # its workers' results not collected yet
        cancel(walk)

    monkeypatch.setattr(corpus_lint.commands, "early_walk", spied_early_walk)
    monkeypatch.setattr(corpus_lint.files.CorpusWalk, "cancel", spied_cancel)
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n')
    for i in range(4):
        (tmp_path / "corpus" / f"f{i}").mkdir(parents=True)
        for j in range(3):
            (tmp_path / "corpus" / f"f{i}" / f"{j}.txt").write_text(article(200 + 3 * i + j))
    (tmp_path / "new.txt").write_text(edited(article(200 + 3 * 2 + 1), 3))
    (tmp_path / "same.txt").write_text(article(200 + 3 * 3))
    targets = ("--jobs", "2", "new.txt", "same.txt")
    found = dup_findings(cli, tmp_path, *targets)
    assert sorted((d["code"], d["path"], d["related"][0]["path"]) for d in found) == [
        ("DUP003", "same.txt", "corpus/f3/0.txt"),
        ("DUP004", "new.txt", "corpus/f2/1.txt"),
    ]
    assert len(begun) == 1 and begun[0] is not None  # begun early...
    assert not any(cancelled)  # ...and used: its workers were over when it ended
    walk_wanted = corpus_lint.engine._walk_wanted
    monkeypatch.setattr(corpus_lint.engine, "_walk_wanted", lambda *args: False)
    begun.clear()
    cancelled.clear()
    assert dup_findings(cli, tmp_path, *targets) == found
    assert begun[0] is not None and cancelled[0]  # stopped by the engine while it ran
    # Files enough for worker processes (here a worker a file): no walk guessed, none wasted.
    monkeypatch.setattr(corpus_lint.engine, "_walk_wanted", walk_wanted)
    monkeypatch.setattr(corpus_lint.parallel, "MIN_FILES_FOR_WORKERS", 1)
    begun.clear()
    assert dup_findings(cli, tmp_path, *targets) == found
    assert begun == [None]


def _near_and_exact_corpus(tmp_path: Path) -> Path:
    folder = corpus_folder(tmp_path)
    (folder / "corpus" / "near.txt").write_text("A longer title line\n" + edited(article(12), 3))
    (folder / "corpus" / "same.txt").write_text(article(13))
    return folder


def test_a_warm_run_takes_the_features_of_unchanged_files_from_the_cache(
    cli, tmp_path, monkeypatch
):
    from corpus_lint import engine

    folder = _near_and_exact_corpus(tmp_path)
    uncached = dup_findings(cli, folder, "--no-cache")
    assert {d["code"] for d in uncached} == {"DUP003", "DUP004"}
    assert dup_findings(cli, folder) == uncached  # fills the cache
    _touch_all(folder)  # read again (the result cache no longer vouches for them)...
    assert dup_findings(cli, folder) == uncached
    assert corpus_stage.last_stats.from_cache == 0  # too few files to be worth it
    monkeypatch.setattr(engine, "MIN_FILES_FOR_CACHED_FEATURES", 8)
    _touch_all(folder)
    assert dup_findings(cli, folder) == uncached  # same lines, columns and similarities
    assert corpus_stage.last_stats.from_cache == 8  # ...but their signatures are not computed


def _touch_all(folder: Path) -> None:
    """New stamps, same bytes: every file is read again, its contents seen before."""
    for path in (folder / "corpus").iterdir():
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))


def test_features_the_cache_lost_meanwhile_are_computed_again(cli, tmp_path, monkeypatch):
    import corpus_lint.dedup
    from corpus_lint import engine

    monkeypatch.setattr(engine, "MIN_FILES_FOR_CACHED_FEATURES", 1)

    folder = _near_and_exact_corpus(tmp_path)
    expected = dup_findings(cli, folder, "--no-cache")
    dup_findings(cli, folder)
    held = corpus_lint.dedup.cached_contents

    def then_lost(cache):
        contents = held(cache)
        shutil.rmtree(folder / ".corpus_lint_cache")  # as another run rebuilding it would
        return contents

    monkeypatch.setattr(corpus_lint.dedup, "cached_contents", then_lost)
    _touch_all(folder)  # read again: their results are not trusted
    assert dup_findings(cli, folder) == expected
    assert corpus_stage.last_stats.from_cache == 0


def test_a_pair_is_verified_once_then_its_similarity_comes_from_the_cache(cli, tmp_path):
    folder = _near_and_exact_corpus(tmp_path)
    first = dup_findings(cli, folder)
    assert corpus_stage.last_stats.verified == 1
    assert dup_findings(cli, folder) == first
    assert corpus_stage.last_stats.candidates >= 1
    assert corpus_stage.last_stats.verified == 0
    # The Jaccard is cached, not the verdict: a higher threshold drops the pair at once.
    (folder / "corpus-lint.toml").write_text(
        'corpus = ["corpus"]\n[near-duplicate]\nthreshold = 0.95\n'
    )
    assert [d["code"] for d in dup_findings(cli, folder)] == ["DUP003"]
    assert corpus_stage.last_stats.verified == 0


@pytest.mark.parametrize(
    ("apart", "forked"),
    [(True, True), (True, False), (False, True)],
    ids=["in-the-background", "in-a-thread", "at-the-end"],
)
def test_a_cache_write_that_fails_is_a_warning_and_the_findings_stand(
    cli, tmp_path, monkeypatch, apart, forked
):
    """Written in the background (a process; a thread where processes are not forked)
    while the stage works, or by the run itself at the end (a run that read few files)."""
    import threading

    from corpus_lint.dedup.cache import SignatureCache

    monkeypatch.setattr(corpus_stage, "MIN_FILES_TO_WRITE_APART", 0 if apart else 10**9)
    if not forked:  # as on macOS or Windows
        monkeypatch.setattr(SignatureCache, "stores_in_a_process", staticmethod(lambda: False))
    folder = _near_and_exact_corpus(tmp_path)
    expected = dup_findings(cli, folder, "--no-cache")
    store = SignatureCache.store
    writers = tmp_path / "writers.txt"  # a file: the writer may be a process of its own

    def full_disk(self, *args, **kwargs):
        if args and args[0]:  # the files of the run: written by the cache's writer
            with writers.open("a") as record:
                record.write(f"{os.getpid()} {threading.current_thread().name}\n")
            raise sqlite3.OperationalError("database or disk is full")
        return store(self, *args, **kwargs)

    monkeypatch.setattr(SignatureCache, "store", full_disk)
    run = cli("check", "--select", "DUP003,DUP004", "--output-format", "json", cwd=folder)
    assert run.code == 1
    assert run.json() == expected
    # Once: in the background, a forked process where there is one (Linux), else a thread.
    (written,) = writers.read_text().splitlines()
    pid, thread = written.split(" ", 1)
    if not apart:
        assert (int(pid), thread) == (os.getpid(), "MainThread")
    elif SignatureCache.stores_in_a_process():
        assert int(pid) != os.getpid()
    else:
        assert (int(pid), thread) == (os.getpid(), "corpus-lint cache writer")
    assert "cache error (database or disk is full); ran without the cache" in run.err
    monkeypatch.setattr(SignatureCache, "store", store)
    assert dup_findings(cli, folder) == expected  # and the next run fills the cache
    assert dup_findings(cli, folder) == expected
    assert corpus_stage.last_stats.verified == 0


def test_a_corpus_file_named_with_dotdot_after_a_link_is_not_its_own_duplicate(cli, tmp_path):
    # lnk/../02.txt is corpus/02.txt: keyed by `abspath`, it was another file, its own
    # DUP003 copy, and `--fix --unsafe-fixes` deleted the corpus's only copy.
    folder = corpus_folder(tmp_path)
    (folder / "corpus" / "sub").mkdir()
    (folder / "lnk").symlink_to("corpus/sub", target_is_directory=True)
    for extra in ([], ["--no-cache"]):
        run = cli(
            "check",
            "--select",
            "DUP",
            "--fix",
            "--unsafe-fixes",
            *extra,
            "lnk/../02.txt",
            cwd=folder,
        )
        assert run.code == 0, run.err
        assert (folder / "corpus" / "02.txt").read_text() == article(12)


def test_a_redundant_document_that_is_its_keepers_own_file_is_never_removed(tmp_path):
    from types import SimpleNamespace

    from corpus_lint.dedup.removal import remove_redundant
    from corpus_lint.rule import Diagnostic, Fix, Related

    (tmp_path / "a.txt").write_text("text\n")
    (tmp_path / "sub").mkdir()
    documents = {
        name: SimpleNamespace(path=str(tmp_path / name), target=True, content=0)
        for name in ["a.txt", "sub/../a.txt"]
    }
    kept = Related("a.txt")
    d = Diagnostic(
        "DUP003", "exact-duplicate", "copy", "warning", "sub/../a.txt", 1, 1, 1, 1,
        fix=Fix((), "unsafe", "Delete the file"), related=(kept,), cluster="c1",
    )  # fmt: skip
    job = SimpleNamespace(settings=None, fix=SimpleNamespace(diff=False))
    result = SimpleNamespace(warnings=[], errors=[], fixed={}, diffs=[], text_fixed=set())
    left = remove_redundant([d], documents, job, result)
    assert left == [d] and (tmp_path / "a.txt").read_text() == "text\n"
    assert result.warnings == ["sub/../a.txt: the same file as a document kept; not removed"]


def _two_names_of_each_file(tmp_path: Path, how: str) -> tuple[Path, Path]:
    """store/ with three articles, and view/ naming the same files: a folder mounted a second
    time (one inode, one directory entry: deleting either name deletes both), or hard links."""
    store, view = tmp_path / "store", tmp_path / "view"
    store.mkdir()
    view.mkdir()
    for seed in range(3):
        (store / f"{seed}.txt").write_text(article(seed))
    if how == "hard links":
        for seed in range(3):
            os.link(store / f"{seed}.txt", view / f"{seed}.txt")
        return store, view
    done = subprocess.run(["mount", "--bind", str(store), str(view)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"mount --bind is not allowed here: {done.stderr.decode().strip()}")
    return store, view


@pytest.mark.skipif(sys.platform != "linux", reason="mount --bind and os.link as on Linux")
@pytest.mark.parametrize("how", ["hard links", "a second mount"])
def test_a_redundant_document_that_is_its_keepers_directory_entry_is_never_removed(
    cli, tmp_path, how
):
    # Found by an adversarial review: with store/ mounted again as view/, each view/ file
    # was its store/ keeper's duplicate, and deleting it deleted the keeper: every article
    # was lost ("Fixed 3 issues ... All checks passed"). A hard link is an entry of its own:
    # its redundant name goes, the text stays under the keeper's (as the README says).
    store, view = _two_names_of_each_file(tmp_path, how)
    try:
        run = cli("check", "store", "view", "--select", "DUP", "--fix", "--unsafe-fixes",
                  "--no-cache", cwd=tmp_path)  # fmt: skip
        assert sorted(p.name for p in store.iterdir()) == ["0.txt", "1.txt", "2.txt"]
        assert (store / "0.txt").read_text() == article(0)
        if how == "hard links":
            assert run.code == 0 and list(view.iterdir()) == [], run.out + run.err
            again = cli("check", "store", "view", "--select", "DUP", "--no-cache", cwd=tmp_path)
            assert again.code == 0 and "fixable" not in again.out
        else:
            assert run.err.count("the same file as a document kept; not removed") == 3, run.err
    finally:
        if how == "a second mount":
            subprocess.run(["umount", str(view)], check=True)


@pytest.mark.parametrize("threshold", ["0.9", "0.7"])
def test_a_changed_files_run_after_a_threshold_change_finds_near_copies_of_cached_files(
    cli, tmp_path, threshold
):
    # Found by an adversarial review: the band keys of cached files were made with the old
    # threshold's banding, which a run only adds to for the contents it stores, so a changed-
    # files run found no candidate among them and said "All checks passed" where --no-cache
    # reports DUP004.
    folder = corpus_folder(tmp_path)
    assert dup_findings(cli, folder) == []  # the cache filled at 0.8
    (folder / "corpus-lint.toml").write_text(
        f'corpus = ["corpus"]\n[near-duplicate]\nthreshold = {threshold}\n'
    )
    assert dup_findings(cli, folder) == []  # a whole run at the new threshold
    (folder / "corpus" / "near.txt").write_text(edited(article(12), 2))
    uncached = dup_findings(cli, folder, "--no-cache", "corpus/near.txt")
    assert [d["code"] for d in uncached] == ["DUP004"]
    for _ in range(2):
        assert dup_findings(cli, folder, "corpus/near.txt") == uncached

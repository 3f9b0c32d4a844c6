"""Duplicate clusters (DUP003/DUP004): keepers, chains, the allow-list, removal, reports."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lint.dedup.clusters import KEEP_CRITERIA, Allowed, Keeping, form_clusters, rank
from tests.helpers import changed, random_article

DUP = ["--select", "DUP003,DUP004,SRC001,WS"]
ONLY_DUP = ["--select", "DUP003,DUP004"]


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def findings(cli, folder: Path, *args: str) -> list[dict]:
    run = cli("check", *DUP, "--output-format", "json", *args, cwd=folder)
    assert run.code in (0, 1), run.err
    return [d for d in run.json() if d["code"] in ("DUP003", "DUP004")]


def clusters_of(cli, folder: Path, *args: str) -> list[dict]:
    run = cli("check", *DUP, "--output-format", "clusters", *args, cwd=folder)
    assert run.code in (0, 1), run.err
    return [json.loads(line) for line in run.out.splitlines()]


# --- cluster formation -----------------------------------------------------------------------


def test_a_chain_does_not_pull_a_document_into_a_cluster_whose_keeper_it_is_unlike(cli, tmp_path):
    a = random_article(1)
    b = changed(a, list(range(10, 400, 50)))  # 8 words: J(a, b) about 0.82
    c = changed(b, list(range(35, 400, 50)))  # 8 more: J(b, c) about 0.82, J(a, c) about 0.68
    folder = write(tmp_path / "c", {"a.txt": a, "b.txt": b, "c.txt": c, "x.txt": random_article(2)})
    found = findings(cli, folder)
    # a is kept (every criterion ties but path order) and takes b; c is not like a.
    assert [(d["path"], d["related"][0]["path"]) for d in found] == [("b.txt", "a.txt")]
    assert 0.8 <= found[0]["related"][0]["similarity"] < 0.85
    [cluster] = clusters_of(cli, folder)
    assert cluster["keeper"] == "a.txt"
    assert [m["path"] for m in cluster["members"]] == ["b.txt"]


@pytest.mark.parametrize("cache", ["warm", "cold", "none"])
def test_a_changed_files_run_forms_its_files_clusters_as_a_whole_corpus_run(cli, tmp_path, cache):
    # Found by an adversarial review: a pre-commit run formed clusters from its files' own
    # pairs only. With k~a and a~x (k not like x, k kept first), it put x in a's cluster,
    # which a whole-corpus run never forms (a is k's copy), and its --fix deleted the new
    # file x, whose text a later fix then left nowhere.
    k = random_article(1)
    a = changed(k, list(range(10, 400, 50)))  # J(k, a) about 0.82
    x = changed(a, list(range(35, 400, 50)))  # J(a, x) about 0.82, J(k, x) about 0.68
    longest = k.replace("\n\nSource:", " More.\n\nSource:")  # kept first: most text
    folder = write(tmp_path / "c", {"news/k.txt": longest, "news/a.txt": a})
    (folder / "corpus-lint.toml").write_text('corpus = ["news"]\n')
    no_cache = ["--no-cache"] if cache == "none" else []
    if cache == "warm":
        assert cli("check", *DUP, ".", cwd=folder).code == 1  # the cache holds the corpus
    (folder / "news" / "x.txt").write_text(x)
    whole = clusters_of(cli, folder, "--no-cache")
    assert [(c["keeper"], [m["path"] for m in c["members"]]) for c in whole] == [
        ("news/k.txt", ["news/a.txt"])
    ]
    if cache == "cold":
        shutil.rmtree(folder / ".corpus_lint_cache", ignore_errors=True)
    assert clusters_of(cli, folder, *no_cache, "news/x.txt") == []
    run = cli("check", *DUP, *no_cache, "--fix", "--unsafe-fixes", "news/x.txt", cwd=folder)
    assert run.code == 0 and (folder / "news" / "x.txt").read_text() == x


def test_the_pure_function_places_a_chain_end_with_another_keeper():
    ranks = {doc: (doc,) for doc in "ABCD"}
    similar = {("A", "B"): 0.9, ("B", "C"): 0.9, ("C", "D"): 0.95, ("A", "C"): 0.5}
    asked = []

    def verify(pairs):
        asked.extend(pairs)
        return {p: similar.get(p, similar.get(p[::-1], 0.1)) for p in pairs}

    pairs = [("A", "B", 0.9), ("B", "C", 0.9), ("C", "D", 0.95)]
    clusters = form_clusters(ranks, pairs, [], 0.8, verify)
    assert [(c.keeper, c.members) for c in clusters] == [
        ("A", (("B", 0.9),)),
        ("C", (("D", 0.95),)),
    ]
    # A's pairs with C and D were not candidates: they were verified, not assumed.
    assert sorted(asked) == [("A", "C"), ("A", "D")]


def test_five_copies_of_a_story_are_one_cluster_with_four_findings(cli, tmp_path):
    story = random_article(3)
    files = {f"copy{n}.txt": changed(story, [100 + n]) for n in range(4)}
    files["original.txt"] = story + "\nOne more sentence of the original story here today.\n"
    folder = write(tmp_path / "c", files)
    found = findings(cli, folder)
    assert sorted(d["path"] for d in found) == [f"copy{n}.txt" for n in range(4)]
    assert {d["related"][0]["path"] for d in found} == {"original.txt"}  # most text
    for d in found:  # related: the keeper, then the three other members
        assert len(d["related"]) == 4
        assert "cluster" in d["message"] and "(5 documents)" in d["message"]
    [cluster] = clusters_of(cli, folder)
    assert (cluster["keeper"], cluster["size"]) == ("original.txt", 5)


# --- keeper policy -----------------------------------------------------------------------------


def keeper_of(cli, folder: Path, keep: list[str] | None) -> str:
    config = "[near-duplicate]\n" + (f"keep = {json.dumps(keep)}\n" if keep else "")
    (folder / "corpus-lint.toml").write_text(config)
    [cluster] = clusters_of(cli, folder)
    return cluster["keeper"]


def test_most_text_keeps_the_longer_copy(cli, tmp_path):
    story = random_article(4)
    longer = story.replace("\n\nSource", " And a closing sentence of eight more words.\n\nSource")
    folder = write(tmp_path / "c", {"a.txt": story, "b.txt": longer})
    assert keeper_of(cli, folder, ["most-text"]) == "b.txt"
    assert keeper_of(cli, folder, ["first-path"]) == "a.txt"


def test_copies_of_one_text_hold_as_much_text_each(cli, tmp_path):
    # Found by a review: an NFD copy splits its accented words at their marks, so it counts
    # more shingles than its NFC original, and "most-text" kept it over the original.
    import unicodedata

    story = random_article(7).replace("1", "é")  # "w7xé53": each word holds an accent
    nfd = unicodedata.normalize("NFD", story)
    assert len(re.findall(r"\w+", nfd)) > len(re.findall(r"\w+", story))
    folder = write(tmp_path / "c", {"a.txt": story, "b.txt": nfd})
    assert keeper_of(cli, folder, ["most-text"]) == "a.txt"  # a tie, then path order


def test_has_source_keeps_the_attributed_copy_even_when_shorter(cli, tmp_path):
    story = random_article(5, source=False)
    shorter = " ".join(story.rstrip("\n").split(" ")[:-5])  # five words fewer
    attributed = shorter + ".\n\nSource: Wire\n"
    folder = write(tmp_path / "c", {"a.txt": story, "b.txt": attributed})
    assert keeper_of(cli, folder, None) == "b.txt"  # the default puts has-source first
    assert keeper_of(cli, folder, ["most-text"]) == "a.txt"


def test_fewest_findings_keeps_the_cleaner_copy(cli, tmp_path):
    story = random_article(6)
    messy = story.replace("\n\n", "  \n\n", 3)  # trailing white space: WS findings
    folder = write(tmp_path / "c", {"a.txt": messy, "b.txt": story})
    assert keeper_of(cli, folder, ["fewest-findings"]) == "b.txt"
    assert keeper_of(cli, folder, ["first-path"]) == "a.txt"


@pytest.mark.parametrize(
    ("keep", "message"),
    [
        ('["longest"]', "unknown criterion 'longest'"),
        ('["first-path", "most-text"]', "'first-path' must be last"),
        ('"most-text"', "must be a list of criteria"),
    ],
)
def test_a_bad_keeper_policy_is_a_one_line_error(cli, tmp_path, keep, message):
    folder = write(tmp_path / "c", {"a.txt": random_article(7)})
    (folder / "corpus-lint.toml").write_text(f"[near-duplicate]\nkeep = {keep}\n")
    run = cli("check", "a.txt", cwd=folder)
    assert run.code == 2
    assert message in run.err and len(run.err.strip().splitlines()) == 1


def test_first_path_is_implicitly_the_last_criterion():
    a = Keeping("b.txt", 10, True, 0)
    b = Keeping("a.txt", 10, True, 0)
    assert rank(["most-text"], b) < rank(["most-text"], a)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 9),
    st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.floats(0, 1)), max_size=30),
    st.lists(st.lists(st.integers(0, 8), min_size=2, max_size=4), max_size=2),
    st.permutations(list(KEEP_CRITERIA[:3])),
    st.integers(0, 3),
    st.lists(st.tuples(st.integers(0, 2000), st.booleans(), st.integers(0, 5)), min_size=9),
)
@pytest.mark.slow
def test_no_keeper_is_ever_a_redundant_document(docs, pairs, groups, order, used, facts):
    """Over random similarities, same-text groups and keeper policies: a keeper is never a
    member (so never removed), every member is like its keeper at the threshold, no
    document is in two clusters, and the keeper is the best of its cluster by the policy."""
    policy = [*order[:used], "first-path"]
    names = [f"d{i}.txt" for i in range(docs)]
    ranks = {
        name: rank(policy, Keeping(name, *facts[i % len(facts)])) for i, name in enumerate(names)
    }
    truth: dict[tuple[str, str], float] = {}
    for i, j, value in pairs:
        if i < docs and j < docs and i != j:
            truth[(names[i], names[j])] = truth[(names[j], names[i])] = value
    same = [[names[i] for i in set(group) if i < docs] for group in groups]
    same = [group for group in same if len(group) > 1]
    text_of = {doc: n for n, group in enumerate(same) for doc in group}

    def exact(a, b):
        if a in text_of and text_of.get(a) == text_of.get(b):
            return 1.0
        return truth.get((a, b), 0.0)

    known = [(a, b, v) for (a, b), v in truth.items() if a < b]
    clusters = form_clusters(ranks, known, same, 0.8, lambda needed: {p: exact(*p) for p in needed})
    keepers = {c.keeper for c in clusters}
    members = [doc for c in clusters for doc, _ in c.members]
    assert not keepers & set(members)
    assert len(members) == len(set(members))
    for c in clusters:
        for doc, value in c.members:
            assert value >= 0.8 and exact(c.keeper, doc) == value
            assert ranks[c.keeper] < ranks[doc]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(2, 12),
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 11)), max_size=40),
    st.lists(st.sampled_from([0.3, 0.79, 0.8, 0.9]), min_size=66, max_size=66),
    st.lists(st.lists(st.integers(0, 11), min_size=2, max_size=4), max_size=2),
    st.lists(st.integers(0, 3), min_size=12, max_size=12),
    st.sets(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=3),
)
def test_clusters_from_a_spanning_forest_and_linked_pairs_left_unverified_are_the_same(
    docs, candidates, values, groups, facts, allowed_pairs
):
    """Verifying a spanning forest of the candidates, then only the candidates whose
    documents the pairs found alike do not link yet (`_Stage._verify`), gives the clusters
    that verifying every candidate gives: over random candidate graphs, similarities,
    same-text groups, ranks and allowed pairs."""
    from corpus_lint.dedup.clusters import spanning_pairs, split_linked

    names = [f"d{i:02}" for i in range(docs)]
    ranks = {name: (facts[i], name) for i, name in enumerate(names)}
    index = {(i, j): n for n, (i, j) in enumerate((i, j) for i in range(12) for j in range(i))}
    same = [sorted({names[i] for i in g if i < docs}) for g in groups]
    same = [g for g in same if len(g) > 1]
    text_of = {doc: n for n, group in enumerate(same) for doc in group}
    allowed = {frozenset((names[i], names[j])) for i, j in allowed_pairs if max(i, j) < docs}
    allow = Allowed([SimpleNamespace(paths=tuple(p)) for p in allowed], {n: (n,) for n in names})

    def exact(a, b):
        if a in text_of and text_of.get(a) == text_of.get(b):
            return 1.0
        i, j = sorted((names.index(a), names.index(b)), reverse=True)
        return values[index[(i, j)]]

    def is_allowed(a, b):
        return frozenset((a, b)) in allowed

    def verify(needed):
        return {p: exact(*p) for p in needed}

    pairs = sorted(
        {(names[min(i, j)], names[max(i, j)]) for i, j in candidates if i != j and max(i, j) < docs}
    )
    pairs = [(a, b) for a, b in pairs if not (a in text_of and text_of.get(a) == text_of.get(b))]
    everything = [(a, b, exact(a, b)) for a, b in pairs]
    expected = form_clusters(ranks, everything, same, 0.8, verify, allow)

    first, later = spanning_pairs(pairs)
    found = [(a, b, exact(a, b)) for a, b in first]
    links = [(a, b) for a, b, v in found if v >= 0.8 and not is_allowed(a, b)]
    linked, later = split_linked(later, links)
    unverified = [p for p in linked if not is_allowed(*p)]
    later += [p for p in linked if is_allowed(*p)]
    found += [(a, b, exact(a, b)) for a, b in later]
    pruned = form_clusters(ranks, found, same, 0.8, verify, allow, unverified)
    assert pruned == expected


@pytest.mark.parametrize("allowed", [None, ("c.txt", "d.txt"), ("a.txt", "c.txt")])
def test_a_run_verifying_a_spanning_forest_first_reports_what_verifying_all_does(
    cli, tmp_path, monkeypatch, allowed
):
    """Six copies of a story, a word changed in each: every pair is a candidate. Verified
    first, a spanning forest links them, so most pairs go unverified, but an allowed pair
    (its stale check) and the keeper's own pairs; the report is that of verifying all."""
    from corpus_lint.dedup import corpus as stage

    story = random_article(7)
    write(tmp_path, {f"{n}.txt": changed(story, [40 * i + 5]) for i, n in enumerate("abcdef")})
    if allowed:
        (tmp_path / "corpus-lint.toml").write_text('[near-duplicate]\nallow = "allow.toml"\n')
        entry = f'[[allow]]\npaths = {json.dumps(list(allowed))}\nreason = "reviewed"\n'
        (tmp_path / "allow.toml").write_text(entry)
    command = ["check", "--no-cache", "--no-progress", "--select", "DUP", "."]
    pruned = cli(*command, cwd=tmp_path)
    verified = stage.last_stats.verified
    assert "DUP004" in pruned.out and "stale allow-list" not in pruned.out
    monkeypatch.setattr(stage, "spanning_pairs", lambda pairs, linked=(): (list(pairs), []))
    assert cli(*command, cwd=tmp_path) == pruned
    assert verified < stage.last_stats.verified == 15


def test_a_rerun_after_an_edit_verifies_the_edited_files_pairs_not_a_new_forest(
    cli, tmp_path, monkeypatch
):
    """Eight copies of a story, a word changed in each, checked with the cache; then one is
    edited. The cache's verified pairs still link the seven others, so the edited file's
    pairs are verified until one links it, not a new spanning forest of all eight; the
    report is that of a run without the cache."""
    from corpus_lint.dedup import clusters
    from corpus_lint.dedup import corpus as stage

    story = random_article(11)
    names = [f"{n}.txt" for n in "abcdefgh"]
    write(tmp_path, {n: changed(story, [40 * i + 5]) for i, n in enumerate(names)})
    command = ["check", "--no-progress", "--output-format", "json", "--select", "DUP", "."]
    assert "DUP004" in cli(*command, cwd=tmp_path).out
    verified = []
    for run in range(2):  # the second time with the forest of the code before (no links)
        (tmp_path / "e.txt").write_text(changed(story, [40 * 4 + 5, 300 + run]), "utf-8")
        report = cli(*command, cwd=tmp_path)
        verified.append(stage.last_stats.verified)
        assert report == cli(*command, "--no-cache", cwd=tmp_path)
        monkeypatch.setattr(
            stage, "spanning_pairs", lambda pairs, linked=(): clusters.spanning_pairs(pairs)
        )
    assert verified[0] == 1 < verified[1]


def test_a_pair_left_unverified_links_documents_a_keeper_leaves():
    """a~b, b~x, b~y and x~y are candidates; verified first, the forest a-b, b-x, b-y links
    x and y, so x~y is left unverified. Keeper a is unlike x and y, which stay: their pair,
    verified then, makes them a cluster of their own, as verifying every pair does."""
    from corpus_lint.dedup.clusters import spanning_pairs, split_linked

    truth = {("a", "b"): 0.9, ("b", "x"): 0.9, ("b", "y"): 0.9, ("x", "y"): 0.9}
    truth |= {("a", "x"): 0.3, ("a", "y"): 0.3}
    ranks = {doc: (doc,) for doc in "abxy"}
    asked = []

    def verify(needed):
        asked.extend(needed)
        return {p: truth.get(p, truth.get(p[::-1])) for p in needed}

    pairs = [("a", "b"), ("b", "x"), ("b", "y"), ("x", "y")]
    first, later = spanning_pairs(pairs)
    linked, later = split_linked(later, first)
    assert (linked, later) == ([("x", "y")], [])
    verified = [(a, b, truth[(a, b)]) for a, b in first]
    clusters = form_clusters(ranks, verified, [], 0.8, verify, unverified=linked)
    assert [(c.keeper, [d for d, _ in c.members]) for c in clusters] == [
        ("a", ["b"]),
        ("x", ["y"]),
    ]
    assert ("x", "y") in asked
    every = [(a, b, truth[(a, b)]) for a, b in pairs]
    assert form_clusters(ranks, every, [], 0.8, verify) == clusters


def test_a_spanning_forest_of_a_clique_is_one_pair_a_document():
    from corpus_lint.dedup.clusters import spanning_pairs, split_linked

    pairs = [(a, b) for a in range(100) for b in range(a + 1, 100)]
    first, later = spanning_pairs(pairs)
    assert len(first) == 99 and len(first) + len(later) == len(pairs)
    linked, others = split_linked(later, first)
    assert (len(linked), others) == (len(later), [])
    linked, others = split_linked(later, first[:49])  # 0 linked to 1-49 only
    assert others == [(a, b) for a, b in later if b >= 50]


# --- allow-list ---------------------------------------------------------------------------------


def test_an_allowed_pair_is_not_reported_and_a_stale_entry_fails_the_run(cli, tmp_path):
    wire = random_article(8)
    folder = write(
        tmp_path / "c",
        {
            "wire/a.txt": wire,
            "local/a.txt": wire,
            "x.txt": random_article(9),
            "y.txt": random_article(9),
        },
    )
    (folder / "corpus-lint.toml").write_text('[near-duplicate]\nallow = "duplicates.allow.toml"\n')
    allow = '[[allow]]\npaths = ["wire/a.txt", "local/a.txt"]\nreason = "syndicated wire copy"\n'
    (folder / "duplicates.allow.toml").write_text(allow)
    found = findings(cli, folder, ".")
    assert [(d["path"], d["related"][0]["path"]) for d in found] == [("y.txt", "x.txt")]
    # The wire copy is edited: the entry no longer matches anything.
    (folder / "local" / "a.txt").write_text(random_article(10))
    (folder / "y.txt").write_text(random_article(11))
    run = cli("check", *DUP, ".", cwd=folder)
    assert run.code == 1
    stale = [line for line in run.out.splitlines() if "stale allow-list entry" in line]
    assert len(stale) == 1
    assert stale[0].startswith("duplicates.allow.toml:1:1: DUP004 ")
    assert "wire/a.txt" in stale[0] and "local/a.txt" in stale[0]
    assert "syndicated wire copy" in stale[0]
    # Found by a contract review: the entry's paths were absolute, and the summary counted the
    # allow-list among "corpus files a file checked makes redundant".
    assert "no two of wire/a.txt, local/a.txt are duplicates any more" in stale[0]
    assert "Found 1 diagnostic in 0 of 4 files and an allow-list:" in run.out


def test_the_keeper_is_the_same_whatever_folder_the_run_starts_in(cli, tmp_path):
    # Found by an adversarial review: first-path compared the paths as shown, so from c/a
    # "../b/y.txt" came before "x.txt", and --fix deleted the other copy.
    story = random_article(8)
    folder = write(tmp_path / "c", {"a/x.txt": story, "b/y.txt": story})
    (folder / "corpus-lint.toml").write_text('corpus = ["."]\n')
    from_root = cli("check", *DUP, "--output-format", "json", cwd=folder).json()
    inside = cli("check", *DUP, "--output-format", "json", cwd=folder / "a").json()
    assert [(d["path"], d["related"][0]["path"]) for d in from_root] == [("b/y.txt", "a/x.txt")]
    assert [(d["path"], d["related"][0]["path"]) for d in inside] == [("../b/y.txt", "x.txt")]


def test_every_cluster_has_an_id_of_its_own(cli, tmp_path, monkeypatch):
    # Found by an adversarial review: ids were 32 bits of the keeper's hash; two keepers
    # sharing them (a birthday search found a pair) merged two clusters in every report.
    from corpus_lint.dedup import corpus as stage

    folder = write(tmp_path / "c", {})
    for name, seed in (("a", 8), ("b", 9)):
        (folder / f"{name}1.txt").write_text(random_article(seed))
        (folder / f"{name}2.txt").write_text(random_article(seed))
    ids = {c["id"] for c in clusters_of(cli, folder, ".")}
    assert len(ids) == 2 and all(len(i) == 16 for i in ids)  # 64 bits
    monkeypatch.setattr(stage, "cluster_id", lambda content: "same")  # a collision, forced
    found = clusters_of(cli, folder, ".")
    assert sorted(c["id"] for c in found) == ["same", "same-2"]
    assert [c["size"] for c in found] == [2, 2]


@pytest.mark.parametrize(
    "select", [["--select", "DUP003"], ["--select", "DUP", "--ignore", "DUP004"]]
)
def test_an_entry_of_near_copies_is_not_stale_when_dup004_does_not_run(cli, tmp_path, select):
    # Found by an adversarial review: without DUP004 no near pair is sought, so the entry of
    # two near copies (Jaccard 0.9) was "stale ... remove the entry", exit 1.
    story = random_article(8)
    folder = write(tmp_path / "c", {"a.txt": story, "b.txt": changed(story, [100])})
    (folder / "corpus-lint.toml").write_text('[near-duplicate]\nallow = "allow.toml"\n')
    (folder / "allow.toml").write_text('[[allow]]\npaths = ["a.txt", "b.txt"]\nreason = "desks"\n')
    assert cli("check", "--select", "DUP", ".", cwd=folder).code == 0  # alike: not stale
    run = cli("check", *select, ".", cwd=folder)
    assert run.code == 0, run.out


def test_two_files_of_an_entry_are_never_in_one_cluster_with_a_third_copy(cli, tmp_path):
    # Found by an adversarial review: with a third copy as keeper, both files of an entry
    # joined its cluster, were reported, and --fix --unsafe-fixes deleted both.
    story = random_article(8)
    folder = write(
        tmp_path / "c",
        {"a.txt": story + "\nA line only the keeper has.\n", "b.txt": story, "c.txt": story},
    )  # fmt: skip
    (folder / "corpus-lint.toml").write_text('[near-duplicate]\nallow = "allow.toml"\n')
    (folder / "allow.toml").write_text(
        '[[allow]]\npaths = ["b.txt", "c.txt"]\nreason = "two desks"\n'
    )
    found = findings(cli, folder, ".")
    assert [(d["path"], d["related"][0]["path"]) for d in found] == [("b.txt", "a.txt")]
    run = cli("check", *DUP, "--fix", "--unsafe-fixes", ".", cwd=folder)
    assert run.code == 0, run.out + run.err
    assert sorted(p.name for p in folder.glob("*.txt")) == ["a.txt", "c.txt"]


@pytest.mark.parametrize("written", ["store", "link"])
def test_an_entry_allows_the_pair_whichever_name_of_a_linked_corpus_it_uses(cli, tmp_path, written):
    # Found by an adversarial review: with corpus = ["link"] (link -> store), an entry naming
    # the files by their real paths (as `git status` shows them) was ignored and called stale.
    story = random_article(8)
    write(tmp_path / "store", {"a.txt": story, "b.txt": changed(story, [100])})
    (tmp_path / "link").symlink_to("store")
    (tmp_path / "corpus-lint.toml").write_text(
        'corpus = ["link"]\n[near-duplicate]\nallow = "allow.toml"\n'
    )
    (tmp_path / "allow.toml").write_text(
        f'[[allow]]\npaths = ["{written}/a.txt", "{written}/b.txt"]\nreason = "desks"\n'
    )
    run = cli("check", "--select", "DUP", "--no-cache", cwd=tmp_path)
    assert run.code == 0, run.out


def test_a_stale_entry_naming_a_file_that_is_gone_says_so(cli, tmp_path):
    # Found by an adversarial review: it said "no two of ... are duplicates any more".
    story = random_article(8)
    folder = write(tmp_path / "c", {"a.txt": story, "b.txt": story, "x.txt": random_article(9)})
    (folder / "corpus-lint.toml").write_text('[near-duplicate]\nallow = "allow.toml"\n')
    (folder / "allow.toml").write_text('[[allow]]\npaths = ["a.txt", "nope.txt"]\nreason = "r"\n')
    run = cli("check", *DUP, ".", cwd=folder)
    assert run.code == 1
    [stale] = [line for line in run.out.splitlines() if "stale allow-list entry" in line]
    assert "stale allow-list entry: nope.txt: no such file" in stale
    # ... in a corpus of one file too, where the corpus rules were left out (exit 0).
    for name in ("b.txt", "x.txt"):
        (folder / name).unlink()
    run = cli("check", *DUP, ".", cwd=folder)
    assert run.code == 1 and "stale allow-list entry: nope.txt: no such file" in run.out


def test_each_allow_entry_is_found_on_its_own_header_line(tmp_path):
    # Found by an adversarial review: a blank line above a header moved its stale finding a
    # line up, and a "[[allow]]" line inside a multi-line reason shifted the entries after it.
    from corpus_lint.config import load_allow_list

    file = tmp_path / "allow.toml"
    file.write_text(
        "# reviewed\n\n\n[[allow]]\n"  # line 4
        'paths = ["a.txt", "b.txt"]\nreason = """two desks,\n[[allow]]\nas written"""\n\n'
        "  [[allow]]\n"  # line 10
        'paths = ["c.txt", "d.txt"]\nreason = "wire"\n'
    )
    assert [entry.line for entry in load_allow_list(file)] == [4, 10]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "configuration file not found"),
        ('[[allow]]\npaths = ["a.txt"]\nreason = "x"\n', "'paths' must list two or more"),
        ('[[allow]]\npaths = ["a.txt", "b.txt"]\n', "'reason' must say why"),
    ],
)
def test_a_bad_allow_list_is_a_one_line_error(cli, tmp_path, content, message):
    folder = write(tmp_path / "c", {"a.txt": random_article(12)})
    (folder / "corpus-lint.toml").write_text('[near-duplicate]\nallow = "allow.toml"\n')
    if content is not None:
        (folder / "allow.toml").write_text(content)
    run = cli("check", "a.txt", cwd=folder)
    assert run.code == 2
    assert len(run.err.strip().splitlines()) == 1
    assert message in run.err or (content is None and "cannot read" in run.err)


# --- removal ----------------------------------------------------------------------------------


def cluster_of_three(folder: Path) -> Path:
    story = random_article(13)
    return write(
        folder,
        {
            "news/original.txt": story + "\nA last line only the original has, in full.\n",
            "news/copy.txt": story.replace("\n", "\r\n"),  # the same text
            "news/edited.txt": changed(story, [120, 240]),
            "news/other.txt": random_article(14),
        },
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*.txt"))
        if ".git" not in p.parts
    }


def test_fix_unsafe_fixes_removes_exactly_the_two_redundant_copies(cli, tmp_path):
    folder = cluster_of_three(tmp_path / "c")
    before = tree(folder)
    # Without --unsafe-fixes, nothing is removed.
    run = cli("check", *ONLY_DUP, "--fix", "news", cwd=folder)
    assert tree(folder) == before
    run = cli("check", *ONLY_DUP, "--fix", "--unsafe-fixes", "news", cwd=folder)
    assert run.code == 0, run.out + run.err
    assert sorted(tree(folder)) == ["news/original.txt", "news/other.txt"]
    removed = "Removed 2 redundant copies of duplicate clusters."
    assert f"Fixed 2 issues in 2 files.\n{removed}" in run.out
    after = tree(folder)
    run = cli("check", *ONLY_DUP, "--fix", "--unsafe-fixes", "news", cwd=folder)
    assert tree(folder) == after and "All checks passed" in run.out


def test_a_removed_copy_leaves_none_of_its_findings_in_the_report(cli, tmp_path):
    # Found by an adversarial review: the deleted files' other findings (SRC001 here: none
    # has a source line) stayed in the report and failed a run that left a clean tree.
    story = random_article(13, source=False)
    folder = write(
        tmp_path / "c",
        {"news/original.txt": story + "\nOne more line.\n", "news/copy.txt": story,
         "news/other.txt": random_article(14, source=False)},
    )  # fmt: skip
    run = cli("check", "--select", "DUP,SRC001", "--fix", "--unsafe-fixes", "--output-format",
              "json", "news", cwd=folder)  # fmt: skip
    assert sorted(tree(folder)) == ["news/original.txt", "news/other.txt"]
    assert sorted(d["path"] for d in run.json()) == ["news/original.txt", "news/other.txt"]
    after = cli("check", "--select", "DUP,SRC001", "--output-format", "json", "news", cwd=folder)
    assert run.json() == after.json() and run.code == after.code == 1


def test_a_read_only_redundant_copy_is_not_removed_and_the_run_exits_2(cli, tmp_path):
    # Found by an adversarial review: read-only files were refused their line fixes, as the
    # README says, but deleted when redundant (157 of a plain copy of the BBC corpus).
    folder = cluster_of_three(tmp_path / "c")
    (folder / "news/copy.txt").chmod(0o444)
    run = cli("check", *ONLY_DUP, "--fix", "--unsafe-fixes", "news", cwd=folder)
    assert run.code == 2
    assert "news/copy.txt: read-only file; not removed" in run.err
    assert sorted(tree(folder)) == ["news/copy.txt", "news/original.txt", "news/other.txt"]


def test_diff_deletions_apply_with_git_apply_and_patch_to_the_same_tree(cli, tmp_path):
    folder = cluster_of_three(tmp_path / "c")
    fixed = cluster_of_three(tmp_path / "f")
    cli("check", *DUP, "--fix", "--unsafe-fixes", "news", cwd=fixed)
    run = cli("check", *DUP, "--diff", "--unsafe-fixes", "news", cwd=folder)
    assert run.code == 1 and run.out.count("deleted file mode 100644") == 2
    # copy.txt's line-ending fix is not shown: the file is deleted whole.
    assert "+++ b/news/copy.txt" not in run.out
    patch = tmp_path / "removals.patch"
    patch.write_text(run.out)  # the diffs are ASCII here
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    by_git = tmp_path / "g"
    shutil.copytree(folder, by_git)
    subprocess.run(["git", "init", "-q", str(by_git)], check=True)
    subprocess.run(["git", "apply", str(patch)], cwd=by_git, check=True)
    assert tree(by_git) == tree(fixed)
    if shutil.which("patch") is not None:
        by_patch = tmp_path / "p"
        shutil.copytree(folder, by_patch)
        subprocess.run(["patch", "-p1", "-s", "-i", str(patch)], cwd=by_patch, check=True)
        assert tree(by_patch) == tree(fixed)


def _diff_applied(cli, folder: Path, *args: str) -> dict[str, bytes]:
    """The tree `--diff` gives applied to a copy of `folder` (with git)."""
    run = cli("check", *args, "--diff", "--unsafe-fixes", ".", cwd=folder)
    applied = folder.parent / (folder.name + "-diff")
    shutil.copytree(folder, applied)
    subprocess.run(["git", "init", "-q", str(applied)], check=True)
    subprocess.run(["git", "apply"], input=run.out.encode(), cwd=applied, check=True)
    return tree(applied)


def test_a_fix_run_that_leaves_a_cluster_and_deletes_repeated_lines_does_not_pass(cli, tmp_path):
    # Found by an adversarial review: BP005's deletions replaced the run's list of findings
    # while the engine extended the one it had read before the stage, so the copies a fix
    # left (its cluster's text changed) went unreported: "All checks passed", exit 0.
    chrome = "Come see us again soon"
    story = random_article(31, words=300)
    files = {
        "a.txt": story.replace(" ", " re\u00adport ", 1) + f"\n\n{chrome}\n",
        "b.txt": changed(story, [100, 200]) + f"\n\n{chrome}\n",
    }
    for n in range(3):
        files[f"other{n}.txt"] = random_article(40 + n, words=200) + f"\n\n{chrome}\n"
    folder = write(tmp_path / "c", files)
    select = ["--select", "DUP004,ENC006,BP005"]
    run = cli(
        "check", *select, "--fix", "--unsafe-fixes", "--output-format", "json", ".", cwd=folder
    )
    assert "not removed: this run's fixes changed" in run.err
    assert [d["code"] for d in run.json()] == ["DUP004"], run.out
    assert run.code == 1
    assert chrome not in (folder / "other0.txt").read_text()  # BP005's lines were deleted


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_fix_that_makes_two_files_alike_removes_neither(cli, tmp_path):
    # Found by an adversarial review: the fixes ran first, and the corpus stage compared the
    # files as fixed: soft hyphens dropped (ENC006, safe) made a file a near-copy of one it
    # was not like on disk, and --fix --unsafe-fixes deleted it, with the facts only it
    # held, though no check, --diff or --write-removals had named it.
    story = random_article(21, words=300)
    words = story.split(" ")
    hyphenated = " ".join(w[:3] + "\u00ad" + w[3:] if len(w) > 7 else w for w in words)
    updated = changed(story, [100, 200])  # J(story, updated) >= 0.8
    folder = write(tmp_path / "c", {"a.txt": hyphenated, "b.txt": updated})
    select = ["--select", "DUP,ENC006"]
    assert findings(cli, folder, *select) == []  # on disk, no two are alike
    diffed = _diff_applied(cli, folder, *select)
    run = cli("check", *select, "--fix", "--unsafe-fixes", "--output-format", "json", ".")
    assert sorted(tree(folder)) == sorted(diffed) == ["a.txt", "b.txt"]
    assert tree(folder) == diffed  # the diff applied is the tree --fix leaves
    [left] = run.json()
    assert left["code"] == "DUP004" and "not removed: this run's fixes changed" in run.err
    # The next run compares them as they now are: the report names the copy, and removes it.
    [found] = findings(cli, folder, *select)
    cli("check", *select, "--fix", "--unsafe-fixes", ".")
    assert sorted(tree(folder)) == [found["related"][0]["path"]]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_fix_keeps_the_copy_the_report_keeps(cli, tmp_path):
    # Found by an adversarial review: the keeper was ranked on the files as fixed, so one
    # trailing-space fix (fewer findings after it) made --fix delete the copy the report
    # and --diff kept.
    story = random_article(22)
    spaced = story.replace(".\n", ".   \n", 1)
    folder = write(tmp_path / "c", {"a.txt": spaced, "b.txt": story})
    select = ["--select", "DUP,WS001"]
    [found] = findings(cli, folder, *select)
    assert (found["path"], found["related"][0]["path"]) == ("a.txt", "b.txt")  # b is kept
    diffed = _diff_applied(cli, folder, *select)
    cli("check", *select, "--fix", "--unsafe-fixes", ".", cwd=folder)
    assert tree(folder) == diffed and sorted(diffed) == ["b.txt"]


def test_write_removals_lists_the_redundant_paths_and_removes_nothing(cli, tmp_path):
    folder = cluster_of_three(tmp_path / "c")
    before = tree(folder)
    run = cli("check", *DUP, "--write-removals", "removals.list", "news", cwd=folder)
    assert run.code == 1
    assert (folder / "removals.list").read_text() == "news/copy.txt\nnews/edited.txt\n"
    assert tree(folder) == before


def test_write_removals_quotes_a_name_that_would_read_as_two_and_keeps_other_bytes(cli, tmp_path):
    # Found by an adversarial review: a copy named "zz<newline>original.txt" was listed as the
    # two lines "zz" and "original.txt" (the keeper, for a pipeline that removes each line),
    # and a name that is not UTF-8 was a UnicodeEncodeError traceback.
    folder = cluster_of_three(tmp_path / "c")
    news = os.fsencode(folder / "news")
    os.rename(news + b"/copy.txt", news + b"/zz\noriginal.txt")
    os.rename(news + b"/edited.txt", news + b"/\xffedited.txt")
    run = cli("check", *DUP, "--write-removals", "removals.list", "news", cwd=folder)
    assert run.code == 1, run.err
    listed = (folder / "removals.list").read_bytes()
    assert sorted(listed.splitlines()) == [b'"news/zz\\noriginal.txt"', b"news/\xffedited.txt"]


def test_removal_leaves_files_outside_the_targets_of_a_changed_files_run_named(cli, tmp_path):
    # A changed-files run reports the committed copy the new file makes redundant.
    folder = cluster_of_three(tmp_path / "c")
    (folder / "corpus-lint.toml").write_text('corpus = ["news"]\n')
    assert len(findings(cli, folder)) == 2
    (folder / "news" / "aaa.txt").write_text(random_article(14))  # a copy of other.txt, kept first
    found = findings(cli, folder, "news/aaa.txt")
    assert [(d["path"], d["related"][0]["path"]) for d in found] == [
        ("news/other.txt", "news/aaa.txt")
    ]


# --- reports ----------------------------------------------------------------------------------


def test_text_summary_and_statistics_count_clusters(cli, tmp_path):
    folder = cluster_of_three(tmp_path / "c")
    run = cli("check", *DUP, "--statistics", "news", cwd=folder)
    assert "Duplicates: 1 cluster, 2 redundant documents (50.0% of the 4 files checked)." in (
        run.out
    )
    assert "clusters by size (documents in a cluster): size 3: 1" in run.out


def story_in_a_corpus(folder: Path, *names: str) -> Path:
    """`folder` configured with the corpus news/, which holds one story under each name."""
    (folder / "news").mkdir(parents=True)
    story = random_article(21)
    for name in names:
        (folder / "news" / name).write_text(story)
    (folder / "corpus-lint.toml").write_text('corpus = ["news"]\n')
    return folder


def test_the_share_of_one_file_checked_is_of_1_file(cli, tmp_path):
    # Found by a contract review: "(100.0% of the 1 files checked)".
    folder = story_in_a_corpus(tmp_path / "c", "a.txt", "b.txt")
    run = cli("check", *DUP, "news/b.txt", cwd=folder)
    assert "Duplicates: 1 cluster, 1 redundant document (100.0% of the 1 file checked)." in run.out


def test_a_committed_copy_a_file_checked_makes_redundant_is_not_counted_as_checked(cli, tmp_path):
    # Found by a review: a better staged copy made a committed file redundant, and the summary
    # said "in 1 of 1 file" and "100.0% of the 1 file checked" of the one file checked, the
    # keeper, which has no finding.
    folder = story_in_a_corpus(tmp_path / "c", "a.txt", "b.txt")  # a.txt checked, kept first
    run = cli("check", *DUP, "--statistics", "news/a.txt", cwd=folder)
    assert "in 0 of 1 file and 1 corpus file the files checked make redundant:" in run.out
    assert "1 redundant document (1 in the corpus besides the 1 file checked)." in run.out
    shutil.copy(folder / "news" / "a.txt", folder / "news" / "c.txt")  # both checked
    run = cli("check", *DUP, "news/a.txt", "news/c.txt", cwd=folder)
    assert "in 1 of 2 files and 1 corpus file the files checked make redundant:" in run.out
    assert "2 redundant documents (1 in the corpus besides the 2 files checked; 50.0% of" in run.out


def test_sarif_related_locations_name_the_keeper_and_the_other_members(cli, tmp_path):
    folder = cluster_of_three(tmp_path / "c")
    run = cli("check", *DUP, "--output-format", "sarif", "news", cwd=folder)
    results = [
        r for r in json.loads(run.out)["runs"][0]["results"] if r["ruleId"] in ("DUP003", "DUP004")
    ]
    assert len(results) == 2
    for result in results:
        uris = [
            r["physicalLocation"]["artifactLocation"]["uri"] for r in result["relatedLocations"]
        ]
        assert uris[0].endswith("news/original.txt") and len(uris) == 2
        # The other member's similarity is to the keeper, and says so (found by an
        # adversarial review: "see copy.txt (similarity 0.99)" read as its similarity here).
        keeper, member = (r["message"]["text"] for r in result["relatedLocations"])
        assert "similarity" in keeper and "to the keeper" not in keeper
        assert member.endswith(" to the keeper)")
    text = cli("check", *ONLY_DUP, "news", cwd=folder).out
    assert text.count("    see news/original.txt:1 (similarity ") == 2
    assert text.count(" to the keeper)\n") == 2


@settings(max_examples=12, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 7), st.booleans(), st.booleans()), max_size=4),
        min_size=1,
        max_size=3,
    ),
    st.permutations(list(KEEP_CRITERIA[:3])),
    st.integers(0, 3),
    st.randoms(use_true_random=False),
)
@pytest.mark.slow
def test_removal_never_deletes_a_keeper_over_random_corpora_and_policies(stories, order, used, rng):
    """End to end: random clusters (copies with a few words changed, a line added, the
    source line dropped, names in random order) and keeper policies; `--fix
    --unsafe-fixes` deletes exactly the redundant members of the clusters it reported,
    never a keeper, and a second run finds nothing to remove."""
    import tempfile

    from corpus_lint.cli import main

    policy = [*order[:used], "first-path"]
    files: dict[str, str] = {}
    for number, copies in enumerate(stories):
        story = random_article(100 + number)
        files[f"s{number}-{rng.randrange(100)}.txt"] = story
        for index, (edits, longer, unsourced) in enumerate(copies):
            text = changed(story, rng.sample(range(400), edits))
            if longer:
                text += "\nOne more line that this copy alone carries.\n"
            if unsourced:
                text = text.replace("\n\nSource: Daily Ledger\n", "\n")
            files[f"c{number}-{index}-{rng.randrange(100)}.txt"] = text
    with tempfile.TemporaryDirectory() as folder:
        root = write(Path(folder) / "corpus", files)
        (root / "corpus-lint.toml").write_text(f"[near-duplicate]\nkeep = {json.dumps(policy)}\n")
        select = ["--select", "DUP003,DUP004,SRC001", "--no-cache"]
        out = io.StringIO()
        cwd = os.getcwd()
        os.chdir(root)
        try:
            with contextlib.redirect_stdout(out):
                main(["check", *select, "--output-format", "clusters", "."])
            found = [json.loads(line) for line in out.getvalue().splitlines()]
            with contextlib.redirect_stdout(io.StringIO()):
                main(["check", *select, "--fix", "--unsafe-fixes", "."])
                left = sorted(p.name for p in root.glob("*.txt"))
                out = io.StringIO()
            with contextlib.redirect_stdout(out):
                main(["check", *select, "--output-format", "clusters", "."])
        finally:
            os.chdir(cwd)
        keepers = {c["keeper"] for c in found}
        members = {m["path"] for c in found for m in c["members"]}
        assert not keepers & members
        assert left == sorted(set(files) - members)
        assert keepers <= set(left)
        assert out.getvalue() == ""  # nothing redundant is left


def test_a_large_group_of_copies_is_one_cluster_with_bounded_related_lists(cli, tmp_path):
    page = "Page not found\n\nThe page you asked for has moved or never existed here.\n"
    files = {f"p{n:03d}.txt": page for n in range(120)}
    folder = write(tmp_path / "c", files)
    found = findings(cli, folder)
    assert len(found) == 119 and {d["related"][0]["path"] for d in found} == {"p000.txt"}
    assert max(len(d["related"]) for d in found) == 51  # the keeper and 50 other members
    [cluster] = clusters_of(cli, folder)
    assert cluster["size"] == 120 and len(cluster["members"]) == 119
    run = cli("check", *DUP, ".", cwd=folder)
    assert "Duplicates: 1 cluster, 119 redundant documents" in run.out

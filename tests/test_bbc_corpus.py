"""End to end on the real BBC corpus in ../shared (read in place, never copied).

Its README gives the ground truth: 100 pairs of files with the same text once whitespace is
normalised, 57 more pairs with word 5-gram Jaccard >= 0.8, all inside one category folder,
and sport/199.txt in ISO-8859-1.
"""

from __future__ import annotations

import contextlib
import io
import json
import os

import pytest

from corpus_lint.cli import main
from tests.helpers import PROJECT

BBC = PROJECT.parent / "shared" / "corpora" / "bbc"

pytestmark = [
    pytest.mark.skipif(not BBC.is_dir(), reason=f"the BBC corpus is not at {BBC}"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def bbc_report(tmp_path_factory):
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("bbc-run"))
    try:
        with contextlib.redirect_stdout(out):
            code = main(
                ["check", str(BBC), "--output-format", "json", "--no-progress", "--no-cache"]
            )
    finally:
        os.chdir(cwd)
    return code, json.loads(out.getvalue())


def test_every_exact_duplicate_pair_is_found(bbc_report):
    _, diagnostics = bbc_report
    assert sum(d["code"] == "DUP003" for d in diagnostics) == 100


def test_every_near_duplicate_pair_at_the_threshold_is_found(bbc_report):
    _, diagnostics = bbc_report
    near = [d for d in diagnostics if d["code"] == "DUP004"]
    assert len(near) == 57
    assert all(d["related"][0]["similarity"] >= 0.8 for d in near)


def test_duplicates_pair_files_of_one_category(bbc_report):
    _, diagnostics = bbc_report
    for d in diagnostics:
        if d["code"] in ("DUP003", "DUP004"):
            folder = d["path"].rsplit("/", 2)[-2]
            assert d["related"][0]["path"].rsplit("/", 2)[-2] == folder


def test_the_latin1_article_is_the_only_non_utf8_file(bbc_report):
    code, diagnostics = bbc_report
    assert [d["path"].rsplit("/", 2)[-2:] for d in diagnostics if d["code"] == "ENC001"] == [
        ["sport", "199.txt"]
    ]
    assert code == 1


def test_the_duplicate_pairs_form_157_clusters_of_two(bbc_report):
    _, diagnostics = bbc_report
    found = [d for d in diagnostics if d["code"] in ("DUP003", "DUP004")]
    # Each pair is its own cluster: the keeper and one redundant document, never chained.
    assert all(len(d["related"]) == 1 and "(2 documents)" in d["message"] for d in found)
    redundant = {d["path"] for d in found}
    keepers = {d["related"][0]["path"] for d in found}
    assert len(redundant) == 157 and len(keepers) == 157
    assert not redundant & keepers

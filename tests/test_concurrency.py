"""Several corpus-lint processes at once over one corpus and one cache, as pre-commit runs them."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CLEAN_ARTICLE

pytestmark = pytest.mark.slow

WORDS = (
    "harbour council ferry island commuters parking terminal evening spring vote budget "
    "mayor road bridge school hospital river market station library museum park"
).split()


def make_corpus(root: Path, files: int = 120) -> list[Path]:
    """Articles of random prose, with a few exact and near copies among them."""
    rng = random.Random(7)
    root.joinpath("corpus-lint.toml").write_text('corpus = ["articles"]\n', encoding="utf-8")
    folder = root / "articles"
    folder.mkdir()
    paths = []
    for index in range(files):
        if index % 20 == 19:  # an exact copy of an earlier article
            text = paths[index - 10].read_text(encoding="utf-8")
        elif index % 20 == 9:  # a near copy: one word changed
            text = paths[index - 5].read_text(encoding="utf-8").replace(" the ", " a ", 1)
        else:
            body = " ".join(rng.choice(WORDS) for _ in range(300))
            text = f"Article {index}\n\n{body} the end.\n\nSource: Example News\n"
        path = folder / f"{index:04d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    folder.joinpath("clean.txt").write_text(CLEAN_ARTICLE, encoding="utf-8")
    return paths


def start(root: Path, *paths: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "corpus_lint",
            "check",
            "--output-format",
            "json",
            "--no-progress",
            "--jobs",
            "1",
            *paths,
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> list[dict]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    assert "Traceback" not in err and "warning" not in err, err
    return json.loads(out)


def assert_cache_intact(root: Path) -> None:
    database = root / ".corpus_lint_cache" / "signatures.sqlite3"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_four_full_runs_at_once_agree_and_leave_an_intact_cache(tmp_path):
    make_corpus(tmp_path)
    reports = [finish(p) for p in [start(tmp_path) for _ in range(4)]]
    # Each exact copy copies a near copy: both are reported against their cluster's keeper,
    # the original article, as DUP004 (their texts differ from the keeper's).
    assert {d["code"] for d in reports[0]} >= {"DUP004"}
    assert all(report == reports[0] for report in reports[1:])
    assert_cache_intact(tmp_path)
    assert finish(start(tmp_path)) == reports[0]  # and the warm run says the same


def test_four_runs_over_partitions_of_the_files_find_what_one_run_finds(tmp_path):
    paths = make_corpus(tmp_path)
    alone = finish(start(tmp_path))  # warms the cache, as the first commit would
    names = [str(p.relative_to(tmp_path)) for p in paths]
    processes = [start(tmp_path, *names[i::4]) for i in range(4)]
    partitioned = [d for p in processes for d in finish(p)]
    corpus_codes = ("DUP003", "DUP004")
    per_document = sorted(
        json.dumps(d, sort_keys=True) for d in partitioned if d["code"] not in corpus_codes
    )
    expected = sorted(json.dumps(d, sort_keys=True) for d in alone if d["code"] not in corpus_codes)
    assert per_document == expected
    # Every duplicate the single run reports is reported by some partition too.
    duplicates = {(d["code"], d["path"]) for d in alone if d["code"] in corpus_codes}
    found = {(d["code"], d["path"]) for d in partitioned}
    assert duplicates <= found
    assert_cache_intact(tmp_path)

"""Start-up: a check imports, opens and compiles only what the run needs (issue #19).

A quick run (pre-commit, one file) is mostly start-up, so the costly modules are imported
where they are used: numpy and xxhash by the duplicate rules, chardet and ftfy by the
encoding rules when a file needs them, multiprocessing when worker processes start, and
so on. These tests run a check in a fresh interpreter and list what it imported: no timing,
so they hold on a loaded machine too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Imported by no check of a clean UTF-8 file without the duplicate rules.
# (xxhash is not among them: 0.4 ms to import, and `files.identity`, which every run with
# the result cache calls per file, holds it at the top rather than import it per call.)
HEAVY = [
    "numpy",
    "sqlite3",
    "chardet",
    "ftfy",
    "pathspec",
    "jinja2",
    "regex",
    "datasketch",
    "multiprocessing",
    "concurrent.futures",
    "difflib",
    "hashlib",
]
# Nor by one with them, which needs numpy and xxhash (and the cache's sqlite3).
# (numpy.ma: imported by the first call of np.unique or np.isin, 10 ms.)
HEAVY_WITH_DUPLICATES = [*HEAVY[2:8], "scipy", "numpy.ma"]  # chardet ... datasketch

_PROBE = """
import json, os, re, sys
compiled = []  # every pattern compiled by the run: wrapped before anything is imported
original = re.compile
re.compile = lambda pattern, flags=0: compiled.append(pattern) or original(pattern, flags)
from corpus_lint.cli import main
code = main(sys.argv[1:])
print(json.dumps({
    "code": code,
    "modules": sorted(sys.modules),
    "credit_patterns": sum("Getty" in str(p) for p in compiled),  # BP004's, built in
    "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
}))
"""


def _check(tmp_path, *args: str, cache: bool = False, targets: tuple = ("clean.txt",)) -> dict:
    (tmp_path / "clean.txt").write_text("A title\n\nA sentence of text.\n\nSource: Reuters\n")
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            _PROBE,
            "check",
            *targets,
            *([] if cache else ["-n"]),
            "-q",
            *args,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"},
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_a_check_without_duplicate_rules_imports_no_heavy_module(tmp_path):
    # Without the corpus rules: the duplicate rules and BP005, which counts lines over the
    # corpus with the same features (numpy, xxhash).
    found = _check(tmp_path, "--select", "ALL", "--ignore", "DUP,BP005")
    assert found["code"] == 0
    assert [m for m in HEAVY if m in found["modules"]] == []


def test_a_check_with_duplicate_rules_imports_only_what_they_need(tmp_path):
    (tmp_path / "other.txt").write_text("Another title\n\nOther words.\n\nSource: AP\n")
    found = _check(tmp_path, "--select", "ALL", targets=("clean.txt", "other.txt"))
    assert found["code"] == 0
    assert "numpy" in found["modules"]  # the duplicate rules did run
    assert [m for m in HEAVY_WITH_DUPLICATES if m in found["modules"]] == []


def test_a_one_file_check_without_a_corpus_runs_no_corpus_rule(tmp_path):
    # One document and no corpus besides it: no corpus rule can report anything (BP005 needs
    # two documents at least), so none runs: nothing of their features is imported (numpy,
    # the duplicate stage), half of such a run's start-up.
    found = _check(tmp_path, "--select", "ALL")
    assert found["code"] == 0
    assert [m for m in found["modules"] if m == "numpy" or m.startswith("corpus_lint.dedup")] == []
    # Two copies of it: the duplicate rules run and report the copy.
    (tmp_path / "copy.txt").write_text((tmp_path / "clean.txt").read_text())
    found = _check(tmp_path, "--select", "ALL", targets=("clean.txt", "copy.txt"))
    assert found["code"] == 1 and "numpy" in found["modules"]


@pytest.mark.parametrize("cache", [False, True])
def test_a_one_file_check_against_a_corpus_starts_no_process_pool(tmp_path, cache):
    # Pre-commit: one changed file against a small configured corpus (walked in this
    # process), with the result and signature cache or without: the duplicate rules and BP005
    # run, but nothing imports the process pool's modules (12 ms of start-up).
    (tmp_path / "corpus").mkdir()
    for n in range(3):
        (tmp_path / "corpus" / f"{n}.txt").write_text(f"Title {n}\n\nWords {n} of text.\n")
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus", "clean.txt"]\n')
    found = _check(tmp_path, "--select", "ALL", cache=cache)
    assert found["code"] == 0
    assert "numpy" in found["modules"]  # the corpus stage ran
    unneeded = HEAVY_WITH_DUPLICATES + ["multiprocessing", "concurrent.futures"]
    assert [m for m in unneeded if m in found["modules"]] == []
    # numpy's OpenBLAS started no thread per core (half the CPU time of importing numpy).
    assert found["openblas_threads"] == "1"


def test_pack_patterns_are_compiled_only_for_the_rules_that_run(tmp_path):
    found = _check(tmp_path, "--select", "WS")
    assert found["code"] == 0
    assert found["credit_patterns"] == 0  # BP004 did not run: none of its patterns compiled
    assert _check(tmp_path, "--select", "BP004")["credit_patterns"] > 0


def test_settings_without_a_keeper_policy_import_no_duplicate_module(tmp_path):
    # The default keeper policy needs no check against the clusters' criteria: a check
    # without the duplicate rules imports nothing of `corpus_lint.dedup` (nor does a
    # pre-commit run before its corpus walk begins).
    (tmp_path / "corpus-lint.toml").write_text("[near-duplicate]\nthreshold = 0.9\n")
    found = _check(tmp_path, "--select", "WS")
    assert found["code"] == 0
    assert [m for m in found["modules"] if m.startswith("corpus_lint.dedup")] == []


_FORK_PROBE = """
import json, os, sys
import corpus_lint.files
corpus_lint.files.PARALLEL_WALK_FILES = 2  # a corpus of 4 files walked by workers
fork = os.fork
first = []  # the modules loaded when the first process is forked

def forked():
    if not first:
        first.append(sorted(sys.modules))
    return fork()

os.fork = forked
from corpus_lint.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "at_fork": first[0] if first else None}))
"""


def test_a_pre_commit_run_begins_its_corpus_walk_before_it_loads_the_rules(tmp_path):
    # One file checked against a configured corpus: the walk's worker processes are forked
    # once the settings are read, before the rules, their packs, the engine and numpy are
    # imported.
    (tmp_path / "corpus").mkdir()
    for n in range(4):
        (tmp_path / "corpus" / f"{n}.txt").write_text(f"Title {n}\n\nWords {n} of text.\n")
    (tmp_path / "clean.txt").write_text("A title\n\nA sentence of text.\n\nSource: Reuters\n")
    (tmp_path / "corpus-lint.toml").write_text('corpus = ["corpus"]\n')
    run = subprocess.run(
        [sys.executable, "-c", _FORK_PROBE, "check", "clean.txt", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    found = json.loads(run.stdout.splitlines()[-1])
    assert found["code"] == 0, run.stderr
    loaded = found["at_fork"]
    assert loaded is not None  # the walk was forked
    late = ["corpus_lint.checks", "corpus_lint.packs", "corpus_lint.document", "corpus_lint.engine"]
    late.append("numpy")
    assert [m for m in late if m in loaded] == []


def test_the_corpus_rules_guessed_before_the_rules_load_are_the_registered_ones():
    from corpus_lint.checks import builtin_rules
    from corpus_lint.commands import CORPUS_RULES

    assert sorted(CORPUS_RULES) == sorted(c for c, r in builtin_rules().items() if r.corpus)

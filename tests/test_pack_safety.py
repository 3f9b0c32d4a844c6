"""Users' rule packs are data, never code: a pattern that backtracks catastrophically cannot
hang the run. Each search of a user's pattern has a time limit; one that runs out counts as no
match, the pattern is skipped for the rest of that file, and the run reports everything else
and exits 2 with one line naming the pack, the rule, the pattern and the file and line.

(With Python's `re`, the patterns below on these lines would run for longer than the age of
the universe: the tests finishing at all is part of what they show.) A pack with a bad
pattern, an unknown field or a duplicate code is a load-time error: see tests/test_packs.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from corpus_lint import packs
from corpus_lint.checks import builtin_rules
from corpus_lint.packs import MAX_PATTERN_SIZE, GuardedPattern, load_packs

BUILTIN = builtin_rules()
# Exponential in `re` on a line of "a"s that ends in "b"; `regex` does not rescue these ones.
CATASTROPHIC = "^(a|aa)+$"
EVIL_LINE = "a" * 60 + "b"
ARTICLE = f"Title  \n\n{EVIL_LINE}\n\nBody text.\n\n{EVIL_LINE}\n\nSource: Coastal Gazette\n"


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch):
    """Keep the suite quick: the default limit (1 s) is for real runs."""
    monkeypatch.setattr(packs, "PATTERN_TIMEOUT", 0.1)


def project(tmp_path: Path, pack: str, files: dict[str, str]) -> Path:
    (tmp_path / "corpus-lint.toml").write_text('rule-packs = ["packs/user.toml"]\n')
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "user.toml").write_text(pack, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def rule_pack(pattern: str, scope: str = "line") -> str:
    return (
        f'[[rules]]\ncode = "X001"\nname = "slow"\nmessage = "slow pattern"\n'
        f"pattern = '{pattern}'\nscope = \"{scope}\"\n"
    )


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("corpus-lint: error: ")]


def test_catastrophic_rule_pattern_times_out_names_pack_rule_and_line_and_exits_2(tmp_path, cli):
    project(tmp_path, rule_pack(CATASTROPHIC), {"a.txt": ARTICLE})
    run = cli("check", "--no-cache", "--output-format", "json", "a.txt", cwd=tmp_path)
    assert run.code == 2
    [error] = errors(run.err)  # once per file: skipped after the first time-out
    assert "packs/user.toml: [[rules]] #1 (X001): pattern '^(a|aa)+$'" in error
    assert "took more than 0.1 s on a.txt:3; skipped for the rest of the file" in error
    # Everything else was still checked and reported.
    assert [d["code"] for d in run.json()] == ["WS001"]


def test_catastrophic_extend_pattern_of_a_builtin_rule_times_out_too(tmp_path, cli):
    pack = f"[[extend]]\ncode = \"BP001\"\npatterns = ['{CATASTROPHIC}']\n"
    project(tmp_path, pack, {"a.txt": ARTICLE, "b.txt": f"Intro.\n\n{EVIL_LINE}\n"})
    run = cli("check", "--no-cache", "--select", "BP001", ".", cwd=tmp_path)
    assert run.code == 2
    found = errors(run.err)
    assert len(found) == 2  # one per file
    assert all("packs/user.toml: [[extend]] #1 (BP001)" in e for e in found)
    assert any("on a.txt:3;" in e for e in found)
    assert any("on b.txt:3;" in e for e in found)


def test_the_slow_pattern_is_named_and_skipped_while_the_others_keep_matching(tmp_path, cli):
    # User patterns are searched as one alternation; after it times out, one by one.
    pack = (
        "[[extend]]\ncode = \"BP001\"\npatterns = ['^Body text\\.$', '^Title$']\n\n"
        f"[[extend]]\ncode = \"BP001\"\npatterns = ['{CATASTROPHIC}', '^Source: Coastal']\n"
    )
    project(tmp_path, pack, {"a.txt": ARTICLE.replace("Title  ", "Title")})
    run = cli(
        "check", "--no-cache", "--select", "BP001", "--output-format", "json", "a.txt", cwd=tmp_path
    )
    assert run.code == 2
    assert [(d["code"], d["line"]) for d in run.json()] == [("BP001", n) for n in (1, 5, 9)]
    [error] = errors(run.err)
    assert "[[extend]] #2 (BP001): pattern '^(a|aa)+$'" in error and "on a.txt:3;" in error


def test_document_scope_pattern_that_times_out_names_the_file(tmp_path, cli):
    project(tmp_path, rule_pack("(x+x+)+y", scope="document"), {"a.txt": "x" * 3000 + "\n"})
    run = cli("check", "--no-cache", "--select", "X001", "a.txt", cwd=tmp_path)
    assert run.code == 2
    [error] = errors(run.err)
    assert "[[rules]] #1 (X001): pattern '(x+x+)+y'" in error and " on a.txt;" in error


def test_time_outs_in_worker_processes_reach_the_report(tmp_path, cli):
    files = {f"{n:03}.txt": f"Article {n}.\n\nSource: Coastal Gazette\n" for n in range(400)}
    files["evil.txt"] = ARTICLE
    project(tmp_path, rule_pack(CATASTROPHIC), files)
    run = cli("check", "--no-cache", "--jobs", "2", "--select", "X001", ".", cwd=tmp_path)
    assert run.code == 2
    [error] = errors(run.err)
    assert "on evil.txt:3;" in error


def test_fix_runs_with_a_catastrophic_pattern_and_still_fixes_the_rest(tmp_path, cli):
    project(tmp_path, rule_pack(CATASTROPHIC), {"a.txt": ARTICLE})
    run = cli("check", "--no-cache", "--fix", "a.txt", cwd=tmp_path)
    assert run.code == 2
    assert len(errors(run.err)) == 1
    assert (tmp_path / "a.txt").read_text().startswith("Title\n")  # WS001 fixed


def test_user_patterns_are_guarded_and_builtin_patterns_keep_re(tmp_path):
    pack = tmp_path / "user.toml"
    pack.write_text("[[extend]]\ncode = \"BP004\"\npatterns = ['^Snap:']\n")
    loaded = load_packs([pack], BUILTIN)
    kinds = [type(p) for p in loaded.patterns("BP004")]
    assert kinds[-1] is GuardedPattern
    assert all(k is re.Pattern for k in kinds[:-1]) and len(kinds) > 1
    assert loaded.any_pattern("BP004").search("Snap: J. Doe")
    assert all(type(p) is re.Pattern for p in load_packs([], BUILTIN).patterns("BP004"))


# Built-in patterns keep `re` (no time limit): each must fail fast on lines made to make it
# backtrack. Prefixes that start the built-in patterns, bodies that split many ways (runs of
# capitals, tokens and separators, a sentence's end after a long run).
_PREFIXES = ["", "More by ", "(c) Copyright ", "Home » ", "Page: 1 ", "Updated: ", "Share "]
_BODIES = [
    "A" * 60 + "!",
    "AB" * 40 + " x!",
    "A B " * 30 + "!",
    "a. " * 200,
    "1 2 " * 40 + "x",
    "· " * 100 + "x.",
    "» " * 100 + "x.",
    "> " * 100 + "x.",
    "| " * 100,
    "Jan 15, " * 20 + "x",
    "x" * 3000,
]


def test_builtin_patterns_fail_fast_on_lines_made_to_backtrack():
    import time

    builtin = load_packs([], BUILTIN)
    sources = {p for ext in builtin.extensions.values() for p in ext.patterns}
    slowest = (0.0, "", "")
    for source in sources:
        pattern = re.compile(source)
        for line in (prefix + body for prefix in _PREFIXES for body in _BODIES):
            started = time.perf_counter()
            pattern.search(line)
            slowest = max(slowest, (time.perf_counter() - started, source, line))
    # Linear searches take microseconds; an exponential one (a run of 60 capitals split every
    # way) takes seconds to years. The margin is for a loaded machine.
    assert slowest[0] < 0.25, slowest


# --- patterns too large to compile ----------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "a{1000000000}",  # `regex` compiles a repeat as copies: 24 GB
        "(?:(?:a{1000}){1000}){1000}",  # each count small, together a billion
        r"\\p{L}{1000000000}",  # syntax re's parser cannot read
        "a{" + "9" * 5000 + "}",  # more digits than int() reads
    ],
)
def test_a_pattern_too_large_to_compile_is_refused_when_the_pack_is_loaded(tmp_path, pattern):
    pack = f'[[rules]]\ncode = "X001"\nname = "n"\nmessage = "m"\npattern = "{pattern}"\n'
    project(tmp_path, pack, {"a.txt": "Title\n\nBody.\n"})
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30)); "
    process = subprocess.run(  # in its own process, under 3 GB: without the check, it fails fast
        [sys.executable, "-c", limit + "from corpus_lint.cli import main; raise SystemExit(main())"]
        + ["check", "a.txt", "--no-cache", "--no-progress"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (process.returncode, process.stdout) == (2, ""), process.stderr[-2000:]
    assert process.stderr.count("\n") == 1, process.stderr[-2000:]
    assert "packs/user.toml: [[rules]] #1 (X001): pattern '" in process.stderr
    assert f"is too large: written out, its repeats make more than {MAX_PATTERN_SIZE:,} items" in (
        process.stderr
    )

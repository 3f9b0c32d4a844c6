"""Lines left out of the DUP004 shingles: decided by the rules' declarations, not the selection."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from corpus_lint.checks import builtin_rules
from corpus_lint.dedup.features import shingle_exclusion
from corpus_lint.packs import load_packs

PROJECT = Path(__file__).resolve().parent.parent


def dup004(cli, cwd: Path, *args: str) -> list[dict]:
    run = cli("check", "--no-progress", "--output-format", "json", *args, cwd=cwd)
    assert run.code in (0, 1), run.err
    return [d for d in run.json() if d["code"] == "DUP004"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """400 generated articles with planted near-duplicates, some with chrome lines added."""
    out = tmp_path_factory.mktemp("generated")
    subprocess.run(
        [sys.executable, str(PROJECT / "benchmarks" / "generate_corpus.py"), str(out)]
        + ["--files", "400", "--seed", "3"],
        check=True,
        capture_output=True,
    )
    return out


def test_dup004_is_the_same_whatever_else_is_selected(cli, generated):
    # Before, the BP lines were left out only when BP ran: 16 pairs here against 17.
    alone = dup004(cli, generated, "--select", "DUP004", "--no-cache")
    everything = dup004(cli, generated, "--select", "ALL", "--no-cache")
    assert alone and alone == everything
    ignored = dup004(cli, generated, "--select", "ALL", "--ignore", "BP,DUP001", "--no-cache")
    assert ignored == alone


def test_the_cache_gives_the_same_pairs_for_either_selection(cli, generated):
    first = dup004(cli, generated, "--select", "DUP004")
    assert dup004(cli, generated, "--select", "ALL") == first
    assert dup004(cli, generated, "--select", "DUP004", "--no-cache") == first


CHROME = [
    "Ferry News Online brings you the latest ferry news from every harbour of the west coast "
    "every single day of the week and twice on holidays",
    "Ferry News Online brings you timetables fares and weather for every crossing in the "
    "country so you never miss a sailing again this year",
]


def corpus_with_shared_chrome(tmp_path: Path) -> Path:
    """Two different articles that share only the long chrome lines of a site."""
    for name in ("a", "b"):
        own = [f"{name}word{i}" for i in range(16)]
        body = " ".join(own[:8]) + ".\n\n" + " ".join(own[8:]) + ".\n"
        chrome = "\n\n".join(CHROME)
        (tmp_path / f"{name}.txt").write_text(f"Title {name}\n\n{body}\n{chrome}\n")
    (tmp_path / "corpus-lint.toml").write_text("[near-duplicate]\nthreshold = 0.3\n")
    return tmp_path


def test_a_pack_rule_that_deletes_lines_leaves_them_out_even_unselected(cli, tmp_path):
    folder = corpus_with_shared_chrome(tmp_path)
    assert len(dup004(cli, folder, "--select", "DUP004")) == 1  # the chrome makes them alike
    (folder / "pack.toml").write_text(
        '[[rules]]\ncode = "X001"\nname = "site-banner"\nmessage = "site banner"\n'
        'pattern = "^Ferry News Online brings you"\nfix = "delete-line"\n'
    )
    (folder / "corpus-lint.toml").write_text(
        'rule-packs = ["pack.toml"]\n[near-duplicate]\nthreshold = 0.3\n'
    )
    # The cache of the run before must not answer: the pack changed what is shingled.
    assert dup004(cli, folder, "--select", "DUP004") == []
    assert dup004(cli, folder, "--select", "ALL") == []


def test_a_pack_rule_without_a_fix_does_not_leave_lines_out(tmp_path):
    pack = tmp_path / "pack.toml"
    pack.write_text(
        '[[rules]]\ncode = "X002"\nname = "note"\nmessage = "note"\npattern = "^Note"\n'
        '\n[[rules]]\ncode = "X003"\nname = "banner"\nmessage = "banner"\npattern = "^B"\n'
        'fix = "delete-line"\n'
    )
    rules = builtin_rules()
    exclusion = shingle_exclusion([rules["DUP004"]], load_packs([pack], rules))
    assert {"BP001", "BP002", "BP003", "BP004", "DUP001", "DUP002", "X003"} <= exclusion.codes
    assert "X002" not in exclusion.codes and "TXT001" not in exclusion.codes
    assert {r.code for r in exclusion.unselected} == exclusion.codes

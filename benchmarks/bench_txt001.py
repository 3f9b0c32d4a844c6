"""Precision of TXT001 (repeated-word) on real prose, against the hand-judged hits.

    python benchmarks/bench_txt001.py

Runs TXT001 with the built-in packs over ../shared/corpora/bbc and the `article` lines of
../shared/corpora/boilerplate-l3s, looks every hit up in `txt001_judged.tsv` (beside this
script: every hit of TXT001 before and after issue 17, judged by hand from its sentence),
and prints the precision: hits judged "typo" over all hits. A hit that is not judged yet is
listed, and the script exits 1: judge it and add it to the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from corpus_lint.checks import builtin_rules  # noqa: E402
from corpus_lint.document import Document  # noqa: E402
from corpus_lint.packs import load_packs  # noqa: E402
from corpus_lint.rule import Context  # noqa: E402

CORPORA = HERE.parent.parent / "shared" / "corpora"
JUDGED = HERE / "txt001_judged.tsv"


def judged() -> dict[tuple[str, int, str], str]:
    verdicts = {}
    for row in JUDGED.read_text(encoding="utf-8").splitlines():
        if row and not row.startswith("#"):
            path, line, repeat, verdict, _ = row.split("\t")
            verdicts[(path, int(line), repeat)] = verdict
    return verdicts


def hits() -> list[tuple[str, int, str]]:
    """(path under the corpora, line, repeat) of every TXT001 hit on the prose measured."""
    rules = builtin_rules()
    rule, ctx = rules["TXT001"], Context(load_packs((), rules))
    l3s = CORPORA / "boilerplate-l3s"
    labels = json.loads((l3s / "labels.json").read_text())
    paths = sorted((CORPORA / "bbc").rglob("*.txt")) + [l3s / name for name in sorted(labels)]
    found = []
    for path in paths:
        name = path.relative_to(CORPORA).as_posix()
        for d in rule.check(Document.read(path), ctx):
            if name.startswith("boilerplate-l3s/") and labels[path.name][d.line - 1] != "article":
                continue
            found.append((name, d.line, d.message.split('repeated: "')[1].split('"')[0]))
    return found


def main() -> int:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()  # --help, and no stray arguments
    if not (CORPORA / "bbc").is_dir() or not (CORPORA / "boilerplate-l3s").is_dir():
        print(f"skipped: the BBC or L3S corpus is not under {CORPORA}")
        return 0
    verdicts = judged()
    found = hits()
    unjudged = [h for h in found if h not in verdicts]
    for hit in unjudged:
        print("unjudged\t" + "\t".join(map(str, hit)))
    typos = sum(verdicts.get(h) == "typo" for h in found)
    print(f"TXT001 hits now: {len(found)}, typos {typos}: precision {typos / len(found):.1%}")
    before = list(verdicts.values())
    print(
        f"all judged hits (the rule before issue 17 reported every one): {len(before)}, "
        f"typos {before.count('typo')}: precision {before.count('typo') / len(before):.1%}"
    )
    for hit in found:
        if verdicts.get(hit) == "legitimate":
            print("false alarm\t" + "\t".join(map(str, hit)))
    return 1 if unjudged else 0


if __name__ == "__main__":
    sys.exit(main())

"""Score line-level boilerplate detection on L3S-GN1 (../shared/corpora/boilerplate-l3s).

    python benchmarks/bench_boilerplate.py             # figures
    python benchmarks/bench_boilerplate.py --missed    # also list the boilerplate lines missed
    python benchmarks/bench_boilerplate.py --flagged   # also list the article lines flagged

Every file is one page linearised to one line per HTML block, and `labels.json` gives each
line's label (see the corpus README). A line counts as flagged when a boilerplate rule (BP*)
of the default configuration (every rule selected, the built-in packs) reports it. Printed:
recall on the `boilerplate` lines, overall and per kind; the share of `article` lines flagged.

The kinds are not in the labels: `kind_of` derives them from the line text with the simple
heuristics below (first match wins), so the per-kind figures are approximate. Lines that
match none are "other" (mostly links to other stories: headlines that only the repetition
across the corpus could tell from an article's own lines).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from corpus_lint.analysis import lint_document  # noqa: E402
from corpus_lint.checks import builtin_rules  # noqa: E402
from corpus_lint.document import Document  # noqa: E402
from corpus_lint.packs import load_packs  # noqa: E402
from corpus_lint.rule import Context  # noqa: E402

L3S = HERE.parent.parent / "shared" / "corpora" / "boilerplate-l3s"

# (kind, pattern searched in the line, case-insensitively), tried in order.
KINDS = [
    ("copyright/legal", r"copyright|©|\(c\)|all rights reserved|terms of (use|service)|privacy"),
    (
        "share/print/e-mail",
        r"\b(share|print|e-?mail|digg|del\.icio\.us|facebook|twitter|"
        r"bookmark|tweet|reddit|stumble|rss|text size|font size)",
    ),
    ("comments", r"\bcomment|\brepl(y|ies)\b|discuss|your say|\bpost(ed)? by\b"),
    (
        "date stamp",
        r"\b(19|20)\d\d\b|\b\d{1,2}:\d\d\b|\b(mon|tues|wednes|thurs|fri|satur|sun)"
        r"day\b|\b(updated|published|posted)\b",
    ),
    ("photo/caption", r"\b(photo|picture|image|caption|getty|reuters|afp|ap|video|gallery)\b"),
    ("ads/sponsored", r"\b(ad|ads|advert|advertisement|sponsor|sponsored)\b"),
    (
        "navigation",
        r"\b(home|next|previous|prev|back|more|related|top|index|section|news|"
        r"sports?|business|search|login|log in|sign in|register|subscribe|contact)\b|»|«|>>|<<",
    ),
]
_KINDS = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in KINDS]


def kind_of(line: str) -> str:
    for kind, pattern in _KINDS:
        if pattern.search(line):
            return kind
    return "other"


def flagged_lines(paths: list[Path]) -> dict[str, set[int]]:
    """For each file name, the 1-based line numbers a BP rule reports."""
    rules = {c: r for c, r in builtin_rules().items() if not r.corpus and c.startswith("BP")}
    ctx = Context(load_packs((), builtin_rules()))
    found = {}
    for path in paths:
        doc = Document.read(path)
        found[path.name] = {d.line for d in lint_document(doc, rules.values(), ctx)}
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=L3S, help="folder with labels.json")
    parser.add_argument("--missed", action="store_true", help="list the boilerplate missed")
    parser.add_argument("--flagged", action="store_true", help="list the article lines flagged")
    args = parser.parse_args(argv)
    labels_file = args.corpus / "labels.json"
    if not labels_file.is_file():
        print(f"skipped: {labels_file} not found (the L3S corpus is not here)")
        return 0
    labels: dict[str, list[str]] = json.loads(labels_file.read_text())
    paths = [args.corpus / name for name in sorted(labels)]
    found = flagged_lines(paths)
    total, hits = Counter(), Counter()
    article = article_hits = 0
    for path in paths:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, (text, label) in enumerate(zip(lines, labels[path.name]), start=1):
            flagged = number in found[path.name]
            if label == "boilerplate":
                kind = kind_of(text)
                total[kind] += 1
                hits[kind] += flagged
                if args.missed and not flagged:
                    print(f"missed\t{kind}\t{path.name}:{number}\t{text[:120]}")
            elif label == "article":
                article += 1
                article_hits += flagged
                if args.flagged and flagged:
                    print(f"flagged\t{path.name}:{number}\t{text[:120]}")
    boilerplate = sum(total.values())
    print(f"{len(paths)} files; {boilerplate} boilerplate lines, {article} article lines")
    print(
        f"boilerplate recall: {sum(hits.values()) / boilerplate:.1%} "
        f"({sum(hits.values())}/{boilerplate})"
    )
    for kind, _ in [*KINDS, ("other", "")]:
        if total[kind]:
            print(f"  {kind:<20} {hits[kind] / total[kind]:6.1%}  ({hits[kind]}/{total[kind]})")
    print(f"article lines flagged: {article_hits / article:.2%} ({article_hits}/{article})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Score line-level boilerplate detection on L3S-GN1 (../shared/corpora/boilerplate-l3s).

    python benchmarks/bench_boilerplate.py             # figures
    python benchmarks/bench_boilerplate.py --missed    # also list the boilerplate lines missed
    python benchmarks/bench_boilerplate.py --flagged   # also list the article lines flagged

Every file is one page linearised to one line per HTML block, and `labels.json` gives each
line's label (see the corpus README). A line counts as flagged when a boilerplate rule (BP*)
of the default configuration (every rule selected, the built-in packs) reports it, BP005
(lines repeated across the 311 pages) included. Printed: recall on the `boilerplate` lines,
overall and per kind, with the lines only BP005 found; the share of `article` lines flagged.

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

from corpus_lint.checks import builtin_rules  # noqa: E402
from corpus_lint.document import display  # noqa: E402
from corpus_lint.packs import load_packs  # noqa: E402

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


def flagged_lines(paths: list[Path]) -> dict[str, dict[int, set[str]]]:
    """For each file name, the codes of the BP rules reporting each 1-based line: the
    per-document ones and BP005 (repeated lines, a corpus rule: the run counts the lines
    across `paths` with the default settings)."""
    from corpus_lint.analysis import Options
    from corpus_lint.config import Settings
    from corpus_lint.engine import run

    rules = {c: r for c, r in builtin_rules().items() if c.startswith("BP")}
    packs = load_packs((), builtin_rules())
    result = run(paths, rules, packs, Settings(root=Path.cwd()), Options(use_cache=False))
    by_name = {display(path): path.name for path in paths}
    found: dict[str, dict[int, set[str]]] = {path.name: {} for path in paths}
    for d in result.diagnostics:
        found[by_name[d.path]].setdefault(d.line, set()).add(d.code)
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
    total, hits, repeated = Counter(), Counter(), Counter()
    article = article_hits = article_repeated = 0
    for path in paths:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, (text, label) in enumerate(zip(lines, labels[path.name]), start=1):
            codes = found[path.name].get(number, set())
            flagged = bool(codes)
            only_bp005 = codes == {"BP005"}
            if label == "boilerplate":
                kind = kind_of(text)
                total[kind] += 1
                hits[kind] += flagged
                repeated[kind] += only_bp005
                if args.missed and not flagged:
                    print(f"missed\t{kind}\t{path.name}:{number}\t{text[:120]}")
            elif label == "article":
                article += 1
                article_hits += flagged
                article_repeated += only_bp005
                if args.flagged and flagged:
                    print(f"flagged\t{','.join(sorted(codes))}\t{path.name}:{number}\t{text[:120]}")
    boilerplate = sum(total.values())
    print(f"{len(paths)} files; {boilerplate} boilerplate lines, {article} article lines")
    print(
        f"boilerplate recall: {sum(hits.values()) / boilerplate:.1%} "
        f"({sum(hits.values())}/{boilerplate}; found by BP005 alone: {sum(repeated.values())})"
    )
    for kind, _ in [*KINDS, ("other", "")]:
        if total[kind]:
            print(
                f"  {kind:<20} {hits[kind] / total[kind]:6.1%}  ({hits[kind]}/{total[kind]}; "
                f"BP005 alone: {repeated[kind]})"
            )
    print(
        f"article lines flagged: {article_hits / article:.2%} ({article_hits}/{article}; "
        f"BP005 alone: {article_repeated})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

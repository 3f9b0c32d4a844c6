"""Benchmark the per-document rules on one core: files/s, MB/s, and the cost of each rule.

    python benchmarks/bench_lint.py                 # 10,000 generated articles (+ BBC, L3S)
    python benchmarks/bench_lint.py --files 20000 --repeats 5

Reads every file once per repeat in this process (no worker processes, no corpus rules), as a
worker does: `Document.read`, then every selected per-document rule. Prints the median of
the repeats, and a per-rule breakdown measured on one more pass. The corpus is generated
under /tmp with `generate_corpus.py`; the BBC corpus is read in place from ../shared.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from corpus_lint.analysis import lint_document  # noqa: E402
from corpus_lint.checks import builtin_rules  # noqa: E402
from corpus_lint.document import Document  # noqa: E402
from corpus_lint.packs import load_packs  # noqa: E402
from corpus_lint.rule import Context, reports_of  # noqa: E402

BBC = HERE.parent.parent / "shared" / "corpora" / "bbc"
# Scraped pages, half of them beyond ASCII (curly quotes, accents): the generated articles
# and BBC's are nearly all ASCII, which every rule screens out of its costlier paths.
L3S = HERE.parent.parent / "shared" / "corpora" / "boilerplate-l3s"


def generated_corpus(files: int, seed: int) -> Path:
    folder = Path(f"/tmp/corpus-lint-bench-lint-{files}-{seed}")
    if not folder.exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate_corpus.py"),
                str(folder),
                "--files",
                str(files),
                "--seed",
                str(seed),
            ],
            check=True,
        )
    return folder


def measure(name: str, paths: list[Path], repeats: int) -> None:
    rules = {code: rule for code, rule in builtin_rules().items() if not rule.corpus}
    ctx = Context(load_packs((), rules))
    size = sum(p.stat().st_size for p in paths)
    timings = []
    found = 0
    for _ in range(repeats):
        started = time.perf_counter()
        found = 0
        for path in paths:
            found += len(lint_document(Document.read(path), rules.values(), ctx))
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    print(f"{name}: {len(paths):,} files, {size / 1e6:.1f} MB, {found:,} diagnostics")
    print(
        f"  median of {repeats}: {median:.2f} s = {len(paths) / median:,.0f} files/s, "
        f"{size / 1e6 / median:.1f} MB/s on one core "
        f"(runs: {', '.join(f'{t:.2f}' for t in timings)})"
    )

    docs = [Document.read(p) for p in paths]
    for doc in docs:  # split lines before timing rules: the split is shared by every rule
        doc.lines  # noqa: B018
    started = time.perf_counter()
    for path in paths:
        Document.read(path).lines  # noqa: B018
    read_cost = time.perf_counter() - started
    costs = {"(read, decode, split lines)": read_cost}
    # In catalogue order, through `reports_of` as a run does: a rule that reads others'
    # findings (BP006) costs what it adds to them.
    for code, rule in rules.items():
        started = time.perf_counter()
        for doc in docs:
            reports_of(rule, doc, ctx)
        costs[code] = time.perf_counter() - started
    print("  cost per file (one pass):")
    for code, cost in sorted(costs.items(), key=lambda kv: -kv[1]):
        print(f"    {code:<28} {cost / len(paths) * 1e6:7.1f} µs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000, help="generated articles (10000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes (3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = generated_corpus(args.files, args.seed)
    measure("generated", sorted(corpus.rglob("*.txt")), args.repeats)
    if BBC.is_dir():
        measure("bbc", sorted(BBC.rglob("*.txt")), args.repeats)
    if L3S.is_dir():
        measure("l3s", sorted(L3S.glob("*.txt")), args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark duplicate clusters on a generated corpus: quality against the planted groups,
and what cluster formation costs in a cold run.

    python benchmarks/bench_clusters.py --files 10000

The corpus comes from `generate_corpus.py` (generated once under /tmp, as bench_dedup.py
does); its ground-truth.json lists every pair of documents copied from one original (a
"family"), with the pair's exact Jaccard, and the exact copies. The check runs in this
process (all rules, no cache: a cold run), so the time spent forming clusters is read from
the corpus stage (`last_stats.cluster_seconds`), next to the whole run's wall time.

Quality, at the threshold (0.8):
- purity: the share of clusters whose documents all come from one family;
- member precision: the share of (keeper, member) pairs whose planted Jaccard is at or
  above the threshold (or that are exact copies);
- completeness: of the families whose documents at the threshold are all alike pairwise
  (every pair at >= 0.8, so the chain rule has nothing to split), the share that form
  exactly one cluster. Families with a chain are split by the rule on purpose: counted
  apart.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import sys
import time
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.bench_dedup import THRESHOLD, corpus_for  # noqa: E402
from corpus_lint.cli import main  # noqa: E402
from corpus_lint.dedup import corpus as corpus_stage  # noqa: E402


def cold_run(folder: Path) -> tuple[float, float, list[dict]]:
    """(wall seconds, cluster-formation seconds, clusters) of a cold check of all rules."""
    shutil.rmtree(folder / ".corpus_lint_cache", ignore_errors=True)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        started = time.perf_counter()
        with contextlib.redirect_stdout(out):
            main(["check", "--no-progress", "--exit-zero", "--output-format", "clusters"])
        elapsed = time.perf_counter() - started
    finally:
        os.chdir(cwd)
    clusters = [json.loads(line) for line in out.getvalue().splitlines()]
    return elapsed, corpus_stage.last_stats.cluster_seconds, clusters


def quality(clusters: list[dict], truth: dict) -> dict:
    similar: dict[tuple[str, str], float] = {}
    for p in truth["near_pairs"]:
        similar[(p["a"], p["b"])] = similar[(p["b"], p["a"])] = p["jaccard"]
    for p in truth["exact_pairs"]:
        similar[(p["a"], p["b"])] = similar[(p["b"], p["a"])] = 1.0
    family: dict[str, int] = {}  # union-find over every planted pair
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in similar:
        parent[root(a)] = root(b)
    for doc in parent:
        family[doc] = hash(root(doc))
    pure = sum(
        len({family.get(m["path"], m["path"]) for m in c["members"]} | {family.get(c["keeper"])})
        == 1
        for c in clusters
    )
    pairs = [(c["keeper"], m["path"]) for c in clusters for m in c["members"]]
    right = sum(similar.get(pair, 0.0) >= THRESHOLD for pair in pairs)
    # Families at the threshold: the documents joined by pairs >= THRESHOLD.
    members: dict[int, set[str]] = {}
    for (a, b), value in similar.items():
        if value >= THRESHOLD:
            members.setdefault(family[a], set()).update((a, b))
    cluster_of = {c["keeper"]: i for i, c in enumerate(clusters)}
    cluster_of.update((m["path"], i) for i, c in enumerate(clusters) for m in c["members"])
    cliques = whole = chained = 0
    for docs in members.values():
        alike = [similar.get((a, b), 0.0) >= THRESHOLD for a, b in combinations(sorted(docs), 2)]
        if not all(alike):
            chained += 1
            continue
        cliques += 1
        placed = {cluster_of.get(doc) for doc in docs}
        if len(placed) == 1 and None not in placed:
            size = clusters[placed.pop()]["size"]
            whole += size == len(docs)
    return {
        "clusters": len(clusters),
        "purity": pure / len(clusters) if clusters else 1.0,
        "member_precision": right / len(pairs) if pairs else 1.0,
        "members": len(pairs),
        "clique_families": cliques,
        "completeness": whole / cliques if cliques else 1.0,
        "chained_families": chained,
    }


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--near", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3, help="cold runs (median)")
    args = parser.parse_args(argv)
    folder = corpus_for(args.files, args.seed, args.near)
    truth = json.loads((folder / "ground-truth.json").read_text())
    runs = [cold_run(folder) for _ in range(args.repeats)]
    walls = [wall for wall, _, _ in runs]
    formation = [seconds for _, seconds, _ in runs]
    result = quality(runs[-1][2], truth)
    wall, step = statistics.median(walls), statistics.median(formation)
    print(f"== {args.files:,} files ({folder}), {os.cpu_count()} cores, shared machine ==")
    print(
        f"cold check, all rules: {wall:.2f} s (median of {len(walls)}: "
        f"{', '.join(f'{w:.2f}' for w in walls)})"
    )
    print(
        f"cluster formation: {step:.3f} s (median; {', '.join(f'{s:.3f}' for s in formation)})"
        f" = {step / wall:.2%} of the cold run"
    )
    print(
        f"{result['clusters']} clusters, {result['members']} redundant documents; purity "
        f"{result['purity']:.4f}; member precision {result['member_precision']:.4f}; "
        f"completeness {result['completeness']:.4f} of {result['clique_families']} planted "
        f"groups alike pairwise ({result['chained_families']} groups with a chain below the "
        "threshold are split by the keeper rule)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main_())

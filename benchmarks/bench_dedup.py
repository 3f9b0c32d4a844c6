"""Benchmark DUP003/DUP004 on a generated corpus: speed, memory, precision and recall.

    python benchmarks/bench_dedup.py --files 10000            # or --files 10000 100000

For each size it generates (once, under /tmp) a corpus with `generate_corpus.py`, then runs
the real CLI as a subprocess in the corpus folder (its corpus-lint.toml sets `corpus`),
with `--output-format json`, all rules:

- cold: no cache (median of --cold-repeats runs); warm: the same again (median of
  --warm-repeats); changed: one file edited, then `corpus-lint check THAT_FILE` (the
  pre-commit case), median of --repeats runs;
- files/s, the peak resident memory of the child processes;
- DUP004 precision and recall against the exact Jaccard of every planted pair at the
  threshold, and DUP003 recall on the planted exact copies;
- signature throughput in this process, one core: read, decode, shingle, hash, MinHash;
- the baseline, timed in the same run on the same files: a plain datasketch loop (one
  `MinHash.update` per shingle string, one `MinHashLSH.insert` per file, default
  `MinHashLSH(threshold)`), and that banding's recall on the planted pairs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

THRESHOLD = 0.8
SHINGLE_SIZE = 5
NUM_PERM = 128
_WORD = re.compile(r"\w+")


def corpus_for(files: int, seed: int, near: float) -> Path:
    folder = Path(f"/tmp/corpus-lint-bench-{files}-{seed}-{near}")
    if not (folder / "ground-truth.json").exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate_corpus.py"),
                str(folder),
                "--files",
                str(files),
                "--seed",
                str(seed),
                "--near",
                str(near),
            ],
            check=True,
        )
    return folder


def lint(folder: Path, *args: str) -> tuple[float, list[dict]]:
    """Wall time of `corpus-lint check ARGS` in `folder` (interpreter start included)."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "corpus_lint",
            "check",
            "--output-format",
            "json",
            "--exit-zero",
            "--no-progress",
            *args,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"corpus-lint failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, json.loads(done.stdout)


def peak_child_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def accuracy(diagnostics: list[dict], truth: dict) -> dict:
    """Pairs found: the documents of each duplicate cluster (a redundant document's
    diagnostic names its keeper and every other member), all pairs of them."""
    cluster_of: dict[str, int] = {}
    for number, d in enumerate(diagnostics):
        if d["code"] in ("DUP003", "DUP004"):
            for path in [d["path"], *(r["path"] for r in d["related"])]:
                cluster_of.setdefault(path, cluster_of.get(d["related"][0]["path"], number))

    def together(a: str, b: str) -> bool:
        return a in cluster_of and cluster_of.get(a) == cluster_of.get(b)

    # Reported: each redundant document against its keeper.
    found = {
        tuple(sorted((d["path"], d["related"][0]["path"])))
        for d in diagnostics
        if d["code"] == "DUP004"
    }
    positives = {(p["a"], p["b"]) for p in truth["near_pairs"] if p["jaccard"] >= THRESHOLD}
    near_all = {(p["a"], p["b"]) for p in truth["near_pairs"]}
    exact_truth = {(p["a"], p["b"]) for p in truth["exact_pairs"]}
    true_positives = len(found & positives)
    return {
        "dup004_reported": len(found),
        "dup004_positives": len(positives),
        "precision": true_positives / len(found) if found else 1.0,
        # A planted pair at the threshold is found when both files are in one cluster (a
        # chain split by the keeper rule leaves a few pairs apart on purpose).
        "recall": sum(together(a, b) for a, b in positives) / len(positives) if positives else 1.0,
        "reported_outside_planted": len(found - near_all),
        "dup003_copies": len(exact_truth),
        "dup003_recall": sum(together(a, b) for a, b in exact_truth) / len(exact_truth)
        if exact_truth
        else 1.0,
    }


def signature_rate(paths: list[Path]) -> float:
    """Files/s on one core: read, decode, shingle, hash, MinHash, in batches as a worker does."""
    from corpus_lint.analysis import BATCH_FILES
    from corpus_lint.config import NearDuplicateSettings
    from corpus_lint.dedup.features import features_of_many
    from corpus_lint.document import Document

    settings = NearDuplicateSettings(THRESHOLD, SHINGLE_SIZE, NUM_PERM)
    started = time.perf_counter()
    for start in range(0, len(paths), BATCH_FILES):
        batch = paths[start : start + BATCH_FILES]
        features_of_many([(Document.read(path, str(path)), []) for path in batch], settings)
    return len(paths) / (time.perf_counter() - started)


def baseline(paths: list[Path]) -> tuple[float, object, dict]:
    """The plain datasketch loop: files/s, the LSH index and the MinHashes by path."""
    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    minhashes = {}
    for path in paths:
        words = _WORD.findall(path.read_text(encoding="utf-8").lower())
        minhash = MinHash(num_perm=NUM_PERM)
        for i in range(len(words) - SHINGLE_SIZE + 1):
            minhash.update(" ".join(words[i : i + SHINGLE_SIZE]).encode())
        lsh.insert(str(path), minhash)
        minhashes[str(path)] = minhash
    return len(paths) / (time.perf_counter() - started), lsh, minhashes


def bench(files: int, args) -> None:
    folder = corpus_for(files, args.seed, args.near)
    truth = json.loads((folder / "ground-truth.json").read_text())
    paths = sorted((folder / "corpus").rglob("*.txt"))
    cache = folder / ".corpus_lint_cache"
    print(f"\n== {files:,} files ({folder}), {os.cpu_count()} cores, shared machine ==")

    cold_times = []
    for _ in range(args.cold_repeats):
        shutil.rmtree(cache, ignore_errors=True)
        elapsed, diagnostics = lint(folder)
        cold_times.append(elapsed)
    cold = statistics.median(cold_times)
    peak = peak_child_mb()
    print(
        f"cold full check (all rules):   {cold:7.2f} s  {files / cold:8,.0f} files/s  "
        f"(median of {len(cold_times)}: {', '.join(f'{t:.2f}' for t in cold_times)}); "
        f"peak RSS {peak:,.0f} MB"
    )
    warm_times = []
    for _ in range(args.warm_repeats):
        warm, _ = lint(folder)
        warm_times.append(warm)
    warm = statistics.median(warm_times)
    print(
        f"warm full check (all rules):   {warm:7.2f} s  {files / warm:8,.0f} files/s  "
        f"(median of {len(warm_times)})"
    )
    changed = paths[len(paths) // 2]
    original = changed.read_text(encoding="utf-8")
    changed_times = []
    try:
        for repeat in range(args.repeats):
            text = original.replace("\nSource:", f"\nA sentence added in edit {repeat}.\n\nSource:")
            changed.write_text(text, encoding="utf-8")
            elapsed, found = lint(folder, str(changed.relative_to(folder)))
            changed_times.append(elapsed)
    finally:
        changed.write_text(original, encoding="utf-8")
    print(
        f"warm, one changed file:        {statistics.median(changed_times):7.2f} s  "
        f"(median of {len(changed_times)}: {', '.join(f'{t:.2f}' for t in changed_times)}; "
        f"{len(found)} diagnostics on it)"
    )

    result = accuracy(diagnostics, truth)
    print(
        f"DUP004 at {THRESHOLD}: precision {result['precision']:.4f}, "
        f"recall {result['recall']:.4f} "
        f"({result['dup004_reported']} reported, {result['dup004_positives']} planted pairs "
        f"with exact Jaccard >= {THRESHOLD}, {result['reported_outside_planted']} outside the "
        f"planted pairs); DUP003 recall {result['dup003_recall']:.4f} "
        f"({result['dup003_copies']} planted copies)"
    )

    sample = paths[: args.sample]
    rates = [signature_rate(sample) for _ in range(3)]
    print(
        f"signatures, one core, read+decode+shingle+hash+MinHash: "
        f"{statistics.median(rates):8,.0f} files/s (median of 3 over {len(sample):,} files)"
    )
    rate, lsh, minhashes = baseline(sample)
    print(
        f"baseline datasketch loop (update per shingle, insert per file): "
        f"{rate:8,.0f} files/s over {len(sample):,} files "
        f"(projected {files / rate:,.0f} s for {files:,} files on one core)"
    )
    # Recall of datasketch's default banding on the planted pairs at the threshold.
    at_threshold = [p for p in truth["near_pairs"] if p["jaccard"] >= THRESHOLD][: args.pairs]
    pair_paths = sorted({folder / p[k] for p in at_threshold for k in ("a", "b")})
    _, lsh, minhashes = baseline(pair_paths)
    hits = sum(
        str(folder / p["b"]) in lsh.query(minhashes[str(folder / p["a"])]) for p in at_threshold
    )
    near_threshold = [p for p in at_threshold if p["jaccard"] < THRESHOLD + 0.05]
    hits_near = sum(
        str(folder / p["b"]) in lsh.query(minhashes[str(folder / p["a"])]) for p in near_threshold
    )
    print(
        f"baseline MinHashLSH(threshold={THRESHOLD}) banding b={lsh.b}, r={lsh.r}: finds "
        f"{hits}/{len(at_threshold)} planted pairs >= {THRESHOLD} "
        f"({hits_near}/{len(near_threshold)} of those below {THRESHOLD + 0.05})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--near", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3, help="runs of the one-changed-file check")
    parser.add_argument("--cold-repeats", type=int, default=1)
    parser.add_argument("--warm-repeats", type=int, default=1)
    parser.add_argument("--sample", type=int, default=2000, help="files for the throughput figures")
    parser.add_argument("--pairs", type=int, default=400, help="planted pairs for baseline recall")
    args = parser.parse_args(argv)
    for files in args.files:
        bench(files, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the Dask executor against the local one on a generated corpus.

    python benchmarks/bench_dask.py --files 100000     # or --corpus DIR (with a corpus-lint.toml)

Generates (once, under /tmp, as bench_dedup.py does) a corpus with `generate_corpus.py`,
starts a LocalCluster of --workers single-threaded worker processes in this process, then
runs the real CLI as a subprocess in the corpus folder, all rules, no cache, JSON output:

- local: `corpus-lint check --no-cache` (worker processes, one per core);
- dask: `corpus-lint check --executor dask --scheduler ADDRESS` against that cluster, so
  the CLI process is the client alone (no scheduler, no workers inside it).

For each: wall time, the peak RSS of the CLI process (the client: its own
`getrusage(RUSAGE_SELF)`, not its children's), the number of candidate pairs the LSH
banding produced, and the diagnostics; for the dask run also the peak RSS of each worker.
The two JSON reports must be identical (sorted), and the script says whether they are.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Runs the CLI, then writes what this process measured of itself to the file in argv[1].
_CLIENT = """
import json, resource, sys, time
started = time.monotonic()
from corpus_lint.cli import main
code = main(sys.argv[2:])
wall = time.monotonic() - started
from corpus_lint.distributed import last_stats as dask
from corpus_lint.dedup.corpus import last_stats as local
candidates = dask.candidates if dask.tasks else local.candidates
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "wall": wall, "rss_kb": rss, "candidates": candidates,
               "tasks": dask.tasks, "partitions": dask.partitions, "buckets": dask.buckets}, out)
"""


def corpus_for(files: int, seed: int, near: float) -> Path:
    folder = Path(f"/tmp/corpus-lint-bench-{files}-{seed}-{near}")
    if not (folder / "corpus-lint.toml").exists():
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


def run_cli(folder: Path, args: list[str]) -> tuple[dict, list]:
    """(what the CLI process measured of itself, its sorted JSON report)."""
    with tempfile.TemporaryDirectory() as scratch:
        stats_file = Path(scratch) / "stats.json"
        report_file = Path(scratch) / "report.json"
        command = [sys.executable, "-c", _CLIENT, str(stats_file), "check", "--no-progress"]
        command += ["--no-cache", "--output-format", f"json:{report_file}", "--quiet", *args]
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True)
        if not stats_file.exists() or done.returncode not in (0, 1):
            sys.exit(f"bench_dask: the run failed:\n{done.stderr}")
        stats = json.loads(stats_file.read_text())
        report = json.loads(report_file.read_text())
    return stats, sorted(report, key=lambda d: json.dumps(d, sort_keys=True))


def worker_peak_rss(client) -> list[float]:
    import resource

    def peak() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    return sorted(kb / 1024 for kb in client.run(peak).values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000, help="generated files (100000)")
    parser.add_argument("--corpus", type=Path, help="an existing corpus folder instead")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    folder = args.corpus or corpus_for(args.files, 1, 0.1)
    from distributed import Client, LocalCluster

    print(f"corpus: {folder}; cluster: {args.workers} worker processes, 1 thread each")
    local, local_report = run_cli(folder, [])
    cluster = LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL + 1,
    )
    with cluster, Client(cluster) as client:
        address = cluster.scheduler_address
        dask, dask_report = run_cli(folder, ["--executor", "dask", "--scheduler", address])
        workers = worker_peak_rss(client)
    files = sum(1 for _ in folder.rglob("*.txt"))
    print(f"{files:,} files, {len(local_report):,} diagnostics")
    print(
        f"{'executor':<10}{'wall s':>9}{'files/s':>10}{'client peak RSS MB':>20}{'candidates':>12}"
    )
    for name, stats in (("local", local), ("dask", dask)):
        print(
            f"{name:<10}{stats['wall']:>9.1f}{files / stats['wall']:>10,.0f}"
            f"{stats['rss_kb'] / 1024:>20.0f}{stats['candidates']:>12,}"
        )
    print(
        f"dask: {dask['tasks']:,} tasks, {dask['partitions']} partitions, "
        f"{dask['buckets']} buckets; worker peak RSS MB: {', '.join(f'{w:.0f}' for w in workers)}"
    )
    same = local_report == dask_report
    print(f"identical reports: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

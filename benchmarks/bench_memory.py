"""Peak memory of a full check: does it grow with the number of files or with their text?

    python benchmarks/bench_memory.py                  # 2,000 and 10,000 files
    python benchmarks/bench_memory.py --files 10000 100000

For each size, a cold full check (all rules, `--no-cache`) of the generated corpus of
`bench_dedup.py`, then of a corpus with as many files holding ten times the text (each file
is ten generated articles end to end). The peak resident memory is that of the largest
process of the run (the main process: workers hold one batch of documents at a time). If
documents are streamed, the long-text corpus costs about what the short one does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_dedup import corpus_for  # noqa: E402

# Runs the check as a grandchild, so RUSAGE_CHILDREN measures that run alone.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(done.returncode, peak, done.stderr.decode()[-500:].replace(chr(10), ' '))\n"
)


def peak_mb(folder: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a cold full check of `folder`."""
    command = [sys.executable, "-m", "corpus_lint", "check", "--no-cache", "--no-progress"]
    command += ["--exit-zero", "--output-format", "json", "."]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    code, peak, errors = done.stdout.split(" ", 2)
    if code != "0":
        sys.exit(f"corpus-lint failed ({code}): {errors}")
    return elapsed, int(peak) / 1024


def long_text_corpus(short: Path, files: int) -> Path:
    """`files` files of ten generated articles each, under /tmp (made once)."""
    folder = Path(f"/tmp/corpus-lint-bench-long-{files}")
    if not (folder / "done").exists():
        sources = sorted((short / "corpus").rglob("*.txt"))
        (folder / "corpus").mkdir(parents=True, exist_ok=True)
        for index in range(files):
            parts = [sources[(index * 10 + k) % len(sources)] for k in range(10)]
            text = "\n\n".join(p.read_text(encoding="utf-8").strip() for p in parts) + "\n"
            (folder / "corpus" / f"{index:06d}.txt").write_text(text, encoding="utf-8")
        (folder / "done").write_text("")
    return folder


def text_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in (folder / "corpus").rglob("*.txt")) / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores, shared machine; cold full check, --no-cache, all rules")
    figures = {}
    for files in args.files:
        short = corpus_for(files, args.seed, 0.1)
        elapsed, peak = peak_mb(short)
        figures[files] = peak
        print(
            f"{files:>7,} files, {text_mb(short):7.0f} MB of text:  peak RSS {peak:6.0f} MB  "
            f"({elapsed:.1f} s)"
        )
        if files <= 10_000:
            long = long_text_corpus(short, files)
            elapsed, peak_long = peak_mb(long)
            print(
                f"{files:>7,} files, {text_mb(long):7.0f} MB of text:  "
                f"peak RSS {peak_long:6.0f} MB  "
                f"({elapsed:.1f} s; ten articles per file)"
            )
    sizes = sorted(figures)
    for small, large in zip(sizes, sizes[1:]):
        per_file = (figures[large] - figures[small]) * 2**20 / (large - small)
        print(f"growth from {small:,} to {large:,} files: {per_file:,.0f} bytes per file")
    print(json.dumps({"peak_rss_mb": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

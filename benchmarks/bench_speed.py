"""Every row of issue 19's table in one run, on the generated corpus of `bench_dedup.py`.

    python benchmarks/bench_speed.py --files 100000 --repeats 3      # the issue's size
    python benchmarks/bench_speed.py --files 20000 --repeats 3       # on a shared machine

The runs of each round alternate (so a machine that gets busier slows every measure alike),
and each measure is the median of its rounds, with every run shown:

- cold: a full check, all rules, every core, `--no-cache`;
- floor: reading, decoding and splitting the same files into words in this one process
  (no rule, no worker): the cost of the words, and the cold check's ratio to it;
- touched: a full check over the cache after one file was touched (its bytes the same, its
  time new, as a pre-commit run's edit put back leaves it): that file is read again, the
  others' results come from the cache, and the output of the run before cannot be reused;
- warm: a full check over the cache, nothing changed since the check before (the touched one);
- changed: one file edited, then `corpus-lint check THAT_FILE` against the cached corpus
  (the pre-commit case), the file put back after;
- start-up: one clean file in an empty folder, DUP rules off (`--select WS`) and on (all
  rules), beside `python -c pass`;
- memory: the peak resident memory of the largest process of the cold check, per file;
- DUP003/DUP004 precision and recall of the cold check against the generator's ground truth
  (`bench_dedup.accuracy`), and that the warm check's JSON is the cold one's, byte for byte.

Every check is the real CLI in a subprocess, interpreter start included.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_dedup import THRESHOLD, accuracy, corpus_for  # noqa: E402

# Runs a command as a grandchild, so RUSAGE_CHILDREN is that run's alone: prints its exit
# code, wall seconds and peak RSS (KB, the largest process: workers included).
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "started = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], 'wb'), stderr=subprocess.PIPE)\n"
    "took = time.perf_counter() - started\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(done.returncode, took, peak, done.stderr.decode()[-500:].replace(chr(10), ' '))\n"
)

CHECK = [sys.executable, "-m", "corpus_lint", "check", "--no-progress", "--exit-zero"]
CLEAN = "Harbour council approves new ferry timetable\n\nThe council voted on Tuesday.\n\n"
CLEAN += "Source: Example News\n"


def measure(
    command: list[str], cwd: Path, output: Path, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of `command`, its standard output written to `output`."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(output), *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    code, took, peak, err = done.stdout.split(" ", 3)
    if int(code) not in (0, 1):
        sys.exit(f"{' '.join(command)} failed ({code}): {err}")
    return float(took), int(peak) / 1024


def floor(paths: list[Path]) -> float:
    """Seconds to read, decode and split `paths` into words, in this process."""
    started = time.perf_counter()
    words = 0
    for path in paths:
        with open(path, "rb") as handle:
            words += len(handle.read().decode("utf-8", "replace").split())
    return time.perf_counter() - started


def shown(values: list[float], unit: str = "s", digits: int = 2) -> str:
    runs = ", ".join(f"{v:.{digits}f}" for v in values)
    return f"{statistics.median(values):.{digits}f} {unit} ({runs})"


def bench(files: int, args: argparse.Namespace) -> None:
    folder = corpus_for(files, args.seed, args.near)
    truth = json.loads((folder / "ground-truth.json").read_text())
    paths = sorted((folder / "corpus").rglob("*.txt"))
    changed = paths[len(paths) // 2]
    original = changed.read_bytes()
    out = Path(tempfile.mkdtemp(prefix="corpus-lint-bench-speed-"))
    clean = out / "clean"
    clean.mkdir()
    (clean / "article.txt").write_text(CLEAN, encoding="utf-8")
    print(f"\n== {files:,} files ({folder}), {os.cpu_count()} cores ==", flush=True)
    # The package's bytecode, as an installed one has it (pip compiles it): with
    # PYTHONDONTWRITEBYTECODE set (as in some shells and containers), every run would
    # otherwise compile each module it imports, 0.1 s of a quick run.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "corpus_lint")],
        check=True,
        stdout=subprocess.DEVNULL,
    )

    shutil.rmtree(folder / ".corpus_lint_cache", ignore_errors=True)
    fill, fill_peak = measure([*CHECK, "--output-format", "json"], folder, out / "fill.json")
    # Not a row of the table (its memory row is the cold check's), but the first run
    # a user makes with the default cache: its peak is shown beside it.
    print(
        f"first run over an empty cache: {fill:.2f} s, peak {fill_peak:.1f} MB "
        f"({fill_peak * 1024 / files:.2f} KB a file)",
        flush=True,
    )

    rows: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        rows.setdefault(name, []).append(value)

    try:
        for round_ in range(args.repeats):
            took, peak = measure(
                [*CHECK, "--no-cache", "--output-format", "json"], folder, out / "cold.json"
            )
            add("cold", took)
            add("peak", peak)
            add("floor", floor(paths))
            add("ratio", rows["cold"][-1] / rows["floor"][-1])
            os.utime(changed)  # touched: the same bytes, a new time
            took, _ = measure([*CHECK, "--output-format", "json"], folder, out / "touched.json")
            add("touched", took)
            took, _ = measure([*CHECK, "--output-format", "json"], folder, out / "warm.json")
            add("warm", took)
            edit = original.replace(b"\nSource:", f"\nEdit {round_}.\n\nSource:".encode(), 1)
            changed.write_bytes(edit)
            target = str(changed.relative_to(folder))
            took, _ = measure([*CHECK, "--output-format", "json", target], folder, out / "one.json")
            add("changed", took)
            changed.write_bytes(original)
            for name, rules in (("start-off", ["--select", "WS"]), ("start-on", [])):
                took, _ = measure([*CHECK, *rules, "article.txt"], clean, out / "start.txt")
                add(name, took)
            took, _ = measure([sys.executable, "-c", "pass"], clean, out / "pass.txt")
            add("python", took)
            print(f"round {round_ + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in rows.items()))
    finally:
        changed.write_bytes(original)

    cold = (out / "cold.json").read_bytes()
    same = all((out / f"{name}.json").read_bytes() == cold for name in ("touched", "warm"))
    result = accuracy(json.loads((out / "cold.json").read_text()), truth)
    per_file = [mb * 1024 / files for mb in rows["peak"]]  # KB
    print(
        f"\n| measure ({files:,} generated articles; median of {args.repeats} alternating rounds, "
        "each run in brackets) | now | goal |\n|---|---|---|"
    )
    print(
        f"| cold full check, all rules, {os.cpu_count()} cores, no cache | "
        f"{shown(rows['cold'])} | <= 15 s at 100k |"
    )
    print(f"| the floor: read, decode, split into words, one process | {shown(rows['floor'])} | |")
    print(f"| cold check / floor | {shown(rows['ratio'], 'x')} | <= 1.1 |")
    print(f"| warm full check (nothing changed) | {shown(rows['warm'])} | <= 3 s at 100k |")
    print(f"| warm full check, one file touched | {shown(rows['touched'])} | |")
    print(f"| one changed file against the cached corpus | {shown(rows['changed'])} | <= 0.3 s |")
    print(
        f"| start-up, one clean file, DUP rules off / on | {shown(rows['start-off'])} / "
        f"{shown(rows['start-on'])} (`python -c pass`: {shown(rows['python'])}) | "
        "<= 0.12 s / <= 0.2 s |"
    )
    print(
        f"| peak memory per file (largest process, cold) | {shown(per_file, 'KB', 2)}; "
        f"{statistics.median(rows['peak']):.0f} MB | <= 1 KB |"
    )
    print(
        f"\nDUP004 at {THRESHOLD}: precision {result['precision']:.4f}, recall "
        f"{result['recall']:.4f} ({result['dup004_reported']} reported, "
        f"{result['dup004_positives']} planted pairs at >= {THRESHOLD}); DUP003 recall "
        f"{result['dup003_recall']:.4f} ({result['dup003_copies']} planted copies)"
    )
    print(f"warm and touched JSON byte-identical to the cold (--no-cache) JSON: {same}")
    shutil.rmtree(out, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, nargs="+", default=[20_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--near", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3, help="alternating rounds")
    args = parser.parse_args(argv)
    # Bytecode compiled, as an installed package has it (as `bench_disk.py` does): with
    # PYTHONDONTWRITEBYTECODE set, every run compiled each module changed since its last .pyc
    # (0.05-0.1 s of a one-file run).
    package = HERE.parent / "corpus_lint"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    for files in args.files:
        bench(files, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

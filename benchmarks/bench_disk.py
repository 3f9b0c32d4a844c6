"""The cold check of files read from disk, not from the page cache, beside its floor.

    sudo .venv/bin/python benchmarks/bench_disk.py --files 100000 --repeats 3
    sudo .venv/bin/python benchmarks/bench_disk.py --files 100000 --base /tmp/base  # other code

A corpus larger than memory, or the first check after a reboot, reads every file from
storage. Before each run the page cache is emptied (`/proc/sys/vm/drop_caches`: Linux, as
root), then, in an order turned by one each round:

- floor: reading, decoding and splitting the files into words in this one process, from disk;
- cold: a full check, all rules, every core, `--no-cache` (`bench_speed.py`'s cold row, from
  disk); with `--base DIR`, the same check of the code in DIR (a folder holding a
  `corpus_lint` package, such as `git archive REV | tar -x -C DIR`) too, its JSON compared
  with this code's each round.

Every check is the real CLI in a subprocess, interpreter start included: with the page cache
empty, the interpreter, numpy and the package are read from disk too (as after a reboot),
which the floor, measured in this process, does not pay.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_dedup import corpus_for  # noqa: E402
from bench_speed import CHECK, floor, measure, shown  # noqa: E402

DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def drop_page_cache() -> None:
    subprocess.run(["sync"], check=True)
    DROP_CACHES.write_text("3\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--near", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3, help="alternating rounds")
    parser.add_argument("--base", type=Path, help="a folder with other code to compare")
    args = parser.parse_args(argv)
    try:
        drop_page_cache()
    except OSError as exc:
        sys.exit(
            f"cannot empty the page cache ({DROP_CACHES}: {exc.strerror}): this needs root "
            "and a writable /proc/sys (Linux, not in most containers)"
        )
    folder = corpus_for(args.files, args.seed, args.near)
    paths = sorted((folder / "corpus").rglob("*.txt"))
    out = Path(tempfile.mkdtemp(prefix="corpus-lint-bench-disk-"))
    command = [*CHECK, "--no-cache", "--output-format", "json", "."]
    codes = {"now": None} if args.base is None else {"now": None, "base": args.base.resolve()}
    for code in codes.values():  # bytecode compiled, as an installed package has it
        package = (code or HERE.parent) / "corpus_lint"
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    rows: dict[str, list[float]] = {}
    print(f"== {len(paths):,} files ({folder}), {os.cpu_count()} cores, from disk ==", flush=True)
    same = True
    for round_ in range(args.repeats):
        order = ["floor", *codes]
        turn = round_ % len(order)
        for name in order[turn:] + order[:turn]:
            drop_page_cache()
            if name == "floor":
                took = floor(paths)
            else:
                env = dict(os.environ)
                if codes[name] is not None:
                    env["PYTHONPATH"] = str(codes[name])
                took, _ = measure(command, folder, out / f"{name}.json", env)
            rows.setdefault(name, []).append(took)
        for name in codes:
            rows.setdefault(f"ratio {name}", []).append(rows[name][-1] / rows["floor"][-1])
        if "base" in codes:
            same &= (out / "now.json").read_bytes() == (out / "base.json").read_bytes()
        print(f"round {round_ + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in rows.items()))
    print("\n| measure, files read from disk | median (each run) |\n|---|---|")
    print(f"| the floor: read, decode, split into words, one process | {shown(rows['floor'])} |")
    for name in codes:
        print(f"| cold full check, all rules, no cache ({name}) | {shown(rows[name])} |")
        print(f"| cold check / floor ({name}) | {shown(rows[f'ratio {name}'], 'x')} |")
    if "base" in codes:
        print(f"\nthe JSON of both codes byte-identical in every round: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fuzz corpus-lint for longer than CI does: the properties of tests/test_fuzz.py.

    python benchmarks/fuzz.py --seconds 300          # five minutes (the default is 60 s)
    python benchmarks/fuzz.py --examples 20000       # or a number of inputs

Feeds arbitrary bytes, and text biased toward what the rules look for, through every built-in
rule and every fix (`check_document` in tests/test_fuzz.py), in batches of fresh random
examples until the time or the count runs out. Prints how many inputs it tried (and how many
were distinct), and on a failure the smallest failing input hypothesis found; exits 1 then.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.test_fuzz import check_document, documents  # noqa: E402

BATCH = 200  # examples per hypothesis run; each run draws fresh random inputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to fuzz (60)")
    parser.add_argument("--examples", type=int, default=0, help="stop after this many inputs")
    args = parser.parse_args()

    tried = 0
    distinct: set[bytes] = set()
    failing: list[bytes] = []

    @settings(
        max_examples=BATCH,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(documents())
    def batch(raw: bytes) -> None:
        nonlocal tried
        tried += 1
        distinct.add(hashlib.blake2b(raw, digest_size=12).digest())
        try:
            check_document(raw)
        except Exception:
            failing.append(raw)  # the last one recorded is the shrunk example
            raise

    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        if args.examples and tried >= args.examples:
            break
        if not args.examples and elapsed >= args.seconds:
            break
        try:
            batch()
        except Exception as exc:  # a property failed: show the smallest input found
            print(f"FAILURE after {tried:,} inputs: {type(exc).__name__}: {exc}")
            if failing:
                print(f"smallest failing input: {failing[-1]!r}")
            return 1
    elapsed = time.monotonic() - started
    print(
        f"tried {tried:,} inputs ({len(distinct):,} distinct) in {elapsed:.0f} s "
        f"({tried / elapsed:,.0f}/s): no failure"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The html report at scale: its size, and how long headless Chromium takes to open it.

    python benchmarks/bench_html.py /tmp/corpus-100k --files 100000

generates the corpus with `generate_corpus.py` when OUT is empty, runs `corpus-lint check`
there with `--output-format html:report.html`, then opens the report three times in headless
Chromium and prints the medians of (a) the time the page itself measures from navigation
start to the end of its script (HTML parsed, findings data decoded, first page of findings
built: `data-ready` on <html>), and (b) the wall time of the whole browser process, start-up
and the DOM dump included.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def open_in_chromium(report: Path) -> tuple[float, float]:
    """(ms the page measured until its script ended, s of the browser's wall time)."""
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        done = subprocess.run(
            ["chromium", *FLAGS, f"--user-data-dir={profile}", "--dump-dom", report.as_uri()],
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - start
    ready = re.search(r'<html[^>]* data-ready="(\d+)"', done.stdout)
    if ready is None:
        sys.exit("the report's script did not finish")
    return float(ready.group(1)), wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="generated corpus folder (made when empty)")
    parser.add_argument("--files", type=int, default=100_000)
    args = parser.parse_args()
    if not (args.out / "corpus-lint.toml").exists():
        subprocess.run(
            [sys.executable, HERE / "generate_corpus.py", args.out, "--files", str(args.files)],
            check=True,
        )
    report = (args.out / "report.html").resolve()
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "corpus_lint", "check", "--no-progress", "-q", "--exit-zero"]
        + ["--output-format", "html:report.html"],
        cwd=args.out,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"check with the html report: {time.perf_counter() - start:.1f} s")
    findings = re.search(r'id="findings-total">(\d+)<', report.read_text(encoding="utf-8"))
    print(f"report: {report.stat().st_size / 1e6:.2f} MB, {findings.group(1)} findings")
    runs = [open_in_chromium(report) for _ in range(3)]
    print(
        f"open in headless Chromium (median of 3): page ready in "
        f"{statistics.median(r[0] for r in runs) / 1000:.2f} s, browser process "
        f"{statistics.median(r[1] for r in runs):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The html report at scale: its size, and how long headless Chromium takes to open it.

    python benchmarks/bench_html.py /tmp/corpus-100k --files 100000

generates the corpus with `generate_corpus.py` when OUT is empty, runs `corpus-lint check`
there with `--output-format html:report.html`, then opens the report five times in headless
Chromium and prints the medians of the times from navigation start to the first contentful
paint, to the end of the page's script (HTML parsed, findings data decoded, the first page of
findings built), to the load event, and to the first frame drawn after it: the page usable.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
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


def open_in_chromium(report: Path) -> dict[str, float]:
    """Open `report` in headless Chromium, driven over the DevTools protocol (on a pipe: no
    port, no websocket library), and return seconds from navigation start to: the first
    contentful paint, the end of the page's own script, the load event, and the first frame
    drawn after it (the page usable)."""
    commands_read, commands_write = os.pipe()
    replies_read, replies_write = os.pipe()
    # The browser reads commands on fd 3 and writes replies on fd 4; keep the two ends out
    # of the way of those numbers until the child puts them there.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_read, replies_write)]

    def child() -> None:
        os.dup2(high[0], 3)
        os.dup2(high[1], 4)

    with tempfile.TemporaryDirectory() as profile:
        browser = subprocess.Popen(
            ["chromium", *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe"]
            + ["about:blank"],
            preexec_fn=child,
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in (commands_read, replies_write, *high):
            os.close(fd)
        devtools = _DevTools(commands_write, replies_read)
        try:
            target = devtools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})
            page = session["sessionId"]
            devtools.send("Page.enable", session=page)
            start = time.perf_counter()
            devtools.send("Page.navigate", {"url": report.as_uri()}, page)
            devtools.wait_for("Page.loadEventFired")
            load = time.perf_counter() - start
            measured = devtools.send(
                "Runtime.evaluate",
                {"expression": _AFTER_NEXT_FRAME, "awaitPromise": True, "returnByValue": True},
                page,
            )
        finally:
            devtools.send("Browser.close", wait=False)
            browser.wait(timeout=60)
    values = json.loads(measured["result"]["value"])
    if values["ready"] is None:
        sys.exit("the report's script did not finish")
    return {
        "first paint": values["paint"] / 1000,
        "script done": float(values["ready"]) / 1000,
        "load event": load,
        "frame after load": values["frame"] / 1000,
    }


# Two animation frames: the promise settles once a frame after the load event was drawn.
_AFTER_NEXT_FRAME = (
    "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done("
    "JSON.stringify({frame: performance.now(), ready: document.documentElement.dataset.ready,"
    " paint: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime})))))"
)


class _DevTools:
    """The DevTools protocol over --remote-debugging-pipe: JSON messages ended by NUL."""

    def __init__(self, write_fd: int, read_fd: int) -> None:
        self.out = os.fdopen(write_fd, "wb")
        self.read_fd = read_fd
        self.buffer = b""
        self.last_id = 0

    def receive(self) -> dict:
        while b"\0" not in self.buffer:
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                raise EOFError("the browser closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(
        self, method: str, params: dict | None = None, session: str | None = None, wait: bool = True
    ) -> dict:
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.out.write(json.dumps(message).encode() + b"\0")
        self.out.flush()
        while wait:
            reply = self.receive()
            if reply.get("id") == self.last_id:
                if "error" in reply:
                    sys.exit(f"DevTools {method}: {reply['error']}")
                return reply["result"]
        return {}

    def wait_for(self, event: str) -> None:
        while self.receive().get("method") != event:
            pass


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
    page = report.read_text(encoding="utf-8")
    findings = re.search(r'id="findings-total">(\d+)<', page)
    print(f"report: {report.stat().st_size / 1e6:.2f} MB, {findings.group(1)} findings")
    counts = dict(re.findall(r'id="rule-count-(DUP00[34])">(\d+)<', page))
    clusters = re.search(r'id="clusters-summary">(\d+) cluster', page)
    compared = page.count('<section class="member"')
    print(
        f"duplicates: {counts.get('DUP004', 0)} DUP004, {counts.get('DUP003', 0)} DUP003, in "
        f"{clusters.group(1) if clusters else 0} clusters; "
        f"{compared} shown beside their keeper"
    )
    runs = [open_in_chromium(report) for _ in range(5)]
    print("open in headless Chromium, seconds from navigation start (median of 5):")
    for name in runs[0]:
        print(f"  {name}: {statistics.median(run[name] for run in runs):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

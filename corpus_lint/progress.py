"""A progress line on stderr for long runs: only on a terminal, never in CI or when asked not to."""

from __future__ import annotations

import os
import sys
import time

# A run shorter than this shows nothing: a flash of progress is noise.
SHOW_AFTER_SECONDS = 2.0
REDRAW_EVERY_SECONDS = 0.1


def progress_wanted(disabled: bool) -> bool:
    return not disabled and sys.stderr.isatty() and not os.environ.get("CI")


class Progress:
    def __init__(self, label: str, total: int, enabled: bool) -> None:
        self.label = label
        self.total = total
        self.enabled = enabled
        self.done = 0
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < SHOW_AFTER_SECONDS or now - self.drawn_at < REDRAW_EVERY_SECONDS:
            return
        self.drawn_at = now
        self.shown = True
        rate = self.done / max(now - self.started, 1e-9)
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done}/{self.total} files, {rate:,.0f}/s"
        )
        sys.stderr.flush()

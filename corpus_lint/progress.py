"""A progress line on stderr for long runs: only on a terminal, never in CI or when asked not to."""

from __future__ import annotations

import os
import sys
import time

# A run shorter than this shows nothing: a flash of progress is noise. Counted from the
# first progress line of the process, so a later stage (verifying pairs) shows at once.
SHOW_AFTER_SECONDS = 2.0
REDRAW_EVERY_SECONDS = 0.1
_run_started: float | None = None


def progress_wanted(disabled: bool) -> bool:
    return not disabled and sys.stderr.isatty() and not os.environ.get("CI")


def new_run() -> None:
    """A run begins (a process may hold several: tests, an editor): the two seconds count
    from its first progress line."""
    global _run_started
    _run_started = None


def terminal_width() -> int:
    """stderr's width in columns (80 when it cannot be told)."""
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        import shutil  # here: every check imports this module before its corpus walk forks

        return shutil.get_terminal_size().columns


class Progress:
    def __init__(self, label: str, total: int, enabled: bool, unit: str = "files") -> None:
        global _run_started
        self.label = label
        self.total = total
        self.enabled = enabled
        self.unit = unit
        self.done = 0
        self.started = time.monotonic()
        if _run_started is None:
            _run_started = self.started
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
        if not self.enabled or not self.total:
            return
        now = time.monotonic()
        started = _run_started if _run_started is not None else self.started
        if now - started < SHOW_AFTER_SECONDS or now - self.drawn_at < REDRAW_EVERY_SECONDS:
            return
        self.drawn_at = now
        self.shown = True
        sys.stderr.write("\r" + self.line(now, terminal_width()) + "\x1b[K")
        sys.stderr.flush()

    def line(self, now: float, columns: int) -> str:
        """The progress line, cut to fit in `columns - 1` (a line that fills the last column
        wraps on some terminals, and a wrapped line is never erased by "\\r")."""
        rate = self.done / max(now - self.started, 1e-9)
        counts = f" {self.done:,}/{self.total:,} {self.unit}, {rate:,.0f}/s"
        room = columns - 1 - len(self.label) - len(counts) - 3
        bar = ""
        if room >= 10:
            width = min(30, room)
            filled = int(width * self.done / self.total) if self.total else width
            bar = f" [{'#' * filled}{'.' * (width - filled)}]"
        return (self.label + bar + counts)[: max(columns - 1, 0)]

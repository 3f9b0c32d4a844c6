from __future__ import annotations

import json
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpus_lint.cli import main
from corpus_lint.interrupts import STOPS
from tests.helpers import SEEDS


def pytest_configure(config: pytest.Config) -> None:
    """The Ctrl-C tests interrupt the runs they start, as a terminal interrupts its foreground
    job, or this process itself. A suite started with SIGINT ignored (`pytest &` in a script)
    passed that on to its runs, which then rightly ignored Ctrl-C (`corpus_lint.interrupts`):
    they exited 0 instead of 130. So Ctrl-C is Python's own here, whoever started the suite."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:  # likewise for the SIGTERM tests
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.fixture(autouse=True)
def _stop_signals_left_as_found():
    """A test that leaves Ctrl-C or SIGTERM ignored here makes every run started after it
    ignore them (an ignored signal stays ignored through exec): its signal tests fail far
    from the cause. So each test must leave them as it found them."""
    before = {number: signal.getsignal(number) for number in STOPS}
    yield
    after = {number: signal.getsignal(number) for number in STOPS}
    for number, handler in before.items():
        signal.signal(number, handler)
    assert after == before, "the test left the handlers of Ctrl-C or SIGTERM changed"


@dataclass
class CliRun:
    code: int
    out: str
    err: str

    def json(self) -> list[dict]:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run `corpus-lint ARGS` in-process from a working directory; capture what a user sees."""

    def run(*args: str, cwd: Path | None = None) -> CliRun:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        handlers = {number: signal.getsignal(number) for number in STOPS}
        try:
            code = main(list(args))
        finally:  # a stopped run leaves Ctrl-C and SIGTERM ignored, as a process about to exit
            for number, handler in handlers.items():
                signal.signal(number, handler)
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of seeds/ in a folder with no configuration of its own."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target

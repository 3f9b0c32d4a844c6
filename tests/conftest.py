from __future__ import annotations

import json
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpus_lint.cli import main
from tests.helpers import SEEDS


def pytest_configure(config: pytest.Config) -> None:
    """The Ctrl-C tests interrupt the runs they start, as a terminal interrupts its foreground
    job, or this process itself. A suite started with SIGINT ignored (`pytest &` in a script)
    passed that on to its runs, which then rightly ignored Ctrl-C (`corpus_lint.interrupts`):
    they exited 0 instead of 130. So Ctrl-C is Python's own here, whoever started the suite."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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
        handler = signal.getsignal(signal.SIGINT)
        try:
            code = main(list(args))
        finally:  # an interrupted run leaves Ctrl-C ignored, as a process about to exit
            signal.signal(signal.SIGINT, handler)
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of seeds/ in a folder with no configuration of its own."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target

"""The project's own code passes ruff (lint and format), as STYLE.md asks of every change."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import PROJECT

PATHS = ["corpus_lint", "tests", "benchmarks"]


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *PATHS], cwd=PROJECT, capture_output=True, text=True
    )


def test_code_passes_ruff_lint():
    done = ruff("check", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_code_is_ruff_formatted():
    done = ruff("format", "--check", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr

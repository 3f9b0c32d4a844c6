"""corpus-lint: a linter for corpora of text documents."""

from __future__ import annotations

__version__ = "0.1.0"

"""Built-in rules, one module per family. Importing this package registers them all."""

from __future__ import annotations

from corpus_lint.checks import (  # noqa: F401  (importing registers the rules)
    boilerplate,
    duplicates,
    encoding,
    near_duplicates,
    source,
    text,
    whitespace,
)
from corpus_lint.rule import Rule, registered


def builtin_rules() -> dict[str, Rule]:
    """Every built-in rule, by code, in catalogue order."""
    rules = sorted(registered().items(), key=lambda kv: _order(kv[0]))
    return {code: cls() for code, cls in rules}


def _order(code: str) -> tuple:
    family = code.rstrip("0123456789")
    order = ["ENC", "WS", "DUP", "BP", "SRC", "TXT"]
    return (order.index(family) if family in order else len(order), code)

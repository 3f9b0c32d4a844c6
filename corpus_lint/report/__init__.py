"""One formatter per --output-format. Rules never print; formatters never decide anything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from corpus_lint.rule import Diagnostic, Rule


@dataclass
class ReportContext:
    rules: dict[str, Rule]  # every known rule, selected or not (SARIF lists them all)
    files_checked: int = 0
    statistics: bool = False  # text: counts per rule instead of one line per diagnostic
    quiet: bool = False  # text: diagnostics only, no summary
    notes: list[str] = field(default_factory=list)  # extra summary lines (fixes applied, ...)


Formatter = Callable[[list[Diagnostic], ReportContext], str]

# format name -> "module:function" inside corpus_lint.report, imported only when used.
FORMATS: dict[str, str] = {
    "text": "text:render",
    "json": "json:render",
    "jsonl": "json:render_lines",
    "sarif": "sarif:render",
    "github": "github:render",
    "gitlab": "gitlab:render",
    "junit": "junit:render",
}


def formatter(name: str) -> Formatter:
    module, function = FORMATS[name].split(":")
    return getattr(import_module(f"corpus_lint.report.{module}"), function)

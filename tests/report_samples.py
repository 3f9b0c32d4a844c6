"""Diagnostics crafted for report-format tests, including hostile messages."""

from __future__ import annotations

from corpus_lint.checks import builtin_rules
from corpus_lint.report import ReportContext
from corpus_lint.rule import Diagnostic, Related

# What document text quoted in a message could contain to break a report format.
HOSTILE = (
    'quoted "a\n::set-output name=x::1" then\r\n%0A::error file=x::boom 100% '
    "]]> </failure> <![CDATA[ & \x1b[31mred\x1b[0m \x00\x07 :: , done"
)


def diagnostic(
    code: str = "WS001",
    message: str = "trailing whitespace",
    *,
    severity: str = "warning",
    path: str = "corpus/a.txt",
    line: int = 3,
    column: int = 5,
    end_line: int | None = None,
    end_column: int = 9,
    snippet: str = "    ",
    related: tuple[Related, ...] = (),
) -> Diagnostic:
    return Diagnostic(
        code=code,
        name=f"{code.lower()}-name",
        message=message,
        severity=severity,
        path=path,
        line=line,
        column=column,
        end_line=line if end_line is None else end_line,
        end_column=end_column,
        related=related,
        snippet=snippet,
    )


def context(files_checked: int = 2) -> ReportContext:
    return ReportContext(rules=builtin_rules(), files_checked=files_checked)

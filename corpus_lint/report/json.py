"""`json` and `jsonl`: the objects DESIGN.md promises, nothing more, in a stable key order."""

from __future__ import annotations

import json
from typing import Any

from corpus_lint.report import ReportContext
from corpus_lint.rule import Diagnostic


def to_dict(d: Diagnostic) -> dict[str, Any]:
    related = []
    for r in d.related:
        entry: dict[str, Any] = {"path": r.path, "line": r.line}
        if r.similarity is not None:
            entry["similarity"] = round(r.similarity, 4)
        related.append(entry)
    return {
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "severity": d.severity,
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "fix": None
        if d.fix is None
        else {"applicability": d.fix.applicability, "message": d.fix.message},
        "related": related,
    }


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    return json.dumps([to_dict(d) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"


def render_lines(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    return "".join(json.dumps(to_dict(d), ensure_ascii=False) + "\n" for d in diagnostics)

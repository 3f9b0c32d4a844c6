"""`json` and `jsonl`: the objects DESIGN.md promises, nothing more, in a stable key order."""

from __future__ import annotations

import json
from typing import Any

from corpus_lint.report import ACTIVE_CHARACTERS, ReportContext
from corpus_lint.rule import Diagnostic


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON as UTF-8 text, with every active character (see ACTIVE_CHARACTERS) written as a
    `\\uXXXX` escape: the decoded strings are unchanged, the raw output carries no control."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return ACTIVE_CHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
    """`dumps(list, indent=2)`, built one diagnostic at a time: with an indent, the json
    module encodes in Python and holds every fragment of the whole list (100+ MB for a
    corpus with 30,000 findings) before it joins them."""
    if not diagnostics:
        return "[]\n"
    items = ("  " + dumps(to_dict(d), indent=2).replace("\n", "\n  ") for d in diagnostics)
    return "[\n" + ",\n".join(items) + "\n]\n"


def render_lines(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    return "".join(dumps(to_dict(d)) + "\n" for d in diagnostics)

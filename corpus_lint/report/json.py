"""`json` and `jsonl`: the objects DESIGN.md promises, nothing more, in a stable key order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from corpus_lint.report import ReportContext, escape_active, json_escape
from corpus_lint.rule import Diagnostic


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON as UTF-8 text, with every active character (see ACTIVE_CHARACTERS) written as a
    `\\uXXXX` escape: the decoded strings are unchanged, the raw output carries no control.

    With an indent, the text is `json.dumps`'s, built by `_indented`: the json module
    encodes indented output in Python, at 50 microseconds a diagnostic (1.7 s for the
    33,000 findings of a 100,000-file corpus).
    """
    if indent is None:
        text = json.dumps(value, ensure_ascii=False)
    else:
        try:
            text = _indented(value, " " * indent, "\n")
        except TypeError:  # a value `_indented` does not know: the json module says what
            text = json.dumps(value, indent=indent, ensure_ascii=False)
    return escape_active(text, json_escape)


_encode_string = json.encoder.encode_basestring  # C: json.dumps's, with ensure_ascii=False


def _indented(value: Any, indent: str, newline: str) -> str:
    """`json.dumps(value, indent=len(indent), ensure_ascii=False)` for JSON-like values
    (dicts with str keys, lists, str, int, float, bool, None); `newline` is the line break
    and the indent of the enclosing level. Anything else raises TypeError."""
    if isinstance(value, str):
        return _encode_string(value)
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return (
            json.dumps(value) if value != value or value in (_INF, -_INF) else float.__repr__(value)
        )
    inner = newline + indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        if not all(isinstance(key, str) for key in value):
            raise TypeError("a key that is not a string")
        items = (f"{_encode_string(k)}: {_indented(v, indent, inner)}" for k, v in value.items())
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return (
            "["
            + inner
            + ("," + inner).join(_indented(v, indent, inner) for v in value)
            + newline
            + "]"
        )
    raise TypeError(f"{type(value).__name__} is not JSON")


_INF = float("inf")


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


# Diagnostics rendered together by `render_chunks`: the report written as it is made, a
# block at a time; the whole text, its fragments and its encoding were 30 MB of the peak for
# 32,000 findings.
CHUNK_DIAGNOSTICS = 1000


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    """`dumps(list, indent=2)`, built one diagnostic at a time (`_item`): with an indent, the
    json module encodes in Python and holds every fragment of the whole list (100+ MB for a
    corpus with 30,000 findings) before it joins them."""
    return "".join(render_chunks(diagnostics, ctx))


def render_chunks(diagnostics: list[Diagnostic], ctx: ReportContext) -> Iterator[str]:
    """`render`'s text in pieces, `CHUNK_DIAGNOSTICS` diagnostics each (for a stream)."""
    if not diagnostics:
        yield "[]\n"
        return
    for start in range(0, len(diagnostics), CHUNK_DIAGNOSTICS):
        block = diagnostics[start : start + CHUNK_DIAGNOSTICS]
        text = ("[\n" if start == 0 else ",\n") + ",\n".join(map(_item, block))
        # One character at a time: escaped the same in pieces as in the whole text.
        yield escape_active(text, json_escape)
    yield "\n]\n"


def _item(d: Diagnostic) -> str:
    """`"  " + dumps(to_dict(d), indent=2)` indented one level more, without the escaping of
    active characters (done once for the whole report), written out for the one shape a
    diagnostic has: the generic `_indented` took 0.7 s for 32,000 diagnostics."""
    s, n = _encode_string, int.__repr__  # `_indented` of a string, of a (non-bool) int
    if d.fix is None:
        fix = "null"
    else:
        fix = (
            f'{{\n      "applicability": {s(d.fix.applicability)},'
            f'\n      "message": {s(d.fix.message)}\n    }}'
        )
    if not d.related:
        related = "[]"
    else:
        entries = []
        for r in d.related:
            entry = f'\n      {{\n        "path": {s(r.path)},\n        "line": {n(r.line)}'
            if r.similarity is not None:
                entry += f',\n        "similarity": {_indented(round(r.similarity, 4), "", "")}'
            entries.append(entry + "\n      }")
        related = "[" + ",".join(entries) + "\n    ]"
    return (
        f'  {{\n    "code": {s(d.code)},\n    "name": {s(d.name)},'
        f'\n    "message": {s(d.message)},\n    "severity": {s(d.severity)},'
        f'\n    "path": {s(d.path)},\n    "line": {n(d.line)},'
        f'\n    "column": {n(d.column)},\n    "end_line": {n(d.end_line)},'
        f'\n    "end_column": {n(d.end_column)},'
        f'\n    "fix": {fix},\n    "related": {related}\n  }}'
    )


def render_lines(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    return "".join(dumps(to_dict(d)) + "\n" for d in diagnostics)

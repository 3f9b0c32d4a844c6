"""`sarif`: SARIF 2.1.0, as GitHub code scanning reads it.

- Paths are relative to the repository root with `uriBaseId` "%SRCROOT%", as CodeQL writes
  them, so alerts land on the files of the checkout whatever folder corpus-lint ran in.
- Columns count characters (code points), so the run says `columnKind: unicodeCodePoints`
  (SARIF's default counts UTF-16 code units); `endColumn` is exclusive in SARIF as in our
  diagnostics.
- `partialFingerprints` hash the file, the rule and the offending text (plus an index among
  identical ones), never the line, so an alert stays the same alert when lines move.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from corpus_lint import __version__
from corpus_lint.baseline import fingerprint, with_occurrence
from corpus_lint.report import ReportContext, encodable, encodable_text, similarity_note
from corpus_lint.report.json import dumps
from corpus_lint.report.paths import from_root, is_outside, repository_root, rooted_message
from corpus_lint.rule import Diagnostic, Rule

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
ROOT_ID = "%SRCROOT%"
FINGERPRINT_KEY = "corpusLint/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FAMILIES = {
    "ENC": "encoding",
    "WS": "whitespace",
    "DUP": "duplicates",
    "BP": "boilerplate",
    "SRC": "source",
    "TXT": "text",
}


def section(doc: str, title: str) -> str:
    """The body of a "## title" section of a rule's documentation, or ""."""
    match = re.search(rf"^## {re.escape(title)}\s*\n(.*?)(?=^## |\Z)", doc, re.M | re.S)
    return match.group(1).strip() if match else ""


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    doc = rule.doc or rule.summary
    family = rule.code.rstrip("0123456789")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": section(doc, "What it does") or rule.summary},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": [FAMILIES.get(family, "rule-pack")],
            "fix": rule.fix_availability or "none",
        },
    }


def artifact(path: str, shown: str) -> dict[str, str]:
    """The file at `path` (`shown`: its path `from_root`) as a URI: its name's own bytes
    percent-encoded (a name that is not UTF-8 too: "k%FF.txt", where the other reports write
    "k\\xff.txt", which names another file). Relative to the root; a file outside it (named
    on the command line) by its absolute URI, as no "%SRCROOT%"-relative one leads there."""
    if is_outside(shown):
        absolute = Path(os.path.abspath(path)).as_posix()
        if not absolute.startswith("/"):  # "C:/..."
            absolute = "/" + absolute
        return {"uri": "file://" + quote(os.fsencode(absolute), safe="/")}
    return {"uri": quote(os.fsencode(shown), safe="/"), "uriBaseId": ROOT_ID}


def text(message: str) -> str:
    """A message's text: braces doubled, as SARIF reserves "{0}" for placeholders (3.11.5)."""
    return message.replace("{", "{{").replace("}", "}}")


def result(raw: Diagnostic, occurrence: int, rule_index: dict[str, int], root) -> dict[str, Any]:
    """The result of a diagnostic whose paths are the files' own (see `render`)."""
    d = encodable(raw)
    shown = from_root(raw.path, root)  # the location's and the fingerprint's
    out: dict[str, Any] = {"ruleId": d.code}
    if d.code in rule_index:
        out["ruleIndex"] = rule_index[d.code]
    out["level"] = LEVELS.get(d.severity, "warning")
    out["message"] = {"text": text(rooted_message(d, root))}
    out["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": artifact(raw.path, shown),
                "region": {
                    "startLine": d.line,
                    "startColumn": d.column,
                    "endLine": d.end_line,
                    "endColumn": d.end_column,
                },
            }
        }
    ]
    if d.related:
        out["relatedLocations"] = []
        for number, (r, raw_path) in enumerate(zip(d.related, [x.path for x in raw.related]), 1):
            related = from_root(raw_path, root)
            named = f"{encodable_text(related)}:{r.line}{similarity_note(d, number - 1)}"
            out["relatedLocations"].append(
                {
                    "id": number,
                    "physicalLocation": {
                        "artifactLocation": artifact(raw_path, related),
                        "region": {"startLine": r.line},
                    },
                    "message": {"text": text(named)},
                }
            )
    out["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(d, occurrence, shown)}
    return out


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    """The log of `diagnostics` as the engine made them (`report.OWN_PATHS`): URIs are made of
    the files' own names, the rest as every report writes it (`report.encodable`)."""
    root = repository_root()
    rules = list(ctx.rules.values())
    rule_index = {rule.code: i for i, rule in enumerate(rules)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "corpus-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                # Whether the run checked what it was asked to: its errors (a path that could
                # not be read), and its warnings (files left out), as stderr tells them.
                "invocations": [
                    {
                        "executionSuccessful": not ctx.errors,
                        "toolExecutionNotifications": [
                            {"level": level, "message": {"text": encodable_text(text)}}
                            for level, texts in (("error", ctx.errors), ("warning", ctx.warnings))
                            for text in texts
                        ],
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": [
                    result(d, occurrence, rule_index, root)
                    for d, occurrence in with_occurrence(diagnostics)
                ],
            }
        ],
    }
    return dumps(log, indent=2) + "\n"

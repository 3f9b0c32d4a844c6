"""`gitlab`: a GitLab Code Quality report (a JSON array of Code Climate issues).

GitLab reads `description`, `check_name`, `fingerprint` (unique per issue: GitLab keeps one
issue per fingerprint), `severity` (info, minor, major, critical, blocker) and
`location.path` (from the repository root) with `location.lines.begin`.
"""

from __future__ import annotations

from typing import Any

from corpus_lint.baseline import fingerprint, with_occurrence
from corpus_lint.report import ReportContext
from corpus_lint.report.json import dumps
from corpus_lint.report.paths import from_root, repository_root, rooted_message
from corpus_lint.rule import Diagnostic

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def issue(d: Diagnostic, occurrence: int, root) -> dict[str, Any]:
    path = from_root(d.path, root)
    return {
        "description": f"{d.code} {rooted_message(d, root)}",
        "check_name": d.code,
        "fingerprint": fingerprint(d, occurrence, path),
        "severity": SEVERITIES.get(d.severity, "minor"),
        "location": {
            "path": path,
            "lines": {"begin": d.line, "end": d.end_line},
        },
    }


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    root = repository_root()
    issues = [issue(d, occurrence, root) for d, occurrence in with_occurrence(diagnostics)]
    return dumps(issues, indent=2) + "\n"

"""`clusters`: JSON Lines, one duplicate cluster per line, for pipelines and review tools.

`{"id", "keeper", "size", "members": [{"path", "similarity", "code"}]}`: the keeper's path,
then every redundant document with its exact Jaccard similarity to the keeper (1.0 for the
same text) and the rule that reports it (DUP003 for the same text, else DUP004; null for a
member whose rule was not selected). Clusters in keeper path order; members in path order.
Read from the DUP003/DUP004 diagnostics, whose related locations name the keeper and the
other members.
"""

from __future__ import annotations

from typing import Any

from corpus_lint.report import ReportContext
from corpus_lint.report.json import dumps
from corpus_lint.rule import Diagnostic


def clusters(diagnostics: list[Diagnostic]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for d in diagnostics:
        if d.cluster is None or not d.related:
            continue
        keeper, *others = d.related
        cluster = found.setdefault(d.cluster, {"keeper": keeper.path, "members": {}})
        members = cluster["members"]
        members[d.path] = {"path": d.path, "similarity": keeper.similarity, "code": d.code}
        for other in others:  # members this run did not report (a rule not selected)
            members.setdefault(
                other.path,
                {"path": other.path, "similarity": other.similarity, "code": None},
            )
    return [
        {
            "id": ident,
            "keeper": cluster["keeper"],
            "size": 1 + len(cluster["members"]),
            "members": [cluster["members"][path] for path in sorted(cluster["members"])],
        }
        for ident, cluster in sorted(found.items(), key=lambda kv: (kv[1]["keeper"], kv[0]))
    ]


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    return "".join(dumps(cluster) + "\n" for cluster in clusters(diagnostics))

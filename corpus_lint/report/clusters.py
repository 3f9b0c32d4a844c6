"""`clusters`: JSON Lines, one duplicate cluster per line, for pipelines and review tools.

`{"id", "keeper", "size", "members": [{"path", "similarity", "code"}]}`: the keeper's path,
then every redundant document with its exact Jaccard similarity to the keeper (1.0 for the
same text) and the rule that reports it (DUP003 for the same text, else DUP004). Clusters
in keeper path order; members in path order. Read from the DUP003/DUP004 diagnostics, whose
related locations name the keeper and every other member.
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
        cluster = found.get(d.cluster)
        if cluster is None:
            keeper, *others = d.related
            members = {d.path: keeper.similarity}
            members.update((r.path, r.similarity) for r in others)
            cluster = found[d.cluster] = {
                "id": d.cluster,
                "keeper": keeper.path,
                "size": 1 + len(members),
                "members": {
                    path: {"path": path, "similarity": value, "code": None}
                    for path, value in sorted(members.items())
                },
            }
        cluster["members"][d.path]["code"] = d.code
    out = []
    for cluster in sorted(found.values(), key=lambda c: (c["keeper"], c["id"])):
        members = list(cluster["members"].values())
        for member in members:  # a member not reported here (not selected): by its text
            if member["code"] is None:
                member["code"] = "DUP003" if member["similarity"] == 1.0 else "DUP004"
        out.append({**cluster, "members": members})
    return out


def render(diagnostics: list[Diagnostic], ctx: ReportContext) -> str:
    return "".join(dumps(cluster) + "\n" for cluster in clusters(diagnostics))

"""The import graph of `corpus_lint/`: no cycle, no private name imported across modules.

The graph holds every import that runs: top-level AND function-level ones. A function-level
import is how a cycle gets hidden (it only postpones it to the first call), so it counts. Only
imports under `if TYPE_CHECKING:` are left out: they never run, they name types for the
checker. An edge goes to the module named in the statement (`from corpus_lint.dedup import x`
is an edge to the package `corpus_lint.dedup`, whose `__init__` runs it).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "corpus_lint"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _runtime_nodes(tree: ast.Module):
    """Every node but those under `if TYPE_CHECKING:`."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _imports(name: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names imported from it, line) for every runtime import of `name`."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            # `from corpus_lint import fixes` imports the module corpus_lint.fixes
            submodules = [n for n in names if f"{target}.{n}" in MODULES]
            if submodules:
                found += [(f"{target}.{n}", [], node.lineno) for n in submodules]
            others = [n for n in names if n not in submodules]
            if others or not submodules:
                found.append((target, others, node.lineno))
    return [(t, n, line) for t, n, line in found if t in MODULES]


GRAPH = {name: _imports(name) for name in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected component of more than one module
    (Tarjan's algorithm), or through a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def test_the_graph_sees_the_imports_it_must():
    """The parser itself: a function-level import is an edge, a TYPE_CHECKING one is not."""
    edges = {m: {t for t, _, _ in GRAPH[m]} for m in GRAPH}
    assert "corpus_lint.analysis" in edges["corpus_lint.engine"]  # top level
    assert "corpus_lint.distributed" in edges["corpus_lint.commands"]  # inside a function
    assert "corpus_lint.packs" not in edges["corpus_lint.rule"]  # TYPE_CHECKING only
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle():
    edges = {m: {t for t, _, _ in GRAPH[m]} for m in GRAPH}
    assert _cycles(edges) == []


def test_rule_is_a_leaf():
    """Rule types import no other module of the package at run time."""
    assert GRAPH["corpus_lint.rule"] == []


def test_no_private_name_imported_across_modules():
    private = [
        f"{name}:{line} imports {target}.{n}"
        for name, imports in GRAPH.items()
        for target, names, line in imports
        for n in names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert private == []


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_imports_alone(name):
    """In a fresh interpreter, so that no module imported before hides a cycle."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_corpus_rules_are_rule_units_that_split_the_cluster_members_between_them():
    """Each built-in corpus rule is a CorpusRule; of the duplicate rules, exactly one reports
    a redundant member whose text is the keeper's, and exactly one reports the others (the
    cluster step asks them); the line rule (BP005) reports none."""
    from corpus_lint.checks import builtin_rules
    from corpus_lint.rule import CorpusRule

    every = [r for r in builtin_rules().values() if r.corpus]
    assert {r.code for r in every} == {"DUP003", "DUP004", "BP005"}
    assert all(isinstance(r, CorpusRule) for r in every)
    # BP005 counts lines: no part in the clusters.
    assert [r.code for r in every if r.needs_line_counts] == ["BP005"]
    assert not any(r.reports_member(same) for r in every if r.needs_line_counts for same in (1, 0))
    corpus = [r for r in every if not r.needs_line_counts]
    for same in (True, False):
        assert len([r for r in corpus if r.reports_member(same)]) == 1
    assert [r.code for r in corpus if r.needs_pairs] == ["DUP004"]


def test_test_modules_import_no_other_test_module():
    """Shared test code lives in tests/helpers.py (and fixtures in conftest.py)."""
    tests = PACKAGE.parent / "tests"
    found = []
    for path in sorted(tests.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            found += [f"{path.name} imports {n}" for n in names if n.startswith("tests.test_")]
    assert found == []

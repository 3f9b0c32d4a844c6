"""What a rule is and what it reports: types only, importing no other module of the package
(`checks.builtin_rules` imports the rule families and lists the rules they register).

A rule is a small object: a code, a name, a default severity, a docstring that
`corpus-lint rule CODE` prints, whether it can fix what it finds, and `check(doc, ctx)`.
Rules never print; they yield `Diagnostic`s, each optionally carrying a `Fix`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from corpus_lint.document import Document, Line
    from corpus_lint.packs import Packs

SEVERITIES = ("error", "warning", "info")
SAFE = "safe"
UNSAFE = "unsafe"

# Findings, fixes and edits are slotted (no `__dict__` each): a run holds every finding until
# the report, 1.3 KB each with a `__dict__`, 0.97 KB slotted.


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the characters `text[start:end]` of the decoded document with `replacement`."""

    start: int
    end: int
    replacement: str = ""


@dataclass(frozen=True, slots=True)
class Fix:
    edits: tuple[Edit, ...]
    applicability: str  # SAFE or UNSAFE
    message: str  # what the fix does, e.g. "Remove the trailing whitespace"


@dataclass(frozen=True, slots=True)
class Related:
    path: str
    line: int = 1
    similarity: float | None = None  # for DUP003/DUP004


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    name: str
    message: str
    severity: str
    path: str  # relative to the working directory, "/" separators
    line: int  # 1-based
    column: int  # 1-based, in characters
    end_line: int
    end_column: int  # 1-based, exclusive: the column just past the last reported character
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    # The reported text itself, for baselines that must survive lines moving.
    snippet: str = field(default="", compare=False)
    # DUP003/DUP004: the id of the duplicate cluster the document is redundant in.
    cluster: str | None = field(default=None, compare=False)

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)


@dataclass(frozen=True)
class Context:
    """What a per-document rule may read besides the document. Picklable: sent to workers."""

    packs: Packs


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement `check`.

    The docstring is the user documentation: a one-line summary, then the sections
    "## What it does", "## Why is this bad?", "## Example", "## Fix safety".
    """

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[str] = "warning"
    fix_availability: ClassVar[str | None] = None  # SAFE, UNSAFE or None
    corpus: ClassVar[bool] = False  # corpus rules see signatures, not documents
    # The lines it reports are not article text (chrome, repeats): DUP003/DUP004 leave them out
    # of the shingles, whether or not the rule is selected (see dedup.features).
    excluded_from_shingles: ClassVar[bool] = False
    # What an `[[extend]]` of a rule pack may add to it: the fields it reads from the packs
    # ("phrases", "families", "patterns"); an extension giving another is an error.
    pack_fields: ClassVar[frozenset[str]] = frozenset()

    @property
    def doc(self) -> str:
        import inspect  # a costly import, for `corpus-lint rule` and the reports only

        return inspect.cleandoc(type(self).__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else self.name

    def check(self, doc: Document, ctx: Context) -> Iterable[Diagnostic]:
        raise NotImplementedError

    def diagnostic(
        self,
        doc: Document,
        start: int,
        end: int,
        message: str,
        fix: Fix | None = None,
        related: tuple[Related, ...] = (),
    ) -> Diagnostic:
        """A diagnostic for the characters `doc.text[start:end]`."""
        line, column = doc.position(start)
        end_line, end_column = doc.position(end)
        return Diagnostic(
            code=self.code,
            name=self.name,
            message=message,
            severity=self.severity,
            path=doc.display_path,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            fix=fix,
            related=related,
            snippet=doc.text[start:end][:200],
        )

    def fix(self, message: str, *edits: Edit) -> Fix:
        """A fix with this rule's declared applicability."""
        assert self.fix_availability, f"{self.code} declares no fix"
        return Fix(tuple(edits), self.fix_availability, message)


class CorpusRule(Rule):
    """Base class of the rules over the whole corpus (DUP003, DUP004, BP005). They never see a
    document: both executors run the corpus stages that the selected corpus rules need
    (`needs_groups`, `needs_pairs`) and the cluster step, which reports each redundant
    member of a duplicate cluster by the rule that `reports_member` and in its `message`.
    """

    corpus: ClassVar[bool] = True
    # The stages it needs: the groups of documents with the same text; near-duplicate pairs
    # found by LSH banding and verified with their exact Jaccard.
    needs_groups: ClassVar[bool] = True
    needs_pairs: ClassVar[bool] = False
    # BP005: the documents holding each candidate line, counted (`dedup.lines`); such a rule
    # takes no part in the duplicate clusters.
    needs_line_counts: ClassVar[bool] = False

    def reports_member(self, same_text: bool) -> bool:
        """Does it report a redundant cluster member whose text is (not) the keeper's?"""
        raise NotImplementedError

    def message(self, keeper: str, where: str, similarity: float, near: Any) -> str:
        """The message on a redundant member: `keeper` is the kept copy's path, `where` says
        which cluster it is, `near` holds the [near-duplicate] settings."""
        raise NotImplementedError


_BUILTIN: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator adding a built-in rule to the registry (`checks.builtin_rules`, which
    imports every family module, reads it: this module imports none of them)."""
    assert cls.code and cls.name and cls.__doc__, f"{cls.__name__} needs code, name and docstring"
    assert cls.code not in _BUILTIN, f"duplicate rule code {cls.code}"
    assert cls.severity in SEVERITIES
    _BUILTIN[cls.code] = cls
    return cls


def registered() -> dict[str, type[Rule]]:
    """The rule classes registered so far, by code."""
    return dict(_BUILTIN)


def reports_of(rule: Rule, doc: Document, ctx: Context) -> list[Diagnostic]:
    """What `rule` reports in `doc`, checked once a document: the run and a rule that reads
    other rules' findings (BP006) share the check. Kept by code alone, so every check of one
    document must use one `Context` (a run has one; a new document starts empty)."""
    found = doc.reports.get(rule.code)
    if found is None:
        found = doc.reports[rule.code] = list(rule.check(doc, ctx))
    return found


def matches(code: str, selector: str) -> int:
    """How specifically `selector` (a code, a prefix like "DUP", or "ALL") names `code`.

    0 when it does not match; longer prefixes are more specific, so `ignore = ["DUP"]`
    with `select = ["DUP001"]` keeps DUP001, as in ruff.
    """
    if selector == "ALL":
        return 1
    if code.startswith(selector):
        return 1 + len(selector)
    return 0


def is_selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    chosen = max((matches(code, s) for s in select), default=0)
    dropped = max((matches(code, s) for s in ignore), default=0)
    return chosen > 0 and chosen > dropped


def unknown_selectors(selectors: Iterable[str], codes: Iterable[str]) -> list[str]:
    """Selectors that name no rule at all: a typo the user should hear about."""
    codes = list(codes)
    return [s for s in selectors if not any(matches(c, s) for c in codes)]


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: d.sort_key)


def delete_line(line: Line) -> Edit:
    """An edit that removes a whole line with its line ending."""
    return Edit(line.start, line.end + len(line.ending), "")

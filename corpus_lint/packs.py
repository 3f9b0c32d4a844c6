"""Rule packs: data-defined rules and data for built-in rules, read from TOML.

A pack is data, never code. It may define new line rules (`[[rules]]`) and add phrases,
phrase families or patterns to a built-in rule (`[[extend]]`). The built-in packs live in the
project's `rules/` folder (shipped inside the wheel) and use exactly the format users' packs
use; the format is documented in README.md ("Rule packs").

A phrase family (`families`) is a template such as "{share} [{object}] [{preposition}]" that
stands for every phrase it spells, with word lists from the `[words]` tables of the packs
loaded so far (see `corpus_lint.families`).

Users' patterns are untrusted: one that backtracks catastrophically ("^(a|aa)+$" on a long
line of "a"s) would hang the run. They are compiled by the `regex` package and searched with
a time limit (PATTERN_TIMEOUT); a search that runs out of time counts as no match, the pattern
is skipped for the rest of that document, and the run ends with an error (exit 2) naming the
pack, the rule, the pattern and the file and line (see `timed_out_searches`). The built-in
patterns are ours and tested: they keep the faster `re`.
"""

from __future__ import annotations

import functools
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from xxhash import xxh3_64_intdigest  # imported by every run anyway (files.identity)

from corpus_lint.config import ConfigError, read_toml, table_lines
from corpus_lint.families import FamilyError, FamilyMatcher, family_words, parse_family
from corpus_lint.rule import SEVERITIES, UNSAFE, Context, Diagnostic, Rule, delete_line
from corpus_lint.textutil import normalise_phrase, squeeze

if sys.version_info >= (3, 11):  # re's parser, to read patterns (loaded by `re` already)
    from re import _constants as sre_constants
    from re import _parser as sre_parse
else:  # pragma: no cover - exercised on Python < 3.11 only
    import sre_constants
    import sre_parse

RULE_FIELDS = {
    "code",
    "name",
    "message",
    "severity",
    "phrases",
    "pattern",
    "scope",
    "lines",
    "fix",
    "summary",
    "families",
}
EXTEND_FIELDS = {"code", "phrases", "patterns", "families"}
SCOPES = ("line", "first-lines", "last-lines", "document")
FIXES = ("delete-line",)
CODE_FORMAT = re.compile(r"^[A-Z]{1,6}[0-9]{1,4}$")
# Seconds one search of a user's pattern may take. Real patterns take microseconds on a line;
# this only stops the catastrophic ones.
PATTERN_TIMEOUT = 1.0


class PackError(ConfigError):
    """A pack that cannot be used; the message names the file and the rule. A configuration
    error (the command line reports both alike, without importing this module first)."""


@dataclass(frozen=True)
class UserPattern:
    """A pattern from a user's pack, with where it was defined (pack file and rule)."""

    source: str
    where: str


@dataclass(frozen=True)
class Extension:
    """Phrases and patterns that packs add to one rule."""

    phrases: frozenset[str] = frozenset()  # normalised with normalise_phrase
    patterns: tuple[str, ...] = ()  # from the built-in packs
    user_patterns: tuple[UserPattern, ...] = ()  # from users' packs: searched with a timeout
    families: tuple[str, ...] = ()  # templates, validated (see corpus_lint.families)

    def merged(self, other: Extension) -> Extension:
        return Extension(
            self.phrases | other.phrases,
            self.patterns + other.patterns,
            self.user_patterns + other.user_patterns,
            self.families + other.families,
        )


@dataclass
class Packs:
    """Everything the loaded packs say. Picklable, so it travels to worker processes."""

    files: list[Path] = field(default_factory=list)
    # A hash of each file's bytes as loaded (the result cache's run key: what the rules were
    # built from, even if the file changes later in the run).
    digests: list[int] = field(default_factory=list)
    rules: list[PackRule] = field(default_factory=list)
    extensions: dict[str, Extension] = field(default_factory=dict)
    words: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # [words] lists
    # any_pattern's matchers by codes: rules ask once per document. Not sent to workers.
    _matchers: dict[tuple[str, ...], AnyPattern] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _families: dict[str, FamilyMatcher] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _squeezed: dict[str, frozenset[bytes]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_matchers": {}, "_families": {}, "_squeezed": {}}

    def families(self, code: str) -> FamilyMatcher:
        """The rule's families and phrases, for lines that are one or more of them in a row."""
        matcher = self._families.get(code)
        if matcher is None:
            ext = self.extensions.get(code, Extension())
            matcher = FamilyMatcher(ext.families, self.words, sorted(ext.phrases))
            self._families[code] = matcher
        return matcher

    def phrases(self, code: str) -> frozenset[str]:
        ext = self.extensions.get(code)
        return ext.phrases if ext else frozenset()

    def squeezed_phrases(self, code: str) -> frozenset[bytes]:
        """The rule's phrases squeezed (`textutil.squeeze`): a line whose squeezed form is
        not among them is none of the phrases (`Document.squeezed_lines`)."""
        found = self._squeezed.get(code)
        if found is None:
            found = self._squeezed[code] = frozenset(map(squeeze, self.phrases(code)))
        return found

    def patterns(self, code: str) -> list[re.Pattern[str] | GuardedPattern]:
        ext = self.extensions.get(code)
        if not ext:
            return []
        return [_compile(p) for p in ext.patterns] + [_guarded(p) for p in ext.user_patterns]

    def any_pattern(self, *codes: str) -> AnyPattern:
        """One matcher for every pattern the packs give these rules, searched line by line."""
        matcher = self._matchers.get(codes)
        if matcher is None:
            matcher = self._matchers[codes] = self._any_pattern(codes)
        return matcher

    def _any_pattern(self, codes: tuple[str, ...]) -> AnyPattern:
        extensions = [self.extensions.get(code, Extension()) for code in codes]
        sources = tuple(p for ext in extensions for p in ext.patterns)
        user = tuple(p for ext in extensions for p in ext.user_patterns)
        matcher = _any_patterns.get((sources, user))
        if matcher is None:
            matcher = _any_patterns[(sources, user)] = AnyPattern(sources, user)
        return matcher


_compiled: dict[str, re.Pattern[str]] = {}
_any_patterns: dict[tuple[tuple[str, ...], tuple[UserPattern, ...]], AnyPattern] = {}

# A global inline flag ("(?i)abc") or a numbered back-reference ("\\1") changes meaning when
# a pattern is joined with others, so such patterns are searched one by one.
_NOT_JOINABLE = re.compile(r"^\(\?[aiLmsux]+\)|\\[1-9]")


class AnyPattern:
    """Searches a line's text for any of several patterns.

    Patterns anchored at the start of the line (`^...`) are joined into one alternation when
    that keeps their meaning: one regex search per line instead of one per pattern, and an
    anchored search fails at once on the many lines that match none. Other patterns are
    searched one by one (joined, they would lose the fast scan for their first literal). A text
    matches when one of the patterns does; which match is returned when several do is not
    specified. (One multi-line search of a whole text instead, its matches mapped back to
    lines, was measured slower: `re` tries every alternative at every line start all the same,
    and a pattern's own leading literal already makes a line without it cheap to pass. Nor
    did leaving out, for a long line, the patterns too short to match it: the costly ones
    are those without a bound.)
    """

    def __init__(self, sources: tuple[str, ...], user: tuple[UserPattern, ...] = ()) -> None:
        self.sources = sources + tuple(p.source for p in user)
        self._builtin = sources
        # For `searcher`: the characters some built-in pattern cannot match without.
        self._needs = {p: required_characters(p) for p in sources}
        self._screen = sorted(set().union(*self._needs.values()))
        # For `searcher`'s line screen: what can start a line that each anchored pattern matches.
        self._first = {p: first_characters(p) for p in sources}
        self._searchers: dict[tuple[bool, ...], Callable[[str], re.Match[str] | None]] = {}
        anchored = [p for p in sources if p.startswith("^") and not _NOT_JOINABLE.search(p)]
        # Patterns valid alone fail joined only when two name the same group: told by their
        # parses (made for the screens above), not by compiling the alternation, which
        # `search` compiles when first called (`searcher` compiles its own: a one-file run
        # never needs it, 5-10 ms of its start).
        names = [name for p in anchored for name in _parsed(p).state.groupdict]
        joinable = len(anchored) > 1 and len(names) == len(set(names))
        self._anchored = anchored if joinable else []
        self._group = GuardedGroup(user) if user else None

    def __bool__(self) -> bool:
        return bool(self.sources)

    def search_users(self, text: str) -> re.Match[str] | None:
        """`search` with the users' patterns only (None when there are none)."""
        return self._group.search(text) if self._group else None

    @functools.cached_property
    def _regexes(self) -> list[re.Pattern[str] | GuardedPattern | GuardedGroup]:
        """What `search` tries in turn: the joined anchored patterns, then the others."""
        rest = [_compile(p) for p in self._builtin if p not in self._anchored]
        return _joined(self._anchored) + rest + ([self._group] if self._group else [])

    def search(self, text: str) -> re.Match[str] | None:
        for regex in self._regexes:
            match = regex.search(text)
            if match:
                return match
        return None

    def searcher(self, text: str) -> Callable[[str], re.Match[str] | None]:
        """`search` for the lines (or any part) of `text`, without the built-in patterns that
        need a character `text` lacks (`required_characters`), nor, for a line, the anchored
        ones that cannot start with the line's first character but white space
        (`first_characters`): they cannot match there. Its match is `search`'s (same span),
        though group numbers may differ: for rules that use only the span. Most articles have
        no "[", "|" or "/": the costliest of BP001's and BP004's patterns are left out of their
        documents; and a line that starts "The" is searched by the few patterns that may."""
        present = tuple(map(text.__contains__, self._screen))  # no Python step a character
        found = self._searchers.get(present)
        if found is None:
            found = self._searchers[present] = self._searcher(dict(zip(self._screen, present)))
        return found

    def _searcher(self, present: dict[str, bool]) -> Callable[[str], re.Match[str] | None]:
        usable = {p for p, needs in self._needs.items() if all(present[c] for c in needs)}
        anchored = [p for p in self._anchored if p in usable]  # in `search`'s order
        rest = [_compile(p) for p in self._builtin if p in usable and p not in self._anchored]
        if self._group:
            rest.append(self._group)  # the users' patterns: never left out
        by_first: dict[str, Callable[[str], re.Match[str] | None]] = {}

        def for_first(first: str) -> Callable[[str], re.Match[str] | None]:
            """The search of a line whose first character but white space is `first` ("" when
            none): without the anchored patterns no line starting so can match. They are
            searched one by one until as many lines as repay joining them have been."""
            starting = [p for p in anchored if _may_start(self._first[p], first)]
            if len(starting) <= 1 or _joined_source(starting) in _compiled:
                return _search_all(_joined(starting) + rest)
            one_by_one = _search_all([_compile(p) for p in starting] + rest)
            lines = 0

            def search_then_join(text: str) -> re.Match[str] | None:
                nonlocal lines
                lines += 1
                if lines == LINES_BEFORE_JOINING:
                    by_first[first] = _search_all(_joined(starting) + rest)
                return one_by_one(text)

            return search_then_join

        def search(text: str) -> re.Match[str] | None:
            first = text.lstrip()[:1]  # the same object when nothing is stripped: no copy
            found = by_first.get(first)
            if found is None:
                found = for_first(first)
                if len(by_first) < _MAX_FIRST_CHARACTERS:
                    by_first[first] = found
            return found(text)

        # Screening a line costs about as much as searching one pattern: worth it only where a
        # line that starts with a capital (most do) leaves out at least half of the patterns
        # (BP001's, SRC001's; not BP004's, which nearly all may start with one).
        kept = sum(_may_start(self._first[p], c) for p in anchored for c in _CAPITALS)
        if not anchored or kept > len(anchored) * len(_CAPITALS) * _MOST_KEPT_TO_SCREEN:
            return _search_all(_joined(anchored) + rest)
        return search


_CAPITALS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The share of the anchored patterns a line's first capital may leave, on average over the
# capitals, above which lines are not screened (see `AnyPattern._searcher`).
_MOST_KEPT_TO_SCREEN = 0.5

# Distinct first characters of lines a searcher keeps its search for (a text of many scripts
# has more: the others are screened anew on each line).
_MAX_FIRST_CHARACTERS = 1000

# Patterns joined in one alternation are searched a line ~1.3 us faster than one by one, and
# compiled in ~3 ms: joined only for lines that come by the thousand (a large run), not for a
# few files (40-80 ms of a one-file run, had each set been joined at once).
LINES_BEFORE_JOINING = 1000


def _joined(anchored: list[str]) -> list[re.Pattern[str]]:
    """The anchored patterns as one alternation (as `AnyPattern` joins them), compiled once per
    process for each set of them."""
    if len(anchored) <= 1:
        return [_compile(p) for p in anchored]
    # `AnyPattern` joins only patterns that may be joined (no group name twice): fewer may too.
    return [_compile(_joined_source(anchored))]


def _joined_source(anchored: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in anchored)


def _search_all(
    regexes: list[re.Pattern[str] | GuardedPattern],
) -> Callable[[str], re.Match[str] | None]:
    """The first match of these regexes in order, as one function."""
    if not regexes:
        return _no_match
    if len(regexes) == 1:
        return regexes[0].search

    def search(text: str) -> re.Match[str] | None:
        for regex in regexes:
            match = regex.search(text)
            if match:
                return match
        return None

    return search


def _no_match(text: str) -> None:
    return None


def _may_start(first: re.Pattern[str] | None, character: str) -> bool:
    return first is None or not character or first.fullmatch(character) is not None


@functools.lru_cache(maxsize=256)
def _parsed(pattern: str) -> sre_parse.SubPattern:
    """A pattern as re's parser reads it: parsed once for both screens of `AnyPattern`."""
    return sre_parse.parse(pattern)


def required_characters(pattern: str) -> frozenset[str]:
    """Characters that every match of `pattern` holds: its literals outside any alternative,
    optional part, look-around or case-insensitive scope. A text without one of them cannot
    match (the sound screen of `AnyPattern.searcher`)."""
    parsed = _parsed(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return frozenset()
    return frozenset(_required(parsed))


def _required(items: Iterable) -> Iterator[str]:
    for op, av in items:
        if op is sre_constants.LITERAL:
            yield chr(av)
        elif op is sre_constants.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if not add_flags & re.IGNORECASE:
                yield from _required(sub)
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and av[0] >= 1:
            yield from _required(av[2])


# White space as `str.isspace` (and so `\\s`, `str.strip`) has it: every such character.
WHITE_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(
    map(chr, [*range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000])
)


def first_characters(pattern: str) -> re.Pattern[str] | None:
    """For a pattern anchored at the start (`^`): a regex that fully matches every character
    that can be the first character but white space of a line the pattern matches at its
    start; None when that can be any character, or the pattern can match white space alone,
    or is not anchored. A line whose first character but white space it does not match
    cannot match the pattern (the sound screen of `AnyPattern.searcher`)."""
    parsed = _parsed(pattern)
    items = list(parsed)
    if not items or items[0] != (sre_constants.AT, sre_constants.AT_BEGINNING):
        return None
    if parsed.state.flags & (re.MULTILINE | re.VERBOSE | re.ASCII):
        return None  # "^" at every line; spaces dropped; \w, \s of ASCII only
    firsts, white_only = _firsts(items[1:], bool(parsed.state.flags & re.IGNORECASE))
    if firsts is None or white_only:
        return None
    return re.compile("|".join(firsts)) if firsts else re.compile("(?!)")


def _firsts(items: Iterable, ignore_case: bool) -> tuple[list[str] | None, bool]:
    """(regexes of one character each, together matching every character but white space that
    can come first in a match of `items`, or None for any; can they match white space alone).
    A lenient answer is sound (more characters, or True), never a stricter one."""
    firsts: list[str] = []
    for op, av in items:
        if op is sre_constants.ASSERT and av[0] == 1:  # a lookahead: what follows begins as it
            found, white_only = _firsts(av[1], ignore_case)
            if found is not None and not white_only:
                return firsts + found, False
            continue
        found, white_only = _firsts_of(op, av, ignore_case)
        if found is None:
            return None, True
        firsts += found
        if not white_only:  # this item takes a character but white space: it comes first
            return firsts, False
    return firsts, True


def _firsts_of(op: object, av: object, ignore_case: bool) -> tuple[list[str] | None, bool]:
    c = sre_constants
    if op is c.LITERAL:
        if chr(av).isspace():
            return [], True
        return [_with_case(re.escape(chr(av)), ignore_case)], False
    if op is c.IN:
        if av == [(c.CATEGORY, c.CATEGORY_SPACE)]:  # \s
            return [], True
        members = _class_members(av)
        if members is None:
            return None, True
        regex = _with_case(f"[{members}]", ignore_case)
        return [regex], re.search(regex, WHITE_SPACE) is not None
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)):
        low, high, sub = av
        if high == 0:
            return [], True
        found, white_only = _firsts(sub, ignore_case)
        return found, white_only or low == 0
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags & re.ASCII:  # (?a:...): its classes read otherwise; not screened
            return None, True
        if add_flags & re.IGNORECASE:
            ignore_case = True
        if del_flags & re.IGNORECASE:
            ignore_case = False
        return _firsts(sub, ignore_case)
    if op is getattr(c, "ATOMIC_GROUP", None):
        return _firsts(av, ignore_case)
    if op is c.BRANCH:
        firsts: list[str] = []
        white_only = False
        for alternative in av[1]:
            found, white = _firsts(alternative, ignore_case)
            if found is None:
                return None, True
            firsts += found
            white_only = white_only or white
        return firsts, white_only
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # take no character
        return [], True
    return None, True  # any character ("."), a back-reference, what this does not know


_CATEGORIES = {
    getattr(sre_constants, name): regex
    for name, regex in [
        ("CATEGORY_DIGIT", r"\d"),
        ("CATEGORY_NOT_DIGIT", r"\D"),
        ("CATEGORY_SPACE", r"\s"),
        ("CATEGORY_NOT_SPACE", r"\S"),
        ("CATEGORY_WORD", r"\w"),
        ("CATEGORY_NOT_WORD", r"\W"),
    ]
}


def _class_members(items: list) -> str | None:
    """The inside of a character class, written again from its parsed members."""
    c = sre_constants
    members = []
    for op, av in items:
        if op is c.LITERAL:
            members.append(re.escape(chr(av)))
        elif op is c.RANGE:
            members.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is c.NEGATE:
            members.append("^")
        elif op is c.CATEGORY and av in _CATEGORIES:
            members.append(_CATEGORIES[av])
        else:
            return None
    return "".join(members)


def _with_case(regex: str, ignore_case: bool) -> str:
    return f"(?i:{regex})" if ignore_case else regex


def _compile(pattern: str) -> re.Pattern[str]:
    """Compile once per process (packs are validated on load, so this cannot fail)."""
    compiled = _compiled.get(pattern)
    if compiled is None:
        compiled = _compiled[pattern] = re.compile(pattern)
    return compiled


@dataclass(frozen=True)
class TimedOut:
    """A search of a user's pattern that ran out of time."""

    pattern: UserPattern
    text: str  # what was searched: a line, or the whole text for a document-scope rule


# Searches that timed out in this process since the last `timed_out_searches`, which the
# engine calls after each document; until then the patterns are skipped.
_timed_out: list[TimedOut] = []


class GuardedPattern:
    """A user's pattern, searched by `regex` with a time limit (see the module docstring)."""

    def __init__(self, pattern: UserPattern) -> None:
        import regex  # only when a user's pack has patterns

        self.user = pattern
        self.pattern = pattern.source
        self._regex = regex.compile(pattern.source)

    def search(self, text: str):
        if any(t.pattern == self.user for t in _timed_out):
            return None
        try:
            return self._regex.search(text, timeout=PATTERN_TIMEOUT)
        except TimeoutError:
            _timed_out.append(TimedOut(self.user, text))
            return None

    def finditer(self, text: str):
        """Matches in `text`, stopping (with the timeout recorded) when time runs out."""
        if any(t.pattern == self.user for t in _timed_out):
            return
        deadline = time.monotonic() + PATTERN_TIMEOUT
        matches = self._regex.finditer(text, timeout=PATTERN_TIMEOUT)
        try:
            for match in matches:
                yield match
                if time.monotonic() > deadline:
                    raise TimeoutError
        except TimeoutError:
            _timed_out.append(TimedOut(self.user, text))


class GuardedGroup:
    """Several user patterns searched as one alternation, with one time limit per search.

    The time limit has a fixed cost (a few microseconds) per search, so one search per line
    costs far less than one per pattern. When the joined search runs out of time, the group
    searches its patterns one by one for the rest of the document, so the one at fault is
    found, named and skipped.
    """

    def __init__(self, patterns: tuple[UserPattern, ...]) -> None:
        import regex  # only when a user's pack has patterns

        self.members = [_guarded(p) for p in patterns]
        joinable = [p for p in patterns if not _NOT_JOINABLE.search(p.source)]
        self._joined = None
        self._alone = self.members  # searched one by one while the joined search works
        if len(joinable) > 1:
            try:
                self._joined = regex.compile("|".join(f"(?:{p.source})" for p in joinable))
                self._alone = [_guarded(p) for p in patterns if p not in joinable]
            except regex.error:  # e.g. two patterns naming the same group
                pass

    def search(self, text: str):
        alone = self._alone
        if self._joined is not None:
            if self in _tripped:
                alone = self.members
            else:
                try:
                    match = self._joined.search(text, timeout=PATTERN_TIMEOUT)
                    if match:
                        return match
                except TimeoutError:
                    _tripped.add(self)
                    alone = self.members
        for member in alone:
            match = member.search(text)
            if match:
                return match
        return None


_tripped: set[GuardedGroup] = set()  # groups searching one by one until the next document
_guarded_patterns: dict[UserPattern, GuardedPattern] = {}


def _guarded(pattern: UserPattern) -> GuardedPattern:
    guarded = _guarded_patterns.get(pattern)
    if guarded is None:
        guarded = _guarded_patterns[pattern] = GuardedPattern(pattern)
    return guarded


def timed_out_searches(doc) -> list[str]:
    """One-line errors for the user patterns that timed out on `doc`; forgets them."""
    errors = []
    for timed_out in _timed_out:
        at = doc.display_path
        line = next((x.number for x in doc.lines if x.text == timed_out.text), None)
        if line is not None:
            at += f":{line}"
        errors.append(
            f"{timed_out.pattern.where}: pattern {timed_out.pattern.source!r} took more than "
            f"{PATTERN_TIMEOUT:g} s on {at}; skipped for the rest of the file (make it "
            "linear: no nested repetition such as (a+)+)"
        )
    _timed_out.clear()
    _tripped.clear()
    return errors


class PackRule(Rule):
    """A rule defined by a pack: a phrase list or a pattern, matched line by line."""

    def __init__(
        self,
        *,
        code: str,
        name: str,
        message: str,
        severity: str,
        phrases: frozenset[str],
        pattern: str | None,
        user_pattern: UserPattern | None,
        families: FamilyMatcher | None = None,
        family_templates: tuple[str, ...] = (),
        scope: str,
        lines: int,
        fix: str | None,
        summary: str,
        origin: str,
    ) -> None:
        self.code = code
        self.name = name
        self.message = message
        self.severity = severity
        self.phrases = phrases
        self.families = families  # with the phrases: lines that are phrases in a row
        self.family_templates = family_templates
        self.pattern = pattern
        self.user_pattern = user_pattern  # set for a user's pack: searched with a timeout
        self.scope = scope
        self.lines = lines
        self.fix_availability = UNSAFE if fix else None  # fixes from packs are always unsafe
        self.excluded_from_shingles = fix == "delete-line"  # its lines are chrome to drop
        self.origin = origin
        self._summary = summary or message

    @property
    def doc(self) -> str:
        how = (
            f"a line matching the pattern `{self.pattern}`"
            if self.pattern
            else f"a line that is one of {len(self.phrases)} phrases"
            if self.families is None
            else f"a line made of one or more of its {self.families.count} phrase families and "
            "phrases in a row"
        )
        where = {
            "line": "on any line",
            "document": "anywhere in the text",
            "first-lines": f"in the first {self.lines} lines",
            "last-lines": f"in the last {self.lines} lines",
        }[self.scope]
        fix = "Deletes the line. Unsafe: it drops text." if self.fix_availability else "None."
        return (
            f"{self._summary}\n\n## What it does\nReports {how}, {where}.\n\n"
            f"## Why is this bad?\n{self.message}.\n\n## Fix safety\n{fix}\n\n"
            f"Defined in the rule pack {self.origin}."
        )

    def _regex(self) -> re.Pattern[str] | GuardedPattern | None:
        if self.user_pattern is not None:
            return _guarded(self.user_pattern)
        return _compile(self.pattern) if self.pattern else None

    def check(self, doc, ctx: Context) -> Iterator[Diagnostic]:
        regex = self._regex()
        if self.scope == "document" and regex is not None:
            # A document-wide pattern may span lines; such a match has no line to delete.
            for match in regex.finditer(doc.text):
                yield self.diagnostic(doc, match.start(), match.end(), self.message)
            return
        lines = doc.lines
        if self.scope in ("line", "document"):  # a phrase is a whole line, wherever it is
            hits = [line for line in lines if self._hit(regex, line.text)]
        else:
            # The first or last `lines` lines the rule does not report, and those it reports
            # among them: deleting its own lines then pulls no other line into the window
            # (with the window counted over all lines, each pass of --fix deleted the next
            # line that came into it, article text included).
            ordered = lines if self.scope == "first-lines" else reversed(lines)
            hits, others = [], 0
            for line in ordered:
                if self._hit(regex, line.text):
                    hits.append(line)
                else:
                    others += 1
                    if others == self.lines:
                        break
            hits.sort(key=lambda line: line.start)
        for line in hits:
            fix = self.fix("Delete the line", delete_line(line)) if self.fix_availability else None
            yield self.diagnostic(doc, line.start, line.end, self.message, fix)

    def _hit(self, regex: re.Pattern[str] | GuardedPattern | None, text: str) -> bool:
        if regex is not None:
            return regex.search(text) is not None
        if self.families is not None:
            return self.families.matches(text)
        return normalise_phrase(text) in self.phrases


def builtin_pack_dir() -> Path:
    """The built-in packs: inside the installed wheel, or `rules/` of a source checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "_builtin_rules"
    return installed if installed.is_dir() else here.parent / "rules"


def pack_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the `.toml` packs they hold, in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
        elif path.exists():  # not a regular file: reading it says so
            files.append(path)
        else:
            raise PackError(f"{path}: rule pack not found")
    return files


def load_packs(user_paths: Iterable[Path] = (), builtin_codes: Iterable[str] = ()) -> Packs:
    """Load the built-in packs and then the users'; validate everything."""
    builtin_codes = set(builtin_codes)
    packs = Packs()
    for path in pack_files([builtin_pack_dir()]):
        _load_one(path, packs, builtin_codes, trusted=True)
    for path in pack_files(user_paths):
        _load_one(path, packs, builtin_codes, trusted=False)
    return packs


def _load_one(path: Path, packs: Packs, builtin_codes: set[str], trusted: bool) -> None:
    # Read as a configuration file is (`read_regular_file`: a FIFO named `*.toml` in a pack
    # folder would otherwise wait for a writer for ever).
    data, raw = read_toml(path, PackError, "the rule pack")
    packs.files.append(path)
    packs.digests.append(xxh3_64_intdigest(raw))
    unknown = set(data) - {"rules", "extend", "words"}
    if unknown:
        raise PackError(
            f"{path}: unknown top-level key {sorted(unknown)[0]!r} "
            "(a pack has [[rules]] and [[extend]] tables and a [words] table)"
        )
    _load_words(path, data.get("words", {}), packs.words)
    taken = builtin_codes | {r.code for r in packs.rules}
    for index, entry in enumerate(_tables(path, data, "rules")):
        with _at_table(raw, "rules", index):
            rule = _rule_from(path, index, entry, taken, trusted, packs.words)
        taken.add(rule.code)
        packs.rules.append(rule)
    for index, entry in enumerate(_tables(path, data, "extend")):
        with _at_table(raw, "extend", index):
            code, ext = _extension_from(path, index, entry, taken, trusted, packs.words)
        packs.extensions[code] = packs.extensions.get(code, Extension()).merged(ext)


@contextmanager
def _at_table(raw: bytes, key: str, index: int) -> Iterator[None]:
    """A PackError raised inside, with the line of the `index`-th `[[key]]` table of the pack
    (`raw`) added, as a configuration's errors name theirs."""
    try:
        yield
    except PackError as exc:
        lines = table_lines(raw.decode("utf-8", errors="replace"), key)
        line = f" (line {lines[index]})" if index < len(lines) else ""
        raise PackError(f"{exc}{line}") from None


_WORD_LIST_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def _load_words(path: Path, table: object, words: dict[str, tuple[tuple[str, ...], ...]]) -> None:
    """A pack's `[words]` lists, for the families of this pack and of the packs after it."""
    if not isinstance(table, dict):
        raise PackError(f"{path}: 'words' must be a table of word lists ([words])")
    for name, entries in table.items():
        where = f"{path}: [words] {name}"
        if not _WORD_LIST_NAME.match(name) or name == "number":
            raise PackError(
                f"{where}: a word list's name is lower-case letters, digits, '-' and '_', "
                "not 'number'"
            )
        if name in words:
            raise PackError(f"{where}: the word list {name!r} is already defined")
        spelt = []
        for entry in _strings(where, {"words": entries}, "words"):
            if not family_words(entry):
                raise PackError(f"{where}: {entry!r} has no letter or digit")
            spelt.append(family_words(entry))
        if not spelt:
            raise PackError(f"{where}: the word list is empty")
        words[name] = tuple(spelt)


def _families(where: str, entry: dict, words: dict, trusted: bool) -> tuple[str, ...]:
    """The entry's family templates, each parsed once to be validated (but the built-in
    packs': the test suite validates them, and parsing is a tenth of a quick run's start-up;
    they are parsed when a rule first uses them)."""
    templates = _strings(where, entry, "families")
    for template in templates if not trusted else ():
        try:
            parse_family(template, words)
        except FamilyError as exc:
            raise PackError(f"{where}: family {template!r}: {exc}") from None
    return tuple(templates)


def _tables(path: Path, data: dict, key: str) -> list[dict]:
    tables = data.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise PackError(f"{path}: {key!r} must be an array of tables ([[{key}]])")
    return tables


def _where(path: Path, key: str, index: int, entry: dict) -> str:
    code = entry.get("code")
    return f"{path}: [[{key}]] #{index + 1}" + (f" ({code})" if isinstance(code, str) else "")


def _rule_from(
    path: Path, index: int, entry: dict, taken: set[str], trusted: bool, words: dict
) -> PackRule:
    where = _where(path, "rules", index, entry)
    unknown = set(entry) - RULE_FIELDS
    if unknown:
        raise PackError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    for required in ("code", "name", "message"):
        if not isinstance(entry.get(required), str) or not entry[required].strip():
            raise PackError(f"{where}: {required!r} is required and must be a non-empty string")
    code = entry["code"]
    if not CODE_FORMAT.match(code):
        raise PackError(f"{where}: code {code!r} must be capital letters then digits, like X001")
    if code in taken:
        raise PackError(f"{where}: code {code} is already defined by another rule")
    severity = entry.get("severity", "warning")
    if severity not in SEVERITIES:
        raise PackError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    scope = entry.get("scope", "line")
    if scope not in SCOPES:
        raise PackError(f"{where}: scope must be one of {', '.join(SCOPES)}")
    lines = entry.get("lines", 5)
    if not isinstance(lines, int) or isinstance(lines, bool) or lines < 1:
        raise PackError(f"{where}: lines must be a whole number >= 1")
    if "lines" in entry and scope not in ("first-lines", "last-lines"):
        raise PackError(f'{where}: \'lines\' is for scope = "first-lines" or "last-lines"')
    fix = entry.get("fix")
    if fix is not None and fix not in FIXES:
        raise PackError(f"{where}: fix must be one of {', '.join(FIXES)}")
    if fix == "delete-line" and scope == "document" and entry.get("pattern") is not None:
        # A document-wide pattern may span lines: its match has no one line to delete.
        raise PackError(
            f'{where}: fix = "delete-line" needs a line: a pattern with scope = '
            '"document" matches the whole text (use scope = "line")'
        )
    phrases = _strings(where, entry, "phrases")
    pattern = entry.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            raise PackError(f"{where}: pattern must be a string")
        _check_pattern(where, pattern, trusted)
    families = _families(where, entry, words, trusted)
    if bool(phrases or families) == (pattern is not None):
        raise PackError(f"{where}: give either 'phrases' (or 'families') or 'pattern'")
    return PackRule(
        code=code,
        name=entry["name"],
        message=entry["message"],
        severity=severity,
        phrases=frozenset(normalise_phrase(p) for p in phrases),
        families=FamilyMatcher(families, words, phrases) if families else None,
        family_templates=families,
        pattern=pattern,
        user_pattern=None if trusted or pattern is None else UserPattern(pattern, where),
        scope=scope,
        lines=lines,
        fix=fix,
        summary=entry.get("summary", ""),
        origin=str(path),
    )


def _extension_from(
    path: Path, index: int, entry: dict, taken: set[str], trusted: bool, words: dict
) -> tuple[str, Extension]:
    where = _where(path, "extend", index, entry)
    unknown = set(entry) - EXTEND_FIELDS
    if unknown:
        raise PackError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    code = entry.get("code")
    if not isinstance(code, str):
        raise PackError(f"{where}: 'code' is required and must name the rule to extend")
    if code not in taken:
        raise PackError(
            f"{where}: code {code} names no rule (neither built in nor defined by a pack "
            "loaded before this one)"
        )
    reads = _pack_fields(code)
    given = sorted(field for field in ("phrases", "families", "patterns") if entry.get(field))
    ignored = [field for field in given if reads is not None and field not in reads]
    if ignored:  # it loaded, and did nothing
        takes = f"only {', '.join(sorted(reads))}" if reads else "nothing from rule packs"
        raise PackError(f"{where}: {code} reads no {ignored[0]} (it takes {takes})")
    patterns = _strings(where, entry, "patterns")
    for pattern in patterns:
        _check_pattern(where, pattern, trusted)
    phrases = frozenset(normalise_phrase(p) for p in _strings(where, entry, "phrases"))
    families = _families(where, entry, words, trusted)
    if not patterns and not phrases and not families:
        raise PackError(f"{where}: give 'phrases', 'families' or 'patterns' to add to {code}")
    if trusted:
        return code, Extension(phrases, tuple(patterns), families=families)
    return code, Extension(
        phrases, user_patterns=tuple(UserPattern(p, where) for p in patterns), families=families
    )


def _pack_fields(code: str) -> frozenset[str] | None:
    """What a built-in rule reads from the packs (`Rule.pack_fields`); None for a rule a pack
    defines."""
    from corpus_lint.rule import registered

    rule = registered().get(code)
    return None if rule is None else rule.pack_fields


def _strings(where: str, entry: dict, key: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PackError(f"{where}: {key!r} must be a list of non-empty strings")
    return value


# A user's pattern, its repeats written out (`a{3}` as `aaa`), holds at most this many items
# (characters, classes, groups): `regex` compiles a repeat as so many copies of what it
# repeats, some 270 bytes each (`a{1000000000}` asked for 24 GB); 100,000 take 27 MB, 0.1 s.
MAX_PATTERN_SIZE = 100_000


def _check_pattern(where: str, pattern: str, trusted: bool) -> None:
    """Compile a user's pattern with the engine that will search it, `regex`. The built-in
    packs' patterns (for `re`) are compiled when a rule first searches with them: the test
    suite compiles every one (tests/test_packs.py), and compiling them all took a third of
    the start-up of a quick run."""
    if trusted:
        return
    import regex  # only when a user's pack has patterns

    try:
        if _written_out_size(pattern) > MAX_PATTERN_SIZE:
            raise PackError(
                f"{where}: pattern {pattern!r} is too large: written out, its repeats make "
                f"more than {MAX_PATTERN_SIZE:,} items"
            )
        regex.compile(pattern)
    except regex.error as exc:
        raise PackError(f"{where}: pattern {pattern!r} does not compile: {exc}") from None
    except RecursionError:  # the parsers recurse once a level of groups
        raise PackError(f"{where}: pattern {pattern!r} is nested too deeply") from None


def _written_out_size(pattern: str) -> int:
    """How many items `pattern` holds with each repeat written out as many times as its lower
    count, as re's parser reads it. A pattern re cannot read (syntax only `regex` has, or a
    count of more digits than `int` reads) is bounded as if every repeat held all of it."""
    try:
        with warnings.catch_warnings():  # "possible nested set": a POSIX class of `regex`
            warnings.simplefilter("ignore")
            return _size(sre_parse.parse(pattern))
    except (re.error, ValueError, OverflowError):
        bound = len(pattern)
        for count in re.findall(r"\{(\d+)", pattern):
            bound *= max(int(count), 1) if len(count) < 10 else MAX_PATTERN_SIZE + 1
            if bound > MAX_PATTERN_SIZE:
                break
        return bound


def _size(items: Iterable) -> int:
    c = sre_constants
    total = 0
    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)):
            total += max(av[0], 1) * _size(av[2])
        elif op is c.SUBPATTERN:
            total += 1 + _size(av[3])
        elif op is getattr(c, "ATOMIC_GROUP", None):
            total += 1 + _size(av)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            total += 1 + _size(av[1])
        elif op is c.BRANCH:
            total += 1 + sum(_size(branch) for branch in av[1])
        elif op is c.GROUPREF_EXISTS:
            total += 1 + sum(_size(branch) for branch in av[1:] if branch is not None)
        else:
            total += 1
    return total

"""Phrase families: one template of a rule pack stands for many phrases of web chrome.

A template such as "{share} [{object}] [{preposition}]" spells every phrase it can make:
`{name}` is one entry of the pack word list `name`, `[...]` is optional, `(a|b c)` is one of
its alternatives, `{number}` is any number; punctuation spells nothing. A line matches when
its words (`family_words`: case-folded, punctuation dropped, numbers as NUMBER) are one or
more phrases in a row, so "Share: Digg | del.icio.us" is a bar of three share buttons, while
a sentence that merely contains such a phrase has words of its own and is not matched.

The templates are compiled into one automaton over words (Thompson's construction), walked
word by word with memoised steps: the cost is linear in the line's words, whatever the number
of phrases the templates spell (the built-in ones spell hundreds of thousands).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words of the longest line a family may match: a bar of share buttons or a menu is shorter;
# past this a line is prose.
MAX_FAMILY_LINE_WORDS = 40
NUMBER = "#"  # what a number is in family words, and what `{number}` spells
# Groups ("[...]", "(...)") inside groups, at most: the built-in templates nest 3 deep, and
# the parser and the automaton's construction recurse once or twice a level (a template
# nested hundreds deep would end the run, in a worker process, with a RecursionError).
MAX_FAMILY_DEPTH = 20
# Memoised steps of the automaton kept per matcher: bounds its memory on a huge corpus.
_MAX_MEMO = 200_000

# A word: letters and digits, with the marks that join words inside ("e-mail",
# "del.icio.us", "don't"); the marks at its ends are dropped ("readers'" -> "readers").
_WORD = re.compile(r"[^\W_]+(?:[.'’&+-][^\W_]+)*")
_TOKEN = re.compile(r"\{[^{}\s]*\}|[\[\]()|]|[^\s\[\]()|{}]+|[{}]")


class FamilyError(ValueError):
    """A template that cannot be used; the message says why."""


def family_words(text: str) -> tuple[str, ...]:
    """The words of a line as families see them ("Comments (12)" -> ("comments", "#"))."""
    return tuple(NUMBER if w.isdigit() else w for w in _WORD.findall(text.casefold()))


# A parsed template: ("seq", items) | ("alt", seqs) | ("opt", seq) | ("words", tuple) |
# ("list", name).
Node = tuple


def parse_family(template: str, words: dict[str, tuple[tuple[str, ...], ...]]) -> Node:
    """The template's tree; FamilyError if it is malformed, names an unknown word list, or
    can spell an empty line."""
    tokens = _TOKEN.findall(template)
    position = 0

    def sequence(stop: tuple[str, ...], depth: int) -> Node:
        nonlocal position
        items: list[Node] = []
        while position < len(tokens) and tokens[position] not in stop:
            token = tokens[position]
            position += 1
            if token in ("[", "("):
                if depth == MAX_FAMILY_DEPTH:
                    raise FamilyError(f"groups nested more than {MAX_FAMILY_DEPTH} deep")
                closing = "]" if token == "[" else ")"
                options = [sequence(("|", closing) if token == "(" else (closing,), depth + 1)]
                while token == "(" and position < len(tokens) and tokens[position] == "|":
                    position += 1
                    options.append(sequence(("|", closing), depth + 1))
                if position >= len(tokens) or tokens[position] != closing:
                    raise FamilyError(f"{token!r} is not closed by {closing!r}")
                position += 1
                items.append(("opt", options[0]) if token == "[" else ("alt", tuple(options)))
            elif token.startswith("{") and token.endswith("}") and len(token) > 2:
                name = token[1:-1]
                if name != "number" and name not in words:
                    raise FamilyError(f"no word list named {name!r} (define it in [words])")
                items.append(("words", (NUMBER,)) if name == "number" else ("list", name))
            elif token in ("]", ")", "|", "{", "}"):
                raise FamilyError(f"unexpected {token!r}")
            elif family_words(token):  # punctuation alone ("&", "/") spells nothing
                items.append(("words", family_words(token)))
        return ("seq", tuple(items))

    tree = sequence((), 0)
    if position < len(tokens):
        raise FamilyError(f"unexpected {tokens[position]!r}")
    if _nullable(tree, words):
        raise FamilyError("can spell an empty line")
    return tree


def _nullable(node: Node, words: dict) -> bool:
    kind, value = node
    if kind == "seq":
        return all(_nullable(n, words) for n in value)
    if kind == "alt":
        return any(_nullable(n, words) for n in value)
    if kind == "opt":
        return True
    if kind == "words":
        return not value
    return any(not entry for entry in words[value])


class FamilyMatcher:
    """Whether a line is one or more phrases (of the templates, or plain ones) in a row."""

    def __init__(
        self,
        templates: Iterable[str],
        words: dict[str, tuple[tuple[str, ...], ...]],
        phrases: Iterable[str] = (),
    ) -> None:
        self._moves: list[dict[str, list[int]]] = []  # per state: word -> next states
        self._empty: list[list[int]] = []  # per state: states reached with no word
        self.start, self.accept = self._state(), self._state()
        count = 0
        for template in templates:
            self._fragment(parse_family(template, words), words, self.start, self.accept)
            count += 1
        for phrase in phrases:
            spelt = family_words(phrase)
            if spelt:
                self._fragment(("words", spelt), words, self.start, self.accept)
                count += 1
        self.count = count  # templates and phrases
        # Each state's closure, computed when a walk first reaches it (most never are).
        self._closures: list[frozenset[int] | None] = [None] * len(self._moves)
        self._begin = self._closure_of(self.start)
        # The words a phrase may begin with: most lines are settled by their first word.
        self._first = frozenset(w for state in self._begin for w in self._moves[state])
        self._memo: dict[tuple[frozenset[int], str], frozenset[int]] = {}

    def __bool__(self) -> bool:
        return self.count > 0

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_memo": {}}

    def _state(self) -> int:
        self._moves.append({})
        self._empty.append([])
        return len(self._moves) - 1

    def _fragment(self, node: Node, words: dict, start: int, end: int) -> None:
        """States and moves from `start` to `end` that spell what `node` spells."""
        kind, value = node
        if kind == "seq":
            current = start
            for item in value:
                following = self._state()
                self._fragment(item, words, current, following)
                current = following
            self._empty[current].append(end)
        elif kind == "alt":
            for option in value:
                self._fragment(option, words, start, end)
        elif kind == "opt":
            self._empty[start].append(end)
            self._fragment(value, words, start, end)
        elif kind == "list":
            for entry in words[value]:
                self._fragment(("words", entry), words, start, end)
        else:  # words: a chain of moves
            current = start
            for word in value[:-1]:
                following = self._state()
                self._moves[current].setdefault(word, []).append(following)
                current = following
            if value:
                self._moves[current].setdefault(value[-1], []).append(end)
            else:
                self._empty[current].append(end)

    def _closure_of(self, state: int) -> frozenset[int]:
        closure = self._closures[state]
        if closure is None:
            closure = self._closures[state] = self._closure(state)
        return closure

    def _closure(self, state: int) -> frozenset[int]:
        seen = {state}
        todo = [state]
        while todo:
            for following in self._empty[todo.pop()]:
                if following not in seen:
                    seen.add(following)
                    todo.append(following)
        return frozenset(seen)

    def _step(self, current: frozenset[int], word: str) -> frozenset[int]:
        key = (current, word)
        found = self._memo.get(key)
        if found is None:
            reached: set[int] = set()
            for state in current:
                for following in self._moves[state].get(word, ()):
                    reached |= self._closure_of(following)
            if self.accept in reached:  # a phrase ended: the next may begin
                reached |= self._begin
            found = frozenset(reached)
            if len(self._memo) >= _MAX_MEMO:
                self._memo.clear()
            self._memo[key] = found
        return found

    def matches(self, text: str) -> bool:
        first = _WORD.search(text)
        if first is None:
            return False
        word = first.group().casefold()
        if (NUMBER if word.isdigit() else word) not in self._first:
            return False
        words = family_words(text)
        if not words or len(words) > MAX_FAMILY_LINE_WORDS:
            return False
        current = self._begin
        for word in words:
            current = self._step(current, word)
            if not current:
                return False
        return self.accept in current

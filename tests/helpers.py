"""Helpers shared by several test modules (test modules never import each other)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import jsonschema

from corpus_lint.checks import builtin_rules
from corpus_lint.checks.encoding import WITHOUT_WIDTH
from corpus_lint.document import Document
from corpus_lint.packs import load_packs
from corpus_lint.rule import SAFE, Context, Diagnostic, Edit

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "seeds"

# An article that every rule should leave alone: title, blank line, paragraphs, a source line.
CLEAN_ARTICLE = (
    "Harbour council approves new ferry timetable\n"
    "\n"
    "The harbour council voted on Tuesday to add two evening crossings to the island ferry "
    "timetable from next spring, after a year of complaints from commuters.\n"
    "\n"
    "Councillors said the extra sailings would be paid for by a small rise in parking charges "
    "at the terminal, which has been unchanged since 2009.\n"
    "\n"
    "Source: Coastal Gazette\n"
)


# Per-document rules: damaged documents built on the fly (ENC, WS and TXT rule tests).

TITLE = "Harbour council approves new ferry timetable"
SOURCE = "Source: Example News"
CONTEXT = Context(load_packs([], builtin_rules()))  # the built-in packs, as a run has them


def article(paragraph: str) -> str:
    """A clean article whose third line is `paragraph`: other rules have nothing to say."""
    return f"{TITLE}\n\n{paragraph}\n\n{SOURCE}\n"


def doc_of(data: str | bytes) -> Document:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return Document.from_bytes(Path("x.txt"), raw, "x.txt")


def check(code: str, doc: Document) -> list[Diagnostic]:
    return list(builtin_rules()[code].check(doc, CONTEXT))


def lint(doc: Document) -> list[Diagnostic]:
    """Every built-in per-document rule over the document."""
    found: list[Diagnostic] = []
    for rule in builtin_rules().values():
        if not rule.corpus:
            found.extend(rule.check(doc, CONTEXT))
    return found


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def apply(text: str, edits: list[Edit]) -> str:
    """Splice non-overlapping edits into the text, right to left."""
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def fixed(doc: Document, diagnostics: list[Diagnostic]) -> str:
    return apply(doc.text, [e for d in diagnostics for e in d.fix.edits])


_DROP_WITHOUT_WIDTH = str.maketrans(dict.fromkeys(WITHOUT_WIDTH))


def words(text: str) -> list[str]:
    """`text.split()`, each word without the zero-width characters ENC006 may drop from it."""
    return [word.translate(_DROP_WITHOUT_WIDTH) for word in text.split()]


def assert_safe_fix_keeps_words_and_settles(code: str, doc: Document) -> str:
    """The rule's fixes keep the words; the rule finds nothing in the fixed text."""
    found = check(code, doc)
    assert found and all(d.fix and d.fix.applicability == SAFE for d in found)
    text = fixed(doc, found)
    assert text.split() == words(text)  # no zero-width character is left inside a word
    assert words(text) == words(doc.text)
    assert check(code, doc_of(text)) == []
    return text


# Corpus rules: distinct random articles and controlled edits of them (clusters, Dask).


def random_article(seed: int, words: int = 400, source: bool = True) -> str:
    """A distinct article of random words: a title, paragraphs of 50 words, a source line."""
    rng = random.Random(seed)
    body = [f"w{seed}x{rng.randrange(3000)}" for _ in range(words)]
    paragraphs = [" ".join(body[i : i + 50]) + "." for i in range(0, words, 50)]
    tail = "\n\nSource: Daily Ledger\n" if source else "\n"
    return f"Title number {seed}\n\n" + "\n\n".join(paragraphs) + tail


def changed(text: str, positions: list[int]) -> str:
    """The text with the body words at these positions (counted over all paragraphs)
    replaced by new words: each change removes five shingles."""
    lines = text.split("\n")
    count = 0
    for number, line in enumerate(lines):
        if not line.startswith("w"):
            continue
        words = line.split(" ")
        for index in range(len(words)):
            if count + index in positions:
                words[index] = f"edit{count + index}"
        count += len(words)
        lines[number] = " ".join(words)
    return "\n".join(lines)


# Report formats.

# How the runner reads a command: `::name key=value,...::data` at the start of a line.
COMMAND = re.compile(r"^::(\w+) ([^:]*)::(.*)$")


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def parse(output: str) -> list[tuple[str, dict[str, str], str]]:
    commands = []
    for line in output.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        name, props, data = match.groups()
        properties = dict(p.split("=", 1) for p in props.split(","))
        commands.append(
            (name, {k: unescape_property(v) for k, v in properties.items()}, unescape_data(data))
        )
    return commands


SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)


def validate(log: dict) -> None:
    """Against the official SARIF 2.1.0 schema."""
    jsonschema.validate(log, SCHEMA, cls=jsonschema.Draft4Validator)


# BP005 (cross-document boilerplate): a generated corpus of distinct articles.

CHROME_LINE = "Come see us again"  # no built-in phrase: only its repetition tells it is chrome
QUOTE_LINE = '"We will rebuild the harbour before the winter storms," the mayor said.'
_WORDS = (
    "harbour council ferry island timetable commuters evening crossing spring parking "
    "terminal charges mayor storm winter sailing budget school road bridge market farmers "
    "river flood rescue hospital nurses strike union talks minister village festival museum"
).split()


def repeated_line_corpus(folder: Path, files: int = 1000, chrome: int = 50, quote: int = 3):
    """`files` distinct articles in `folder` (doc0000.txt...); CHROME_LINE stands in the
    first `chrome`, QUOTE_LINE in the last `quote`. Returns the chrome and quote files."""
    rng = random.Random(17)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"doc{i:04d}.txt" for i in range(files)]
    for index, path in enumerate(paths):
        words = [rng.choice(_WORDS) for _ in range(60)]
        lines = [f"Story {index}: {' '.join(words[:5])}", "", " ".join(words).capitalize() + "."]
        if files - index <= quote:
            lines += ["", QUOTE_LINE]
        if index < chrome:
            lines += ["", CHROME_LINE]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths[:chrome], paths[files - quote :]

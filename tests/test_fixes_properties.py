"""Property tests: the real rules' fixes over generated damaged documents never lose text.

- safe fixes keep the sequence of words (invisible characters aside);
- unsafe fixes remove or change only lines that a fixable diagnostic reported;
- fixing never raises, and fixing the fixed text changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_lint.analysis import lint_document
from corpus_lint.checks import builtin_rules
from corpus_lint.checks.encoding import WITHOUT_WIDTH
from corpus_lint.document import Document
from corpus_lint.fixes import allowed, fix_document
from corpus_lint.packs import load_packs
from corpus_lint.rule import Context

pytestmark = pytest.mark.slow

EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RULES = builtin_rules()
PACKS = load_packs([], RULES)
DOCUMENT_RULES = [r for r in RULES.values() if not r.corpus]
BOILERPLATE = sorted(PACKS.phrases("BP001")) or ["print friendly, pdf & email"]

WORDS = (
    "Libya ISIS the of of army said Sirte forces “quoted” world’s café Mosul 2017 U.S. "
    "al-Qaeda — attack (Reuters) Source: Xinhua about"
).split()
SEPARATORS = [" ", " ", " ", "  ", "\t", "\u00a0", " \u200b", "\u00ad", "\u202f"]
DAMAGE_INSIDE = [
    "",
    "",
    "",
    "\u200b",
    "\u00ad",
    "\x01",
    "\x7f",
    "â€™",
    "Ã©",
    "\u202e",
    "\U000e0041",
]


@st.composite
def sentence(draw) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
    out = words[0]
    for word in words[1:]:
        out += draw(st.sampled_from(SEPARATORS)) + draw(st.sampled_from(DAMAGE_INSIDE)) + word
    return out


@st.composite
def line(draw) -> str:
    kind = draw(
        st.sampled_from(
            ["text"] * 6
            + ["blank", "spaces", "boilerplate", "symbols", "digits", "credit", "source"]
            + ["bad-source"]
        )
    )
    if kind == "text":
        text = draw(sentence())
    elif kind == "blank":
        text = ""
    elif kind == "spaces":
        text = draw(st.sampled_from([" ", "\t", "\u00a0 \u00a0", "  "]))
    elif kind == "boilerplate":
        text = draw(st.sampled_from(BOILERPLATE))
    elif kind == "symbols":
        text = draw(st.sampled_from(["\\", "***", "|", "--", "•"]))
    elif kind == "digits":
        text = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=20, max_size=44)))
    elif kind == "credit":
        text = draw(st.sampled_from(["AP Photo/Mohammad Hannon", "(Xinhua/AFP Photo)"]))
    elif kind == "source":
        text = "Source: " + draw(st.sampled_from(["Daily Mail", "Xinhua", "Telegraph"]))
    else:
        text = "Source: " + draw(st.sampled_from(["/Telegraph", "|", " / "]))
    lead = draw(st.sampled_from(["", "", "", " ", "   ", "\u00a0 "]))
    trail = draw(st.sampled_from(["", "", "", " ", "\t", "  \u00a0"]))
    return lead + text + trail


@st.composite
def damaged_document(draw) -> bytes:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 25))):
        if lines and draw(st.integers(0, 9)) == 0:
            lines.append(lines[-1])  # a repeated line
        else:
            lines.append(draw(line()))
    if len(lines) > 3 and draw(st.integers(0, 7)) == 0:
        lines += [""] + lines  # the body scraped twice
    endings = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    text = ""
    for item in lines:
        text += item + (
            draw(st.sampled_from(["\n", "\r\n", "\r"])) if endings == "mixed" else endings
        )
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # missing final newline
    if draw(st.integers(0, 4)) == 0:
        text = "\ufeff" + text
    if draw(st.integers(0, 9)) == 0:
        return text.encode("cp1252", errors="replace")  # some files are not UTF-8
    return text.encode("utf-8")


class Recorder:
    """The lint function given to fix_document; remembers every text it was asked about."""

    def __init__(self) -> None:
        self.passes: list[tuple[Document, list]] = []

    def __call__(self, doc: Document) -> list:
        found = lint_document(doc, DOCUMENT_RULES, Context(PACKS))
        self.passes.append((doc, found))
        return found

    def fixable_lines(self, unsafe: bool) -> set[str]:
        """Every line (normalised) that a diagnostic with an allowed fix covered, in any pass."""
        covered: set[str] = set()
        for doc, found in self.passes:
            for d in found:
                if allowed(d, unsafe):
                    for number in range(d.line, d.end_line + 1):
                        covered.add(normalised(doc.lines[number - 1].text))
        return covered


def words(text: str) -> list[str]:
    return text.translate(dict.fromkeys(map(ord, WITHOUT_WIDTH))).split()


def normalised(line: str) -> str:
    return " ".join(words(line))


def lines_of(text: str) -> Counter[str]:
    return Counter(normalised(x) for x in re.split(r"\r\n|\r|\n", text) if normalised(x))


def fix(raw: bytes, unsafe: bool, lint=None):
    doc = Document.from_bytes(Path("generated.txt"), raw, "generated.txt")
    return doc, fix_document(doc, lint or Recorder(), unsafe)


@EXAMPLES
@given(damaged_document())
def test_safe_fixes_keep_every_word_in_order(raw):
    doc, outcome = fix(raw, unsafe=False)
    assert words(outcome.doc.text) == words(doc.text)
    if not doc.is_utf8:
        assert not outcome.changed  # a safe fix never transcodes


@EXAMPLES
@given(damaged_document())
def test_unsafe_fixes_remove_only_lines_a_fixable_diagnostic_reported(raw):
    recorder = Recorder()
    doc, outcome = fix(raw, unsafe=True, lint=recorder)
    removed = lines_of(doc.text) - lines_of(outcome.doc.text)
    reported = recorder.fixable_lines(unsafe=True)
    assert [line for line in removed if line not in reported] == []


@EXAMPLES
@given(damaged_document(), st.booleans())
def test_fixing_the_fixed_text_changes_nothing(raw, unsafe):
    _, outcome = fix(raw, unsafe)
    assert not any("did not settle" in note for note in outcome.notes)
    _, again = fix(outcome.doc.raw, unsafe)
    if not unsafe:
        assert not again.changed, (outcome.doc.text, again.doc.text)
        return
    # An unsafe fix is applied only to text the findings it was run on offered to change: a
    # finding its fixes brought about is left reported, and the next run applies it. So a
    # run changes the text only where the run before left a fixable finding, and runs settle.
    for _ in range(3):
        if not again.changed:
            return
        assert any(allowed(d, True) for d in outcome.diagnostics), (
            outcome.doc.text,
            again.doc.text,
        )
        outcome = again
        _, again = fix(outcome.doc.raw, unsafe)
    assert not again.changed


@pytest.mark.parametrize("unsafe", [False, True])
def test_a_document_of_every_kind_of_damage_is_fixed_without_error(unsafe):
    raw = (
        "\ufeffTitle  \r\nTitle\r\n\r\n\r\n\r\n  Body\u00a0text with\u200b a of of word.\r\n"
        "Print Friendly, PDF & Email\r\n\\\r\n0100200707500000000000000111\r\nworldâ€™s\x01 end"
    ).encode()
    doc, outcome = fix(raw, unsafe)
    assert outcome.changed
    assert b"\r" not in outcome.doc.raw
    assert outcome.doc.raw.endswith(b"end\n")
    assert words(outcome.doc.text)[:3] == ["Title", "Title", "Body"] or unsafe

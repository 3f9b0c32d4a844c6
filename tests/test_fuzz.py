"""Fuzzing: arbitrary bytes as a document, through every built-in rule and every fix.

Whatever the bytes, reading, linting and fixing raise nothing; every diagnostic points inside
the document; fixing settles, and fixing the fixed text changes nothing; safe fixes keep every
word. Inputs are arbitrary bytes, and text biased toward what the rules look for (line ends,
invisible characters, controls, mojibake, source lines, boilerplate, digits), encoded as UTF-8
or as a legacy encoding.

tests/test_fixes_properties.py checks the same fix properties on generated articles with
realistic damage, and more (unsafe fixes drop only reported lines); this test is about inputs
nobody would write. `benchmarks/fuzz.py` runs `check_document` for longer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus_lint.analysis import lint_document
from corpus_lint.checks import builtin_rules
from corpus_lint.checks.encoding import WITHOUT_WIDTH
from corpus_lint.config import NearDuplicateSettings
from corpus_lint.dedup import features_of
from corpus_lint.document import Document
from corpus_lint.fixes import allowed, fix_document
from corpus_lint.packs import load_packs
from corpus_lint.rule import Context

RULES = builtin_rules()
DOCUMENT_RULES = [r for r in RULES.values() if not r.corpus]
CONTEXT = Context(load_packs([], RULES))
NEAR = NearDuplicateSettings()
CI = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))

# What the rules care about, as fragments to splice between arbitrary text.
FRAGMENTS = [
    *"\r\n\t \x00\x01\x07\x0b\x0c\x1b\x1f\x7f\x85\x9b",
    "\r\n",
    "\n\n\n",
    "  ",
    "\xa0",
    "\u202f",
    "\u200b",
    "\u202e",
    "\U000e0041",
    "\u200d",
    "\u00ad",
    "\u2060",
    "\ufeff",
    "\ufffd",
    "\u2028",
    "\u2029",
    "\u202e",
    "â€™",
    "Ã©",
    "â€œ",
    "Ã",
    "Source:",
    "Source: /Telegraph",
    "Sources:",
    "Via Reuters",
    "LONDON (Reuters) -",
    "Print Friendly, PDF & Email",
    "Back to Top Close",
    "AP Photo/",
    "(Xinhua/AFP Photo)",
    "* * *",
    "\\",
    "|",
    "•",
    "0123456789abcdef" * 3,
    "2017",
    "of of",
    "the the",
    "Title",
    "Title\n\nTitle",
    "word",
    "é",
    "😀",
    "\U0001f600\u200d\U0001f600",
]


@st.composite
def biased_text(draw) -> str:
    pieces = draw(
        st.lists(
            st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), min_size=0, max_size=60
        )
    )
    text = "".join(pieces)
    if draw(st.booleans()):  # a repeated block: DUP001/DUP002 territory
        text = text + draw(st.sampled_from(["\n", "\n\n", "\r\n"])) + text
    return text


ENCODINGS = ["utf-8"] * 6 + ["utf-8-sig", "cp1252", "latin-1", "utf-16"]


@st.composite
def documents(draw) -> bytes:
    if draw(st.integers(0, 3)) == 0:
        return draw(st.binary(max_size=3000))
    encoding = draw(st.sampled_from(ENCODINGS))
    raw = draw(biased_text()).encode(encoding, errors="replace")
    if draw(st.integers(0, 5)) == 0:  # a few stray bytes: invalid UTF-8 inside valid text
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=4)) + raw[at:]
    return raw


def lint(doc: Document) -> list:
    return lint_document(doc, DOCUMENT_RULES, CONTEXT)


def words(text: str) -> list[str]:
    """Words as a reader sees them: invisible characters (which safe fixes drop) aside."""
    return text.translate(dict.fromkeys(map(ord, WITHOUT_WIDTH))).split()


def read(raw: bytes) -> Document:
    return Document.from_bytes(Path("fuzz.txt"), raw, "fuzz.txt")


def check_lint(raw: bytes) -> None:
    """Every rule runs without error and every diagnostic points inside the document."""
    doc = read(raw)
    found = lint(doc)
    last = len(doc.lines)
    for d in found:
        assert d.code in RULES and d.message
        assert 1 <= d.line <= d.end_line <= last, d
        assert d.column >= 1 and d.end_column >= 1, d
        assert d.line < d.end_line or d.column <= d.end_column, d
        if d.fix is not None:
            assert all(0 <= e.start <= e.end <= len(doc.text) for e in d.fix.edits), d
    features_of(doc, found, NEAR)  # what DUP003/DUP004 compute of the document


def check_fixes(raw: bytes) -> None:
    """Fixing settles and is idempotent; safe fixes keep every word and never transcode.
    (With unsafe fixes, a run changes the text only where the run before left a fixable
    finding: an unsafe fix applies to the text its run started from only, see
    `fixes.fix_document`; the runs settle.)"""
    doc = read(raw)
    for unsafe in (False, True):
        outcome = fix_document(doc, lint, unsafe)
        assert not any("did not settle" in note for note in outcome.notes), outcome.notes
        again = fix_document(read(outcome.doc.raw), lint, unsafe)
        for _ in range(3 if unsafe else 0):
            if not again.changed:
                break
            assert any(allowed(d, True) for d in outcome.diagnostics), outcome.doc.text
            outcome, again = again, fix_document(read(again.doc.raw), lint, unsafe)
        assert not again.changed, (unsafe, outcome.doc.text, again.doc.text)
        if not unsafe:
            assert words(outcome.doc.text) == words(doc.text)
            if not doc.is_utf8:
                assert not outcome.changed


def check_document(raw: bytes) -> None:
    check_lint(raw)
    check_fixes(raw)


@pytest.mark.slow
@CI
@given(documents())
def test_every_rule_reads_any_bytes_and_reports_positions_inside_the_document(raw):
    check_lint(raw)


@pytest.mark.slow
@CI
@given(documents())
# Found by this test: ENC003 withheld a repair holding NULs, which ENC005 left as mojibake's,
# and the fixed file read back as UTF-16.
@example(raw=b"\xff\xfe\x85\x00\x85\x00\x85\x00")
def test_fixes_of_any_bytes_settle_are_idempotent_and_safe_ones_keep_every_word(raw):
    check_fixes(raw)

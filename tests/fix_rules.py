"""Small rules with fixes, for testing the fix machinery apart from the real rules."""

from __future__ import annotations

import re

from corpus_lint.document import Document
from corpus_lint.rule import SAFE, UNSAFE, Context, Edit, Rule, delete_line


class TrailingSpaces(Rule):
    """Trailing spaces (test rule)."""

    code = "TST001"
    name = "test-trailing-spaces"
    fix_availability = SAFE

    def check(self, doc: Document, ctx: Context):
        for line in doc.lines:
            stripped = line.text.rstrip(" ")
            if stripped != line.text:
                start = line.start + len(stripped)
                yield self.diagnostic(
                    doc,
                    start,
                    line.end,
                    "trailing spaces",
                    self.fix("Remove", Edit(start, line.end)),
                )


class DoubleSpace(Rule):
    """Two spaces in a row (test rule): fixes of a run of three spaces overlap."""

    code = "TST002"
    name = "test-double-space"
    fix_availability = SAFE

    def check(self, doc: Document, ctx: Context):
        for index in range(len(doc.text) - 1):
            if doc.text[index : index + 2] == "  ":
                yield self.diagnostic(
                    doc,
                    index,
                    index + 2,
                    "two spaces",
                    self.fix("One space", Edit(index, index + 2, " ")),
                )


class JunkLine(Rule):
    """A line that says "junk" (test rule)."""

    code = "TST003"
    name = "test-junk-line"
    fix_availability = UNSAFE

    def check(self, doc: Document, ctx: Context):
        for line in doc.lines:
            if line.text.strip() == "junk":
                yield self.diagnostic(
                    doc, line.start, line.end, "junk line", self.fix("Drop", delete_line(line))
                )


class NeverSettles(Rule):
    """Always wants one more "!" at the end (test rule): a fix that never converges."""

    code = "TST004"
    name = "test-never-settles"
    fix_availability = SAFE

    def check(self, doc: Document, ctx: Context):
        end = len(doc.text)
        yield self.diagnostic(doc, end, end, "more!", self.fix("Add", Edit(end, end, "!")))


class FakeTranscode(Rule):
    """Not UTF-8 (test stand-in for ENC001): offers the transcode fix with no edits."""

    code = "ENC001"
    name = "non-utf8"
    fix_availability = UNSAFE

    def check(self, doc: Document, ctx: Context):
        if not doc.is_utf8:
            yield self.diagnostic(doc, 0, 0, "not UTF-8", self.fix("Transcode"))


class NoFixAbout(Rule):
    """The word "about" (test rule without a fix)."""

    code = "TST005"
    name = "test-no-fix"

    def check(self, doc: Document, ctx: Context):
        for match in re.finditer(r"\babout\b", doc.text):
            yield self.diagnostic(doc, match.start(), match.end(), "about")


TEST_RULES = [TrailingSpaces, DoubleSpace, JunkLine, NeverSettles, FakeTranscode, NoFixAbout]

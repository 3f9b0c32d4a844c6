"""Scraping leftovers on lines of their own: chrome, stray symbols, tracking ids, photo credits."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator

from corpus_lint.document import Document
from corpus_lint.families import family_words
from corpus_lint.rule import UNSAFE, Context, CorpusRule, Diagnostic, Rule, register, reports_of
from corpus_lint.textutil import (
    delete_lines,
    in_table,
    interview_label,
    nearest_lines,
    normalise_phrase,
    shorten,
)

# A junk token is at least this long: 15 digits is the longest phone number (ITU E.164) and
# 13 an ISBN, so 16 is the shortest run of digits that cannot be such a number.
JUNK_TOKEN_MIN_LENGTH = 16

# Lines longer than this are paragraphs: no boilerplate phrase is this long, so they skip the
# phrase look-up (the patterns still see them).
_LONGEST_PHRASE_LINE = 200

_NO_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_JUNK_TOKEN = re.compile(
    rf"\s*(?:[0-9]{{{JUNK_TOKEN_MIN_LENGTH},}}"
    rf"|(?=[a-fA-F]*[0-9])[0-9a-fA-F]{{{JUNK_TOKEN_MIN_LENGTH},}}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\s*"
)


class _DropLineRule(Rule):
    """A rule that reports whole lines and offers to drop them."""

    severity = "warning"
    fix_availability = UNSAFE
    excluded_from_shingles = True

    def report(self, doc: Document, index: int, message: str) -> Diagnostic:
        line = doc.lines[index]
        fix = self.fix("Delete the line", delete_lines(doc.lines, index, index))
        return self.diagnostic(doc, line.start, line.end, message, fix)


@register
class BoilerplateLine(_DropLineRule):
    """A line of web-page chrome: a share button, a comment prompt, a cookie notice.

    ## What it does
    Reports a line that, trimmed, case-folded and with runs of white space taken as one,
    equals a boilerplate phrase of the rule packs ("Print Friendly, PDF & Email", "Back to
    top", "Sign up for our newsletter"); a line whose words, punctuation aside, are one or
    more phrases of the packs' phrase families or phrases in a row ("Share this article on
    Facebook", "Comments (12)", "« Previous", "Email | Print | Share"); or a line matching one
    of their BP001 patterns ("© 2017 ...", a menu between vertical bars, a date alone). A
    sentence that contains such a phrase among words of its own is not reported, nor is a
    source line (SRC001's patterns) that only a built-in pattern matches: it is the
    attribution, whatever chrome it looks like. Nor is a line in quotation marks (speech:
    '"Done."'), nor a topic (a one-word name of the packs' `section` words, not "News" or
    "Videos") between two paragraphs of prose that are not chrome: a subheading ("Economy",
    "Health" in an explainer), where a menu's item stands among other items, links, chrome
    or the document's edge; nor, so, a date or a clock time alone ("August 2, 1990", "22:04"
    heading a timeline's or a live blog's entries), which elsewhere is a page's stamp. The
    built-in pack `rules/boilerplate.toml` knows the usual chrome of English news sites; add
    your own with `[[extend]] code = "BP001"` in a rule pack (see "Rule packs" in the
    README), or mine your corpus's own with `corpus-lint mine-boilerplate`.

    ## Why is this bad?
    The phrase belongs to the web page, not to the article: it repeats across thousands of
    documents, so it dominates n-gram counts, makes unrelated files look alike, and teaches a
    model to end articles with "Share this article".

    ## Example
    ```text
    ...and produces more than 800,000 barrels every day.

    Print Friendly, PDF & Email
    ```

    Use instead:
    ```text
    ...and produces more than 800,000 barrels every day.
    ```

    ## Fix safety
    Unsafe: it deletes the line (and one blank line next to it when it stood between blank
    lines). Deleting text is never safe, though a line that is exactly a boilerplate phrase
    carries nothing of the article.
    """

    code = "BP001"
    name = "boilerplate-line"
    pack_fields = frozenset({"phrases", "families", "patterns"})

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        phrases = ctx.packs.phrases(self.code)
        squeezed_phrases = ctx.packs.squeezed_phrases(self.code)
        families = ctx.packs.families(self.code)
        patterns = ctx.packs.any_pattern(self.code)
        search = patterns.searcher(doc.text)
        is_source = None
        first = next((i for i, t in enumerate(doc.line_texts) if t.strip()), -1)  # the title
        found_lines: list[tuple[int, str]] = []
        for index, (text, squeezed) in enumerate(zip(doc.line_texts, doc.squeezed_lines)):
            if not squeezed:  # empty or white space only
                continue
            if (
                len(text) <= _LONGEST_PHRASE_LINE
                and not _QUOTED.fullmatch(text)  # speech: '"Done."', '"Help!"'
                and (
                    (squeezed in squeezed_phrases and normalise_phrase(text) in phrases)
                    or families.matches(text)
                )
                and not _SENTENCE_TAIL.fullmatch(text)
            ):
                found = "boilerplate phrase"
            elif search(text):
                found = "boilerplate line"
                if index == first and _title_and_site(text):
                    continue  # "Lithium aus dem Schredder | heise online"
                # A source line matched by a built-in pattern ("Source: Reuters (June 3,
                # 2008)" ends like a link with its date) is the attribution SRC001 reads,
                # not chrome to delete; a pattern of the user's own says otherwise.
                if is_source is None:  # (made for the few documents with a line of chrome)
                    is_source = ctx.packs.any_pattern("SRC001").searcher(doc.text)
                if is_source(text) and not patterns.search_users(text):
                    continue
            else:
                continue
            found_lines.append((index, found))
        if not found_lines:
            return
        texts = doc.line_texts
        topics = _topics(ctx.packs.words.get("section", ()))
        chrome = {index for index, _ in found_lines}
        for index, found in found_lines:
            text = texts[index]
            if found == "boilerplate phrase" and family_words(text) in topics:
                if _between_paragraphs(texts, index, chrome):
                    continue  # a subheading: "Economy", then its paragraph
            elif found == "boilerplate line" and _DATE_OR_TIME.fullmatch(text):
                if _between_paragraphs(texts, index, chrome, _is_entry):
                    continue  # a timeline's or a live blog's entry: "August 2, 1990", "22:04"
            elif found == "boilerplate line" and "|" in text and in_table(texts, index):
                continue  # "Team | Played | Points" over "Chelsea | 25 | 64"
            elif found == "boilerplate line" and interview_label(texts, index):
                continue  # an interview's "Q" and "A", not a font-size button "A"
            yield self.report(
                doc,
                index,
                f'{found} "{shorten(text)}": web-page chrome left by the scraper, not article text',
            )


# The tail of a sentence wrapped onto a line of its own: lowercase, one full stop ("live
# in.", "features."), which a family of chrome words would match (found by a review).
_SENTENCE_TAIL = re.compile(r"\s*[^\W\d_A-Z][^.]*[^.]\.\s*")
# A line in quotation marks: what someone said, never a button.
_QUOTED = re.compile(r"\s*[\"“”„«»‘’'].*[\"“”„«»‘’']\s*")


def _title_and_site(text: str) -> bool:
    """Whether a line between vertical bars is a page's title, a headline then its site and
    perhaps its section ("Lithium aus dem Schredder | heise online"), not a menu: at most 3
    items, the first of 4 words or more and no label ("PICK YOUR EDITION: Central | Valley")."""
    items = [item for item in text.split("|") if item.strip()]
    return 1 < len(items) <= 3 and len(items[0].split()) >= 4 and ":" not in items[0]


# A date or a clock time alone, as a timeline or a live blog heads its entries ("22:04",
# "14:32 GMT", "2:15pm").
_DATE_OR_TIME = re.compile(
    r"\s*(?:\d{1,2}:\d\d(?: ?(?:[ap]\.?m\.?|[AP]\.?M\.?|GMT|BST|UTC|CET|CEST|EST|EDT|CST|CDT|"
    r"MST|MDT|PST|PDT|ET|PT|IST|JST|AEST|AEDT))?|[A-Z][a-z]+\.? \d{1,2}, \d{4}|"
    r"\d{1,2} [A-Z][a-z]+ \d{4})\s*"
)
# A paragraph of prose: a sentence's end, and words enough.
_PARAGRAPH_WORDS = 6


@functools.lru_cache(maxsize=8)
def _topics(sections: tuple[tuple[str, ...], ...]) -> frozenset[tuple[str, ...]]:
    """The packs' section names that name a topic, one word each ("economy", "health"): an
    article may head a part with one, never with "news", "videos" or "top stories"."""
    return frozenset(s for s in sections if len(s) == 1 and s[0] not in _NOT_TOPICS)


_NOT_TOPICS = frozenset(
    "news video videos audio photos pictures galleries multimedia podcasts blogs archive "
    "archives forums games classifieds shopping deals tickets jobs careers community events "
    "obituaries obits columnists columns features letters editorials magazine".split()
)


def _between_paragraphs(
    texts: list[str],
    index: int,
    chrome: set[int],
    is_paragraph: Callable[[str], bool] | None = None,
) -> bool:
    """Whether the lines before and after the one at `index` (blank lines aside) are both
    paragraphs of prose (`is_paragraph`, `_is_paragraph` by default), not `chrome`: a topic
    of the packs' `section` words between two paragraphs is a subheading ("Economy",
    "Health" in an explainer), where a menu's item stands among other items, links, chrome
    or the document's edge."""
    is_paragraph = is_paragraph or _is_paragraph
    return all(
        other is not None and other not in chrome and is_paragraph(texts[other])
        for other in nearest_lines(texts, index)
    )


def _is_entry(line: str) -> bool:
    """A timeline's entry under its date: a paragraph, or a short sentence of its own ("Aid
    pledges pass $2bn."), which a headline in a list of links is not (it ends with no stop)."""
    return _is_paragraph(line) or (_ends_sentence(line) and len(line.split(None, 3)) > 3)


def _is_paragraph(line: str) -> bool:
    """A paragraph of prose: a sentence with words enough (`_is_sentence_paragraph`), or words
    too many for anything else (a blog's paragraph without its full stop; a review found
    BP007 took a post's title for a link when the post's only paragraph had none)."""
    return len(line.split(None, _LONGEST_NON_PROSE)) > _LONGEST_NON_PROSE or (
        _is_sentence_paragraph(line)
    )


def _is_sentence_paragraph(line: str) -> bool:
    """A sentence's end, and words enough (a character of Chinese or Japanese a word, as they
    write without spaces)."""
    if not _ends_sentence(line):
        return False
    return len(line.split(None, _PARAGRAPH_WORDS)) > _PARAGRAPH_WORDS or (
        _cjk_words(line, _PARAGRAPH_WORDS + 1) > _PARAGRAPH_WORDS
    )


_LONGEST_NON_PROSE = 30


def _cjk_words(line: str, enough: int) -> int:
    """The characters of Kana or Han in `line`, counted up to `enough`: each a word. (Told by
    comparison, not by a regular expression: a class of them takes `re` milliseconds to
    compile.)"""
    if line.isascii():
        return 0
    cjk = (c for c in line if "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff")
    return sum(1 for _ in itertools.islice(cjk, enough))


def _ends_sentence(line: str) -> bool:
    """Whether `line` ends like a sentence: a terminator of any script (Unicode's
    Sentence_Terminal: ". ! ?", 。！？, Hindi's ।, Urdu's ۔, Armenian's ։...) or "…", then
    perhaps closing quotation marks or brackets (German „...“ and French « ... » close with
    “ and », the French after a space), invisible format characters (a right-to-left mark, a
    zero-width space) and white space. Read from the end: a line of 。 is no slower."""
    if line.isascii():
        return line.rstrip(_ASCII_AFTER_END)[-1:] in (".", "!", "?")
    end = _end_before(line, _after_end)
    return end > 0 and _sentence_terminal().match(line[end - 1]) is not None


_ASCII_AFTER_END = " \t\n\r\f\v\x1c\x1d\x1e\x1f\"')]}"  # what `_after_end` takes in ASCII
_LONGEST_AFTER_END = 16  # characters after the terminator: '." »' is 4


def _after_end(character: str) -> bool:
    """What may follow a sentence's terminator: white space, a closing mark (a final or
    initial quotation mark, as German and French close with them; a closing bracket), or an
    invisible format character."""
    return (
        character.isspace()
        or character in "\"'"
        or unicodedata.category(character) in _AFTER_END_CATEGORIES
    )


_AFTER_END_CATEGORIES = frozenset({"Pf", "Pi", "Pe", "Cf"})


def _trimmed(line: str) -> str:
    """`line` without the white space and invisible format characters (a zero-width space, a
    right-to-left mark) at its end, which hide how it ends (found by a review: ")\u200b")."""
    return line[: _end_before(line, _invisible)]


def _end_before(line: str, trailing: Callable[[str], bool]) -> int:
    """Where `line` ends before its white space and then at most _LONGEST_AFTER_END more
    `trailing` characters: the bound keeps a line of a million of them quick."""
    end = len(line.rstrip())
    stop = max(0, end - _LONGEST_AFTER_END)
    while end > stop and trailing(line[end - 1]):
        end -= 1
    return end


def _invisible(character: str) -> bool:
    return character.isspace() or (character > "\x7f" and unicodedata.category(character) == "Cf")


@functools.cache
def _sentence_terminal():  # -> regex.Pattern
    import regex  # (only for lines beyond ASCII: `re` knows no Unicode property)

    return regex.compile(r"[\p{STerm}…]")


@register
class StraySymbolLine(_DropLineRule):
    """A line of punctuation or symbols only.

    ## What it does
    Reports a non-blank line whose every character (white space aside) is punctuation or a
    symbol: a lone `\\`, `|`, `•`, `»`, `--`. Section breaks that articles use on purpose are
    left alone: the phrases of `[[extend]] code = "BP002"` in the rule packs are the accepted
    separators (built in: `* * *`, `***`, `# # #`, `###`, `⁂`, `~ ~ ~`, the ratings `****`
    and `*****`, and the elisions
    `[...]`, `[…]`, `. . .`); a line equal to one of them, after trimming and taking runs of
    white space as one, is not reported; nor is a line of the marks a table's cell or a
    rating holds (`✓`, `✗`, `★★★`), nor a line ENC003 reads as mojibake ("×‘×”×•×“×¢×”" is
    Hebrew in the wrong code page).

    ## Why is this bad?
    Such a line is what is left of a removed widget, an icon font or a layout table. It carries
    no text, splits paragraphs that belong together, and adds noise to every statistic.

    ## Example
    ```text
    IS group tends to cash in on Libya rifts

    \\

    Iraqi forces advance through the Old City of Mosul...
    ```

    Use instead:
    ```text
    IS group tends to cash in on Libya rifts

    Iraqi forces advance through the Old City of Mosul...
    ```

    ## Fix safety
    Unsafe: it deletes the line (and one blank line next to it when it stood between blank
    lines). No word is lost, but a symbol line may be a separator this rule does not know.
    """

    code = "BP002"
    name = "stray-symbol-line"
    pack_fields = frozenset({"phrases"})

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        separators = ctx.packs.phrases(self.code)
        for index, text in enumerate(doc.line_texts):
            if not text or text.isspace() or not _NO_LETTER_OR_DIGIT.fullmatch(text):
                continue
            symbols = "".join(text.split())
            # Invisible characters (ENC006's) and control characters (ENC005's) are not symbols.
            if not all(unicodedata.category(c)[0] in "PS" for c in symbols):
                continue
            if normalise_phrase(text) in separators:
                continue
            if _DATA_SYMBOLS.issuperset(symbols):
                continue  # a table's or a rating's: "✓", "★★★"
            if not symbols.isascii() and _misread(doc, index):
                continue  # ENC003's: text read in the wrong code page ("×‘×”" is Hebrew)
            yield self.report(
                doc,
                index,
                f'line of symbols only "{shorten(symbols, 20)}": layout debris left by the '
                "scraper, not text",
            )


# Symbols a table cell or a rating holds on its own: data, not debris.
_DATA_SYMBOLS = frozenset("✓✔✗✘✕✖☑☒☐★☆")


def _misread(doc: Document, index: int) -> bool:
    """Does the line at `index` hold mojibake ENC003 repairs (its symbols are letters read in
    the wrong code page: deleted, the text it can give back would be lost)?"""
    from corpus_lint.checks.encoding import mojibake_runs

    line = doc.lines[index]
    return any(r.start < line.end and line.start < r.end for r in mojibake_runs(doc))


@register
class JunkTokenLine(_DropLineRule):
    """A line that is one long run of digits or hexadecimal: a tracking id.

    ## What it does
    Reports a line that is a single token, without spaces, of at least 16
    (`JUNK_TOKEN_MIN_LENGTH`) digits, or of hexadecimal digits including at least one digit,
    or a UUID. 16 is the shortest run of digits that cannot be a phone number (at most 15
    digits) or an ISBN (13).

    ## Why is this bad?
    Such tokens are session, tracking or database ids scraped from the page. They are not
    text, they inflate vocabularies with one-off tokens, and they make a document look unique
    to exact-duplicate checks that compare whole texts.

    ## Example
    ```text
    ...killing 25 people and injuring more than 100.

    010020070750000000000000011100001364017881
    ```

    Use instead:
    ```text
    ...killing 25 people and injuring more than 100.
    ```

    ## Fix safety
    Unsafe: it deletes the line (and one blank line next to it when it stood between blank
    lines). A long number on its own line is very unlikely to be article text, but the fix
    cannot tell.
    """

    code = "BP003"
    name = "junk-token-line"

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        for index, text in enumerate(doc.line_texts):
            if len(text) < JUNK_TOKEN_MIN_LENGTH or not _JUNK_TOKEN.fullmatch(text):
                continue
            token = text.strip()
            yield self.report(
                doc,
                index,
                f'line is a {len(token)}-character id "{shorten(token, 24)}": a tracking or '
                "session token left by the scraper, not text",
            )


@register
class MediaCredit(_DropLineRule):
    """A photo credit or picture caption line.

    ## What it does
    Reports a line matching one of the BP004 patterns of the rule packs (built in:
    `rules/credits.toml`): a credit on a line of its own ("AP Photo/Mohammad Hannon",
    "Photo: Reuters", "Picture: PA", "Getty Images", "Image caption ..."), or a caption line
    that ends with its credit in brackets ("... during the offensive. (Xinhua/AFP Photo)",
    "... (Photo by Jane Doe/Getty Images)"). A sentence that merely mentions a photo ("The AP
    photo went viral.") is not matched: every pattern needs a credit form.

    ## Why is this bad?
    Credits and captions describe pictures the text no longer has. They interrupt the article
    between paragraphs, repeat agency names thousands of times across a corpus, and a caption
    often repeats a sentence of the story.

    ## Example
    ```text
    European terror attacks
    AP Photo/Mohammad Hannon

    The Islamic State (ISIS/ISIL) is "trying to regroup" in Libya...
    ```

    Use instead:
    ```text
    European terror attacks

    The Islamic State (ISIS/ISIL) is "trying to regroup" in Libya...
    ```

    ## Fix safety
    Unsafe: it deletes the whole line (and one blank line next to it when it stood between
    blank lines). For a caption that ends with its credit, the whole caption line goes, not
    only the credit: the caption describes a picture the document does not have.
    """

    code = "BP004"
    name = "media-credit"
    pack_fields = frozenset({"patterns"})

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        patterns = ctx.packs.any_pattern(self.code)
        if not patterns:
            return
        search = patterns.searcher(doc.text)
        for index, text in enumerate(doc.line_texts):
            if not text or text.isspace():
                continue
            match = search(text)
            if match is None:
                continue
            credit = match.group().strip()
            what = "photo caption ending in the credit" if match.start() > 0 else "photo credit"
            yield self.report(
                doc,
                index,
                f'{what} "{shorten(credit, 50)}": it describes a picture the text does not '
                "have, so it is not article text",
            )


@register
class LineAmongBoilerplate(_DropLineRule):
    """A short line amid lines of boilerplate: the words of a menu or widget no phrase names.

    ## What it does
    Reports a run of at most 3 lines, each of at most 2 words and none ending like a sentence,
    between two lines of boilerplate (reported by BP001, BP002, BP003 or BP004), blank lines
    aside: "Sports Wire", "Related", "Latest" in a block of chrome. Left alone: source lines
    (SRC001's patterns), lines of code, the first line of the file that is not chrome (the
    title, though a menu may stand above it and a date stamp below), and the end of the file
    (a closing line is the article's more often than not). Also reports the headlines of a
    list of stories with their stamps: 3 headlines or more (4 to 22 words, no sentence's
    end) and 2 stamps or more in turn, a stamp a line of chrome with a figure ("January 11,
    2008", "12 comments") or a relative time ("3 hours ago"), nothing else between them, and
    not right after a paragraph or a line introducing it, under a heading or not (there it
    is the article's own timeline or results).
    The lines BP001-BP004 find are read whether or not they are selected or ignored for the
    file (`per-file-ignores`, `# noqa`), so the report does not depend on them: ignore BP006
    too where their lines are not chrome.

    ## Why is this bad?
    A page's menus, link lists and widgets come as blocks of short lines, and a phrase list
    can only ever name some of them. A short line with chrome on both sides is chrome far
    more often than it is article text: the context-sensitive pass of jusText (Pomikálek,
    2011) classifies such blocks by their neighbours the same way. On the shared half of
    L3S-GN1 it finds 54 more boilerplate lines and no article line.

    ## Example
    ```text
    Home » World » Europe
    Merkel wins
    January 15, 2008 - 3:02 PM
    Headline News
    Print this story

    BERLIN (AP) -- Chancellor Angela Merkel's party won...
    ```
    "Headline News" is reported (BP001 reports the lines around it); "Merkel wins", the
    title, is not. Use instead, once BP001's lines are gone too:
    ```text
    Merkel wins

    BERLIN (AP) -- Chancellor Angela Merkel's party won...
    ```

    ## Fix safety
    Unsafe: it deletes the line (and one blank line next to it when it stood between blank
    lines). Two words between two lines of chrome can still be a heading of the article.
    """

    code = "BP006"
    name = "line-among-boilerplate"

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        chrome = _reported_lines(_CONTEXT, doc, ctx)
        if not chrome:
            return
        texts = doc.line_texts
        is_source = ctx.packs.any_pattern("SRC001").searcher(doc.text)
        above: int | None = None  # the last line of chrome, while the lines since may be chrome
        run: list[int] = []  # those lines
        title_seen = False  # the first line that is not chrome: the title, under a menu or not
        for index, text in enumerate(texts):
            if not text or text.isspace():
                continue
            if index in chrome:
                if above is not None and run:
                    yield from self._report(doc, run, above, index)
                above, run = index, []
            elif not title_seen:
                title_seen, above, run = True, None, []
            elif above is not None:
                run.append(index)
                if len(run) > _LONGEST_RUN or not _short_line(text) or is_source(text):
                    above, run = None, []
        for index in _listed_headlines(texts, chrome):
            what = "stamp" if _RELATIVE_TIME.fullmatch(texts[index]) else "headline"
            yield self.report(
                doc,
                index,
                f'{what} "{shorten(texts[index])}" in a list of stories with their dates or '
                "counts: most likely a page's list of links",
            )

    def _report(
        self, doc: Document, run: list[int], above: int, below: int
    ) -> Iterator[Diagnostic]:
        texts = doc.line_texts
        for index in run:
            yield self.report(
                doc,
                index,
                f'short line "{shorten(texts[index])}" between boilerplate on lines {above + 1} '
                f"and {below + 1}: most likely the same web-page chrome",
            )


def _reported_lines(rules: tuple[Rule, ...], doc: Document, ctx: Context) -> set[int]:
    """The lines (0-based) that `rules` report in `doc`, whether or not they are selected:
    the chrome BP006 and BP007 read their lines' roles by."""
    return {d.line - 1 for rule in rules for d in reports_of(rule, doc, ctx)}


# The per-document rules whose lines make the context of BP006, and its limits: measured on
# L3S-GN1 (benchmarks/bench_boilerplate.py), lines of 3 words flagged article headlines
# between a menu and a date line, runs of 2-3 lines of 2 words did not (see the README).
_CONTEXT = (BoilerplateLine(), StraySymbolLine(), JunkTokenLine(), MediaCredit())
_MOST_WORDS = 2
_LONGEST_RUN = 3


def _listed_headlines(texts: list[str], chrome: set[int]) -> list[int]:
    """The lines of a list of stories: headlines (4 to 22 words, no sentence's end) and
    stamps in turn, a stamp a line of chrome with a figure ("Jan 15, 2008", "22:04", "12
    comments") or a relative time ("3 hours ago"), 3 headlines or more and 2 stamps or more
    with nothing else between them (two headlines in a row are an article's title and its
    byline), not right after a paragraph of prose: a related-stories rail or a list of the
    latest news under its heading ("ALSO READ", "News List"), found by a review on real
    pages (none of BBC's prose, whose fixture lists and rankings have no stamps between their
    lines). Right after a paragraph it is the article's own timeline or results, events with
    their dates (a review of the first version found them deleted). The headlines are
    reported, and the relative times among them."""
    if sum(1 for i in chrome if _STAMP.search(texts[i])) < 2 and not any(
        len(text) < 40 and "ago" in text and _RELATIVE_TIME.fullmatch(text) for text in texts
    ):
        return []  # fewer than 2 stamps: no list (most documents)
    lines = [i for i, text in enumerate(texts) if text.strip()]
    found: list[int] = []
    run: list[tuple[int, bool]] = []  # (index, is a stamp)

    place = {index: position for position, index in enumerate(lines)}

    def after_prose(index: int) -> bool:
        """Whether a paragraph comes before, or a line introducing a list ("Here is how the
        night unfolded:"), perhaps under a heading of its own ("Key moments"): the article's
        own list follows its text."""
        position = place[index] - 1
        if position >= 0 and lines[position] not in chrome and _short_line(texts[lines[position]]):
            position -= 1  # a heading that is no chrome
        if position < 0:
            return False
        line = texts[lines[position]].rstrip()
        return line.endswith(":") or _is_paragraph(line)

    def close() -> None:
        heads = [i for i, stamp in run if not stamp]
        stamps = len(run) - len(heads)
        if len(heads) >= 3 and stamps >= 2 and not after_prose(run[0][0]):
            found.extend(i for i, stamp in run if not stamp or i not in chrome)
        run.clear()

    for position, index in enumerate(lines):
        text = texts[index]
        if (index in chrome and _STAMP.search(text)) or _RELATIVE_TIME.fullmatch(text):
            run.append((index, True))
        elif (
            index not in chrome
            and position > 0
            and len(text.split(None, 22)) <= 22  # (a paragraph fails at C speed)
            and _HEADLINE.fullmatch(text)
        ):
            if run and not run[-1][1]:  # two headlines in a row: a title and its byline
                close()
            run.append((index, False))
        else:
            close()
    close()
    return found


# A headline: 4 to 22 words, starting with a capital, a figure or a quote, no sentence's end.
_HEADLINE = re.compile(
    r"""\s*["'“‘]?[A-Z0-9][^\s]*(?:\s+\S+){3,21}(?<![.!?:;,])(?<![.!?]["'”’])\s*"""
)
# A stamp among chrome: a figure, in a short line ("January 15, 2008", "22:04", "5 comments").
_STAMP = re.compile(r"^(?=(?:\S+\s+){0,7}\S+\s*$).*\d")
_RELATIVE_TIME = re.compile(
    r"\s*(?:\w+\s+)?\d+\s+(?i:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?)\s+(?i:ago)\s*"
)


def _short_line(text: str) -> bool:
    return (
        len(text.split(None, _MOST_WORDS)) <= _MOST_WORDS
        and _cjk_words(text, _MOST_WORDS + 1) <= _MOST_WORDS  # a paragraph of Chinese is none
        and not _ends_sentence(text)
        and not _CODE.search(text)
    )


# A line of code, which a blog post quotes between lines of "..." ("class Tests(Base):",
# "x=1", "def run("): the post's text, however short (found by a review on real pages).
_CODE = re.compile(r"\w\(|\w=\w|\($|^\s*(?:def|class|import|from|return)\s")


@register
class LinksAfterArticle(_DropLineRule):
    """A headline under boilerplate after the article's last paragraph: a link to another story.

    ## What it does
    After the last paragraph of prose (a sentence's end, of any script, and 7 words or more,
    a character of Chinese or Japanese a word; or more than 30 words, once a sentence has
    been read), reports each line shaped like a headline or a link's label that stands right
    under a line of boilerplate (reported by BP001, BP003 or BP006, but a date or time
    alone), or under such a line in turn, blank lines, times alone and the lines of BP002 and
    BP004 aside (symbol lines, photo credits and a live blog's stamps stand inside articles
    as well): "Top Stories" (BP001), then "Williams condemns harassment of churches",
    "Voters also finding their voice", ... A headline's shape: at most 16 words and 150
    characters, no sentence's end and no trailing comma, colon, bracket or quotation mark
    (speech, a quoted title), invisible characters aside, mostly letters (at most 4
    figures), no list marker in front ("1.", "-", "•"), no address (`@`, `://`, `www.`), no
    code. Left alone: everything before the last paragraph, a line that is not under
    chrome (the lines after the article with no chrome above them are the article's: a
    fixture list, a results table), source lines (SRC001's patterns: "Reporting by ...;
    Editing by ..."), and one line alone under chrome at the end of the file (a closing
    line is the article's more often than not, as for BP006).
    The lines of BP001-BP004 and BP006 are read whether or not those rules are selected or
    ignored for the file, so the report does not depend on them.

    ## Why is this bad?
    A scraper that keeps the end of a page keeps its rails: related stories, the most read,
    the section's latest, a site's other links. Each is a headline or a label no phrase list
    can name, but the rail has a heading or a widget of chrome above it and comes after the
    article's text: where jusText's context-sensitive pass (Pomikálek, 2011) takes short
    blocks next to boilerplate for boilerplate, this rule also asks that the article be over.
    On the shared half of L3S-GN1 it finds 432 more boilerplate lines than BP001-BP006 and
    no article line; on 138 real pages of other sites, all its 1,018 lines are chrome.

    ## Example
    ```text
    Merkel wins

    BERLIN (AP) -- Chancellor Angela Merkel's party won the state election on Sunday.

    Related stories
    Schroeder returns to politics
    Bavaria votes in March
    ```
    "Related stories" is BP001's; the two headlines under it are reported. Use instead:
    ```text
    Merkel wins

    BERLIN (AP) -- Chancellor Angela Merkel's party won the state election on Sunday.
    ```

    ## Fix safety
    Unsafe: it deletes the line (and one blank line next to it when it stood between blank
    lines). A short line after the article under a line of chrome can still be the article's:
    an item of its closing list ("Best film nominees", "The Aviator", ...) under an
    advertisement or a share widget standing between the list and the last paragraph.
    """

    code = "BP007"
    name = "links-after-article"

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        chrome = _reported_lines(_CONTEXT, doc, ctx)
        if not chrome:
            return  # most documents (and BP006 reports nothing without chrome)
        chrome |= _reported_lines((_AMONG_BOILERPLATE,), doc, ctx)
        texts = doc.line_texts
        last = len(texts) - 1  # the last paragraph of prose that is not chrome
        while last >= 0 and (last in chrome or not _is_paragraph(texts[last])):
            last -= 1
        if last < 0 or max(chrome) < last:
            return
        if not any(
            i not in chrome and _is_sentence_paragraph(texts[i]) for i in range(last, -1, -1)
        ):
            return  # no sentence read: a long line alone is no sign the article has begun
        # A symbol line, a photo's credit or a time alone stands inside articles as often as
        # after them (a live blog's entries): a run passes over them but never starts under
        # one (a review found an article's own fixtures and timeline under its last picture's
        # credit).
        anchors = {
            i for i in chrome if not _DATE_OR_TIME.fullmatch(_trimmed(texts[i]))
        } - _reported_lines(_INSIDE_ARTICLES, doc, ctx)
        is_source = ctx.packs.any_pattern("SRC001").searcher(doc.text)
        found: list[tuple[int, int]] = []  # (a headline, the line of chrome its run is under)
        above: int | None = None
        for index in range(last + 1, len(texts)):
            text = texts[index]
            if not text or text.isspace():
                continue
            if index in chrome:
                if index in anchors:
                    above = index
            elif above is not None and _linked_headline(text) and not is_source(text):
                found.append((index, above))
            else:
                above = None
        if found:
            before, after = nearest_lines(texts, found[-1][0])
            if after is None and before in chrome:
                found.pop()  # one line alone under chrome ends the file: the article's (BP006)
        for index, above in found:
            yield self.report(
                doc,
                index,
                f'line "{shorten(texts[index])}" under boilerplate (line {above + 1}) after the '
                f"article's last paragraph (line {last + 1}): most likely a link to another "
                "story or page",
            )


# BP007 stands its headlines under BP001-BP004's lines and BP006's, a run starting under
# any of them but BP002's and BP004's.
_AMONG_BOILERPLATE = LineAmongBoilerplate()
_INSIDE_ARTICLES = (StraySymbolLine(), MediaCredit())
# A headline or a link's label (see BP007), measured on L3S-GN1: the figures, list markers
# and addresses it refuses are a press release's contacts and an article's results lists.
_HEADLINE_WORDS = 16
_LONGEST_HEADLINE = 150  # characters: L3S's longest is 93 (and a paragraph of Chinese is none)
# No headline ends so (nor like a sentence): a line ending in a quotation mark is speech, a
# quoted title or lyrics as often as a link (a review found them deleted under an advert).
_NOT_HEADLINE_END = re.compile(r"""[:;,)\]"'”’“」』]$""")
_LIST_MARKER = re.compile(r"""\s*(?:\d+[.)]|[^\w\s"'‘“(])""")
_ADDRESS = re.compile(r"@|://|\bwww\.")


def _linked_headline(text: str) -> bool:
    if len(text) > _LONGEST_HEADLINE or len(text.split(None, _HEADLINE_WORDS)) > _HEADLINE_WORDS:
        return False
    text = _trimmed(text)
    if _NOT_HEADLINE_END.search(text) or _LIST_MARKER.match(text) or _ADDRESS.search(text):
        return False
    if _ends_sentence(text):
        return False
    if _CODE.search(text):
        return False
    letters = sum(c.isalpha() for c in text)
    digits = sum(c.isdigit() for c in text)
    return digits <= 4 and letters >= 0.7 * (len(text) - text.count(" "))


@register
class RepeatedLine(CorpusRule):
    """A short line that stands in many documents of the corpus: cross-document boilerplate.

    ## What it does
    Counts, for every candidate line, the documents of the corpus that hold it, and reports
    the line in every document that holds it when they are at least `min-documents` (the
    message gives their number). Lines are compared case-folded, with every run of characters
    that are not letters or digits as one space ("Print | E-mail" is "print e mail"); digits count.
    Documents with the same normalised text (DUP003's copies) count once.

    A candidate line is at most `max-length` characters long and holds a letter; it is not a
    source line (SRC001's patterns: attribution repeats by nature and must stay), does not end
    in a colon (a label for what follows, "On the Net:") nor like a sentence (".", "!" or "?":
    article text, or a real quote that several stories repeat), is not the title (a first
    line followed by a blank line: edited copies of a story share it, and DUP004 reports them),
    nor an article's own structure that every article of its kind repeats (a table's row
    between vertical bars, an interview's "Q" and "A" in turn, as BP001 reads them).
    A line that another rule leaving lines out of the shingles already
    reports (BP001-BP004, BP006, DUP001, DUP002, pack rules deleting lines) is not reported again.

    With a configured `corpus`, files given on the command line are counted against the whole
    corpus: the line hashes of unchanged files come from the cache (only files present now
    count), as for DUP003/DUP004. Its lines are not left out of DUP003/DUP004's shingles:
    which lines are left out is decided per document, before the corpus is counted.

    ## Why is this bad?
    Chrome repeats: a site puts the same navigation label, sharing widget or notice on every
    page ("Hosted by", "About Reuters", "Post to Newsvine"). A line held by many documents
    is the strongest sign of boilerplate there is (C4, Gopher, CCNet and datatrove drop such
    lines), and it catches the chrome no phrase list names.

    ## Example
    Forty pages of one site end with:
    ```text
    Come see us again
    ```
    Each gets "line repeated across the corpus: it stands in 40 documents".

    Use instead: delete the line, or turn the corpus's chrome into rules with
    `corpus-lint mine-boilerplate` and review them.

    ## Fix safety
    Unsafe: it deletes the whole line (and one blank line next to it when it stood between
    blank lines). A short line many documents share may still be article text (a recurring
    section heading), so review the lines first. A line that stands in enough documents only
    with the near-copies the same run removes (DUP004's: a story re-filed with edits holds
    its own headings) is left in the copy kept, with a warning.

    ## Options
    In `[tool.corpus-lint.boilerplate]` (or `[boilerplate]` in corpus-lint.toml):
    - `min-documents` (default 4): the documents a line must stand in.
    - `max-length` (default 100): the longest line considered, in characters.
    """

    code = "BP005"
    name = "corpus-repeated-line"  # (DUP001 is repeated-line: one line after itself)
    severity = "warning"
    fix_availability = UNSAFE
    needs_groups = False
    needs_line_counts = True

    def reports_member(self, same_text: bool) -> bool:
        return False  # no part in the duplicate clusters

"""Encoding rules (ENC): bytes that are not UTF-8, a BOM, mojibake, lost and hidden characters."""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

from corpus_lint.charsets import UNICODE_NAMES, looks_misread
from corpus_lint.document import Document
from corpus_lint.rule import SAFE, UNSAFE, Context, Diagnostic, Edit, Rule, register


def _decoded(first: int, last: int) -> str:
    """Every character the bytes first..last decode to in one of the single-byte encodings
    ftfy knows mojibake in (latin-1, cp1250-1257, iso-8859-2, MacRoman, cp437)."""
    import ftfy  # noqa: F401  (registers the "sloppy" codecs)
    from ftfy.chardata import CHARMAP_ENCODINGS

    return "".join(
        sorted(
            {
                bytes([b]).decode(e, errors="ignore")
                for e in CHARMAP_ENCODINGS
                for b in range(first, last + 1)
            }
            - {""}
        )
    )


@lru_cache(maxsize=1)
def _mojibake_screen() -> re.Pattern[str]:
    """A cheap screen before ftfy: what any misreading of UTF-8 leaves. A UTF-8 lead byte
    (0xC2-0xF4) read as one of those encodings, followed by a continuation byte
    (0x80-0xBF) read the same way ("Ã©", "â€™", "вЂ™", "√¢", "ΓÇÖ"), or by a space that
    was a no-break space (ftfy's "Ã " in "voilÃ  le"); or a C1 control (a cp1252 character
    read as latin-1). ftfy then decides whether the line is really damaged.
    """
    # U+FFFD: a continuation byte the misreading lost ("SlovenÄ\ufffdina"), which ftfy
    # still repairs from the bytes around it.
    lead, continuation = _decoded(0xC2, 0xF4), _decoded(0x80, 0xBF) + "\ufffd"
    altered = "".join(_decoded(b, b) for b in (0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9))
    return re.compile(
        f"[{re.escape(lead)}][{re.escape(continuation)}]|[{re.escape(altered)}] |[\x80-\x9f]"
    )


_REPLACEMENT_RUN = re.compile("\ufffd+")

# Every byte but the C0 controls ENC005 reports and DEL: what `bytes.translate` deletes to
# tell, at C speed, whether a UTF-8 file holds any of them.
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b in b"\t\n\r" or 0x20 <= b < 0x7F or b > 0x7F)

# C0 controls except tab, LF and CR (CR is WS003's), DEL, and C1 controls.
_CONTROL_RUN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
_CONTROL_NAMES = {
    "\x00": "NUL",
    "\x07": "BEL",
    "\x08": "BS",
    "\x0b": "VT",
    "\x0c": "FF",
    "\x1b": "ESC",
    "\x7f": "DEL",
    "\x85": "NEL",
}

# C1 controls that cp1252 reads as a character (all but 0x81, 0x8D, 0x8F, 0x90, 0x9D), to
# that character; every other control, to nothing.
_CP1252_FOR_C1 = {
    c: bytes([c]).decode("cp1252")
    for c in range(0x80, 0xA0)
    if c not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_CP1252_FOR_C1.update(dict.fromkeys([*range(0x00, 0x20), 0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D]))

# ENC006's characters: what the safe fix turns each into, and how the message names it.
NO_BREAK_SPACES = "\u00a0\u202f\u2007"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
LINE_SEPARATORS = "\u2028\u2029"
# Controls that reorder what a reader sees (embeddings, overrides, isolates: "Trojan
# Source"), and tag characters, which carry text no reader sees ("ASCII smuggling").
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
TAGS = "".join(map(chr, [0xE0001, *range(0xE0020, 0xE0080)]))
INVISIBLE = NO_BREAK_SPACES + ZERO_WIDTH + LINE_SEPARATORS + BIDI_CONTROLS + TAGS
WITHOUT_WIDTH = ZERO_WIDTH + BIDI_CONTROLS + TAGS  # what the safe fix drops: no room taken
_INVISIBLE_FIX = str.maketrans(
    {
        **dict.fromkeys(NO_BREAK_SPACES, " "),
        **dict.fromkeys(WITHOUT_WIDTH),
        **dict.fromkeys(LINE_SEPARATORS, "\n"),
    }
)
_INVISIBLE_NAMES = {
    "\u00a0": ("no-break space", "no-break spaces"),
    "\u202f": ("narrow no-break space", "narrow no-break spaces"),
    "\u2007": ("figure space", "figure spaces"),
    "\u200b": ("zero-width space", "zero-width spaces"),
    "\u200c": ("zero-width non-joiner", "zero-width non-joiners"),
    "\u200d": ("zero-width joiner", "zero-width joiners"),
    "\u2060": ("word joiner", "word joiners"),
    "\ufeff": ("zero-width no-break space (BOM)", "zero-width no-break spaces (BOM)"),
    "\u00ad": ("soft hyphen", "soft hyphens"),
    "\u2028": ("line separator", "line separators"),
    "\u2029": ("paragraph separator", "paragraph separators"),
    **dict.fromkeys(BIDI_CONTROLS, ("bidirectional control", "bidirectional controls")),
    **dict.fromkeys(TAGS, ("tag character", "tag characters")),
}
# A flag emoji of a region: the black flag, the region's tags, the cancel tag ("gbeng": England).
_BLACK_FLAG = "\U0001f3f4"
_FLAG = re.compile("\U0001f3f4([\U000e0020-\U000e007e]+\U000e007f)")
# Invisible characters separated only by plain spaces or tabs are one run, one diagnostic
# ("\xa0 \xa0\xa0 \xa0" is one stretch of damage, not four). The tags are a range: a class
# of single characters beyond the BMP made the search 20 times as long, and a range still
# 2.5 times, so a text without a tag is searched for the others alone (ENC006's check).
_IN_THE_BMP = NO_BREAK_SPACES + ZERO_WIDTH + LINE_SEPARATORS + BIDI_CONTROLS
_INVISIBLE_RUN_IN_THE_BMP = re.compile(f"[{_IN_THE_BMP}](?:[ \t]*[{_IN_THE_BMP}])*")
_EVERY_INVISIBLE = f"[{_IN_THE_BMP}\U000e0001\U000e0020-\U000e007f]"
_INVISIBLE_RUN = re.compile(f"{_EVERY_INVISIBLE}(?:[ \t]*{_EVERY_INVISIBLE})*")
_TAG_UTF8 = b"\xf3\xa0"  # how a tag character's UTF-8 begins
_JOINERS = frozenset("\u200c\u200d")


def _code_points(chars: list[str]) -> str:
    """How a message points at the characters of one kind in a run: the code point, or the
    first and the last ("U+E0041 to U+E0062": a hidden text's tags)."""
    if len(chars) == 1:
        return codepoint(chars[0])
    return f"{codepoint(min(chars))} to {codepoint(max(chars))}"


# Where typography asks for one no-break space: before French high punctuation and a
# closing guillemet ("Pourquoi\u00a0?", "«\u00a0oui\u00a0»"), after an opening one, before a
# number's group of three digits ("10\u00a0000"), and between a number and its percent, degree
# or currency sign ("50\u00a0%", "20\u00a0€"). Not before a unit ("2004\u00a0the" is no
# "10 km"), nor between a date and a time or page numbers ("11.09.2011\u00a023:31", "1\u00a02").
_TYPOGRAPHIC_SPACE = re.compile(
    r"(?<=[^\s])[\u00a0\u202f](?=[:;!?](?:\s|$|[^\w]))"
    r"|(?<=[«‹])[\u00a0\u202f](?=[^\s])"
    r"|(?<=\d)[\u00a0\u202f\u2007](?=\d{3}(?!\d)|[%‰°€$£¥])"
)
# Before a closing guillemet only when one opens before it on the line: "Next\u00a0»" and a
# breadcrumb's "Home\u00a0›\u00a0News" are links, not French quotation.
_SPACE_CLOSING_A_QUOTE = re.compile(r"(?<=[^\s])[\u00a0\u202f](?=[»›])")


def _typographic_space(text: str, start: int, end: int) -> bool:
    """A single no-break space where typography asks for one (`_TYPOGRAPHIC_SPACE`): what a
    French or German text is typeset with, not a scrape's leftover; not reported."""
    if end != start + 1:
        return False
    if _TYPOGRAPHIC_SPACE.match(text, start):
        return True
    if not _SPACE_CLOSING_A_QUOTE.match(text, start):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    return ("«" if text[end] == "»" else "‹") in text[line_start:start]


def _joins_a_word(text: str, start: int, end: int) -> bool:
    """Zero-width (non-)joiners between two letters, marks or symbols beyond ASCII: part of
    the spelling (Persian "می\u200cخواهم", Devanagari and Malayalam conjuncts) or of an emoji
    sequence (a family), which dropping them would change: not reported. So is one right
    after a combining mark beyond ASCII, wherever the word goes on: after a virama it makes
    the letter's form (a Malayalam chillu "ന്\u200d" is "ൻ", a Devanagari half form "क्\u200d"),
    at the end of a word too. Between ASCII letters, or beside white space, they are a
    scrape's leftovers."""
    if not 0 < start < end <= len(text) or not _JOINERS.issuperset(text[start:end]):
        return False
    before = text[start - 1]
    if before.isascii():
        return False
    kind = unicodedata.category(before)
    if kind in ("Mn", "Mc"):
        return True
    after = text[end : end + 1]
    return (
        kind[0] in "LS"
        and bool(after)
        and not after.isascii()
        and (unicodedata.category(after)[0] in "LMS")
    )


def _spelling_joiners(text: str, start: int, end: int) -> str:
    """The (non-)joiners of a run of invisible characters that, the others dropped, stand
    between two letters as `_joins_a_word` keeps them ("ه‌​ی": the
    Persian ZWNJ stays, the zero-width space goes); "" when none does."""
    joiners = "".join(ch for ch in text[start:end] if ch in _JOINERS)
    if not joiners:
        return ""
    window = text[max(start - 1, 0) : start] + joiners + text[end : end + 1]
    at = min(start, 1)
    return joiners if _joins_a_word(window, at, at + len(joiners)) else ""


def _inside_misread_word(text: str, start: int, end: int) -> bool:
    """A no-break space or soft hyphen inside a word of two alphabets ("mГ\u00adnimo", the
    UTF-8 bytes of "í" read as cp1251) is a byte of mojibake ENC003 did not find: dropped,
    the text could no longer be repaired, by ENC003 or by hand."""
    before = re.search(r"\S*$", text[max(start - 40, 0) : start]).group()
    after = re.match(r"\S*", text[end : end + 40]).group()
    word = "".join(ch for ch in before + after if ch.isprintable())  # no other invisible
    return bool(before and after) and looks_misread(word)


def _misread_lead(text: str, start: int, end: int) -> str:
    """What a lone no-break space and the letter before it read as, when they are the two
    bytes of one UTF-8 letter read as cp1252 ("Å\u00a0koda" is "Škoda"), or "". Only where
    a letter follows at once: a no-break space between two words stands for a space, and
    "Å" or "Ã" ending a word is rare in any language. ftfy does not take these for mojibake
    alone, and ENC006's replacement would destroy the byte that tells."""
    if end - start != 1 or text[start] != "\u00a0" or start == 0 or end == len(text):
        return ""
    lead = text[start - 1]
    if lead not in _LEADS_OF_A_LETTER or not text[end].isalpha():
        return ""
    return (lead.encode("cp1252") + b"\xa0").decode("utf-8")


# Letters cp1252 reads UTF-8 lead bytes as, whose no-break space (0xA0) continuation makes a
# letter: "Ã\u00a0" à, "Å\u00a0" Š, "Î\u00a0" Π, "Ð\u00a0" Р.
_LEADS_OF_A_LETTER = "ÃÅÎÐ"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 blank line', '3 blank lines'."""
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


def codepoint(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def quote(text: str, limit: int = 40) -> str:
    """Short document text for a message, with its invisible characters made visible."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    escaped = "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in shown
    )
    return f'"{escaped}"'


def removal(text: str, start: int, end: int) -> str:
    """What to put in place of `text[start:end]` when dropping it must not merge two words.

    Dropped characters that count as whitespace for `str.split()` (U+001F, U+0085, ...)
    between two visible characters become one space, so the words stay apart.
    """
    separates = any(ch.isspace() for ch in text[start:end])
    between_words = (
        0 < start and end < len(text) and not text[start - 1].isspace() and not text[end].isspace()
    )
    return " " if separates and between_words else ""


class Repair(NamedTuple):
    """A damaged run of a line or text: where it is, what ftfy repairs it to, and why no fix
    is offered ("" when one is): the run reads as other text in another code page too, or
    ftfy's repair holds control characters."""

    start: int
    end: int
    text: str
    doubt: str = ""


@lru_cache(maxsize=4096)
def _line_repairs(line: str) -> tuple[Repair, ...]:
    """The mojibake runs of one line, by ftfy; () if none.

    Changes in the same word (no whitespace between them) are one run: "â€œhelloâ€\\x9d".
    """

    import ftfy  # only for the few lines that pass the cheap screen

    if not ftfy.badness.is_bad(line):
        return ()
    repaired = ftfy.fix_encoding(line)
    if ftfy.badness.is_bad(repaired):
        # ftfy re-encodes a whole line in one code page: a line that also holds a letter the
        # code page lacks ("će" beside "koriÅ¡tenje") is left damaged, or half repaired
        # ("PÅ™idÃ¡nÃ\xad" to "PÅ™idání"). Its damaged words are then repaired one by one.
        by_word = "".join(_word_repair(part, line) for part in _SPACES.split(line))
        if by_word != line and ftfy.badness.badness(by_word) < ftfy.badness.badness(repaired):
            repaired = by_word
    if repaired == line:
        return ()
    runs: list[list[int]] = []
    for i1, i2, j1, j2 in _changes(line, repaired):
        # "Â\xa0" -> "\xa0" aligns as a deleted "Â" before an unchanged no-break space:
        # the space (or soft hyphen, "£", "°") is the second half of the damage, so the
        # run takes it too, and ENC006 cannot turn it into a plain space and hide the rest.
        if i2 < len(line) and "\x80" <= line[i2] <= "\xbf" and repaired[j2 : j2 + 1] == line[i2]:
            i2, j2 = i2 + 1, j2 + 1
        if runs and not any(ch.isspace() for ch in line[runs[-1][1] : i1]):
            runs[-1][1], runs[-1][3] = i2, j2
        else:
            runs.append([i1, i2, j1, j2])
    # A run of C1 controls alone is a cp1252 character read as latin-1, not mojibake:
    # ENC005's, whose fix restores the same character ftfy would.
    # Nor is a capital standing alone as a word that would become white space ("Nguyễn Văn Â
    # nói": Vietnamese's own letter, where ftfy saw a no-break space's "Â" and a space).
    kept = [
        (i1, i2, j1, j2)
        for i1, i2, j1, j2 in runs
        if not all("\x80" <= ch <= "\x9f" for ch in line[i1:i2])
        and not (_a_word_alone(line, i1, i2) and repaired[j1:j2].isspace())
    ]
    doubts = _doubts(line, repaired, kept)
    return tuple(
        Repair(i1, i2, repaired[j1:j2], doubt) for (i1, i2, j1, j2), doubt in zip(kept, doubts)
    )


_SPACES = re.compile(r"([ \t]+)")
# Longer lines are not aligned with difflib, whose cost grows about as the cube of a line
# of repeated mojibake: 0.8 s for 2 KB, 44 s for 8 KB.
_LONGEST_DIFF = 500


def _changes(line: str, repaired: str) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2) of each change that makes `line[i1:i2]` into `repaired[j1:j2]`.

    Aligned character by character (difflib), but for a line over `_LONGEST_DIFF`
    characters (a paragraph): word by word first (`_word_changes`, in linear time), then
    character by character inside each stretch of words that differs."""
    import difflib

    if len(line) <= _LONGEST_DIFF:
        matcher = difflib.SequenceMatcher(None, line, repaired, autojunk=False)
        return [op[1:] for op in matcher.get_opcodes() if op[0] != "equal"]
    changes = []
    for i1, i2, j1, j2 in _word_changes(line, repaired):
        if max(i2 - i1, j2 - j1) <= _LONGEST_DIFF:
            changes += [
                (i1 + k1, i1 + k2, j1 + m1, j1 + m2)
                for k1, k2, m1, m2 in _changes(line[i1:i2], repaired[j1:j2])
            ]
        else:
            changes.append((i1, i2, j1, j2))
    return changes


# How far apart, in words and spaces, `_word_changes` looks for the two texts to agree again.
_RESYNC = 8


def _word_changes(line: str, repaired: str) -> list[tuple[int, int, int, int]]:
    """The stretches of words in which `line` and its repair differ, as `_changes` gives
    them: walked in step, word by word; where they differ, they agree again where a word
    and the space after it are the same in both, within `_RESYNC` tokens (ftfy changes a
    word, or merges one with a space: "Ã " to "à"). Linear, where difflib's alignment of
    a paragraph of repeated mojibake grew as its cube (44 s for 8 KB)."""
    ours, theirs = _SPACES.split(line), _SPACES.split(repaired)
    at_ours = [0, *accumulate(map(len, ours))]
    at_theirs = [0, *accumulate(map(len, theirs))]
    changes = []
    i = j = 0
    while i < len(ours) and j < len(theirs):
        if ours[i] == theirs[j]:
            i, j = i + 1, j + 1
            continue
        found = next(
            (
                (i + di, j + total - di)
                for total in range(1, 2 * _RESYNC + 1)
                for di in range(max(0, total - _RESYNC), min(total, _RESYNC) + 1)
                if ours[i + di : i + di + 2] == theirs[j + total - di : j + total - di + 2]
                and i + di < len(ours)
            ),
            None,
        )
        end_i, end_j = found if found else (len(ours), len(theirs))
        changes.append((at_ours[i], at_ours[end_i], at_theirs[j], at_theirs[end_j]))
        i, j = end_i, end_j
    if i < len(ours) or j < len(theirs):
        changes.append((at_ours[i], len(line), at_theirs[j], len(repaired)))
    return changes


def _word_repair(word: str, line: str) -> str:
    """ftfy's repair of one word of `line`, where the code page it re-encodes the word in
    cannot hold the whole line: else ftfy judged the line whole in it, and an en dash beside
    "DrÃ¥ber" is that code page's own character, so the line may be no mojibake. (latin-1
    and cp1252 count as one, as ftfy takes them.)"""
    import ftfy
    from ftfy import chardata

    if not ftfy.badness.is_bad(word):
        return word
    fixed, plan = ftfy.fix_encoding_and_explain(word)
    if not plan or plan[0][0] != "encode":
        return word
    pages = _WESTERN if plan[0][1] in _WESTERN else (plan[0][1],)
    if any(chardata.possible_encoding(line, page) for page in pages):
        return word
    return fixed


_WESTERN = ("latin-1", "sloppy-windows-1252")


def _doubts(line: str, repaired: str, runs: list[tuple[int, int, int, int]]) -> list[str]:
    """For each run (`line[i1:i2]`, repaired as `repaired[j1:j2]`), why ftfy's repair is not
    offered as a fix, or "".

    ftfy takes the first of its code pages in which the damaged text is UTF-8, but another
    may read it too, and better: cp1250's "fƶr" is cp1257's "för", cp437's "moŝe" is cp850's
    "može". Another code page's reading (of ftfy's, or of DOS, Mac and ISO ones ftfy does not
    repair) is a rival where it reads the same kinds of characters (letters for letters: not
    a combining mark, as MacRoman reads the "©" of "Ã©") and the line, every such run read
    so, reads better (charsets' `oddity`: fewer letters that the language it fits does not
    use). Where it reads as well ("Schlßssel" or "Schlüssel"), ftfy's order stands: it is
    the likelier misreading. A repair that writes control characters ("\x9dauto\x8d") is
    never offered.
    """
    import ftfy

    from corpus_lint.charsets import oddity

    doubts = [
        "but that repair holds control characters, so no fix is offered"
        if _CONTROL_RUN.search(repaired[j1:j2])
        else ""
        for _, _, j1, j2 in runs
    ]
    ours_odd = None
    for encoding in _rival_code_pages():
        theirs: dict[int, str] = {}  # run -> its other reading, where it differs
        for index, (i1, i2, j1, j2) in enumerate(runs):
            reading = _read_as_utf8(line[i1:i2], encoding)
            if reading is None:
                continue
            reading, ours = ftfy.fix_encoding(reading), repaired[j1:j2]
            if reading != ours and _shape(reading) == _shape(ours):
                theirs[index] = reading
        if not theirs or all(doubts[index] for index in theirs):
            continue
        if ours_odd is None:
            ours_odd = oddity(repaired)[0]
        other, end = [], 0
        for index, reading in theirs.items():
            _, _, j1, j2 = runs[index]
            other += [repaired[end:j1], reading]
            end = j2
        if oddity("".join(other) + repaired[end:])[0] >= ours_odd:
            continue
        name = encoding.removeprefix("sloppy-")
        for index, reading in theirs.items():
            _, _, j1, j2 = runs[index]
            doubts[index] = doubts[index] or (
                f"or, through {name}, {quote(reading)} for {quote(repaired[j1:j2])}: which "
                "code page misread it is unclear, so no fix is offered"
            )
    return doubts


def _shape(text: str) -> list[str]:
    """The kinds of its characters (letter, mark, number, punctuation, symbol...)."""
    return [unicodedata.category(ch)[0] for ch in text]


@lru_cache(maxsize=1)
def _rival_code_pages() -> list[str]:
    """ftfy's code pages, then single-byte ones it does not repair mojibake of."""
    from ftfy import chardata

    return [*chardata.CHARMAP_ENCODINGS, *_OTHER_CODE_PAGES]


# DOS Western and Central European, Cyrillic, the Mac's others, and the ISO ones whose
# letters differ from the Windows code pages ftfy knows.
_OTHER_CODE_PAGES = [
    "cp850", "cp852", "cp866", "koi8_r", "koi8_u", "mac_cyrillic", "mac_latin2",
    "iso8859_4", "iso8859_5", "iso8859_7", "iso8859_9", "iso8859_13", "iso8859_15",
    "iso8859_16",
]  # fmt: skip


def _read_as_utf8(text: str, encoding: str) -> str | None:
    """`text` encoded in `encoding` and decoded as UTF-8, as ftfy's first step does (with its
    repairs of a no-break space's byte and of lost bytes); None if that is no UTF-8."""
    import ftfy  # noqa: F401  (registers "utf-8-variants")
    from ftfy import chardata, fixes

    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return None
    if encoding != "macroman" and chardata.ALTERED_UTF8_RE.search(data):
        data = fixes.restore_byte_a0(data)
    if encoding.startswith("sloppy"):
        data = fixes.replace_lossy_sequences(data)
    try:
        return data.decode("utf-8-variants" if 0xED in data or 0xC0 in data else "utf-8")
    except UnicodeDecodeError:
        return None


def _a_word_alone(line: str, start: int, end: int) -> bool:
    """Whether `line[start:end]` is one letter (and the white space after it) with a space
    or tab, or the line's edge, on both sides."""
    letter = line[start:end].rstrip()
    after = start + len(letter)
    return (
        len(letter) == 1
        and letter.isalpha()
        and (start == 0 or line[start - 1] in " \t")  # not the no-break space of mojibake's
        and (after == len(line) or line[after] in " \t")  # "Â\xa0Â\xa0"
    )


# UTF-8 bytes as classes, for `_may_hold_mojibake`: "a" ASCII, " " space, "L" lead byte,
# "c" continuation byte, "x" bytes that UTF-8 never holds.
_UTF8_CLASSES = bytes(
    ord(" ")
    if b == 0x20
    else ord("a")
    if b < 0x80
    else ord("c")
    if b < 0xC0
    else ord("L")
    if 0xC2 <= b <= 0xF4
    else ord("x")
    for b in range(256)
)


def _may_hold_mojibake(doc: Document) -> bool:
    """A screen at C speed before the screen regex, for UTF-8 files: False when no two
    non-ASCII characters touch, none is followed by a space and there is no C1 control,
    which all mojibake needs. (A regex scan of every character costs more than every
    other encoding rule together, on a corpus whose only non-ASCII character is "£".)"""
    if not doc.is_utf8:
        return True
    classes = doc.raw.translate(_UTF8_CLASSES)
    return b"cL" in classes or b"c " in classes or _C1_UTF8.search(doc.raw) is not None


_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def mojibake_runs(doc: Document) -> list[Repair]:
    """Every mojibake run in the document (`Repair`), in text offsets.

    Computed once per document: ENC003, ENC005 and ENC006 all ask.
    """
    cached = vars(doc).get("_mojibake_runs")
    if cached is None:
        cached = vars(doc)["_mojibake_runs"] = _find_mojibake(doc)
    return cached


def _find_mojibake(doc: Document) -> list[Repair]:
    runs: list[Repair] = []
    if doc.text.isascii() or not _may_hold_mojibake(doc):  # isascii is O(1)
        return runs
    last_line = -1
    for hint in _mojibake_screen().finditer(doc.text):
        number, _ = doc.position(hint.start())
        if number == last_line:
            continue
        last_line = number
        line = doc.lines[number - 1]
        runs.extend(
            r._replace(start=line.start + r.start, end=line.start + r.end)
            for r in _line_repairs(line.text)
        )
    return runs


def _inside_mojibake(spans: list[Repair], start: int, end: int) -> bool:
    """Does `[start, end)` overlap a mojibake run (whose characters ENC003 owns)?"""
    index = bisect.bisect_right(spans, (start, float("inf"))) - 1
    candidates = spans[max(index, 0) : index + 2]
    return any(r.start < end and start < r.end for r in candidates)


@register
class NonUtf8(Rule):
    """The file's bytes are not UTF-8.

    ## What it does
    Reports a file that is not UTF-8, once, at its first byte that is not: bytes that do
    not decode as UTF-8 (with the encoding the file is read as, chardet's top guess or a
    variant of its code page, and that guess's score), a UTF-16 or UTF-32 file (with or
    without a byte-order mark), or a 7-bit ISO-2022 file (Japanese or Korean text behind
    escape sequences).

    ## Why is this bad?
    Tools that expect UTF-8 (nearly all of them) fail on the file or silently replace its
    accented letters, currency signs and curly quotes with U+FFFD; UTF-16 and UTF-32 files
    look like binary files to most of them and are skipped unseen. Every file of a corpus
    should be in one known encoding.

    ## Example
    A file saved by an old Windows tool in cp1252; its bytes:
    ```text
    He said \\x93hello\\x94
    ```

    Use instead: the same text saved as UTF-8:
    ```text
    He said “hello”
    ```

    ## Fix safety
    The fix transcodes the file to UTF-8. UTF-16 and UTF-32 are known from their bytes, so
    their transcode changes no character. For other encodings the guess can be wrong, and a
    wrong guess garbles every non-ASCII character for good, so the fix is only offered when
    the guessed encoding decodes every byte, the text it gives is plausible (no C1 control
    characters, no mojibake by ftfy's measure, words whose letters belong to one alphabet),
    and no rival reading decodes the bytes to other plausible text: neither an encoding
    chardet ranks nearly as high, nor a variant of the same code page (shift_jis and cp932
    read a wave dash, a minus and a few more characters differently, and the message names
    them; cp1252 and latin-1 agree on a file without bytes 0x80-0x9F, and with them latin-1
    reads C1 controls, so cp1252 is taken, as tis-620's are read as cp874). An XML or HTML
    declaration in the file settles a tie between code pages of one alphabet (iso8859-2 or
    iso8859-16). chardet's confidence itself is not a threshold: its scale changed between
    versions. A file mixing UTF-8 lines with lines in another encoding gets no fix either.
    The unsafe fix is still an inference: review the transcoded text. Where no fix is
    offered, the message says why.
    """

    code = "ENC001"
    name = "non-utf8"
    severity = "error"
    fix_availability = UNSAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        if doc.is_utf8:
            return
        unicode_name = UNICODE_NAMES.get(doc.encoding)
        if unicode_name:
            offset, found = 0, f"{unicode_name}, not UTF-8: most tools take the file for binary"
        else:
            try:
                doc.raw.decode("utf-8")
                bad_byte = doc.raw.index(b"\x1b")  # valid UTF-8: 7-bit ISO-2022 escapes
                what = "an ISO-2022 escape sequence"
            except UnicodeDecodeError as error:
                bad_byte = error.start
                what = "cannot be decoded"
            # Everything before the first bad byte decodes the same way the whole text did.
            offset = len(doc.raw[:bad_byte].decode(doc.encoding, errors="replace"))
            offset = min(offset, max(len(doc.text) - 1, 0))
            line, _ = doc.position(offset)
            found = (
                f"not UTF-8: byte 0x{doc.raw[bad_byte]:02X} on line {line} {what}; "
                f"read as {doc.encoding} (chardet's top guess scores {doc.confidence:.2f})"
            )
        if doc.refusal:
            message = f"{found}; no safe transcode: {doc.refusal}; re-save it as UTF-8 by hand"
            fix = None
        else:
            message = f"{found}; tools expecting UTF-8 will fail on it or garble it"
            # Fixed files are always written back as UTF-8, so transcoding changes no character.
            fix = self.fix(f"Transcode from {doc.encoding} to UTF-8", Edit(0, 0, ""))
        yield self.diagnostic(doc, offset, min(offset + 1, len(doc.text)), message, fix)


@register
class ByteOrderMark(Rule):
    """The text starts with a byte-order mark (U+FEFF).

    ## What it does
    Reports a UTF-8 byte-order mark (the bytes EF BB BF, U+FEFF) at the start of a file.

    ## Why is this bad?
    UTF-8 needs no byte-order mark. Tools that do not expect one keep it as an invisible
    first character: the title no longer matches itself, and concatenated files carry
    stray U+FEFF characters in the middle of the text.

    ## Example
    The first character is an invisible U+FEFF:
    ```text
    \\ufeffISIS is regrouping in Libya
    ```

    Use instead:
    ```text
    ISIS is regrouping in Libya
    ```

    ## Fix safety
    Safe: the fix drops the invisible mark and changes no word.
    """

    code = "ENC002"
    name = "byte-order-mark"
    severity = "warning"
    fix_availability = SAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        if doc.text.startswith("\ufeff"):
            yield self.diagnostic(
                doc,
                0,
                1,
                "byte-order mark (U+FEFF) at the start of the file: UTF-8 needs none, and "
                "tools that do not expect it keep it as an invisible first character",
                self.fix("Remove the byte-order mark", Edit(0, 1, "")),
            )


@register
class Mojibake(Rule):
    """UTF-8 text that was decoded as another code page and saved again ("donâ€™t").

    ## What it does
    Reports each damaged run of text, one word or stretch of words, with what it should
    read. Detection and repair are done by [ftfy](https://ftfy.readthedocs.io), which
    recognises the patterns this damage leaves when UTF-8 is read as latin-1, cp1252,
    cp1250-1257, iso-8859-2, MacRoman or cp437 ("â€™" for "’", "Ã©" for "é", "√¢" for
    "â", "вЂ™" for "’", "Ã " for "à" once its no-break space became a space) and leaves real
    accented text, curly quotes and currency signs alone. A line is handed to ftfy when it
    holds what any such misreading leaves (two touching characters that a UTF-8 lead and
    continuation byte become in one of those code pages); ftfy then decides. ftfy re-encodes
    a line whole, in one code page: a line where a letter that code page lacks stands beside
    the damage ("će" beside "koriÅ¡tenje") is repaired word by word. Not in a file that is
    not UTF-8 and that ENC001 could not read safely: its characters are a guess.

    ## Why is this bad?
    The damaged words are wrong for every reader and every tool: they do not match the
    same words elsewhere (search, duplicate detection), and models trained on them learn
    the garbage.

    ## Example
    ```text
    The minister said she donâ€™t know the CafÃ© owner.
    ```

    Use instead:
    ```text
    The minister said she don’t know the Café owner.
    ```

    ## Fix safety
    Unsafe: ftfy's repair is a strong heuristic, not a proof. A text that really contains
    such character sequences (a discussion of mojibake, say) would be changed; a repair
    it cannot complete may leave U+FFFD behind. No fix is offered where another code page,
    one ftfy knows or a DOS, Mac or ISO one, reads the run as letters that fit the line's
    language better (ftfy's cp1250 reads cp1257's "för" as "fƶr", cp437 reads cp850's
    "može" as "moŝe"; the message names that reading), nor where the repair would write
    control characters. Where both readings fit as well ("Schlßssel" or "Schlüssel"), ftfy's
    choice stands. Control characters and no-break spaces or
    soft hyphens that are part of a damaged run (the "\\x9d" in "â€\\x9d", the no-break space
    of "Â\\xa0") are this rule's, not ENC005's or ENC006's, so their fixes cannot destroy the
    evidence; a lone C1 control is ENC005's.
    """

    code = "ENC003"
    name = "mojibake"
    severity = "warning"
    fix_availability = UNSAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        if doc.refusal:
            return  # its characters are a guess, which ENC001 reports: no evidence of damage
        for start, end, repaired, doubt in mojibake_runs(doc):
            damaged = doc.text[start:end]
            line = doc.lines[doc.position(start)[0] - 1]
            # Quote the whole word(s) around the run, which the reader can find in the text.
            word_start = _word_start(doc.text, line.start, start)
            word_end = _word_end(doc.text, line.end, end)
            before = doc.text[word_start:word_end]
            after = doc.text[word_start:start] + repaired + doc.text[end:word_end]
            if doubt:
                message = f"mojibake {quote(before)}: ftfy would make it {quote(after)} {doubt}"
                yield self.diagnostic(doc, start, end, message)
                continue
            yield self.diagnostic(
                doc,
                start,
                end,
                f"mojibake {quote(before)} should read {quote(after)}: UTF-8 text was "
                "decoded as another code page and saved again",
                self.fix(
                    f"Replace {quote(damaged)} with {quote(repaired)}", Edit(start, end, repaired)
                ),
            )


def _word_start(text: str, line_start: int, offset: int) -> int:
    while offset > line_start and not text[offset - 1].isspace():
        offset -= 1
    return offset


def _word_end(text: str, line_end: int, offset: int) -> int:
    while offset < line_end and not text[offset].isspace():
        offset += 1
    return offset


@register
class ReplacementCharacter(Rule):
    """The text contains U+FFFD, the replacement character: characters were already lost.

    ## What it does
    Reports each run of U+FFFD (�) characters (not in a file that is not UTF-8 and that ENC001
    could not read safely: its characters are a guess).

    ## Why is this bad?
    A decoder writes U+FFFD where it met bytes it could not decode. Whatever character
    stood there (a quote, an accented letter, a currency sign) is gone from the file; only
    the original source can restore it.

    ## Example
    ```text
    The firm lost �5m last year.
    ```

    Use instead (from the original source):
    ```text
    The firm lost £5m last year.
    ```

    ## Fix safety
    No fix: the lost character cannot be worked out from the text.
    """

    code = "ENC004"
    name = "replacement-character"
    severity = "error"

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        if doc.refusal:
            return  # its characters are a guess, which ENC001 reports: no evidence of damage
        if "\ufffd" not in doc.text:  # a fast substring search, before the regex
            return
        for run in _REPLACEMENT_RUN.finditer(doc.text):
            count = plural(run.end() - run.start(), "replacement character")
            yield self.diagnostic(
                doc,
                run.start(),
                run.end(),
                f"{count} (U+FFFD) in {quote(_context(doc, run.start(), run.end()))}: the "
                "original characters were lost when the text was decoded; restore them from "
                "the source",
            )


def _context(doc: Document, start: int, end: int) -> str:
    line = doc.lines[doc.position(start)[0] - 1]
    return doc.text[_word_start(doc.text, line.start, start) : _word_end(doc.text, line.end, end)]


@register
class ControlCharacter(Rule):
    """The text contains control characters (BS, ESC, DEL, C1 controls, ...).

    ## What it does
    Reports each run of C0 control characters other than tab, line feed and carriage
    return (line endings are WS003's), of DEL (U+007F) and of C1 control characters
    (U+0080-U+009F). (A NUL byte makes a file binary, skipped, unless it is UTF-16 or
    UTF-32 text, where U+0000 is reported like the others.) In a file that is not UTF-8 and
    that ENC001 could not read safely, only the C0 controls and DEL: ASCII bytes, which any
    reading reads alike; its other characters are a guess.

    ## Why is this bad?
    Control characters are not text. They are debris from binary formats, terminals or a
    wrong decoding (a cp1252 quote decoded as latin-1 becomes U+0093), they are invisible
    in most editors, and they break tools that read the file as text.

    ## Example
    ```text
    The talks\\x08 resumed on Monday.
    ```

    Use instead:
    ```text
    The talks resumed on Monday.
    ```

    ## Fix safety
    Unsafe: the fix drops the characters, except C1 controls that are cp1252 characters
    read as latin-1 (all but U+0081, U+008D, U+008F, U+0090, U+009D): "\\x93" and "\\x94" come
    back as “ and ”, "\\x85" as …, as ftfy restores them. That is still a guess about a
    character that was lost. A dropped control that `str.split()` counts as whitespace
    (U+001C-U+001F, U+0085) between two words becomes a space, so words never merge. C1
    controls inside mojibake ("â€\\x9d") are left to ENC003, whose repair restores the
    character they belong to.
    """

    code = "ENC005"
    name = "control-character"
    severity = "warning"
    fix_availability = UNSAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        if not _may_hold_controls(doc):
            return
        runs: Iterable[tuple[int, int]] = _control_runs(doc)
        if doc.refusal:  # a guessed reading: only the C0 controls, ASCII bytes read alike
            if not _reads_ascii(doc.encoding):
                return  # an EBCDIC reading's controls are ASCII text ("2.7")
            runs = (m.span() for m in _C0_RUN.finditer(doc.text))
        for start, end in runs:
            run = doc.text[start:end]
            names = ", ".join(
                codepoint(ch) + (f" {_CONTROL_NAMES[ch]}" if ch in _CONTROL_NAMES else "")
                for ch in sorted(set(run))
            )
            count = plural(end - start, "control character")
            restored = run.translate(_CP1252_FOR_C1)
            if restored:  # "\x93" is cp1252's “ read as latin-1: restore it, as ftfy does
                message = (
                    f"{count} ({names}): cp1252 characters read as latin-1, "
                    f"{quote(restored)} in the original"
                )
                # "a\x85b": the NEL kept two words apart, and "…" alone would not.
                edit = Edit(start, end, restored + removal(doc.text, start, end))
                fix = self.fix(f"Replace with {quote(restored)}", edit)
            else:
                message = (
                    f"{count} ({names}): not text, invisible in most editors, and they break "
                    "tools that read the file as text"
                )
                fix = self.fix(
                    f"Remove the {count}", Edit(start, end, removal(doc.text, start, end))
                )
            yield self.diagnostic(doc, start, end, message, fix)


@functools.cache
def _reads_ascii(encoding: str) -> bool:
    """Whether the code page reads ASCII bytes as ASCII (not EBCDIC's cp500, cp875...)."""
    sample = bytes(range(0x20, 0x7F))
    try:
        return sample.decode(encoding) == sample.decode("ascii")
    except (UnicodeDecodeError, LookupError):
        return False


def _control_runs(doc: Document) -> Iterator[tuple[int, int]]:
    """The spans of ENC005's runs: not a C1 control inside mojibake (a byte of the damage,
    ENC003's), but a C0 control there all the same (no byte of UTF-8 mojibake is one; left,
    a NUL makes the fixed file read back as UTF-16)."""
    mojibake: list[Repair] | None = None
    for run in _CONTROL_RUN.finditer(doc.text):
        start, end = run.span()
        if max(run.group()) >= "\x80":
            if mojibake is None:
                mojibake = mojibake_runs(doc)
            if _inside_mojibake(mojibake, start, end):
                yield from (m.span() for m in _C0_RUN.finditer(doc.text, start, end))
                continue
        yield start, end


_C0_RUN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


def _may_hold_controls(doc: Document) -> bool:
    """A cheap screen before ENC005's regex: False when the file surely holds no control."""
    if not doc.is_utf8:
        return True
    if doc.raw.translate(None, _NOT_CONTROL_BYTES):
        return True  # a C0 control or DEL
    # C1 controls are C2 80 to C2 9F in UTF-8; "£" (C2 A3) and NBSP (C2 A0) also start with C2.
    # (Looked for first: splitting copies the bytes, 3 us of a 4.5 KB file without any.)
    return b"\xc2" in doc.raw and any(
        0x80 <= after[0] <= 0x9F for after in doc.raw.split(b"\xc2")[1:] if after
    )


@register
class InvisibleCharacter(Rule):
    """The text contains invisible or look-alike characters: no-break spaces, zero-width ones.

    ## What it does
    Reports runs of no-break spaces (U+00A0, U+202F narrow, U+2007 figure space),
    zero-width characters (U+200B space, U+200C non-joiner, U+200D joiner, U+2060 word
    joiner, U+FEFF anywhere but at the very start, which is ENC002's), soft hyphens
    (U+00AD), line and paragraph separators (U+2028, U+2029), the bidirectional controls
    that reorder what a reader sees (embeddings, overrides and isolates, U+202A-U+202E and
    U+2066-U+2069; not the marks U+200E, U+200F, which right-to-left text spells with), and
    tag characters (U+E0001, U+E0020-U+E007F), which carry text no reader sees, but for a
    flag emoji's ("\U0001f3f4" then its region in tags). Characters separated only by plain
    spaces or tabs are one run: "12 no-break spaces" is one diagnostic. Not run on a file
    that is not UTF-8 and that ENC001 could not read safely. Not reported: one
    no-break space where typography asks for it, before French high punctuation or a
    closing guillemet and after an opening one ("Pourquoi ?", "« oui »"), between a
    number's digit groups ("10 000") and before a percent, degree or currency sign ("50 %").

    This rule owns these characters wherever they are, also in a line's indentation or
    at its end: WS005 (leading whitespace) stays quiet on an indentation holding one of
    them, and WS001 (trailing whitespace) never reports them, so no character is reported
    twice. Once this rule's fix has turned them into plain spaces, WS001 and WS005 report
    what is left (and `--fix`, which runs until nothing changes, removes it in the same run).

    ## Why is this bad?
    They look like a space or like nothing, but they are different characters: searches
    and duplicate detection miss the words around them, tokenisers split or glue words
    unexpectedly, and scraped pages leave whole lines of them behind.

    ## Example
    ```text
    \\u00a0 \\u00a0\\u00a0 Source: Xinhua
    The co\\u00adoperation deal.
    ```

    Use instead (the indentation left is WS005's):
    ```text
    Source: Xinhua
    The cooperation deal.
    ```

    ## Fix safety
    Safe: no-break-like spaces become plain spaces, U+2028/U+2029 become line feeds, and
    zero-width characters, soft hyphens, bidirectional controls and tags are dropped.
    `str.split()` treats the first two kinds as whitespace already, and the rest take no
    room: a reader sees the same words. U+200C and U+200D between two letters, marks or
    symbols beyond ASCII are not reported: Persian, Indic scripts and emoji sequences spell
    with them. Characters that are part of mojibake ("Ã\\u00ad" for "í") are left to ENC003.
    A no-break space right after "Ã", "Å", "Î" or "Ð" and before a letter is reported
    without a fix: with that letter it is the UTF-8 of a letter read as cp1252 ("Å\\u00a0koda"
    for "Škoda"), which ftfy does not take for mojibake, and replaced it would be lost.
    """

    code = "ENC006"
    name = "invisible-character"
    severity = "warning"
    fix_availability = SAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        if doc.refusal:
            return  # its characters are a guess, which ENC001 reports: no evidence of damage
        if doc.text.isascii():  # O(1): every character of this rule is non-ASCII
            return
        mojibake: list[Repair] | None = None
        begin = 1 if doc.text.startswith("\ufeff") else 0  # a BOM at the start is ENC002's
        text, runs = doc.text, _INVISIBLE_RUN_IN_THE_BMP
        if not doc.is_utf8 or _TAG_UTF8 in doc.raw:
            runs = _INVISIBLE_RUN
            if _BLACK_FLAG in text:  # a flag emoji's tags spell its region: no run takes them
                text = _FLAG.sub(lambda m: _BLACK_FLAG + "x" * len(m.group(1)), text)
        for run in runs.finditer(text, begin):
            start, end = run.span()
            if _joins_a_word(doc.text, start, end) or _typographic_space(doc.text, start, end):
                continue
            if "\u00a0" in run.group() or "\u00ad" in run.group():  # mojibake's bytes
                if mojibake is None:
                    mojibake = mojibake_runs(doc)
                if _inside_mojibake(mojibake, start, end) or _inside_misread_word(
                    doc.text, start, end
                ):
                    continue
                misread = _misread_lead(doc.text, start, end)
                if misread:  # reported, never replaced: the word could still be repaired
                    yield self.diagnostic(
                        doc,
                        start,
                        end,
                        f"no-break space (U+00A0) after {quote(doc.text[start - 1])}, which "
                        f"with it may be the UTF-8 of {quote(misread)} read as cp1252 (mojibake "
                        "ENC003 could not repair): not replaced, so a person can read it",
                    )
                    continue
            replacement = run.group().translate(_INVISIBLE_FIX)
            kept = _spelling_joiners(doc.text, start, end) if not replacement else ""
            counts = Counter(ch for ch in run.group() if ch in _INVISIBLE_NAMES and ch not in kept)
            kinds: dict[tuple[str, str], list[str]] = {}  # a name's characters: the tags
            for ch in counts:
                kinds.setdefault(_INVISIBLE_NAMES[ch], []).append(ch)
            found = " and ".join(
                f"{plural(sum(counts[ch] for ch in chars), *name)} ({_code_points(chars)})"
                for name, chars in kinds.items()
            )
            yield self.diagnostic(
                doc,
                start,
                end,
                f"{found}: invisible or look-alike characters that break search, "
                "tokenisation and duplicate detection",
                self.fix(
                    "Replace with plain spaces or remove", Edit(start, end, kept + replacement)
                ),
            )

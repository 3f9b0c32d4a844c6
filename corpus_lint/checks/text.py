"""Text rules (TXT): typing slips in the prose itself."""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterator
from itertools import compress, islice

from corpus_lint.checks.encoding import quote
from corpus_lint.document import Document
from corpus_lint.rule import UNSAFE, Context, Diagnostic, Edit, Rule, register
from corpus_lint.textutil import word_bytes

# A word (letters only, so numbers such as "20 20" are skipped) followed by one or more
# copies of itself, case-insensitively, one space apart (a tab or a run of spaces separates
# the columns of a table: "filetype on\t\ton"). The look-arounds make a word's boundary an
# apostrophe or hyphen too, so "don't t" and "well-known known" are not hits; and a word
# joined to a dot, slash or "@" before it is part of a name ("foo.git git"); one after a
# no-break space glued to a letter beyond ASCII is the end of a word mojibake split ("à"
# read as "Ã" and U+00A0: "CÃ\xa0nan nan Gàidheal" is "Cànan nan Gàidheal").
# (A combining accent after the copy continues its word: NFD's "de de\u0301" is "de dé".)
_REPEATED_WORD = re.compile(
    r"(?<![\w'’./@-])(?<![^\x00-\x7f]\xa0)([^\W\d_]+)(?: \1(?![\w'’\u0300-\u036f-]|@\w))+",
    re.IGNORECASE,
)
# Quotation marks around a repeat that is all the quotation holds: a mention ("the the").
_OPENING_QUOTES = "\"“‘'`"
_CLOSING_QUOTES = "\"”’'`"

_LETTERS = re.compile(r"[^\W\d_]+")  # a word as `_REPEATED_WORD` takes it

# What may stand before a sentence's first word: a capitalised copy there may be a slip ("The
# the"); elsewhere a capitalised word is a name ("her parents Will will").
_SENTENCE_END = ".!?:;\"“”‘’'(–—-*•"


@register
class RepeatedWord(Rule):
    """A word is typed twice in a row ("of of").

    ## What it does
    Reports a word immediately followed, one space after it, by the same word again,
    ignoring case ("The the"). Not reported:
    - numbers ("20 20");
    - words a tab or several spaces apart (the columns of a table), three copies or more ("hot
      hot hot": emphasis), a word and its capitals ("region REGION": a placeholder), a
      quotation of the slip itself (can recognise "the the"), and a word joined to a dot,
      slash or "@" before it, or to "@" after it (part of a name: "foo.git git", "Dietz
      dietz@cs.edu");
    - legitimate repeats: the phrases of `[[extend]] code = "TXT001"` in the rule packs (built
      in: `rules/repeats.toml`, English doublings such as "had had", "that that", "very
      very", "no no", "bye bye", "hush hush", "la la", "ha ha"; German, Dutch and French
      grammar, "die die", "dat dat", "nous nous"; and reduplications of 14 languages,
      "zitto zitto", "corre corre", "yavaş yavaş", "σιγά σιγά", "pole pole", "ngày ngày"); a listed
      pair allows any number of copies
      ("no no no");
    - doublings the sentence's grammar asks for: a preposition ending a verb's phrase, then
      a time adjunct with the same one ("voted on on Tuesday", "took over over the
      weekend"); a phrasal verb's particle, then the same word opening a quantity ("pick up
      up to 12 seats", "handed over over 3,000 pages"); a noun that is also a modal after a
      determiner or an adjective, then the modal and its verb ("the will will be
      contested"); a free relative ending on a verb, then the main verb
      ("what happened happened", "what it was was"); an object "you" after a verb of
      telling, then a clause's subject ("I told you you would"); an object "it" ending a
      subordinate clause, then the main clause's "it" and its verb ("when we look back on
      it it will be"); a word said twice then a comma, "!" or "?" opening a sentence ("Wait
      wait, let me finish"). Never a word no clause ends on ("the the", "of of");
    - initials: a single letter other than a lower-case "a" ("e e cummings", "Col M M Masur");
    - names: every copy capitalised ("Duran Duran", "Walla Walla"), a lower-case word followed
      by the capitalised name it introduces ("law lord Lord Bingham"), or a capitalised word
      inside a sentence followed by a lower-case one ("her parents Will will"), a species
      alone in brackets ("(Bufo bufo)"), or at a sentence's start when the document writes
      it capitalised inside a sentence too ("Will will tell you" after "her parents Will and
      Amy"). "The the" is still a slip, and words in capitals ("ISIS ISIS") are still
      reported.

    ## Why is this bad?
    It is a typing or editing slip that every reader notices, and it makes the text differ
    from other copies of the same article.

    ## Example
    ```text
    the western town of of Sabratha
    ```

    Use instead:
    ```text
    the western town of Sabratha
    ```

    ## Fix safety
    Unsafe: the fix drops the repeated word(s) and the space before each, which removes
    words from the text; a doubling may be intended (a quotation of a stammer, a name).
    """

    code = "TXT001"
    name = "repeated-word"
    pack_fields = frozenset({"phrases"})
    severity = "warning"
    fix_availability = UNSAFE

    def check(self, doc: Document, ctx: Context) -> Iterator[Diagnostic]:
        allowed = ctx.packs.phrases(self.code)
        text = doc.text
        for match in repeated_words(text, doc.word_bytes, doc.doubled_tokens):
            word = match.group(1)
            if f"{word} {word}".casefold() in allowed:
                continue
            copies = match.group().split()
            if len(copies) > 2:
                continue  # "hot hot hot": emphasis; a slip doubles a word, it does not triple it
            if len({copy.isupper() for copy in copies if len(copy) > 1}) > 1:
                continue  # "in region REGION": a placeholder or a label, no slip of the keys
            start, end = match.span()
            before, after = text[start - 1 : start], text[end : end + 1]
            if _is_mark(before) or _is_mark(after):
                continue  # a word cut at its vowel sign or accent: Hindi "तब तबाही" is no "तब तब"
            if before and after and before in _OPENING_QUOTES and after in _CLOSING_QUOTES:
                continue  # a mention of the slip: can recognise "the the"
            if len(word) == 1 and word != "a":
                continue  # initials
            opens = _starts_sentence(text, start)
            if _is_name(copies, opens) or (opens and _named_elsewhere(copies, text)):
                continue
            if before == "(" and after == ")" and copies[0].istitle() and copies[1].islower():
                continue  # a species: "(Bufo bufo)"
            near = text[max(0, start - 60) : start], text[end : end + 60]
            if _is_grammatical(word.lower(), *near, opens):
                continue
            first_end = match.start(1) + len(word)
            yield self.diagnostic(
                doc,
                match.start(),
                match.end(),
                f"word {quote(word)} repeated: {quote(match.group())} reads as a typing slip",
                self.fix(f"Remove the repeated {quote(word)}", Edit(first_end, match.end(), "")),
            )


def _is_name(words: list[str], sentence_start: bool) -> bool:
    """Capitalised copies after the first word make a name, not a slip: "lord Lord Bingham";
    so does a capitalised first word inside a sentence ("her parents Will will"), but for a
    word any sentence may start with ("said The the")."""
    if words[0].isupper() and len(words[0]) > 1:
        return False  # "ISIS ISIS", "THE THE": shouting is no name
    if words[0][0].isupper() and not sentence_start and words[0].lower() not in _FUNCTION_WORDS:
        return True
    return all(w[0].isupper() for w in words[1:]) and not words[1].isupper()


# Grammatical doublings that depend on the words around them (`_is_grammatical`).
# A preposition ending a verb's phrase, then a time adjunct with the same preposition: "voted
# on on Tuesday", "took over over the weekend", "taught at at the time".
_TIME_PREPOSITIONS = frozenset(
    "on at over during since until till by from after before through throughout within".split()
)
# The adjunct ends its phrase: a punctuation mark, the text's end or a word that starts
# another ("voted on on Tuesday by a narrow margin"), never a noun ("relied on on March data").
_TIME_ADJUNCT = re.compile(
    r" (?:(?:the|a|this|that|last|next|each|every|some|several|recent|early|late|coming|"
    r"past|following|previous|same) )?"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekends?|"
    r"january|february|march|april|may|june|july|august|september|october|november|"
    r"december|moment|time|times|past|present|morning|afternoon|evening|night|nights|"
    r"day|days|week|weeks|month|months|year|years|decade|decades|hour|hours|season|"
    r"seasons|summer|winter|spring|autumn|fall|christmas|easter|noon|midnight|dawn|dusk|"
    r"now|then|today|tomorrow|yesterday)"
    r"(?=\s*(?:$|[,.;:!?)\"”’—–-]|(?:by|and|but|or|when|after|before|as|at|in|to|for|with|"
    r"while|because|since|until|he|she|it|they|we|the|a|an|said|says)\b))",
    re.IGNORECASE,
)
# A free relative or pseudo-cleft ends on a verb before the main one: "what happened
# happened", "what it was was a failure", "whoever wins wins". The verb: a form of be, have
# or do, or one in -ed or -s (not a modal: "what the government would would do").
_FREE_RELATIVE = re.compile(
    r"\b(?:what|whatever|whoever|whichever|wherever|whenever)\b[^.,;:!?()\n]*$", re.IGNORECASE
)
_CLAUSE_VERBS = frozenset("is are was were be been has have had do does did".split())
# An object "you", then the subject of a clause with its verb: "I told you you would", "I
# bet you you can't" (as "her her" is an object, then a possessive).
_TELLING_VERBS = frozenset(
    "tell tells told telling bet bets promise promised promises assure assured assures warn "
    "warned warns remind reminded reminds show showed shown shows guarantee guaranteed swear "
    "swore sworn".split()
)
_SUBJECT_VERB = re.compile(
    r" (?:would|will|can|could|should|must|might|may|are|were|have|had|did|do|need|know|"
    r"won't|can't|don't|didn't|wouldn't|couldn't|shouldn't|aren't|weren't|haven't|'d|'ll|"
    r"’d|’ll)\b"
)


# An object "it" ending a subordinate clause, then "it" the subject of the main one, with its
# verb: "when we look back on it it will be significant", "once you try it it gets easier".
# A slip follows the conjunction itself ("when it it is") or has no clause to end.
_SUBORDINATE_CLAUSE = re.compile(
    r"\b(?:when|whenever|if|once|after|before|until|unless|because|while|although|though|"
    r"since|as soon as)\b[^.,;:!?()\n]*$",
    re.IGNORECASE,
)
_CLAUSE_OPENERS = frozenset(
    "when whenever if once after before until unless because while although though since as "
    "soon that and or but so whether where".split()
)
_IT_VERB = re.compile(
    r" (?:will|would|can|could|should|must|might|may|is|was|has|had|does|did|gets|got|"
    r"becomes|became|seems|seemed|looks|looked|makes|made|goes|went|takes|took|means|meant|"
    r"won't|wasn't|isn't|doesn't|didn't|hasn't|wouldn't|can't|couldn't)\b|’s\b|'s\b"
)
# A phrasal verb's particle, then the same word opening a quantity: "could pick up up to 12
# seats", "handed over over 3,000 pages". Only after such a verb: "worth up up to $5 billion"
# and "flew over over a village" are slips.
_QUANTITY = (
    r"(?:[\d$£€]|(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|"
    r"fifty|hundred|half|several|dozens|scores|hundreds|thousands|millions|billions)\b|"
    r"a (?:dozen|hundred|thousand|million|billion|third|quarter|half)\b)"
)
_PARTICLE_PHRASES = {
    "up": re.compile(rf" to {_QUANTITY}"),
    "over": re.compile(rf" {_QUANTITY}"),
}
_PHRASAL_VERBS = {
    "up": frozenset(
        "pick picks picked picking sign signs signed signing set sets setting put puts putting "
        "take takes took taken taking give gives gave given giving make makes made making "
        "open opens opened opening free frees freed back backs backed add adds added rack "
        "racks racked racking run runs ran running end ends ended ending ramp ramped scale "
        "scaled step stepped snap snapped buy bought clear cleared line lined".split()
    ),
    "over": frozenset(
        "hand hands handed handing take takes took taken taking turn turns turned turning "
        "sign signs signed signing pass passes passed passing hold holds held holding carry "
        "carries carried carrying roll rolls rolled rolling win wins won".split()
    ),
}
# A noun that is also a modal verb, after a determiner or an adjective, then the modal: "the
# will will be contested", "the political will will be tested". A slip follows a subject
# ("she will will go").
_NOUN_OR_MODAL = frozenset(("will", "might"))
_BEFORE_A_NOUN = frozenset(
    "the a his its their our your my whose political military popular public free good ill "
    "last naval economic sheer".split()
)
# What follows the modal there: its verb ("be"), a negation or an adverb.
_MODAL_NEXT = re.compile(r" (?:be|have|not|never|also|still|only|surely|probably|likely)\b")
_EXCLAMATION_ENDS = frozenset(",!?…")
# Words no clause ends on (articles, prepositions, conjunctions, determiners, subjects).
_NO_CLAUSE_ENDS = frozenset(
    "a an the of to in on at by for from with about into than and or but nor as if so that "
    "this these those my your his her its our their i he she we they".split()
)


def _is_grammatical(word: str, before: str, after: str, opens: bool) -> bool:
    """A doubling the sentence's grammar asks for, told by the words around it (`before` and
    `after` it, a few dozen characters each; `opens`: it starts a sentence). The slips of the
    same word ("talking about about their goal", "sentence to to 39 years", "she could could
    reject", "in the region region, officials said") have none of these shapes."""
    previous = before.rstrip().rsplit(None, 1)[-1].lower() if before.strip() else ""
    particle = _PARTICLE_PHRASES.get(word)
    if particle and previous in _PHRASAL_VERBS[word] and particle.match(after):
        return True  # "pick up up to 12 seats", "handed over over 3,000 pages"
    if word in _TIME_PREPOSITIONS and previous.isalpha():
        return _TIME_ADJUNCT.match(after) is not None
    if (
        word in _NOUN_OR_MODAL
        and (previous in _BEFORE_A_NOUN or previous.endswith(("'s", "’s")))
        and _MODAL_NEXT.match(after)
    ):
        return True  # "the will will be contested", "Russia's military might might not"
    if word == "you":
        return previous in _TELLING_VERBS and _SUBJECT_VERB.match(after) is not None
    if word == "it":
        return (
            previous.isalpha()
            and previous not in _CLAUSE_OPENERS
            and _SUBORDINATE_CLAUSE.search(before) is not None
            and _IT_VERB.match(after) is not None
        )
    if word in _NO_CLAUSE_ENDS:
        return False  # "what the the": a slip
    # An exclamation opening a sentence, a word said twice then a pause: "Wait wait, let me
    # finish", "Sorry sorry!". A slip falls inside a phrase.
    if opens and after[:1] in _EXCLAMATION_ENDS:
        return True
    verb = word in _CLAUSE_VERBS or (word.endswith(("ed", "s")) and not word.endswith("ss"))
    return verb and _FREE_RELATIVE.search(before) is not None


def _named_elsewhere(words: list[str], text: str) -> bool:
    """At a sentence's start, "Will will tell you": the capitalised word is a name when the
    document writes it capitalised inside a sentence too ("her parents Will and Amy"), unless
    it is a word every sentence may start with ("The the")."""
    first = words[0]
    if not first[:1].isupper() or first.isupper() or first.lower() in _FUNCTION_WORDS:
        return False
    return re.search(rf"(?<=[a-z,;] ){re.escape(first)}\b", text) is not None


# Words whose capital says nothing but that a sentence starts there.
_FUNCTION_WORDS = frozenset(
    "a an and are as at be but by for from he her his i if in is it its no not of on or our "
    "she so that the their then there they this to was we were what when which who with you".split()
)


def _is_mark(ch: str) -> bool:
    """A combining mark (an accent, a vowel sign), which `\\w` does not take for a letter of
    the word it belongs to."""
    return bool(ch) and not ch.isascii() and unicodedata.category(ch)[0] == "M"


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` begins a line or follows the end of a sentence or a quote."""
    before = text[max(0, start - 20) : start].rstrip(" \t")
    return not before or before[-1] in "\n\r" or before[-1] in _SENTENCE_END


def _words_maybe_repeated(words: bytes, doubled: set[bytes] | None = None) -> frozenset[str]:
    """A screen at C speed before the regex: the words that two neighbouring tokens share,
    in the document's words (`textutil.word_bytes`: lower-cased, split at every character
    that is not a word character).

    The regex, with its back-reference, tries every position of the text; comparing
    neighbouring tokens is several times faster, and few documents have such a pair. Every
    repeat the regex finds is among these words: its copies are words of their own, with
    only spaces between them (but for a word whose lower case is not all word characters,
    such as "İ").

    `doubled`, when known, holds the tokens equal to the next one (or more, never fewer):
    `Document.doubled_tokens`, found from the word hashes of a batch of documents.
    """
    if doubled is None:
        tokens = words.split()
        # Each token equal to the next, in one pass at C speed (no Python loop over the pairs).
        doubled = set(compress(tokens, map(operator.eq, tokens, islice(tokens, 1, None))))
    return frozenset(
        word for word in (token.decode() for token in doubled) if _LETTERS.fullmatch(word)
    )


def repeated_words(
    text: str, words: bytes | None = None, doubled: set[bytes] | None = None
) -> list[re.Match[str]]:
    """The matches of `_REPEATED_WORD` in the text (but for the screen's blind spot); `words`
    is its `textutil.word_bytes`, and `doubled` its tokens equal to the next, when known."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        # The screen's words are composed (NFC), the regex's are split at combining marks.
        return list(_REPEATED_WORD.finditer(text))
    words = _words_maybe_repeated(word_bytes(text) if words is None else words, doubled)
    if not words:
        return []
    lowered = text.lower()
    if len(lowered) != len(text) or len(words) > 20:  # offsets would shift; or a table
        return list(_REPEATED_WORD.finditer(text))
    # Where a screened word is doubled, found at C speed in the lowered text (a literal
    # prefix lets `re` skip ahead); the general pattern then decides at those offsets only.
    starts = []
    for word in words:
        doubled = re.compile(rf"{re.escape(word)} {re.escape(word)}")
        match = doubled.search(lowered)
        while match:  # overlapping: in "worda a a" the repeat starts at the second "a"
            starts.append(match.start())
            match = doubled.search(lowered, match.start() + 1)
    starts.sort()
    matches: list[re.Match[str]] = []
    end = 0
    for start in starts:
        match = _REPEATED_WORD.match(text, start) if start >= end else None
        if match:
            matches.append(match)
            end = match.end()
    return matches

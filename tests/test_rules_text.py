"""TXT rules: damaged documents built on the fly, what is reported, and what the fixes do."""

from __future__ import annotations

import pytest

from corpus_lint.document import Document
from corpus_lint.rule import UNSAFE
from tests.helpers import SEEDS, TITLE, article, check, codes, doc_of, fixed, lint


def test_a_doubled_word_is_reported_and_the_unsafe_fix_drops_the_second():
    doc = doc_of(article("The western town of of Sabratha."))
    [found] = check("TXT001", doc)
    assert (found.line, found.column, found.end_column) == (3, 18, 23)
    assert 'word "of" repeated: "of of"' in found.message
    assert found.fix.applicability == UNSAFE
    assert codes(lint(doc)) == ["TXT001"]
    text = fixed(doc, [found])
    assert text == article("The western town of Sabratha.")
    assert check("TXT001", doc_of(text)) == []


def test_case_is_ignored_but_a_tripled_word_is_emphasis():
    # A slip of the keys doubles a word; three copies ("hot hot hot") are meant (found by an
    # adversarial review on real prose), and so is a lower-case word and its capitals.
    doc = doc_of(article("The the council met. It was very the the late, hot hot hot."))
    found = check("TXT001", doc)
    assert [(d.column, d.end_column) for d in found] == [(1, 8), (34, 41)]
    assert fixed(doc, found) == article("The council met. It was very the late, hot hot hot.")
    assert check("TXT001", doc_of(article("Create a group in region REGION first."))) == []


@pytest.mark.parametrize(
    "paragraph",
    [
        "He said the the \u201cthe end\u201d twice.",
        "A list (of of) items.",
        "A list of of, and more.",
        "Caf\u00e9 caf\u00e9 au lait.",
        "\u00c9t\u00e9 \u00e9t\u00e9 was hot.",
        "It was\u00a0the the end.",
    ],
)
def test_doubled_words_next_to_punctuation_or_accents_are_found(paragraph):
    assert codes(check("TXT001", doc_of(article(paragraph)))) == ["TXT001"]


def test_the_seed_004_of_of_is_reported():
    [found] = check("TXT001", Document.read(next(SEEDS.glob("004_*.txt"))))
    assert (found.line, found.column) == (4, 151)
    assert '"of of"' in found.message


@pytest.mark.parametrize(
    "paragraph",
    [
        "What he had had was enough, and he said that that was wrong.",
        "The theme of the day; bathe the dog; then they left.",
        "Scores were 20 20 and 3-3.",
        "Duran Duran played Bora Bora, said law lord Lord Bingham.",
        "It's a well-known known issue, don't t worry.",
        # Found by an adversarial review on real prose: a mention of the slip, the columns of
        # a table, a file name, and an object before a possessive.
        "Some editors can recognise \u201cthe the\u201d and highlight it.",
        "filetype on\t\ton\t\tunchanged",
        "HOME   Home directory of the user",
        "Run GIT_DIR=foo.git git init to make it.",
        "He handed her her passport and left.",
        # A name the document writes inside a sentence too, at the start of another.
        'Her parents Will and Amy said she was calm. "Will will tell you," Amy said.',
        "The end of\nof the line: a word at the end of a line and the start of the next.",
        "Very very good, he said, really really nervous.",
    ],
)
def test_legitimate_or_non_adjacent_doubles_are_not_reported(paragraph):
    assert check("TXT001", doc_of(article(paragraph))) == []


def test_a_doubled_word_in_capitals_is_still_reported():
    [found] = check("TXT001", doc_of(f"{TITLE}\n\nISIS ISIS fighters regrouped.\n"))
    assert '"ISIS ISIS"' in found.message


# The false alarms of issue 17, found on real web prose: legitimate repeats (the built-in
# pack rules/repeats.toml), initials, and a name followed by a word.
@pytest.mark.parametrize(
    "paragraph",
    [
        "It was very very good.",
        "No no no, he said.",
        "She waved bye bye to the crowd.",
        "The deal was hush hush until Monday.",
        "They greeted us with moin moin.",
        "He grew up in Walla Walla, Washington.",
        "The show opened with Miu Miu dresses.",
        "The crowd sang la la la along with the band.",
        "He laughed: ha ha.",
        "What he had had was not enough.",
        "He said that that was wrong.",
        "Plot it on a log log scale.",
        "The poems of e e cummings were read aloud.",
        "The unit was led by Col M M Masur.",
        "Her parents Will will visit on Sunday.",
    ],
)
def test_legitimate_repeats_initials_and_names_are_not_reported(paragraph):
    assert check("TXT001", doc_of(article(paragraph))) == []


@pytest.mark.parametrize(
    "paragraph",
    [
        "The the council met on Monday.",
        'He said: "The the plan is late."',
        "The council met a a second time.",
        "Ilston said she could could reject the evidence.",
    ],
)
def test_slips_at_a_sentence_start_or_of_a_lower_case_a_are_still_reported(paragraph):
    assert codes(check("TXT001", doc_of(article(paragraph)))) == ["TXT001"]


def test_a_users_pack_may_allow_more_repeats(tmp_path):
    from corpus_lint.checks import builtin_rules
    from corpus_lint.packs import load_packs
    from corpus_lint.rule import Context

    pack = tmp_path / "p.toml"
    pack.write_text('[[extend]]\ncode = "TXT001"\nphrases = ["tam tam"]\n')
    rules = builtin_rules()
    doc = doc_of(article("The tam tam sounded."))
    assert codes(rules["TXT001"].check(doc, Context(load_packs([], rules)))) == ["TXT001"]
    assert list(rules["TXT001"].check(doc, Context(load_packs([pack], rules)))) == []


# Found by a review on prose nobody tuned the rule on: reduplications of other languages,
# whose unsafe fix changed the meaning ("andò zitto zitto" -> "andò zitto").
@pytest.mark.parametrize(
    "paragraph",
    [
        "Se ne andò zitto zitto, ha detto il sindaco.",
        "Foi um corre corre na estação, disse o motorista.",
        "Yavaş yavaş kapı kapı dolaşarak oy istediler.",
        "Οι τιμές πέφτουν σιγά σιγά, είπε ο υπουργός.",
        "המחירים יורדים לאט לאט, אמר השר.",
        "Bei za mafuta zinashuka pole pole, alisema waziri.",
        "Ngày ngày giá xăng giảm, bộ trưởng nói.",
    ],
)
def test_other_languages_reduplications_are_not_reported(paragraph):
    assert check("TXT001", doc_of(article(paragraph))) == []


@pytest.mark.parametrize(
    "paragraph",
    [
        "Il sindaco ha detto che che i lavori finiranno.",
        "Министр сказал, что на на этой неделе.",
        # A language's function word, or a word of English, doubled (found by a review of
        # the first list, which held "bir bir", "via via" and "logo logo").
        "Bu yıl bir bir milyon kişi geldi.",
        "The parcel was sent via via courier.",
        "The new logo logo was unveiled on Monday.",
        "She played the piano piano at the hall.",
        "The old lama lama spoke on Monday.",
    ],
)
def test_other_languages_slips_of_function_words_are_still_reported(paragraph):
    assert codes(check("TXT001", doc_of(article(paragraph)))) == ["TXT001"]


def test_a_copy_continued_by_a_combining_accent_is_another_word():
    # Found by a review: in NFD text "de de\u0301" was "de de", and the fix deleted "dé".
    import unicodedata

    text = unicodedata.normalize("NFD", "Le résumé de dé est prêt.")
    assert check("TXT001", doc_of(article(text))) == []
    # Nor a Hindi word cut at its vowel sign ("तब तबाही": "then destruction").
    assert check("TXT001", doc_of(article("और तब तबाही आई।"))) == []


def test_a_capitalised_copy_at_a_sentences_start_is_a_slip_unless_a_name_elsewhere():
    assert check("TXT001", doc_of(article("Will will tell you he was terrified.")))
    # "The" inside a sentence ("The Guardian") does not make "The the" a name.
    assert check("TXT001", doc_of(article("The the council met. Then The Guardian said so.")))


# Found by a review on prose nobody had tuned the rule on: doublings the grammar asks for,
# told by the words around them (`checks.text._is_grammatical`), and species' names.
@pytest.mark.parametrize(
    "paragraph",
    [
        # A preposition ending a verb's phrase, then a time adjunct with the same preposition.
        "The bill was voted on on Tuesday by a narrow margin.",
        "The rebels took over over the weekend, residents said.",
        "\"It's the only thing we're looking at at the moment,\" she said.",
        "He grew up in the house he taught at at the time.",
        # A free relative ending on a verb, then the main verb.
        '"What happened happened, and we have to move on," the manager said.',
        '"What it was was a complete failure of leadership," he said.',
        "Whoever wins wins the seat for five years.",
        # An object "you", then a clause's subject.
        '"I told you you would love it here," she said.',
        '"I bet you you can\'t name a single minister," he joked.',
        # An object "it" ending a subordinate clause, then the main clause's subject (found
        # in news nobody tuned the rule on: ABC's articles in gensim's test data).
        '"When we retire and look back on it it will be significant," he said.',
        "Once voters have tried it it becomes much harder to take away.",
        # A verb's particle, then the same word opening a phrase of quantity or place (found
        # by a review on news nobody tuned the rule on).
        "The opposition could pick up up to 12 seats.",
        "The company handed over over 3,000 pages.",
        # A disease's name (rules/repeats.toml; found by review rev34b).
        "Doctors have reported cases of beri beri in the camps.",
        # A noun that is also a modal, then the modal.
        "Lawyers say the will will be contested.",
        "Russia's military might might not be as great.",
        # A name after an initial, then an address with the same word.
        "For more information contact Paul F. Dietz dietz@example.com or call the office.",
        # Grammar of German and French.
        "Die Regierung, die die Reform plant, verliert.",
        "Nous nous sommes battus.",
        # A word said twice then a pause: an exclamation.
        '"Wait wait, let me finish," the senator said.',
        '"Sorry sorry!" he said.',
        # A species alone in brackets: a name, as inside a sentence.
        "The common toad (Bufo bufo) is in decline across Britain.",
    ],
)
def test_doublings_the_grammar_asks_for_are_not_reported(paragraph):
    assert check("TXT001", doc_of(article(paragraph))) == []


# The real slips of benchmarks/txt001_judged.tsv, in their sentences: none has those shapes.
@pytest.mark.parametrize(
    "paragraph",
    [
        "Nobody would be talking about about their goal.",
        "Posters done by by tbwa according to political brief.",
        "Tucker reduced his sentence to to 39 years.",
        "We cannot afford to to go another season without winning.",
        "He warned his side will will not relinquish their title.",
        "It would make it worse than than it is.",
        "Driven by Putin's hostility hostility to the ambitions of the West.",
        "Pumping out of of a bass heavy sound system.",
        "Patel said the the Australians were foul-mouthed.",
        # Near the new shapes, still slips.
        "What the the plan says is unclear.",
        "The council met on on the report, not on a date.",
        "(The the council met.)",
        "He saw you you at the match.",
        # Found by a review of the first version of those shapes: slips it let through.
        "Prices rose by by 5 percent.",
        "They relied on on March data.",
        "She insisted on on time delivery.",
        "He explained what the new new rules mean.",
        "Asked what the government would would do, he left.",
        "In the region region, officials said.",
        "He said said, according to aides.",
        "I would tell you you later.",
        "* Police police said the road was shut.",
        "(Police police said the road was shut.)",
        "When it it is done, we will know.",
        "She will will go.",
        "Prices went up up the hill.",
        "Nobody handed over over the ball.",
        # Found by a review of the first version of the shapes above: slips they let through.
        "The deal is worth up up to $5 billion.",
        "Prices rose about about 5 percent.",
        "The jet flew over over a village.",
        "The firm ran out out of cash.",
        "We hope this will will work.",
        "His will will was read out.",
        "It was Plan B. Prices prices rose.",
        "Mr. Smith smith said nothing.",
        "The talks start at 10 a a.m. on Monday.",
        "I think it it is time to go.",
        "If the plan fails, it it will cost jobs.",
        # Near the shapes review rev34b found ("fell through through lack of", "set off off
        # the coast", "The Who who"), which a review of their exemption found these slips of
        # the same shapes in (rev34c): no local shape tells them apart, so all are reported.
        "He went out out of the room.",
        "They walked through through the door.",
        "It was set off off by a spark.",
        "She said The the results were in.",
        "Police called off off the search.",
        "He was voted out out of office.",
        "The judge handed down down a sentence.",
        "Obama Wins The the Vote",
    ],
)
def test_slips_near_those_shapes_are_still_reported(paragraph):
    assert codes(check("TXT001", doc_of(article(paragraph)))) == ["TXT001"]

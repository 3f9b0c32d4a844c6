"""WS rules: damaged documents built on the fly, what is reported, and what the fixes do."""

from __future__ import annotations

from corpus_lint.document import Document
from tests.helpers import (
    SEEDS,
    SOURCE,
    TITLE,
    apply,
    article,
    assert_safe_fix_keeps_words_and_settles,
    check,
    codes,
    doc_of,
    fixed,
    lint,
)

# WS001 trailing-whitespace


def test_trailing_spaces_and_tabs_are_reported_and_removed():
    doc = doc_of(article("The talks resumed. \t "))
    [found] = check("WS001", doc)
    assert (found.line, found.column, found.end_column) == (3, 19, 22)
    assert "3 whitespace characters at the end of the line" in found.message
    assert codes(lint(doc)) == ["WS001"]
    assert assert_safe_fix_keeps_words_and_settles("WS001", doc) == article("The talks resumed.")


def test_trailing_unicode_spaces_are_trailing_whitespace_too():
    doc = doc_of(article("The talks resumed.\u2003\u3000"))
    [found] = check("WS001", doc)
    assert (found.column, found.end_column) == (19, 21)
    assert fixed(doc, [found]) == article("The talks resumed.")


def test_trailing_spaces_before_a_crlf_are_found():
    doc = doc_of(article("The talks resumed.  ").replace("\n", "\r\n"))
    [found] = check("WS001", doc)
    assert (found.line, found.column, found.end_column) == (3, 19, 21)


def test_a_whitespace_only_line_is_trailing_whitespace_not_indentation():
    doc = doc_of(f"{TITLE}\n   \nThe talks resumed.\n\n{SOURCE}\n")
    [found] = check("WS001", doc)
    assert (found.line, found.column, found.end_column) == (2, 1, 4)
    assert check("WS005", doc) == []


def test_a_trailing_no_break_space_is_left_to_enc006():
    doc = doc_of(article("The talks resumed.\u00a0"))
    assert check("WS001", doc) == []
    assert codes(lint(doc)) == ["ENC006"]


# WS002 missing-final-newline


def test_a_missing_final_newline_is_reported_at_the_end_of_the_last_line():
    doc = doc_of(article("The talks resumed.").rstrip("\n"))
    [found] = check("WS002", doc)
    assert (found.line, found.column, found.end_line, found.end_column) == (5, 21, 5, 21)
    assert "no newline at the end of the file" in found.message
    assert codes(lint(doc)) == ["WS002"]
    text = assert_safe_fix_keeps_words_and_settles("WS002", doc)
    assert text == article("The talks resumed.")


def test_a_crlf_file_gets_a_crlf_final_newline():
    text = article("The talks resumed.").replace("\n", "\r\n").rstrip("\r\n")
    doc = doc_of(text)
    [found] = check("WS002", doc)
    assert fixed(doc, [found]) == text + "\r\n"


def test_a_file_ending_with_a_newline_or_a_blank_line_is_not_reported():
    assert check("WS002", doc_of(article("Fine."))) == []
    assert check("WS002", doc_of(article("Fine.") + "  ")) == []  # WS004's: a trailing blank line
    assert check("WS002", doc_of("")) == []
    # A byte-order mark alone is an empty file once ENC002 drops it: nothing to end.
    assert codes(lint(doc_of("\ufeff"))) == ["ENC002"]


def test_every_seed_lacks_a_final_newline():
    for path in sorted(SEEDS.glob("*.txt")):
        doc = Document.read(path)
        [found] = check("WS002", doc)
        assert found.line == len(doc.lines), path.name


# WS003 line-endings


def test_crlf_endings_are_reported_once_with_counts_and_all_become_lf():
    doc = doc_of(article("The talks resumed.").replace("\n", "\r\n"))
    [found] = check("WS003", doc)
    assert (found.line, found.column, found.end_column) == (1, 45, 46)
    assert "CRLF line endings (5 CRLF)" in found.message
    assert codes(lint(doc)) == ["WS003"]
    text = assert_safe_fix_keeps_words_and_settles("WS003", doc)
    assert text == article("The talks resumed.")


def test_lone_cr_endings_are_reported():
    doc = doc_of(article("The talks resumed.").replace("\n", "\r"))
    [found] = check("WS003", doc)
    assert "CR line endings (5 CR)" in found.message
    assert fixed(doc, [found]) == article("The talks resumed.")


def test_mixed_endings_are_reported_at_the_first_non_lf_one():
    doc = doc_of(f"{TITLE}\n\nThe talks resumed.\r\n\r{SOURCE}\n")
    [found] = check("WS003", doc)
    assert (found.line, found.column) == (3, 19)
    assert "mixed line endings (1 CRLF, 1 CR, 3 LF)" in found.message
    assert assert_safe_fix_keeps_words_and_settles("WS003", doc) == article("The talks resumed.")


def test_lf_endings_are_not_reported():
    assert check("WS003", doc_of(article("Fine."))) == []


# WS004 excess-blank-lines


def test_two_blank_lines_in_a_row_report_the_second_and_keep_one():
    doc = doc_of(f"{TITLE}\n\n\nThe talks resumed.\n\n{SOURCE}\n")
    [found] = check("WS004", doc)
    assert (found.line, found.column, found.end_line, found.end_column) == (3, 1, 3, 1)
    assert "2 blank lines in a row" in found.message
    assert codes(lint(doc)) == ["WS004"]
    text = assert_safe_fix_keeps_words_and_settles("WS004", doc)
    assert text == article("The talks resumed.")


def test_a_run_of_four_blank_lines_is_one_diagnostic_over_the_three_extra():
    doc = doc_of(f"{TITLE}\n\n \n\t\n\nThe talks resumed.\n\n{SOURCE}\n")
    [found] = check("WS004", doc)
    assert (found.line, found.end_line) == (3, 5)
    assert "4 blank lines in a row" in found.message
    assert "Remove 3 blank lines" in found.fix.message
    assert fixed(doc, [found]) == article("The talks resumed.")


def test_blank_lines_at_the_start_and_end_of_the_file_are_all_excess():
    doc = doc_of("\n\n" + article("The talks resumed.") + "\n")
    found = check("WS004", doc)
    assert [(d.line, d.end_line) for d in found] == [(1, 2), (8, 8)]
    assert "2 blank lines at the start of the file" in found[0].message
    assert "1 blank line at the end of the file" in found[1].message
    assert assert_safe_fix_keeps_words_and_settles("WS004", doc) == article("The talks resumed.")


def test_single_blank_lines_between_paragraphs_are_fine():
    assert check("WS004", doc_of(article("One.\n\nTwo."))) == []


def test_the_double_blank_line_of_seed_003_is_reported():
    [found] = check("WS004", Document.read(next(SEEDS.glob("003_*.txt"))))
    assert found.line == 30


# WS005 leading-whitespace


def test_an_indented_line_is_reported_and_the_indentation_removed():
    doc = doc_of(article("  \tThe talks resumed."))
    [found] = check("WS005", doc)
    assert (found.line, found.column, found.end_column) == (3, 1, 4)
    assert 'line indented with 3 whitespace characters "  \\t"' in found.message
    assert codes(lint(doc)) == ["WS005"]
    text = assert_safe_fix_keeps_words_and_settles("WS005", doc)
    assert text == article("The talks resumed.")


def test_an_indentation_of_no_break_spaces_is_enc006s_then_ws005s():
    doc = doc_of(article("\u00a0 \u00a0 Source: Xinhua"))
    assert codes(lint(doc)) == ["ENC006"]
    after_enc006 = doc_of(assert_safe_fix_keeps_words_and_settles("ENC006", doc))
    assert codes(lint(after_enc006)) == ["WS005"]
    text = assert_safe_fix_keeps_words_and_settles("WS005", after_enc006)
    assert text == article("Source: Xinhua")


# All safe fixes together


def test_safe_fixes_of_every_ws_and_enc_rule_converge_and_keep_the_words():
    messy = (
        "\ufeff\r\n  Harbour council approves new ferry timetable  \r\n\r\n\r\n"
        "\u00a0The council\u00a0voted\u200b on Tuesday. \r\n\r\n"
        "Source: Example News"
    )
    doc = doc_of(messy)
    for _ in range(5):
        found = [d for d in lint(doc) if d.fix and d.fix.applicability == "safe"]
        if not found:
            break
        edits = []  # as the fixer does: a fix overlapping one already taken waits a pass
        for d in sorted(found, key=lambda d: min(e.start for e in d.fix.edits)):
            if not any(e.start <= t.end and t.start <= e.end for e in d.fix.edits for t in edits):
                edits.extend(d.fix.edits)
        doc = doc_of(apply(doc.text, edits))
    assert doc.text == (
        "Harbour council approves new ferry timetable\n\n"
        "The council voted on Tuesday.\n\nSource: Example News\n"
    )
    assert lint(doc) == []


def test_a_file_of_blank_lines_only_is_an_empty_document(tmp_path, cli):
    # Found by a review: a file of blank lines passed every check (WS004 left a file with no
    # text alone). One line break is an empty file's own; more are reported, and fixed.
    for name, data in (("blank.txt", "\n\n\n"), ("spaces.txt", " \n\t\n"), ("one.txt", "\n")):
        (tmp_path / name).write_text(data)
    run = cli("check", "--no-cache", "--select", "WS004", "--output-format", "json", ".",
              cwd=tmp_path)  # fmt: skip
    found = {d["path"]: d["message"] for d in run.json()}
    assert found == {
        "blank.txt": "3 blank lines and no text: an empty document",
        "spaces.txt": "2 blank lines and no text: an empty document",
    }
    cli("check", "--no-cache", "--fix", ".", cwd=tmp_path)
    assert [(tmp_path / n).read_text() for n in ("blank.txt", "spaces.txt", "one.txt")] == [
        "\n", "\n", "\n"
    ]  # fmt: skip

"""BP005's corpus step: the lines that stand in many documents of the corpus.

Chrome repeats: the same short line ("Digg this", "Hosted by", "About Reuters") stands in
every page of a site. Per document, the analysis stage keeps the hashes of its candidate lines
(`candidate_lines`, in `Features.lines`, their short texts for the messages); the corpus stage
counts the distinct
documents holding each hash (`documents_per_line`) and reports, in every document that holds
one, the lines held by at least `[boilerplate] min-documents` documents (`line_diagnostics`).
Both executors run these functions; in a changed-files run, the hashes of the unchanged files
come from the signature cache's `line_hashes` table.

A candidate line is short (at most `max-length` characters), holds a letter, is not a source
line (SRC001's patterns: they repeat by nature and must stay), does not end in a colon (a
label for what follows: "On the Net:"), does not end like a sentence (".", "!" or "?", closing
quotes aside: article text, or a quote that several stories repeat), and is not the document's
title (a first line followed by a blank line, as the corpus format has it: copies of a story
re-filed with edits share it, and DUP004 reports them), nor an article's own structure that
every article of its kind repeats: a table's row between vertical bars ("Team | Played |
Points"), an interview's "Q" and "A" (`textutil.in_table`, `textutil.interview_label`), read
as BP001 reads them.
Lines are compared as `line_key` gives them. Documents with the same normalised text (DUP003's
copies) count once: a duplicated article does not make its own headline boilerplate.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xxhash

from corpus_lint.dedup.features import Features, content_hash
from corpus_lint.files import to_int64
from corpus_lint.rule import UNSAFE, Diagnostic, Edit, Fix
from corpus_lint.textutil import (
    delete_lines,
    in_table,
    interview_label,
    nearest_lines,
    shorten,
)

if TYPE_CHECKING:
    from corpus_lint.analysis import Job, Result
    from corpus_lint.document import Document
    from corpus_lint.rule import Rule

# A candidate line of a document: its key's hash, where it is (1-based line number, length in
# characters) and the characters its deletion removes (`textutil.delete_lines`).
LINE = np.dtype(
    [("hash", "<i8"), ("line", "<i4"), ("length", "<i4"), ("start", "<i8"), ("end", "<i8")]
)
# Characters of a line kept for its message and snippet (as `Rule.diagnostic` keeps), or
# more: the whole of a candidate line, whose key the fixes recompute (`_settled_lines`).
SNIPPET = 200
# Bumped when what makes a candidate line changes: part of the cache's configuration key.
VERSION = 6

_NON_WORD = re.compile(r"[\W_]+")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")


def line_key(text: str) -> str:
    """How lines are compared: case-folded, every run of characters that are not letters or
    digits one space, trimmed. Digits are kept: normalising them made kick-off times ("2000
    GMT", "1930 GMT") one line on BBC, and dates of different days are not the same line."""
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def is_candidate(text: str, max_length: int, is_source: Callable[[str], Any]) -> bool:
    """Could this line be chrome (see the module's docstring)?"""
    stripped = text.strip()
    if not stripped or len(stripped) > max_length or stripped.endswith(":"):
        return False
    if not any(c.isalpha() for c in stripped):
        return False
    if _SENTENCE_END.search(stripped):
        return False
    return not is_source(text)


# A paragraph, as a subheading has one on each side: a sentence's end and this many words.
_PARAGRAPH_WORDS = 20


def _subheading(texts: list[str], index: int) -> bool:
    """Whether the line at `index` heads a part of the article: capitalised, between two
    paragraphs of prose ("Transparenz" in a post, which other sites' menus hold too: found by
    a review on real pages). A menu's item stands among other items or links."""
    if not texts[index].lstrip()[:1].isupper():
        return False
    return all(
        other is not None
        and len(texts[other].split(None, _PARAGRAPH_WORDS)) > _PARAGRAPH_WORDS
        and _SENTENCE_END.search(texts[other].rstrip()) is not None
        for other in nearest_lines(texts, index)
    )


def candidate_lines(
    doc: Document, max_length: int, is_source: Callable[[str], Any]
) -> tuple[bytes, str]:
    """The document's candidate lines as `LINE` records, and their texts (one a line)."""
    rows, texts = [], []
    # The lines' texts screen them: `doc.lines` (objects with offsets, for the deletion) is
    # built only for a document with a candidate line.
    line_texts = doc.line_texts
    titled = len(line_texts) > 1 and not line_texts[1].strip()
    # Only a line of 1 to `max_length` characters but white space can be one: the others
    # (most: paragraphs and blank lines) are left out without a call a line.
    lengths = map(len, map(str.strip, line_texts))
    short = [index for index, length in enumerate(lengths) if 0 < length <= max_length]
    for index in short:
        text = line_texts[index]
        if (index == 0 and titled) or not is_candidate(text, max_length, is_source):
            continue
        if _subheading(line_texts, index):
            continue
        if ("|" in text and in_table(line_texts, index)) or interview_label(line_texts, index):
            continue  # an article's own structure, which every such article repeats
        key = line_key(text)
        if not key:
            continue
        edit = delete_lines(doc.lines, index, index)
        digest = to_int64(xxhash.xxh3_64_intdigest(key.encode()))
        rows.append((digest, index + 1, len(text), edit.start, edit.end))
        texts.append(" ".join(text.split())[: max(SNIPPET, max_length)])
    if not rows:
        return b"", ""
    return np.array(rows, dtype=LINE).tobytes(), "\n".join(texts)


def candidate_hashes(doc: Document, job: Job) -> frozenset[int]:
    """The hashes of the document's candidate lines (what BP005 counts of it)."""
    sources = job.context.packs.any_pattern("SRC001")
    lines, _ = candidate_lines(doc, job.boilerplate.max_length, sources.searcher(doc.text))
    return frozenset(np.frombuffer(lines, dtype=LINE)["hash"].tolist()) if lines else frozenset()


def line_hash(text: str) -> int:
    """The hash of a candidate line's key, as `candidate_lines` makes it."""
    return to_int64(xxhash.xxh3_64_intdigest(line_key(text).encode()))


def with_lines(features: list[Features], docs: list[Document], job: Job) -> list[Features]:
    """The features with their documents' candidate lines (`job.boilerplate` settings)."""
    sources = job.context.packs.any_pattern("SRC001")
    length = job.boilerplate.max_length
    found = []
    for f, doc in zip(features, docs):
        lines, texts = candidate_lines(doc, length, sources.searcher(doc.text))
        found.append(f._replace(lines=lines, line_texts=texts))
    return found


def line_hashes(features: Features) -> np.ndarray:
    """The hashes of a document's candidate lines, in order."""
    return np.frombuffer(features.lines or b"", dtype=LINE)["hash"]


def text_id(features: Features) -> int:
    """What tells two documents apart when counting: their normalised text."""
    return features.text_hash if features.text_hash is not None else features.content


def holder_rows(features: Iterable[Features]) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, text ids) of these documents' candidate lines, one row per line: the
    documents' records read as one array (per document, numpy's calls cost 1.5 s for 20,000)."""
    blobs, ids, counts = [], [], []
    for f in features:
        if f.lines:
            blobs.append(f.lines)
            ids.append(text_id(f))
            counts.append(len(f.lines) // LINE.itemsize)
    if not blobs:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    hashes = np.frombuffer(b"".join(blobs), dtype=LINE)["hash"]
    return np.ascontiguousarray(hashes), np.repeat(np.array(ids, dtype=np.int64), counts)


def documents_per_line(
    hashes: np.ndarray, ids: np.ndarray, wanted: np.ndarray | None = None
) -> dict[int, int]:
    """{line hash: distinct documents holding it} from (hash, text id) rows, for the `wanted`
    hashes only when given."""
    if wanted is not None:
        keep = np.isin(hashes, wanted)
        hashes, ids = hashes[keep], ids[keep]
    return count_pairs(hashes, ids)


def count_pairs(hashes: np.ndarray, ids: np.ndarray) -> dict[int, int]:
    """{hash: distinct ids} of (hash, id) rows, the same pair counted once."""
    if not len(hashes):
        return {}
    order = np.lexsort((ids, hashes))
    hashes, ids = hashes[order], ids[order]
    first = np.r_[True, (hashes[1:] != hashes[:-1]) | (ids[1:] != ids[:-1])]
    values, counts = np.unique(hashes[first], return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


def merge_counts(*pieces: tuple[np.ndarray, np.ndarray]) -> dict[int, int]:
    """`count_pairs` of (hashes, ids) pieces (the Dask executor's partitions)."""
    if not pieces:
        return {}
    hashes = np.concatenate([p[0] for p in pieces])
    return count_pairs(hashes, np.concatenate([p[1] for p in pieces]))


def diagnostics_of(
    rules: list[Rule],
    documents: list[tuple[Any, Features]],
    counts: dict[int, int],
    minimum: int,
    shown: Callable[[Any], str] = str,
    holders: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[Diagnostic]:
    """`line_diagnostics` of the (path, features) documents holding a line held by at least
    `minimum` documents (found for all at once: most documents hold none), each shown as
    `shown(path)` (computed for those only: `document.display` took 0.7 s for 20,000).
    `holders`: the documents' (line hash, document index) rows when the caller has them."""
    repeated = np.array([h for h, n in counts.items() if n >= minimum], dtype=np.int64)
    if not len(repeated) or not documents:
        return []
    if holders is None:
        holders = holder_rows(f._replace(text_hash=i) for i, (_, f) in enumerate(documents))
    hashes, which = holders
    hit = np.unique(which[np.isin(hashes, repeated)]).tolist()
    return [
        d
        for rule in rules
        for i in hit
        for d in line_diagnostics(rule, shown(documents[i][0]), documents[i][1], counts, minimum)
    ]


def line_diagnostics(
    rule: Rule, path: str, features: Features, counts: dict[int, int], minimum: int
) -> list[Diagnostic]:
    """The document's candidate lines that stand in at least `minimum` documents, but for
    the lines other rules already report (`Features.excluded`)."""
    if not features.lines:
        return []
    excluded = set(features.excluded)
    texts = features.line_texts.split("\n")
    rows = np.frombuffer(features.lines, dtype=LINE).tolist()
    found = []
    for (digest, number, length, start, end), text in zip(rows, texts):
        documents = counts.get(digest, 0)
        if documents < minimum or number in excluded:
            continue
        found.append(
            Diagnostic(
                code=rule.code,
                name=rule.name,
                message=f'"{shorten(text, 50)}" stands in {documents} documents of the corpus '
                f"(min-documents {minimum}): a line repeated across documents is chrome, "
                "not article text",
                severity=rule.severity,
                path=path,
                line=number,
                column=1,
                end_line=number,
                end_column=length + 1,
                fix=Fix((Edit(start, end, ""),), UNSAFE, "Delete the line"),
                snippet=text,
            )
        )
    return found


_DOCUMENTS = re.compile(r'" stands in (\d+) documents')


def _settled_lines(
    diagnostics: list[Diagnostic], codes: set[str], job: Job, result: Result, removed: Counter[int]
) -> set[int]:
    """The hashes of the reported lines held by enough documents both before and after this
    run's per-document fixes, which `--fix` (the stage saw the fixed texts) and `--diff` (it
    saw the texts on disk) both find: a line the fixes made common ("TÃ©lÃ©charger" repaired
    where three documents already held it) or rare (BP004 deleting it from two of four) is
    left for the next run. Each file a fix changed is known by its text and its candidate
    lines before and after (`Result.candidate_lines`); the others hold what they held. Texts
    are counted once, as BP005 counts them."""
    minimum = job.boilerplate.min_documents if job.boilerplate is not None else 2
    counted = {
        line_hash(d.snippet or ""): int(_DOCUMENTS.findall(d.message)[-1])
        for d in diagnostics
        if d.code in codes and d.fix is not None
    }
    before: dict[int, set[int]] = {key: set() for key in counted}  # the texts holding it
    after: dict[int, set[int]] = {key: set() for key in counted}
    for text_before, lines_before, text_after, lines_after in result.candidate_lines.values():
        for key in counted.keys() & lines_before:
            before[key].add(text_before)
        for key in counted.keys() & lines_after:
            after[key].add(text_after)
    seen_fixed = job.fix is not None and not job.fix.diff  # else the stage saw the texts on disk
    settled = set()
    for key, n in counted.items():
        # Less the near-copies removed (two that are each other's exact copies were counted
        # once and are subtracted twice: a line may wait for the next run, never go too soon).
        n -= removed[key]
        lost = len(before[key]) - len(after[key])  # documents holding it before, less after
        if min(n, n + lost if seen_fixed else n - lost) >= minimum:
            settled.add(key)
    return settled


def delete_repeated_lines(
    diagnostics: list[Diagnostic],
    documents: dict[str, tuple[Path, int]],
    codes: set[str],
    job: Job,
    result: Result,
    relint: Callable[[Document], list[Diagnostic]],
    removed: Counter[int] | None = None,
) -> list[Diagnostic]:
    """`--fix --unsafe-fixes` for the line rules of the corpus stage (`codes`): each target's
    reported lines deleted (with `--diff`, its diff made again with them), only when its bytes
    are still those the stage saw (`documents`: shown path -> (path, content hash)). The
    file's per-document rules (`relint`) run again in the same passes, so its other findings
    stay true. `removed`: for each line's hash, the near-copies (DUP004) holding it that
    this run removes. Returns the diagnostics left."""
    from corpus_lint import fixes
    from corpus_lint.document import Document, DocumentError, may_follow
    from corpus_lint.files import ignored_for_file

    by_path: dict[str, list[Diagnostic]] = {}
    left = []
    removed = removed or Counter()
    settled = _settled_lines(diagnostics, codes, job, result, removed)
    seen_fixed = job.fix is not None and not job.fix.diff  # the stage saw the fixed texts
    for d in diagnostics:
        if d.code in codes and d.fix is not None and d.path in documents:
            before = result.candidate_lines.get(d.path)
            key = line_hash(d.snippet or "")
            if seen_fixed and before is not None and key not in before[1]:
                # A line this run's fixes made (mojibake repaired into a line four documents
                # share): no check reported it; the next run does, and deletes it then.
                result.warnings.append(
                    f"{d.path}:{d.line}: repeated line not deleted: this run's fixes made it; "
                    "run again to delete it"
                )
            elif key not in settled:
                # Too few documents hold it after this run: copies of one story (DUP004's,
                # re-filed with edits) it removed had made their own heading "repeated", or
                # its fixes changed the line in some documents.
                why = (
                    "documents holding it are copies this run removed; the next run counts it again"
                    if removed[key]
                    else "this run's fixes changed how many documents hold it; run again to "
                    "delete it"
                )
                result.warnings.append(f"{d.path}:{d.line}: repeated line not deleted: {why}")
            elif job.settings is None or not ignored_for_file(d, job.settings):
                by_path.setdefault(d.path, []).append(d)
                continue
        left.append(d)
    for shown, found in sorted(by_path.items()):
        path, content = documents[shown]
        follow = may_follow(path, job.links)
        try:
            doc = Document.read(path, follow_link=follow)
        except DocumentError as exc:
            result.errors.append(f"{exc}; its repeated lines were not deleted")
            left.extend(found)
            continue
        if content_hash(doc.raw) != content:
            result.errors.append(f"{shown}: changed while corpus-lint ran; lines not deleted")
            left.extend(found)
            continue

        # A line deleted is not fixed first by another rule (WS005 un-indenting it, WS003's
        # line endings, ENC003's repair): those edits would overlap, and the deletion, found
        # on the text as it came, is not found again on the next pass's text (`--diff`
        # showed the line fixed, not deleted). The other rule's fixes come on the next pass.
        deleted = sorted((e for d in found for e in d.fix.edits), key=lambda e: (e.start, e.end))

        def lint(
            d: Document, doc: Document = doc, found: list = found, deleted: list = deleted
        ) -> list:
            if d is not doc:
                return relint(d)
            return found + [x for x in relint(d) if not fixes.overlaps(x, deleted)]

        fixed = fixes.fix_document(doc, lint, unsafe=True)
        applied = {id(d) for d in fixed.applied}
        left.extend(d for d in found if id(d) not in applied)
        result.warnings.extend(fixed.notes)
        if not fixed.changed:
            continue
        if job.fix.diff:
            old = b"--- " + fixes.diff_name("a/", shown) + b"\n"
            result.diffs = [x for x in result.diffs if not x.startswith(old)]
            result.diffs.append(fixes.unified_diff(shown, doc.raw, fixed.doc.raw))
            result.fixed[shown] = fixed.counts  # the per-document fixes made again, with these
            continue
        try:
            fixes.write_atomic(doc.path, fixed.doc.raw, doc.raw, follow_link=follow)
        except fixes.WriteError as exc:
            result.errors.append(str(exc))
            left.extend(d for d in found if id(d) in applied)
            continue
        # The file's other findings, where they now are.
        kept = [d for d in result.diagnostics if d.path != shown]
        result.diagnostics[:] = kept + [d for d in fixed.diagnostics if d.code not in codes]
        result.fixed.setdefault(shown, Counter()).update(fixed.counts)  # added to those on disk
    return left

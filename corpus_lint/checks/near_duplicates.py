"""Corpus rules: the same document twice (DUP003) and lightly edited copies (DUP004).

These rules never see a document: the executors hand the corpus stages (`corpus_lint.dedup`)
the features of every file; the cluster step reports each redundant copy by the rule that
`reports_member`, with the rule's own `message`.
"""

from __future__ import annotations

from typing import Any

from corpus_lint.rule import UNSAFE, CorpusRule, register


@register
class DuplicateDocument(CorpusRule):
    """A file whose text is the same as another file's.

    ## What it does
    Finds files whose text is identical to another file of the corpus once white space
    is normalised (every run of spaces, tabs, line breaks and no-break spaces counts as one
    space; leading and trailing white space is ignored) and Unicode is in NFC form. Copies
    form duplicate clusters with DUP004's near-duplicates: each cluster keeps one document,
    chosen by the keeper policy (`keep`, see DUP004), and every other member whose text is
    the keeper's is reported here, once, against the keeper (the message gives the cluster's
    id and size; related: the keeper, then the other members). With a configured `corpus`,
    files given on the command line are compared against the whole corpus, unchanged files
    read from the cache, and every redundant member of a cluster holding one of them is
    reported.

    ## Why is this bad?
    The same story stored twice counts twice: in statistics about the corpus, in a model
    trained on it (duplicated training text is memorised and over-weighted), and in every
    search over it. Scrapers produce such copies when one article is reachable under two
    addresses.

    ## Example
    `news/2021/ferry.txt` and `news/mirror/ferry-1.txt` hold the same article, one of
    them with Windows line endings and double spaces after full stops.

    Use instead: keep one of the two files and delete the other.

    ## Fix safety
    Unsafe: `--fix --unsafe-fixes` deletes the redundant copies (never a keeper, never a
    file outside the corpus given); `--diff --unsafe-fixes` shows each deletion as a diff
    that `git apply` and `patch -p1` apply; `--write-removals FILE` lists them instead.
    Which copy is kept follows the keeper policy, so review it first.
    """

    code = "DUP003"
    name = "duplicate-document"
    severity = "warning"
    fix_availability = UNSAFE

    def reports_member(self, same_text: bool) -> bool:
        return same_text

    def message(self, keeper: str, where: str, similarity: float, near: Any) -> str:
        return (
            f"same text as {keeper} (after normalising white space and Unicode), "
            f"{where}: the corpus holds this document twice"
        )


@register
class NearDuplicate(CorpusRule):
    """A file that is a lightly edited copy of another file.

    ## What it does
    Compares the files of the corpus by the word 5-grams ("shingles") they share: two
    files whose Jaccard similarity (shared shingles over all distinct shingles of the two)
    is at least the threshold are near-duplicates. Candidates come from MinHash signatures
    and locality-sensitive hashing (`datasketch`), tuned so that a pair exactly at the
    threshold is found 99 times in 100; every candidate is then checked with the exact
    Jaccard similarity of the two files' shingles, which the message gives. Lines that
    the boilerplate rules (BP*), the in-file repeat rules (DUP001, DUP002) or the pack
    rules with `fix = "delete-line"` report are left out, whether or not those rules are
    selected, so shared scraping chrome does not make two articles look alike; words are
    compared lower-cased, without punctuation. Files identical after normalising white
    space are reported by DUP003 instead. Files with fewer words than a shingle are
    never near-duplicates.

    Alike files form duplicate clusters, one report per redundant document against the
    cluster's keeper. The rule: documents ranked by the keeper policy, the best one not yet
    placed becomes a keeper and takes every unplaced document whose exact Jaccard with it
    (verified, even when no candidate search paired them) is at or above the threshold;
    repeat with the rest. So with A~B and B~C but A and C unlike, C is not in A's cluster.

    ## Why is this bad?
    A story filed twice with a changed headline, a few words edited or a paragraph dropped
    is still the same story: it skews counts and trained models as an exact copy does,
    and exact comparison cannot see it.

    ## Example
    `business/042.txt` is `business/017.txt` with the headline rewritten, two sentences
    swapped and a "Share this article" line added.

    Use instead: keep the better copy and delete the other.

    ## Fix safety
    Unsafe, as DUP003's: `--fix --unsafe-fixes` deletes the redundant copies, never a
    keeper. Pairs that a person reviewed as legitimate (syndicated wire copy, a correction
    filed as a new file) go in the allow-list instead.

    ## Options
    In `[tool.corpus-lint.near-duplicate]` (or `[near-duplicate]` in corpus-lint.toml):
    - `threshold` (default 0.8): the Jaccard similarity at or above which a pair is reported.
    - `shingle-size` (default 5): words per shingle.
    - `num-perm` (default 128): MinHash permutations; more make the candidate search
      sharper and slower.
    - `keep` (default `["has-source", "most-text", "fewest-findings", "first-path"]`): the
      keeper policy, criteria in order: `has-source` (no SRC001 finding: counts only when
      SRC001 runs), `most-text` (most text: word shingles, boilerplate left out), `fewest-findings`
      (per-document findings), `first-path` (path order), always last so the choice is
      deterministic. The default suits news: an article naming its outlet can be traced and
      licensed; a re-filed copy has usually lost a paragraph; then the cleanest copy. A file
      given from outside the configured corpus is never kept over a corpus file.
    - `allow` (no default): an allow-list file of reviewed files, `[[allow]]` tables with
      `paths` (two or more, relative to that file) and a `reason`; no two of an entry's
      files are reported. An entry none of whose pairs is alike any more is reported
      (a diagnostic on its line, exit 1), so the list cannot rot.
    """

    code = "DUP004"
    name = "near-duplicate"
    severity = "warning"
    fix_availability = UNSAFE
    needs_pairs = True

    def reports_member(self, same_text: bool) -> bool:
        return not same_text

    def message(self, keeper: str, where: str, similarity: float, near: Any) -> str:
        return (
            f"near-duplicate of {keeper}, {where}: {similarity:.0%} of their "
            f"{near.shingle_size}-word shingles are shared (Jaccard similarity "
            f"{similarity:.2f}, threshold {near.threshold:.2f}): the same story "
            "filed twice"
        )

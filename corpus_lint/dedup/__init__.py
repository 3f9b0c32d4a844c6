"""Corpus-wide duplicates: shingles, MinHash signatures, LSH banding and the signature cache.

The engine calls `features_of` in its workers for every file it reads, and `check_corpus`
once all files are read. numpy and xxhash are imported only here, so a run without
DUP003/DUP004 never loads them. datasketch is the reference, not a runtime import: the
signatures and the banding are datasketch's, computed with numpy (tests/test_dedup.py holds
them to datasketch's own values), because importing it loads scipy, about a second.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# numpy is imported below this package only. Its OpenBLAS starts a thread per core on
# import, whose spinning doubled the CPU time of importing numpy (0.13 s -> 0.06 s: most of
# a pre-commit run on a busy machine); no rule does linear algebra. A user's setting stays.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from corpus_lint.analysis import Job, Options, Result
    from corpus_lint.config import NearDuplicateSettings, Settings
    from corpus_lint.dedup.cache import SignatureCache
    from corpus_lint.dedup.features import Features, ShingleExclusion
    from corpus_lint.document import Document
    from corpus_lint.files import CorpusWalk
    from corpus_lint.packs import Packs
    from corpus_lint.rule import CorpusRule, Diagnostic, Rule


def features_of(
    doc: Document,
    diagnostics: list[Diagnostic],
    settings: NearDuplicateSettings,
    exclusion: ShingleExclusion | None = None,
) -> Features:
    """What DUP003/DUP004 need of one document (see `corpus_lint.dedup.features`)."""
    from corpus_lint.dedup.features import features_of as compute

    return compute(doc, diagnostics, settings, exclusion)


def features_of_many(
    checked: list[tuple[Document, list[Diagnostic]]],
    settings: NearDuplicateSettings,
    cached: frozenset[int] = frozenset(),
    exclusion: ShingleExclusion | None = None,
) -> list[Features]:
    """`features_of` for many documents at once (see `corpus_lint.dedup.features`)."""
    from corpus_lint.dedup.features import features_of_many as compute

    return compute(checked, settings, cached, exclusion)


def shingle_exclusion(selected: Iterable[Rule], packs: Packs) -> ShingleExclusion:
    """Which lines a run leaves out of the shingles (see `corpus_lint.dedup.features`)."""
    from corpus_lint.dedup.features import shingle_exclusion as make

    return make(selected, packs)


def cached_contents(cache: SignatureCache) -> frozenset[int]:
    """The content hashes whose features the signature cache holds for this configuration:
    the workers need not compute them again (see `corpus_lint.dedup.corpus`)."""
    from corpus_lint.dedup.corpus import cached_contents as find

    return find(cache)


def start_corpus_walk(
    corpus_roots: list[Path],
    settings: Settings,
    use_cache: bool,
    workers: int,
    targets: Iterable[Path | str] = (),
) -> CorpusWalk:
    """The corpus walk of `check_corpus`, begun before the targets are checked: worker
    processes stat the corpus files (most of a pre-commit run over a large corpus) while this
    one checks the targets. The caller must not fork other processes until it is over.

    The cache's configuration key is not known yet (it needs the rules' packs, loaded later),
    so a folder comes back without its rows when its digest is the cache's for any
    configuration; the stage walks again the rare folder known only to another one.
    The `targets`' own folders, those the cache is least likely to vouch for, are walked by
    this process first (see `CorpusWalk`), so that the stage looks them up before waiting.
    """
    from corpus_lint.dedup.cache_file import folder_digests_of_any_config
    from corpus_lint.files import CorpusWalk

    known = folder_digests_of_any_config(settings.cache_dir) if use_cache else {}
    first = {os.path.dirname(os.path.abspath(target)) for target in targets}
    return CorpusWalk(corpus_roots, settings, known, workers, first)


def check_corpus(
    *,
    targets: dict[Path, Features],
    corpus_roots: list[Path] | None,
    rules: list[CorpusRule],
    job: Job,
    settings: Settings,
    options: Options,
    result: Result,
    walk: CorpusWalk | None = None,
    cache: SignatureCache | None = None,
    finish: Callable[[SignatureCache], None] | None = None,
) -> list[Diagnostic]:
    """DUP003/DUP004 diagnostics on the targets (see `corpus_lint.dedup.corpus`); the stage
    closes the run's `cache`, calling `finish(cache)` first."""
    from corpus_lint.dedup.corpus import check_corpus as run

    return run(
        targets=targets,
        corpus_roots=corpus_roots,
        rules=rules,
        job=job,
        settings=settings,
        options=options,
        result=result,
        walk=walk,
        cache=cache,
        finish=finish,
    )

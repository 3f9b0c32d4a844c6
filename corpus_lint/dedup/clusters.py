"""Duplicate clusters: verified pairs and same-text groups become clusters, each with a keeper.

One pure function, `form_clusters`, used by both executors once their pairs are verified
(`dedup/corpus.py` locally, `distributed.py` on Dask), so both give the same clusters.

The rule (greedy, by keeper policy):
1. Documents joined by a same-text group (DUP003) or by a verified pair whose exact Jaccard
   is at or above the threshold (DUP004) form connected components; clusters are looked for
   inside a component only.
2. In a component, the documents are ranked by the keeper policy. The best document not yet
   placed becomes a keeper, and every unplaced document of the component whose exact
   Jaccard with that keeper is at or above the threshold (or whose text is the keeper's)
   joins its cluster. A pair with the keeper that no candidate search verified is verified
   now, exactly (the `verify` callback): membership never rests on a chain.
3. Step 2 repeats with the documents left unplaced. A keeper that takes nobody is no cluster.

So with A~B and B~C but J(A, C) below the threshold, and A ranked first, A's cluster is
{A, B}; C is left out (or joins another keeper it is similar to).

Pairs a person allowed (the allow-list) count as not similar: neither document joins the
other's cluster.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

# Keeper criteria, each a sort key (smaller is kept first). `first-path` decides every tie.
KEEP_CRITERIA = ("most-text", "has-source", "fewest-findings", "first-path")
# The default for news corpora: an article that names its outlet can be traced and licensed,
# so it is kept over an unattributed copy; then the longest text (a re-filed story usually
# lost a paragraph or was cut); then the cleanest copy; then path order, so the choice is
# always the same.
DEFAULT_KEEP = ("has-source", "most-text", "fewest-findings", "first-path")

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Keeping:
    """What the keeper policy knows of one document."""

    path: str  # path order: the absolute path (or URL), the same from any working folder
    text: int  # shingles of its text (boilerplate left out): "most-text"
    has_source: bool  # no SRC001 finding: "has-source"
    findings: int  # per-document findings: "fewest-findings"


def rank(policy: Sequence[str], doc: Keeping) -> tuple:
    """The sort key of a document under a keeper policy (first-path is always last)."""
    key: list = []
    for criterion in policy:
        if criterion == "most-text":
            key.append(-doc.text)
        elif criterion == "has-source":
            key.append(not doc.has_source)
        elif criterion == "fewest-findings":
            key.append(doc.findings)
    key.append(doc.path)
    return tuple(key)


@dataclass(frozen=True, slots=True)
class Shown:
    """What a cluster's diagnostics say of one document."""

    path: str  # as shown
    content: int  # hash of its bytes
    title_length: int
    text_hash: int | None
    keeping: Keeping


@dataclass(frozen=True)
class Cluster(Generic[K]):
    keeper: K
    members: tuple[tuple[K, float], ...]  # the redundant documents, with their Jaccard to it

    @property
    def size(self) -> int:
        return 1 + len(self.members)


def cluster_id(keeper_content: int) -> str:
    """An id from the keeper's bytes (their 64-bit hash): the same in every run, on either
    executor, that keeps the same file unchanged, however its path is shown. (32 bits were
    shared by two keepers once in 40,000 clusters or so: every report merged the two.)"""
    return f"{keeper_content & 0xFFFFFFFFFFFFFFFF:016x}"


Verify = Callable[[list[tuple[K, K]]], Mapping[tuple[K, K], float | None]]


def form_clusters(
    ranks: Mapping[K, tuple],
    pairs: Iterable[tuple[K, K, float]],
    groups: Iterable[Sequence[K]],
    threshold: float,
    verify: Verify,
    allow: Allowed | None = None,
    unverified: Iterable[tuple[K, K]] = (),
) -> list[Cluster[K]]:
    """Clusters of the documents of `ranks` (document -> keeper sort key) from verified
    `pairs` (a, b, exact Jaccard, any value) and same-text `groups`; `verify` gives the exact
    Jaccard of pairs not verified yet (None: a file that changed, never similar).

    `unverified`: candidate pairs left unverified because verified pairs already linked
    their documents (`split_linked`). They change no component; they can link documents
    that a keeper leaves, so those are verified when the documents left are regrouped."""
    pairs = list(pairs)
    allowed = allow.pair if allow is not None else lambda a, b: False
    entries_of = allow.of if allow is not None else {}  # document -> the entries naming it
    text_of: dict[K, int] = {}
    for number, group in enumerate(groups):
        for doc in group:
            text_of[doc] = number
    # Links: verified pairs at the threshold, and same-text groups (as groups, not as all
    # their pairs: a scrape may hold thousands of copies of one error page).
    adjacent: dict[K, set[K]] = {}
    for a, b, value in pairs:
        if value >= threshold and a in ranks and b in ranks and not allowed(a, b):
            adjacent.setdefault(a, set()).add(b)
            adjacent.setdefault(b, set()).add(a)
    texts = {n: [d for d in group if d in ranks] for n, group in _groups(text_of).items()}
    texts = {n: group for n, group in texts.items() if len(group) > 1}
    docs = set(adjacent) | {doc for group in texts.values() for doc in group}
    # Only the documents linked to some other are ever compared again (a keeper with its
    # component, the documents it leaves among themselves): the similarities of the others
    # are not kept (1,000 files near the threshold, none alike: 500,000 pairs, 1 million
    # dict entries, for nothing).
    known: dict[tuple[K, K], float] = {}
    for a, b, value in pairs:
        if a in docs and b in docs:
            known[(a, b)] = known[(b, a)] = value
    del pairs

    def similarity(a: K, b: K) -> float | None:
        if text_of.get(a, -1) == text_of.get(b, -2):
            return 1.0
        return known.get((a, b))

    def linked(a: K, b: K) -> bool:
        value = similarity(a, b)
        return value is not None and value >= threshold and not allowed(a, b)

    def components(among: Iterable[K]) -> list[list[K]]:
        return _components(among, adjacent, texts, text_of, ranks)

    left = components(docs)
    pending = list(unverified)

    clusters: list[Cluster[K]] = []
    while left:
        # One keeper per component per round; the pairs it needs are verified in one batch.
        needed = [
            (docs[0], doc)
            for docs in left
            for doc in docs[1:]
            if similarity(docs[0], doc) is None and not allowed(docs[0], doc)
        ]
        if needed:
            for (a, b), value in verify(needed).items():
                value = -1.0 if value is None else value
                known[(a, b)] = known[(b, a)] = value
        rest: list[K] = []
        for docs in left:
            keeper, members = docs[0], []
            # No two documents of an allow-list entry in one cluster, a keeper's two copies
            # included: the later one goes on to another.
            taken = set(entries_of.get(keeper, ()))
            for doc in docs[1:]:
                entries = entries_of.get(doc, ())
                if linked(keeper, doc) and taken.isdisjoint(entries):
                    members.append((doc, similarity(keeper, doc)))
                    taken.update(entries)
                else:
                    rest.append(doc)
            if members:
                clusters.append(Cluster(keeper, tuple(members)))
        # The documents left, regrouped by the links among themselves only: candidate
        # pairs among them not verified yet are verified now (as if verified at first).
        # (Once: a pair with a document placed is never among the documents left later.)
        inside = set(rest)
        now = [
            (a, b) for a, b in pending if a in inside and b in inside and similarity(a, b) is None
        ]
        pending = []
        if now:
            for (a, b), value in verify(now).items():
                value = -1.0 if value is None else value
                known[(a, b)] = known[(b, a)] = value
                if linked(a, b):
                    adjacent.setdefault(a, set()).add(b)
                    adjacent.setdefault(b, set()).add(a)
        left = components(rest)
    return sorted(clusters, key=lambda c: ranks[c.keeper])


def split_linked(
    pairs: Iterable[tuple[K, K]], links: Iterable[tuple[K, K]]
) -> tuple[list[tuple[K, K]], list[tuple[K, K]]]:
    """(the pairs whose two documents `links` already connect, the others), each in the
    order given: the first need no verification to form the components (`form_clusters`)."""
    links_of = _UnionFind()
    for a, b in links:
        links_of.union(a, b)
    linked, others = [], []
    for a, b in pairs:
        (linked if links_of.find(a) == links_of.find(b) else others).append((a, b))
    return linked, others


def spanning_pairs(
    pairs: Iterable[tuple[K, K]], linked: Iterable[tuple[K, K]] = ()
) -> tuple[list[tuple[K, K]], list[tuple[K, K]]]:
    """(a spanning forest of the graph of `pairs`, the other pairs), each in the order
    given: verified first, the forest links a component of alike documents with one pair a
    document, whatever the number of its candidate pairs (1,000 copies of a wire story
    filed with a word changed each: 999 pairs, not 499,500). The documents the pairs
    `linked` connect are connected from the start (links verified before: the cache's)."""
    forest = _UnionFind()
    for a, b in linked:
        forest.union(a, b)
    spanning, others = [], []
    for a, b in pairs:
        (spanning if forest.union(a, b) else others).append((a, b))
    return spanning, others


class _UnionFind(Generic[K]):
    def __init__(self) -> None:
        self.parent: dict[K, K] = {}

    def find(self, doc: K) -> K:
        parent = self.parent
        root = parent.get(doc, doc)
        if root == doc or parent.get(root, root) == root:  # (most: paths stay short)
            return root
        while parent.get(root, root) != root:
            root = parent[root]
        while doc != root:  # path compression
            parent[doc], doc = root, parent[doc]
        return root

    def union(self, a: K, b: K) -> bool:
        """Join the sets of `a` and `b`; False if they were one already."""
        first, second = self.find(a), self.find(b)
        if first == second:
            return False
        self.parent[second] = first
        return True


def _components(
    docs: Iterable[K],
    adjacent: dict[K, set[K]],
    texts: dict[int, list[K]],
    text_of: dict[K, int],
    ranks: Mapping[K, tuple],
) -> list[list[K]]:
    """The connected components (of two or more) of `docs`, through links among `docs`
    only (pairs, and same-text groups), each sorted by rank (its keeper first)."""
    inside = set(docs)
    seen: set[K] = set()
    groups_seen: set[int] = set()
    found = []
    for start in sorted(inside, key=ranks.__getitem__):
        if start in seen:
            continue
        seen.add(start)
        component, stack = [start], [start]
        while stack:
            doc = stack.pop()
            linked = adjacent.get(doc, ())
            number = text_of.get(doc)
            if number in texts and number not in groups_seen:
                groups_seen.add(number)
                linked = [*linked, *texts[number]]
            for other in linked:
                if other in inside and other not in seen:
                    seen.add(other)
                    component.append(other)
                    stack.append(other)
        if len(component) > 1:
            found.append(sorted(component, key=ranks.__getitem__))
    return found


def _groups(text_of: dict[K, int]) -> dict[int, list[K]]:
    groups: dict[int, list[K]] = {}
    for doc, number in text_of.items():
        groups.setdefault(number, []).append(doc)
    return groups


def real_location(path: str) -> str:
    """Where a local path really is (its links followed); a URL as it is."""
    return path if "://" in path else os.path.realpath(path)


class Allowed:
    """The allow-list's entries (`config.AllowEntry`) over the documents of a run."""

    def __init__(self, entries: Sequence, names: Mapping[K, Iterable[str]]) -> None:
        self.entries = list(entries)
        self.of: dict[K, set[int]] = {}  # document -> the entries naming it
        self.docs: list[list[K]] = [[] for _ in self.entries]  # entry -> its documents
        where: dict[str, list[int]] = {}
        for number, entry in enumerate(self.entries):
            # A path as written, and where it really is: an entry may name a corpus file
            # through a linked corpus folder or by its real path, as a document may be.
            for path in {*entry.paths, *map(real_location, entry.paths)}:
                where.setdefault(path, []).append(number)
        for doc, doc_names in names.items():
            numbers = {n for name in doc_names for n in where.get(name, ())}
            if numbers:
                self.of[doc] = numbers
                for number in numbers:
                    self.docs[number].append(doc)

    def pair(self, a: K, b: K) -> bool:
        """Is this pair allowed?"""
        first = self.of.get(a)
        return bool(first and not first.isdisjoint(self.of.get(b, ())))

    def stale(
        self,
        pairs: Iterable[tuple[K, K, float]],
        groups: Iterable[Sequence[K]],
        threshold: float,
        judged: set[str] | None = None,
    ) -> list[tuple]:
        """(entry, its paths) of the entries no pair of whose files is alike now. Only
        entries naming a `judged` path are judged (None: all, a whole-corpus run)."""
        used: set[int] = set()
        for a, b, value in pairs:
            if value >= threshold and self.pair(a, b):
                used |= self.of[a] & self.of[b]
        for group in groups:
            for index, a in enumerate(group):
                for b in group[index + 1 :]:
                    if self.pair(a, b):
                        used |= self.of[a] & self.of[b]
        stale = []
        for number, entry in enumerate(self.entries):
            if number in used:
                continue
            if judged is not None and judged.isdisjoint(entry.paths):
                continue
            stale.append((entry, list(entry.paths)))
        return stale

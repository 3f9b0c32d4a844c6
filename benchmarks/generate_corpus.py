"""Generate a synthetic news corpus with planted near-duplicates and exact duplicates.

    python benchmarks/generate_corpus.py /tmp/corpus-10k --files 10000 --seed 1 --near 0.1

writes OUT/corpus/NNN/NNNNNN.txt (1,000 files a folder), OUT/corpus-lint.toml (corpus =
["corpus"]) and OUT/ground-truth.json: every planted pair with its exact Jaccard
similarity of 5-word shingles.

Articles are 300-1,000 words drawn from a 60,000-word vocabulary with a Zipf-Mandelbrot
frequency distribution (as word frequencies in news text are): a title line, a blank line,
paragraphs of 2-5 sentences separated by blank lines, a "Source: Outlet" line, a final
newline, so that the per-document rules have little to say. Near-duplicates are copies of
an article edited towards a target similarity drawn uniformly from 0.5 to 1.0: word
substitutions, deletions, two sentences swapped, boilerplate lines added ("Share this
article": lines that BP001 reports and that DUP004 therefore ignores). Exact duplicates are
byte copies or copies with only white space changed. Every pair within a family (an article
and its copies) is recorded.

Ground truth uses the linter's definitions (`corpus_lint.dedup.features`): words are
`\\w+` runs, lower-cased, from lines other than the planted boilerplate; shingles are runs
of 5 words; exact duplicates are equal after normalising white space.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

SHINGLE_SIZE = 5
VOCABULARY = 60_000
EXACT_FRACTION = 0.01
BOILERPLATE = (
    "Share this article",
    "Print Friendly, PDF & Email",
    "Follow us on Twitter",
    "Sign up for our newsletter",
    "Leave a comment",
)
OUTLETS = (
    "Coastal Gazette",
    "Daily Ledger",
    "Northern Herald",
    "The Evening Post",
    "Metro Wire",
    "Valley Times",
)
_SYLLABLES = (
    "ba be bi bo bu ca ce co da de di do fa fe fi ga go ha he hi ka ke ko la le li lo lu ma me "
    "mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so ta te ti to tu va ve vi wa "
    "we ya yo za ze ar er in on an en or ur al el il ol st tr pl gr br"
).split()
_WORD = re.compile(r"\w+")


def vocabulary(rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Distinct pseudo-words and their cumulative Zipf-Mandelbrot probabilities (rank ** -1.05)."""
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < VOCABULARY:
        lengths = rng.integers(1, 5, VOCABULARY).tolist()
        syllables = rng.integers(0, len(_SYLLABLES), (VOCABULARY, 4)).tolist()
        for length, picks in zip(lengths, syllables):
            word = "".join([_SYLLABLES[i] for i in picks[:length]])
            if word not in seen and len(words) < VOCABULARY:
                seen.add(word)
                words.append(word)
    weights = 1.0 / (np.arange(VOCABULARY) + 2.7) ** 1.05
    return words, np.cumsum(weights / weights.sum())


def draw(rng, cumulative: np.ndarray, count: int) -> np.ndarray:
    """Word indices drawn from the distribution whose cumulative probabilities are given."""
    drawn = np.minimum(np.searchsorted(cumulative, rng.random(count)), len(cumulative) - 1)
    # No word twice in a row: that is a typing slip (TXT001), not prose.
    repeats = np.flatnonzero(drawn[1:] == drawn[:-1]) + 1
    drawn[repeats] = (drawn[repeats] + 1) % len(cumulative)
    return drawn


class Article:
    """Title words, paragraphs of sentences of words, an outlet; rendered by `text()`."""

    def __init__(self, title, paragraphs, outlet, boilerplate=()):
        self.title = title
        self.paragraphs = paragraphs  # list of paragraphs; a paragraph is a list of sentences
        self.outlet = outlet
        self.boilerplate = list(boilerplate)  # (paragraph index, line) pairs

    def copy(self) -> Article:
        paragraphs = [[list(s) for s in p] for p in self.paragraphs]
        return Article(list(self.title), paragraphs, self.outlet, self.boilerplate)

    def text(self) -> str:
        lines = [" ".join(self.title).title(), ""]
        extra = dict(self.boilerplate)
        for index, paragraph in enumerate(self.paragraphs):
            sentences = [" ".join(s).capitalize() + "." for s in paragraph if s]
            if sentences:
                lines += [" ".join(sentences), ""]
            if index in extra:
                lines += [extra[index], ""]
        lines.append(f"Source: {self.outlet}")
        return "\n".join(lines) + "\n"


def make_article(rng, words, probabilities) -> Article:
    total = int(rng.integers(300, 1001))
    drawn = [words[i] for i in draw(rng, probabilities, total + 10).tolist()]
    title, body = drawn[: int(rng.integers(5, 11))], drawn[10:]
    paragraphs, position = [], 0
    while position < len(body):
        paragraph = []
        for _ in range(int(rng.integers(2, 6))):
            length = int(rng.integers(8, 25))
            paragraph.append(body[position : position + length])
            position += length
            if position >= len(body):
                break
        paragraphs.append(paragraph)
    return Article(title, paragraphs, OUTLETS[int(rng.integers(len(OUTLETS)))])


def shingles(text: str) -> set[tuple[str, ...]]:
    kept = "\n".join(line for line in text.splitlines() if line not in BOILERPLATE)
    found = _WORD.findall(kept.lower())
    return {tuple(found[i : i + SHINGLE_SIZE]) for i in range(len(found) - SHINGLE_SIZE + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def near_copy(article: Article, target: float, rng, words, probabilities) -> Article:
    """A copy edited until about `target` of the shingles survive (Jaccard)."""
    copy = article.copy()
    count = sum(len(s) for p in copy.paragraphs for s in p)
    spans = count - SHINGLE_SIZE + 1
    # Shingles to destroy for this Jaccard, and the edits that destroy about that many when
    # each edit spoils the SHINGLE_SIZE shingles around it.
    destroyed = spans * (1 - target) / (1 + target)
    edits = int(round(count * (1 - (1 - destroyed / spans) ** (1 / SHINGLE_SIZE))))
    if rng.random() < 0.4 and edits > 6:  # swap two sentences of one paragraph
        paragraph = copy.paragraphs[int(rng.integers(len(copy.paragraphs)))]
        if len(paragraph) > 1:
            i, j = rng.choice(len(paragraph), 2, replace=False)
            paragraph[i], paragraph[j] = paragraph[j], paragraph[i]
            edits -= 3
    sentences = [s for p in copy.paragraphs for s in p]
    for _ in range(max(edits, 0)):
        sentence = sentences[int(rng.integers(len(sentences)))]
        if not sentence:
            continue
        position = int(rng.integers(len(sentence)))
        if rng.random() < 0.6 or len(sentence) < 3:
            word = words[int(draw(rng, probabilities, 1)[0])]
            neighbours = sentence[max(position - 1, 0) : position + 2]
            sentence[position] = word if word not in neighbours else word + "s"
        elif 0 < position < len(sentence) - 1 and sentence[position - 1] != sentence[position + 1]:
            del sentence[position]
    if rng.random() < 0.5:
        for _ in range(int(rng.integers(1, 4))):
            index = int(rng.integers(len(copy.paragraphs)))
            copy.boilerplate.append((index, BOILERPLATE[int(rng.integers(len(BOILERPLATE)))]))
    return copy


def exact_copy(text: str, rng) -> str:
    """The same text, byte for byte or with only white space changed."""
    if rng.random() < 0.5:
        return text
    return text.replace(". ", ".  ")


def generate(out: Path, files: int, seed: int, near: float) -> dict:
    rng = np.random.default_rng(seed)
    words, probabilities = vocabulary(rng)
    near_count = int(files * near)
    exact_count = max(1, int(files * EXACT_FRACTION)) if files >= 10 else 0
    original_count = files - near_count - exact_count
    originals = [make_article(rng, words, probabilities) for _ in range(original_count)]
    texts = [a.text() for a in originals]
    family = list(range(original_count))  # the original each document was copied from
    for _ in range(near_count):
        source = int(rng.integers(original_count))
        target = float(rng.uniform(0.5, 1.0))
        texts.append(near_copy(originals[source], target, rng, words, probabilities).text())
        family.append(source)
    for _ in range(exact_count):
        source = int(rng.integers(original_count))
        texts.append(exact_copy(texts[source], rng))
        family.append(source)
    order = rng.permutation(len(texts))  # copies land anywhere in path order
    paths = [""] * len(texts)
    corpus = out / "corpus"
    for slot, index in enumerate(order.tolist()):
        relative = f"{slot // 1000:03d}/{slot:06d}.txt"
        paths[index] = f"corpus/{relative}"
        target = corpus / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(texts[index], encoding="utf-8")
    members: dict[int, list[int]] = {}
    for index, source in enumerate(family):
        members.setdefault(source, []).append(index)
    near_pairs, exact_pairs = [], []
    for group in members.values():
        if len(group) < 2:
            continue
        sets = {i: shingles(texts[i]) for i in group}
        for i, j in combinations(group, 2):
            a, b = sorted((paths[i], paths[j]))
            if " ".join(texts[i].split()) == " ".join(texts[j].split()):
                exact_pairs.append({"a": a, "b": b})
            else:
                near_pairs.append({"a": a, "b": b, "jaccard": round(jaccard(sets[i], sets[j]), 6)})
    (out / "corpus-lint.toml").write_text('corpus = ["corpus"]\n', encoding="utf-8")
    truth = {
        "files": files,
        "seed": seed,
        "near_fraction": near,
        "shingle_size": SHINGLE_SIZE,
        "near_pairs": near_pairs,
        "exact_pairs": exact_pairs,
    }
    (out / "ground-truth.json").write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output folder (created; must be empty)")
    parser.add_argument("--files", type=int, default=10_000, help="number of files (10000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument(
        "--near", type=float, default=0.1, help="fraction of files that are near-duplicates (0.1)"
    )
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        print(f"generate_corpus: {args.out} is not empty", file=sys.stderr)
        return 2
    if args.files < 1 or not 0 <= args.near < 0.9:
        print("generate_corpus: --files must be >= 1 and --near in [0, 0.9)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    truth = generate(args.out, args.files, args.seed, args.near)
    print(
        f"{args.files} files in {args.out / 'corpus'}: {len(truth['near_pairs'])} near pairs, "
        f"{len(truth['exact_pairs'])} exact pairs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Synthetic-but-real-text articles for the benchmarks.

Sentences come from the real articles in the shared corpus (seed, multinews-dev, basil-dev); each
synthetic article is assembled from them with a seeded RNG, so it reads like news (real sentences,
real boilerplate quirks) but no article is a copy of one in the corpus. The same (seed, index)
always gives the same article, whatever N is: the first 10,000 articles of a 100k run are the
10k run's articles.

Nothing from the corpus is stored in the repository: text is generated at run time into
tests/bench/.data/ (gitignored) or a temporary folder.

    from corpus import generate, write_text_files, candidates
    for article in generate(1000, seed=1): ...
    write_text_files(folder, 10_000, seed=1)          # seed format: title, blank line, body
    lib.add_candidates(list(candidates(2000, seed=1, start=0)))

Command line: `python tests/bench/corpus.py --n 100 --seed 1 --out /tmp/articles`.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from store.cleaning import clean_text  # noqa: E402
from store.records import Candidate  # noqa: E402

CORPUS = Path(os.environ.get("BROADSHEET_CORPUS", "/work/shared/corpus"))
CORPUS_FOLDERS = ("seed", "multinews-dev/articles", "basil-dev/articles")
DATA = Path(__file__).resolve().parent / ".data"
GENERATOR_VERSION = 1  # bump when the output for a given seed changes (invalidates caches)

OUTLETS = (
    ("Reuters", "reuters.com"), ("Associated Press", "apnews.com"), ("The New York Times", "nytimes.com"),
    ("Fox News", "foxnews.com"), ("HuffPost", "huffpost.com"), ("The Guardian", "theguardian.com"),
    ("BBC News", "bbc.co.uk"), ("The Washington Post", "washingtonpost.com"), ("Breitbart", "breitbart.com"),
    ("Los Angeles Times", "latimes.com"), ("Al Jazeera", "aljazeera.com"), ("Bloomberg", "bloomberg.com"),
)
FIRST_DATE = datetime(2010, 1, 1, tzinfo=timezone.utc)
DATE_SPAN_SECONDS = 15 * 365 * 24 * 3600  # 2010 to 2024
MIN_WORDS, MAX_WORDS = 300, 1200

# A sentence ends at . ! or ? (optionally followed by a closing quote or bracket) before whitespace.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’')]))\s+")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class SyntheticArticle:
    index: int
    title: str
    body: str  # paragraphs separated by a blank line
    source: str
    domain: str
    published: str  # ISO 8601, UTC

    @property
    def url(self) -> str:
        slug = _SLUG.sub("-", self.title.lower()).strip("-")[:60]
        return f"https://www.{self.domain}/{self.published[:4]}/{self.published[5:7]}/{slug}-{self.index}"

    @property
    def file_name(self) -> str:
        return f"{self.index:07d}.txt"

    def text(self) -> str:
        """The seed format: the title line, a blank line, the body."""
        return f"{self.title}\n\n{self.body}\n"

    def candidate(self, origin_prefix: str = "bench") -> Candidate:
        return Candidate(title=self.title, body=self.body, origin=f"{origin_prefix}/{self.file_name}",
                         source=self.source, url=self.url, published=self.published, language="en")


def _source_files(corpus: Path) -> list[Path]:
    files: list[Path] = []
    for folder in CORPUS_FOLDERS:
        files.extend(sorted(p for p in (corpus / folder).glob("*.txt") if p.is_file()))
    if not files:
        raise SystemExit(f"no corpus articles under {corpus} (set BROADSHEET_CORPUS)")
    return files


def split_sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]


@lru_cache(maxsize=4)
def sentence_pool(corpus: Path = CORPUS) -> tuple[str, ...]:
    """Every distinct sentence of 5 to 80 words in the corpus bodies (boilerplate removed by the
    project's own cleaner), in a fixed order."""
    seen: dict[str, None] = {}
    for path in _source_files(corpus):
        text = path.read_text(encoding="utf-8", errors="replace")
        _, _, body = text.partition("\n\n")
        for paragraph in clean_text(body or text).split("\n\n"):
            for sentence in split_sentences(paragraph):
                words = sentence.split()
                if 5 <= len(words) <= 80 and sentence[-1] in ".!?\"”’')":
                    seen.setdefault(sentence[0].upper() + sentence[1:], None)
    return tuple(seen)


def _title(rng: random.Random, sentence: str) -> str:
    words = sentence.split()[: rng.randint(6, 12)]
    title = " ".join(words).rstrip(",;:.—–-\"“”'’ ")
    return title[0].upper() + title[1:] if title else "Untitled"


def make_article(index: int, seed: int, pool: tuple[str, ...]) -> SyntheticArticle:
    """Article `index` for `seed`: about half its sentences follow on from a few anchor passages of
    the corpus (so it reads in order), the rest are drawn from anywhere."""
    rng = random.Random(seed * 1_000_003 + index)
    target = rng.randint(MIN_WORDS, MAX_WORDS)
    anchors = [rng.randrange(len(pool)) for _ in range(rng.randint(1, 3))]
    paragraphs: list[str] = []
    words = 0
    while words < target:
        sentences = []
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
            if rng.random() < 0.5:
                slot = rng.randrange(len(anchors))
                sentence = pool[anchors[slot] % len(pool)]
                anchors[slot] += 1
            else:
                sentence = pool[rng.randrange(len(pool))]
            sentences.append(sentence)
            words += sentence.count(" ") + 1
        paragraphs.append(" ".join(sentences))
    outlet, domain = OUTLETS[rng.randrange(len(OUTLETS))]
    published = FIRST_DATE + timedelta(seconds=rng.randrange(DATE_SPAN_SECONDS))
    return SyntheticArticle(
        index=index,
        title=_title(rng, paragraphs[0] if rng.random() < 0.7 else pool[rng.randrange(len(pool))]),
        body="\n\n".join(paragraphs),
        source=outlet,
        domain=domain,
        published=published.isoformat(timespec="seconds"),
    )


def generate(n: int, seed: int = 1, start: int = 0) -> Iterator[SyntheticArticle]:
    """Articles start .. start+n-1 for `seed`."""
    pool = sentence_pool()
    for index in range(start, start + n):
        yield make_article(index, seed, pool)


def candidates(n: int, seed: int = 1, start: int = 0, origin_prefix: str = "bench") -> Iterator[Candidate]:
    for article in generate(n, seed, start):
        yield article.candidate(origin_prefix)


def write_text_files(folder: Path, n: int, seed: int = 1, per_folder: int = 1000) -> int:
    """Write n articles in the seed format into folder/b0000/0000000.txt ...; returns bytes written."""
    total = 0
    for article in generate(n, seed):
        sub = folder / f"b{article.index // per_folder:04d}"
        if article.index % per_folder == 0:
            sub.mkdir(parents=True, exist_ok=True)
        data = article.text().encode("utf-8")
        (sub / article.file_name).write_bytes(data)
        total += len(data)
    return total


def cached_text_folder(n: int, seed: int = 1, root: Path = DATA) -> Path:
    """A folder of n seed-format files under .data/, written once per (n, seed, generator version)."""
    folder = root / f"text-{n}-seed{seed}-v{GENERATOR_VERSION}"
    done = folder / ".complete"
    if not done.exists():
        if folder.exists():
            import shutil
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        write_text_files(folder, n, seed)
        done.write_text("ok\n")  # a dot file: the importers skip it
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder to write seed-format .txt files into")
    args = parser.parse_args()
    size = write_text_files(args.out, args.n, args.seed)
    print(f"wrote {args.n} articles ({size / 1e6:.1f} MB) to {args.out}")


if __name__ == "__main__":
    main()

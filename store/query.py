"""The search query language: words, "quoted phrases", -exclusions and filters.

    deportaton "border patrol" source:reuters tag:immigration is:unread after:2019-06 -trump

Words are typo-tolerant and accent/case folded; phrases are exact (after folding); a leading `-`
excludes articles containing the word or phrase (or matching the filter). Filters of one name are
alternatives (`source:reuters source:ap` is either); different filters must all hold.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .errors import LibraryError

WORD = re.compile(r"\w+")

KNOWN_FILTERS = ("source:", "tag:", "is:unread", "is:read", "is:starred", "has:note", "has:highlight",
                 "before:", "after:")
IS_VALUES = {"unread": "unread", "read": "read", "starred": "starred", "star": "starred",
             "unstarred": "unstarred"}
HAS_VALUES = {"note": "note", "notes": "note", "highlight": "highlight", "highlights": "highlight",
              "annotation": "highlight", "annotations": "highlight"}

# -?  then  name:"value" | name:value | "phrase" (an unclosed quote runs to the end: typing) | bare
_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+):(?:"([^"]*)"?|(\S*))|"([^"]*)"?|(\S+))')
_DATE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")


class QueryError(LibraryError, ValueError):
    """The query cannot be understood (an unknown filter, a bad date); the message says why."""


class _FoldTable(dict[int, str]):
    """str.translate table folding one code point to one code point: accents dropped (NFKD minus
    combining marks), case folded. A character whose fold is longer (ß -> ss, … -> ...) keeps its
    lower case, so folded text keeps the offsets of the original: spans found in it are spans in it."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        decomposed = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        folded = decomposed.casefold()
        if len(folded) != 1:
            lower = char.lower()
            folded = lower if len(lower) == 1 else char
        self[code] = folded
        return folded


_FOLD = _FoldTable()


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD)


def fold(text: str) -> str:
    """Case- and accent-folded `text`, the same length as `text` ("Peña" -> "pena")."""
    lowered = text.lower()
    if text.isascii():
        return lowered
    if len(lowered) != len(text):  # a rare letter whose lower case is longer (İ): go one by one
        return text.translate(_FOLD)
    # news text is mostly ASCII with curly quotes and dashes: fold only the non-ASCII runs
    return _NON_ASCII.sub(_fold_run, lowered)


def words_of(text: str) -> list[str]:
    return WORD.findall(fold(text))


@dataclass(frozen=True)
class Query:
    text: str
    words: tuple[str, ...] = ()                    # folded, typo-tolerant, all required
    phrases: tuple[tuple[str, ...], ...] = ()      # folded word sequences, exact, all required
    excluded: tuple[tuple[str, ...], ...] = ()     # words or phrases that must not occur
    sources: tuple[str, ...] = ()                  # folded; any of them (substring of the source)
    excluded_sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()                     # folded; any of them
    excluded_tags: tuple[str, ...] = ()
    flags: frozenset[str] = field(default_factory=frozenset)          # unread/read/starred/unstarred/note/highlight
    excluded_flags: frozenset[str] = field(default_factory=frozenset)
    before: str | None = None                      # "YYYY-MM-DD": dates strictly earlier
    after: str | None = None                       # "YYYY-MM-DD": dates on or after
    prefix: bool = False                           # the last word is still being typed
    phrase_prefix: bool = False                    # ... inside an unclosed "phrase

    @property
    def has_terms(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def has_filters(self) -> bool:
        return bool(self.sources or self.excluded_sources or self.tags or self.excluded_tags or self.flags
                    or self.excluded_flags or self.before or self.after or self.excluded)

    @property
    def empty(self) -> bool:
        return not self.has_terms and not self.has_filters


def _period_start(value: str, name: str) -> str:
    """"2019", "2019-06" or "2019-06-05" as the first day of that period: before:2019-06 means
    before June 2019, after:2019-06 from June 2019 on (so the two split time in two)."""
    match = _DATE.match(value)
    if not match:
        raise QueryError(f'bad date in "{name}:{value}"; write a year, a month or a day: 2019, 2019-06, 2019-06-05')
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise QueryError(f'bad date in "{name}:{value}"; write a year, a month or a day: 2019, 2019-06, 2019-06-05')
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_query(text: str) -> Query:
    """Parse a query. Raises QueryError for an unknown filter or a bad value. A filter with no value
    yet ("source:" while typing) is ignored."""
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    parts: dict[str, list[str]] = {"source": [], "-source": [], "tag": [], "-tag": []}
    flags: set[str] = set()
    excluded_flags: set[str] = set()
    before: str | None = None
    after: str | None = None
    last_is_word = False
    phrase_prefix = False
    for match in _TOKEN.finditer(text):
        negate, name, quoted_value, bare_value, phrase, bare = match.groups()
        last_is_word = False
        phrase_prefix = False
        if name is not None:
            value = quoted_value if quoted_value is not None else bare_value or ""
            key = name.lower()
            if key not in ("source", "tag", "is", "has", "before", "after"):
                raise QueryError(f'unknown filter "{name}:"; known: {", ".join(KNOWN_FILTERS)} '
                                 f'(put text with a colon in quotes to search for it)')
            if not value.strip():
                continue
            if key in ("source", "tag"):
                folded = " ".join(words_of(value))
                if folded:
                    parts[negate + key].append(folded)
            elif key in ("is", "has"):
                table = IS_VALUES if key == "is" else HAS_VALUES
                flag = table.get(value.lower())
                if flag is None:
                    known = ", ".join(f"{key}:{v}" for v in dict.fromkeys(table.values()))
                    raise QueryError(f'unknown value "{key}:{value}"; known: {known}')
                (excluded_flags if negate else flags).add(flag)
            else:
                day = _period_start(value.strip(), key)
                if negate:  # -before:X is after:X and the other way round
                    key = "after" if key == "before" else "before"
                if key == "before":
                    before = day if before is None else min(before, day)
                else:
                    after = day if after is None else max(after, day)
        elif phrase is not None:
            sequence = tuple(words_of(phrase))
            if sequence:
                (excluded if negate else phrases).append(sequence)
                unclosed = match.end() == len(text) and not match.group().endswith('"') or match.group() == '"'
                phrase_prefix = not negate and unclosed and bool(WORD.search(text[-1]))
        elif bare is not None:
            found = words_of(bare)
            if negate and found:
                excluded.append(tuple(found))
            else:
                words.extend(found)
                last_is_word = bool(found) and not text[match.end(): match.end() + 1]
    prefix = last_is_word and bool(text) and not text[-1].isspace() and bool(WORD.search(text[-1]))
    return Query(text=text, words=tuple(words), phrases=tuple(phrases), excluded=tuple(excluded),
                 sources=tuple(parts["source"]), excluded_sources=tuple(parts["-source"]),
                 tags=tuple(parts["tag"]), excluded_tags=tuple(parts["-tag"]),
                 flags=frozenset(flags), excluded_flags=frozenset(excluded_flags),
                 before=before, after=after, prefix=prefix, phrase_prefix=phrase_prefix)

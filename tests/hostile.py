"""Hostile text, made by the project itself: the payloads an attacker (or a broken scraper) puts
in titles, bodies, sources, tags, notes, queries and file names, and the files each importer reads
them from.

Every escape-sequence payload carries a marker ("PWN...") so a test can tell a leaked payload in a
terminal's output from the app's own escape sequences. `FORBIDDEN_OUTPUT` lists the byte strings
that must never reach the terminal, `UNSAFE_STORED` the characters that must never be stored.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape as xml_escape

if TYPE_CHECKING:
    from store import Library

# ----------------------------------------------------------------------------- the payloads
MARKUP = {
    "click quit": "[@click=app.quit]x[/]",
    "click screenshot": "[@click=app.screenshot('pwn.svg')]shot[/]",
    "closing tag": "[/bold]",
    "javascript link": "[link=javascript:alert(1)]x[/link]",
    "style": "[bold red on white]BIG[/]",
    "bracketed word": "price [USD] 5",
    "textual variable": "$accent $text [$accent]x[/]",
}

ESCAPES = {
    "CSI colour": "\x1b[31;1mPWN-RED\x1b[0m",
    "CSI clear and home": "\x1b[2J\x1b[HPWN-CLEAR",
    "CSI unterminated": "\x1b[38;5;PWN",
    "OSC 0 title, BEL": "\x1b]0;PWN-TITLE\x07",
    "OSC 2 title, ST": "\x1b]2;PWN-TITLE2\x1b\\",
    "OSC 52 clipboard": "\x1b]52;c;UFdOLUNMSVA=\x07",  # base64 of PWN-CLIP
    "OSC 8 link": "\x1b]8;;https://evil.example/pwn\x1b\\click me\x1b]8;;\x1b\\",
    "OSC unterminated": "\x1b]52;c;UFdOLVVOVEVSTQ==",
    "DCS, ST": "\x1bP1$qPWN-DCS\x1b\\",
    "DCS unterminated": "\x1bPqPWN-SIXEL#0;2;0;0;0",
    "APC": "\x1b_PWN-APC\x1b\\",
    "two-byte ESC (reset)": "\x1bc",
    "8-bit CSI": "\x9b31mPWN-C1CSI",
    "8-bit OSC": "\x9d0;PWN-C1OSC\x9c",
    "8-bit DCS": "\x90qPWN-C1DCS\x9c",
    "C1 controls": "\x85\x8d\x8e\x8f",
    "NUL and DEL": "a\x00b\x7fc",
    "CR overwrite": "innocent text\rPWN-CR",
    "BS overwrite": "good\x08\x08\x08\x08PWN-BS",
    "BEL VT FF": "\x07\x0b\x0c",
    # Python's \s matches C1 NEL, the C0 separators and U+2028: a figure read with a regex keeps them
    "controls inside figures": "$\x855 and 6\x1f% or 7\u2028million",
}

UNICODE = {
    "bidi override": "invoice\u202egnp.exe\u202c",
    "bidi isolates": "\u2066PWN\u2069\u2067x\u2069\u2068y\u2069\u200e\u200f\u061c",
    "zero width": "pay\u200bpal \u2060joined\ufeff",
    "emoji": "coder \U0001F469\u200d\U0001F4BB flag \U0001F1F2\U0001F1FD family \U0001F468\u200d\U0001F469\u200d\U0001F467",
    "combining marks": "Z\u0334\u0321\u0322\u031ba\u0337l\u0336g\u0338o\u0335 e\u0301 n\u0303",
    "wide": "東京 서울 北京",
    "line separators": "one\u2028two\u2029three",
}

PAYLOADS: dict[str, str] = {**MARKUP, **ESCAPES, **UNICODE}
ALL_IN_ONE = " ".join(PAYLOADS.values())

# What must never appear in what the app writes to the terminal (its own escape sequences are fine:
# these are the payloads' own bytes, recognisable by their markers).
FORBIDDEN_OUTPUT: dict[str, bytes] = {
    "CSI colour": b"\x1b[31;1mPWN",
    "CSI clear": b"\x1b[HPWN",
    "CSI unterminated": b"\x1b[38;5;PWN",
    "OSC 0 title": b"\x1b]0;PWN",
    "OSC 2 title": b"\x1b]2;PWN",
    "OSC 52 clipboard": b"\x1b]52;c;UFdO",
    "OSC 8 link": b"\x1b]8;;https://evil",
    "DCS": b"\x1bP1$q",
    "DCS sixel": b"\x1bPqPWN",
    "APC": b"\x1b_PWN",
    "RIS reset": b"\x1bc",
    "NUL": b"\x00",
    "DEL": b"\x7f",
    "BS": b"\x08",
    "bidi override": "\u202e".encode(),
    "bidi isolate": "\u2066".encode(),
}
# C1 controls as UTF-8 (U+0080..U+009F): a terminal in UTF-8 mode may act on them.
C1_OUTPUT = re.compile(rb"\xc2[\x80-\x9f]")
# C0 controls a screen never needs (the app's own output has ESC, CR, LF, and BEL ending its OSCs).
C0_OUTPUT = re.compile(rb"[\x00-\x06\x0e-\x1a\x1c-\x1f]")

UNSAFE_STORED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u2060\ufeff]")
UNSAFE_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def leaks(output: bytes) -> list[str]:
    """Names of the payloads found in a terminal's output."""
    found = [name for name, needle in FORBIDDEN_OUTPUT.items() if needle in output]
    if C1_OUTPUT.search(output):
        found.append("C1 control")
    if C0_OUTPUT.search(output):
        found.append("C0 control")
    return found


def first_leak(output: bytes) -> tuple[str, int] | None:
    """The first payload found in a terminal's output and where it is, or None."""
    found = [(m.start(), "C1 control") for m in [C1_OUTPUT.search(output)] if m]
    found += [(m.start(), "C0 control") for m in [C0_OUTPUT.search(output)] if m]
    found += [(output.find(needle), name) for name, needle in FORBIDDEN_OUTPUT.items() if needle in output]
    if not found:
        return None
    at, name = min(found)
    return name, at


def stored_problems(text: str, *, single_line: bool) -> list[str]:
    """What is wrong with a stored string: control characters, escapes, bidi or zero-width characters."""
    problems = [f"{ch!r} at {m.start()}" for m in UNSAFE_STORED.finditer(text) for ch in [m.group()]][:5]
    if single_line:
        problems += [f"{m.group()!r} at {m.start()} in a one-line field" for m in UNSAFE_SINGLE_LINE.finditer(text)][:5]
    if "\x1b" in text or "PWN-TITLE" in text or "UFdO" in text:
        problems.append("an escape sequence's payload survived")
    return problems


# ----------------------------------------------------------------------------- articles
LEAD = ("Officials said on Tuesday that the border talks would resume next week, after a pause of "
        "three months in which both sides traded accusations over the figures.")


@dataclass(frozen=True)
class HostileArticle:
    title: str
    body: str
    source: str
    author: str = ""
    tags: tuple[str, ...] = ()
    url: str = ""
    expect_in_body: tuple[str, ...] = field(default=())  # literal text the stored body must keep


def hostile_articles(*, huge_line: bool = True) -> list[HostileArticle]:
    """One article per kind of payload (in title, body, source, author and tags at once), one with
    everything together, and (if `huge_line`) one whose body is a single 1 MB line."""
    articles = []
    for number, (name, payload) in enumerate(PAYLOADS.items()):
        literal = (payload,) if name in MARKUP else ()
        articles.append(HostileArticle(
            title=f"Hostile {number} {name}: {payload} end",
            body=f"{LEAD} Case {number} ({name}).\n\nBefore {payload} after.\n\nClosing paragraph {number}.",
            source=f"Outlet {payload}",
            author=f"Writer {payload}",
            tags=(f"tag-{number}", f"{payload}"),
            url=f"https://news.example/{number}",
            expect_in_body=literal,
        ))
    articles.append(HostileArticle(
        title=f"Everything at once {ALL_IN_ONE[:300]}",
        body=f"{LEAD}\n\n{ALL_IN_ONE}\n\n" + "\n".join(PAYLOADS.values()),
        source="[@click=app.quit]Evil Wire[/]",
        tags=("[/bold]", "\x1b]52;c;UFdO\x07clip"),
        url="https://news.example/all",
        expect_in_body=tuple(MARKUP.values()),
    ))
    if huge_line:
        words = ("border", "talks", "[/bold]", "figures", "\x1b[31mPWN", "\u202e", "minister", "said")
        line = " ".join(words[i % len(words)] for i in range(150_000))
        articles.append(HostileArticle(title="One megabyte on one line", body=line[:1_000_000], source="Long Wire",
                                       url="https://news.example/huge"))
    return articles


# ----------------------------------------------------------------------------- one story, four reports
STORY_WORD = "Harbour"  # in every story report's title (the library filter finds them by it)
_STORY_SENTENCES = (  # {p} and {q}: two payloads; {n}: a figure each report gives differently
    "Dock workers at the northern harbour walked out on Monday {p} after talks over pay and night "
    "shifts collapsed {q}.",
    "The port authority said {n} containers were stranded on the quays by Wednesday {p} as cranes stood "
    "idle along the eastern terminal {q}.",
    '"We will not load a single ship until the contract is signed and the night shifts are paid '
    'properly," said Maria Okafor {p}, who leads the dockers union {q}.',
    "Shipping lines have diverted at least {n} vessels to other ports along the coast {p} since the "
    "strike began, according to the chamber of commerce {q}.",
)
_STORY_UNIQUE = (
    "Bakeries and cafes near the harbour gate say their takings have fallen by half {p} this week {q}.",
    "The transport minister {p} is expected to meet both sides in the capital on Friday morning {q}.",
    "Fishermen using the old western pier say the dispute has not touched their catch {p} at all {q}.",
    "Insurance brokers warned that perishable cargo could spoil {p} within days if nothing moves {q}.",
)
_STORY_FIGURES = (("12,400", "40"), ("9,800", "35"), ("15,000", "40"), ("12,400", "52"))


def hostile_story() -> list[HostileArticle]:
    """Four reports of one story (a harbour strike), every sentence carrying two payloads: they
    share passages and a quote, each has a sentence the others lack, and their figures differ, so
    the compare pane and the coverage view draw hostile text in every kind of passage they have
    (shared, differing words, only here, shared quote, "figures differ?"). The payloads rotate, so
    the four reports together carry every one, some inside the figures."""
    payloads = list(PAYLOADS.values())
    reports = []
    for index, letter in enumerate("ABCD"):
        slots = iter(payloads[(index * 10 + k) % len(payloads)] for k in range(10))
        count, vessels = _STORY_FIGURES[index]
        if index == 0:  # a figure that differs and carries controls a figure regex keeps
            count = "12\x85thousand"
        sentences = [_STORY_SENTENCES[0], _STORY_SENTENCES[1].replace("{n}", count), _STORY_SENTENCES[2],
                     _STORY_UNIQUE[index], _STORY_SENTENCES[3].replace("{n}", vessels)]
        body = "\n\n".join(sentence.format(p=next(slots), q=next(slots)) for sentence in sentences)
        reports.append(HostileArticle(
            title=f"{STORY_WORD} strike report {letter}: {payloads[index * 7 % len(payloads)]} end",
            body=body, source=f"Wire {letter} {payloads[(index * 3) % len(payloads)]}",
            author=f"Reporter {letter} {payloads[(index * 5 + 1) % len(payloads)]}",
            tags=("harbour", payloads[(index * 11 + 2) % len(payloads)]), url=f"https://news.example/harbour/{letter}"))
    return reports


# ----------------------------------------------------------------------------- files, per importer
HOSTILE_FILE_NAMES = (
    "[@click=app.quit]x[-].txt",
    "evil \x1b]0;PWN-TITLE\x07 name.txt",
    "bidi \u202etxt.exe.txt",
    "line\nbreak.txt",
)


def _as_text(article: HostileArticle) -> str:
    return f"{article.title}\n\n{article.body}\n"


def _as_markdown(article: HostileArticle) -> str:
    front = "\n".join([
        "---",
        f"title: {article.title.replace(chr(10), ' ')}",
        f"source: {article.source}",
        f"author: {article.author}",
        f"url: {article.url}",
        f"tags: [{', '.join(t.replace(',', ' ') for t in article.tags)}]",
        "---",
    ])
    return f"{front}\n\n{article.body}\n"


def _as_html(article: HostileArticle) -> str:
    paragraphs = "".join(f"<p>{html_escape(p)}</p>\n" for p in article.body.split("\n\n"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html_escape(article.title)}</title>
<meta property="og:title" content="{html_escape(article.title)}">
<meta property="og:site_name" content="{html_escape(article.source)}">
<meta name="author" content="{html_escape(article.author)}">
</head><body><article><h1>{html_escape(article.title)}</h1>
{paragraphs}<p>{html_escape(LEAD)}</p><p>{html_escape(LEAD)} Again, for length.</p></article></body></html>"""


def _as_rss(articles: list[HostileArticle]) -> str:
    items = "".join(
        f"<item><title>{xml_escape(a.title)}</title><link>{xml_escape(a.url)}</link>"
        f"<guid>{xml_escape(a.url)}</guid><author>{xml_escape(a.author)}</author>"
        + "".join(f"<category>{xml_escape(t)}</category>" for t in a.tags)
        + f"<description>{xml_escape(a.body[:2000])}</description></item>\n"
        for a in articles)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{xml_escape(articles[0].source)}</title><link>https://news.example/</link>\n{items}</channel></rss>")


def _as_atom(articles: list[HostileArticle]) -> str:
    entries = "".join(
        f"<entry><title>{xml_escape(a.title)}</title><link href=\"{xml_escape(a.url)}/atom\"/>"
        f"<id>{xml_escape(a.url)}/atom</id><updated>2016-12-23T10:00:00Z</updated>"
        f"<content type=\"html\">{xml_escape('<p>' + a.body[:2000].replace(chr(10) * 2, '</p><p>') + '</p>')}</content>"
        f"</entry>\n" for a in articles)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{xml_escape(articles[-1].source)}</title><id>urn:hostile</id>"
            f"<updated>2016-12-23T10:00:00Z</updated>\n{entries}</feed>")


def _as_jsonl(articles: list[HostileArticle]) -> str:
    return "".join(json.dumps({"title": a.title, "body": a.body, "source": a.source, "author": a.author,
                               "tags": list(a.tags), "url": a.url + "/jsonl"}) + "\n" for a in articles)


IMPORTERS = ("text", "markdown", "html", "rss", "atom", "jsonl", "gzip")


def write_importer_files(folder: Path, articles: list[HostileArticle] | None = None) -> dict[str, list[Path]]:
    """The hostile articles as files of every kind the importers read, by importer name. The
    plain-text files carry hostile names; each kind gets a variant of the body (so that no file is a
    duplicate of another kind's)."""
    articles = articles if articles is not None else hostile_articles()
    small = [a for a in articles if len(a.body) < 100_000]

    def variant(article: HostileArticle, kind: str) -> HostileArticle:
        return HostileArticle(title=f"{article.title} ({kind})", body=f"{article.body}\n\nAs read from {kind}.",
                              source=article.source, author=article.author, tags=article.tags,
                              url=article.url, expect_in_body=article.expect_in_body)

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[Path]] = {kind: [] for kind in IMPORTERS}
    for index, article in enumerate(articles):
        name = HOSTILE_FILE_NAMES[index % len(HOSTILE_FILE_NAMES)] if index < len(HOSTILE_FILE_NAMES) else f"t{index}.txt"
        path = folder / "text" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_as_text(variant(article, "text")), encoding="utf-8")
        files["text"].append(path)
    for index, article in enumerate(small):
        for kind, suffix, render in (("markdown", ".md", _as_markdown), ("html", ".html", _as_html)):
            path = folder / kind / f"{index:02d}{suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(variant(article, kind)), encoding="utf-8")
            files[kind].append(path)
    feeds = [("rss", "feed.xml", _as_rss), ("atom", "feed.atom", _as_atom), ("jsonl", "data.jsonl", _as_jsonl)]
    for kind, name, render in feeds:
        path = folder / kind / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render([variant(a, kind) for a in (small if kind != "jsonl" else articles)]),
                        encoding="utf-8")
        files[kind].append(path)
    packed = folder / "gzip" / "[/bold] \x1b[31mPWN.txt.gz"
    packed.parent.mkdir(parents=True, exist_ok=True)
    # a NUL makes a file binary (refused), so the packed one carries another payload
    clipboard = next((a for a in articles if "OSC 52" in a.title), articles[0])
    packed.write_bytes(gzip.compress(_as_text(variant(clipboard, "gzip")).encode()))
    files["gzip"].append(packed)
    return files


# ----------------------------------------------------------------------------- typed input
# What a user might type (queries, tags, notes): markup and lookalikes (a terminal cannot type raw
# escape bytes into a field without them being read as keys, so those come from files instead).
TYPED = ("[@click=app.quit]x[/]", "[/bold]", "[link=javascript:alert(1)]x[/link]", "$accent [USD]", "pay\u200bpal")


# ----------------------------------------------------------------------------- a library cleaning never saw
def add_raw_articles(library: "Library", articles: list[HostileArticle]) -> list[str]:
    """Store `articles` with every payload intact, as a library written by an older version (or
    edited by hand) might hold them: the display must be safe on its own, not only because the
    importer cleaned. Returns the ids."""
    from unittest import mock

    from store import Candidate
    from store import library as library_module

    def as_is(text: str) -> str:
        return text

    with mock.patch.object(library_module, "clean_text", as_is), \
            mock.patch.object(library_module, "clean_line", as_is), \
            mock.patch.object(library_module, "clean_origin", as_is):
        report = library.add_candidates([
            Candidate(title=a.title, body=a.body, origin=f"raw:{index}:{a.title[:40]}", source=a.source,
                      author=a.author, url=a.url, tags=a.tags)
            for index, a in enumerate(articles)])
    ids = [outcome.article_id for outcome in report.added]
    assert len(ids) == len(articles), report.outcomes
    assert any("\x1b" in library.get(i).title for i in ids)  # really stored raw
    return [i for i in ids if i]

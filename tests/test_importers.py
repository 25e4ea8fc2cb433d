"""Import from files: the formats, de-duplication, sources and tags, bad input, fuzzing.

Everything here runs on local files; URL and feed fetching are in test_import_web.py.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
import unicodedata
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import ImportReport, Library
from store.cleaning import clean_text

UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")

PARAGRAPHS = [
    "Mexico aims to defend free trade with the United States by using border security and immigration "
    "policy to gain leverage in talks with U.S. President-elect Donald Trump, senior officials said.",
    "Deportations of illegal immigrants from Mexico have surged under Pena Nieto, with the 181,163 in 2015 "
    "more than double the number expelled during 2012, his predecessor’s final year.",
    "“It can’t just be about one issue, as that would put us at a disadvantage,” said Giorgana, who chairs "
    "the lower house foreign relations committee.",
    "Trump has threatened to scrap NAFTA if he cannot rework it to his advantage, and Mexican officials "
    "say they are preparing for talks that cover trade, security and migration together.",
]
BODY = "\n\n".join(PARAGRAPHS)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def snapshot(library: Library) -> dict[str, bytes]:
    """Every file of the library but its lock files, with its bytes."""
    return {str(p.relative_to(library.path)): p.read_bytes() for p in sorted(library.path.rglob("*"))
            if p.is_file() and not p.name.startswith(".lock")}


def statuses(report: ImportReport) -> list[str]:
    return [outcome.status for outcome in report.outcomes]


def assert_one_line_reasons(report: ImportReport) -> None:
    for outcome in report.outcomes:
        assert "\n" not in outcome.message and "\r" not in outcome.message, outcome
        assert not UNSAFE.search(outcome.message + outcome.title), outcome
        if outcome.status == "refused":
            assert outcome.message.strip(), outcome


def html_page(title: str, paragraphs: list[str], *, site: str = "Example News", author: str = "Dave Graham",
              date: str = "2016-12-23T10:00:00Z", extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | {site}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta name="author" content="{author}">
<meta property="article:published_time" content="{date}">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/politics">Politics</a></nav>
<article><h1>{title}</h1>
{body}{extra}</article>
<footer>© 2016 {site}. All rights reserved.</footer>
</body></html>"""


def rss_feed(items: list[dict[str, str]], title: str = "Border Wire") -> str:
    parts = []
    for item in items:
        content = f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>" if "content" in item else ""
        parts.append(f"""<item><title>{item['title']}</title><link>{item['link']}</link>
<guid>{item['link']}</guid><pubDate>Fri, 23 Dec 2016 10:00:00 GMT</pubDate>
<category>mexico</category><description><![CDATA[{item['summary']}]]></description>{content}</item>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>{title}</title><link>https://www.borderwire.example/</link><description>News</description>
{''.join(parts)}
</channel></rss>"""


def full_items(count: int = 2) -> list[dict[str, str]]:
    return [{"title": f"Story {n}: Mexico talks", "link": f"https://www.borderwire.example/story-{n}",
             "summary": f"Summary {n}.",
             "content": "".join(f"<p>{p} (item {n})</p>" for p in PARAGRAPHS)} for n in range(1, count + 1)]


# ----------------------------------------------------------------- formats
def test_plain_text_seed_format(tmp_path: Path, fresh_library: Library, seed_files: list[Path]) -> None:
    report = fresh_library.import_paths(seed_files)
    assert statuses(report) == ["added"] * 5
    assert len(fresh_library) == 5
    for path in seed_files:
        [article] = [a for a in fresh_library.articles() if a.origin == str(path.resolve())]
        lines = path.read_text(encoding="utf-8").split("\n")
        assert article.title == " ".join(lines[0].split())
        assert article.body == clean_text("\n".join(lines[2:]))
        assert article.word_count == len(article.body.split())
        assert article.source == "" and article.url == ""
    titles = {a.title for a in fresh_library.articles()}
    assert "Mexico to use border security, immigration as leverage in talks with Trump" in titles


def test_plain_text_without_a_title_line_is_all_body(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "notitle.txt", PARAGRAPHS[0] + "\n" + PARAGRAPHS[1])
    [outcome] = fresh_library.import_paths([path]).outcomes
    article = fresh_library.get(outcome.article_id)
    assert article.body == "\n\n".join(PARAGRAPHS[:2])
    assert article.title.startswith("Mexico aims to defend free trade") and article.title.endswith("…")


def test_markdown_with_front_matter(tmp_path: Path, fresh_library: Library) -> None:
    text = f"""---
title: "Mexico to use border security as leverage"
source: Global News
url: https://globalnews.ca/news/3145150/mexico-border/
date: 2016-12-23
tags: [mexico, nafta]
---

# A heading that is not the title

{PARAGRAPHS[0]}

Read [the full report](https://example.com/report) and ![a chart](chart.png) **here**.

- {PARAGRAPHS[1]}
"""
    path = write(tmp_path, "a.md", text)
    [outcome] = fresh_library.import_paths([path]).outcomes
    assert outcome.status == "added"
    article = fresh_library.get(outcome.article_id)
    assert article.title == "Mexico to use border security as leverage"
    assert article.source == "Global News"
    assert article.url == "https://globalnews.ca/news/3145150/mexico-border/"
    assert article.published == "2016-12-23"
    assert article.tags == ("mexico", "nafta")
    assert "Read the full report and here." in article.body.split("\n\n")
    assert "https://example.com/report" not in article.body and "chart.png" not in article.body
    assert PARAGRAPHS[0] in article.body and PARAGRAPHS[1] in article.body


def test_markdown_heading_is_the_title(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "b.markdown", f"# Mexico *plans* talks\n\n{PARAGRAPHS[0]}\n\n## Subhead\n\n{PARAGRAPHS[1]}\n")
    [outcome] = fresh_library.import_paths([path]).outcomes
    article = fresh_library.get(outcome.article_id)
    assert article.title == "Mexico plans talks"
    assert article.body == f"{PARAGRAPHS[0]}\n\nSubhead\n\n{PARAGRAPHS[1]}"
    assert article.source == ""  # a file has no site


def test_html_page(tmp_path: Path, fresh_library: Library) -> None:
    page = html_page("Mexico to use border security as leverage", PARAGRAPHS,
                     extra="<p>READ MORE: Something else entirely</p><script>alert(1)</script>")
    path = write(tmp_path, "page.html", page)
    [outcome] = fresh_library.import_paths([path]).outcomes
    assert outcome.status == "added", outcome
    article = fresh_library.get(outcome.article_id)
    assert article.title == "Mexico to use border security as leverage"
    assert article.author == "Dave Graham"
    assert article.published == "2016-12-23"
    assert article.source == "Example News"
    assert article.body == BODY  # no headline repeated, no READ MORE, no script, no navigation or footer


def test_html_page_date_comes_from_the_page_not_from_its_text(tmp_path: Path, fresh_library: Library) -> None:
    """A year in the text ("181,000 in 2015") is not a publication date: the article stays undated."""
    body = ["Mexico deported 181,000 Central Americans in 2015, officials said on Tuesday in the capital.",
            "The figure for 2014 was lower, and the talks about the border went on into the night."]
    page = ("<html><head><title>Deportations</title><meta property='og:site_name' content='Daily Test'></head>"
            "<body><article><h1>Deportations</h1>" + "".join(f"<p>{p}</p>" for p in body) + "</article></body></html>")
    [outcome] = fresh_library.import_paths([write(tmp_path, "undated.html", page)]).outcomes
    assert outcome.status == "added", outcome
    assert fresh_library.get(outcome.article_id).published is None
    dated = page.replace("<article>", "<article><time datetime='2016-05-04'>May 4, 2016</time>")
    [outcome] = fresh_library.import_paths([write(tmp_path, "dated.html", dated)]).outcomes
    assert fresh_library.get(outcome.article_id).published == "2016-05-04"


def test_html_page_without_article_text_is_refused(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "empty.html", "<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>")
    [outcome] = fresh_library.import_paths([path]).outcomes
    assert outcome.status == "refused" and "no article text" in outcome.message


def test_rss_file_with_full_content(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "wire.xml", rss_feed(full_items(2)))
    report = fresh_library.import_paths([path])
    assert statuses(report) == ["added", "added"]
    assert all(outcome.message == "" for outcome in report.outcomes)  # full text: no warning
    articles = sorted(fresh_library.articles(), key=lambda a: a.title)
    assert [a.title for a in articles] == ["Story 1: Mexico talks", "Story 2: Mexico talks"]
    first = articles[0]
    assert first.source == "Border Wire"
    assert first.url == first.origin == "https://www.borderwire.example/story-1"
    assert first.published == "2016-12-23T10:00:00Z"
    assert first.tags == ("mexico",)
    assert first.body == "\n\n".join(f"{p} (item 1)" for p in PARAGRAPHS)


def test_rss_file_with_summaries_only_warns(tmp_path: Path, fresh_library: Library) -> None:
    items = [{"title": "Teaser", "link": "https://www.borderwire.example/teaser",
              "summary": "<p>Mexico plans talks.</p><p>More <b>soon</b>.</p>"}]
    report = fresh_library.import_paths([write(tmp_path, "teasers.rss", rss_feed(items))])
    [outcome] = report.outcomes
    assert outcome.status == "added"
    assert "only a summary" in outcome.message and "--fetch-full" in outcome.message
    assert fresh_library.get(outcome.article_id).body == "Mexico plans talks.\n\nMore soon."


def test_atom_file(tmp_path: Path, fresh_library: Library) -> None:
    entries = "".join(f"""<entry><title>Atom story {n}</title>
<link rel="alternate" href="https://atom.example.org/{n}"/><id>urn:uuid:{n}</id>
<updated>2019-06-06T12:00:00Z</updated><author><name>Michael D. Shear</name></author>
<content type="html">{''.join(f'&lt;p&gt;{p} ({n})&lt;/p&gt;' for p in PARAGRAPHS)}</content></entry>""" for n in (1, 2, 3))
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>The Atom Times</title><id>urn:feed</id>
<updated>2019-06-06T12:00:00Z</updated>{entries}</feed>"""
    report = fresh_library.import_paths([write(tmp_path, "times.atom", atom)])
    assert statuses(report) == ["added"] * 3
    article = fresh_library.get(report.outcomes[0].article_id)
    assert article.title == "Atom story 1" and article.source == "The Atom Times"
    assert article.author == "Michael D. Shear" and article.published == "2019-06-06T12:00:00Z"
    assert article.body == "\n\n".join(f"{p} (1)" for p in PARAGRAPHS)


def test_feed_text_entities_are_decoded(tmp_path: Path, fresh_library: Library) -> None:
    rss = rss_feed([{"title": "AT&amp;T &lt;3 Mexico", "link": "https://f.example/1",
                     "summary": "AT&amp;T profits &amp;amp; more &#8212; up"}], title="A &amp; B")
    atom = """<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>Plain</title>
<link href="https://f.example/2"/><id>urn:2</id><summary type="text">a &amp; b &lt;c&gt; d</summary></entry></feed>"""
    report = fresh_library.import_paths([write(tmp_path, "e.rss", rss.replace("<![CDATA[", "").replace("]]>", "")),
                                         write(tmp_path, "e.atom", atom)])
    first, second = (fresh_library.get(o.article_id) for o in report.outcomes)
    assert first.title == "AT&T <3 Mexico" and first.source == "A & B"
    assert first.body == "AT&T profits & more — up"  # RSS descriptions are HTML: "&amp;amp;" is "&amp;" is "&"
    assert second.body == "a & b <c> d"  # plain text is not read as HTML


def test_feed_escape_sequences_never_reach_the_library(tmp_path: Path, fresh_library: Library) -> None:
    feed = rss_feed([{"title": "Evil \x1b]52;c;ZWNobw==\x07title\x1b[2J",
                      "link": "https://evil.example/a\x1b[31m", "summary": "Body \x1b[31mred\x1b[0m text."}],
                    title="Feed \x1b]0;owned\x07name")
    report = fresh_library.import_paths([write(tmp_path, "evil.xml", feed)])
    [outcome] = report.outcomes
    article = fresh_library.get(outcome.article_id)
    for value in (article.title, article.source, article.url, article.origin, article.body, outcome.origin):
        assert "\x1b" not in value and "\x9b" not in value and "\x07" not in value, repr(value)
    assert article.title == "Evil title" and article.body == "Body red text." and article.source == "Feed name"


def test_jsonl_good_and_bad_lines(tmp_path: Path, fresh_library: Library) -> None:
    lines = [
        json.dumps({"title": "One", "body": BODY, "url": "https://www.reuters.com/article/one",
                    "published": "2016-12-23", "tags": ["mexico", "trade"]}),
        "{not json",
        json.dumps({"title": "Two", "text": PARAGRAPHS[1], "source": "Reuters", "tags": "a, b"}),
        "",
        json.dumps(["a", "list"]),
        json.dumps({"title": "No body here", "url": "https://x.example/3"}),
        json.dumps({"headline": "Three", "content": PARAGRAPHS[2], "link": "https://apnews.com/3"}),
    ]
    path = write(tmp_path, "data.jsonl", "\n".join(lines) + "\n")
    report = fresh_library.import_paths([path])
    assert_one_line_reasons(report)
    refused = {outcome.origin: outcome.message for outcome in report.refused}
    origin = str(path.resolve())
    assert set(refused) == {f"{origin}#line 2", f"{origin}#line 5", f"{origin}#line 6"}
    assert "not valid JSON" in refused[f"{origin}#line 2"]
    assert "not a JSON object" in refused[f"{origin}#line 5"]
    assert "no body or text field" in refused[f"{origin}#line 6"]
    assert len(report.added) == 3 and len(fresh_library) == 3
    by_title = {a.title: a for a in fresh_library.articles()}
    one, two, three = by_title["One"], by_title["Two"], by_title["Three"]
    assert one.url == one.origin == "https://www.reuters.com/article/one"
    assert one.source == "reuters.com" and one.published == "2016-12-23" and one.tags == ("mexico", "trade")
    assert one.body == BODY
    assert two.source == "Reuters" and two.tags == ("a", "b") and two.origin == f"{origin}#line 3"
    assert three.source == "apnews.com" and three.body == PARAGRAPHS[2]


def test_jsonl_control_characters_in_fields(tmp_path: Path, fresh_library: Library) -> None:
    record = {"title": "T\x1b]0;x\x07itle\nsecond", "body": "Body \x1b[31mtext\x00.",
              "url": "https://ex.example/a\x1b[31m\nb", "tags": ["ta\x1b[1mg", "\x00"]}
    report = fresh_library.import_paths([write(tmp_path, "ctl.jsonl", json.dumps(record) + "\n")])
    [outcome] = report.outcomes
    article = fresh_library.get(outcome.article_id)
    assert article.title == "Title second" and article.body == "Body text."
    assert "\n" not in article.origin and "\x1b" not in article.origin and "\x1b" not in outcome.origin
    assert article.tags == ("tag",)


def test_folder_is_imported_recursively(tmp_path: Path, fresh_library: Library, seed_files: list[Path]) -> None:
    folder = tmp_path / "in"
    for index, seed in enumerate(seed_files):
        write(folder / ("deep/deeper" if index % 2 else "top"), seed.name, seed.read_bytes())
    write(folder, "notes.md", f"# Notes\n\n{PARAGRAPHS[0]}\n")
    write(folder, "page.htm", html_page("A page", PARAGRAPHS[1:]))
    write(folder, "image.png", b"\x89PNG\r\n\x1a\n" + bytes(100))
    write(folder, ".hidden.txt", "Hidden\n\nnot imported")
    write(folder / ".git", "config.txt", "Git\n\nnot imported")
    write(folder, "empty.txt", "")
    report = fresh_library.import_paths([folder])
    assert_one_line_reasons(report)
    assert len(report.added) == 7 and len(fresh_library) == 7
    assert [o.origin.endswith("image.png") for o in report.skipped] == [True]
    assert [o.origin.endswith("empty.txt") for o in report.refused] == [True]
    assert not any("hidden" in a.origin or ".git" in a.origin for a in fresh_library.articles())
    assert report.summary() == "7 added, 0 already in the library, 1 refused, 1 skipped (not a type broadsheet imports)"


def test_gzipped_text_file(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "story.txt.gz", gzip.compress(f"A title\n\n{BODY}".encode()))
    [outcome] = fresh_library.import_paths([path]).outcomes
    assert outcome.status == "added"
    assert fresh_library.get(outcome.article_id).title == "A title"


def test_progress_is_reported(tmp_path: Path, fresh_library: Library, seed_files: list[Path]) -> None:
    calls: list[tuple[int, int | None, str]] = []
    fresh_library.import_paths(seed_files, progress=lambda done, total, what: calls.append((done, total, what)))
    assert calls[0][:2] == (0, 5) and calls[-1][:2] == (5, 5)


# ----------------------------------------------------------------- de-duplication
def test_second_import_of_the_same_files_adds_nothing(tmp_path: Path, fresh_library: Library,
                                                      seed_files: list[Path]) -> None:
    fresh_library.import_paths(seed_files)
    before = snapshot(fresh_library)
    report = fresh_library.import_paths(seed_files)
    assert statuses(report) == ["unchanged"] * 5
    assert report.summary() == "0 added, 5 already in the library, 0 refused"
    assert all("already in the library" in outcome.message for outcome in report.outcomes)
    assert len(fresh_library) == 5 and snapshot(fresh_library) == before


def test_second_import_of_a_feed_adds_nothing(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "wire.xml", rss_feed(full_items(3)))
    assert statuses(fresh_library.import_paths([path])) == ["added"] * 3
    report = fresh_library.import_paths([path])
    assert statuses(report) == ["unchanged"] * 3
    assert len(fresh_library) == 3


def test_changed_file_updates_in_place(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "story.txt", f"First title\n\n{BODY}")
    [first] = fresh_library.import_paths([path], tags=["mexico"]).outcomes
    fresh_library.set_read([first.article_id])
    fresh_library.set_starred([first.article_id])
    fresh_library.tag([first.article_id], add=["keep"])
    write(tmp_path, "story.txt", f"Corrected title\n\n{BODY}\n\nCorrection: an earlier version misstated a figure.")
    [second] = fresh_library.import_paths([path]).outcomes
    assert second.status == "updated" and second.article_id == first.article_id
    assert len(fresh_library) == 1
    article = fresh_library.get(first.article_id)
    assert article.title == "Corrected title" and article.body.endswith("misstated a figure.")
    assert article.read and article.starred and article.tags == ("mexico", "keep")
    # and the old text is no longer "in the library": importing it elsewhere adds it
    [third] = fresh_library.import_paths([write(tmp_path, "old.txt", f"First title\n\n{BODY}")]).outcomes
    assert third.status == "added" and len(fresh_library) == 2


def test_identical_text_in_two_files_is_one_article(tmp_path: Path, fresh_library: Library) -> None:
    a = write(tmp_path, "a.txt", f"Title A\n\n{BODY}")
    b = write(tmp_path, "b/b.txt", f"Title B\r\n\r\n{BODY.replace(chr(10) * 2, chr(13) + chr(10) * 3)}  \n")
    report = fresh_library.import_paths([a, b])
    assert statuses(report) == ["added", "duplicate"]
    added, duplicate = report.outcomes
    assert duplicate.article_id == added.article_id
    assert added.article_id in duplicate.message and str(a.resolve()) in duplicate.message
    assert len(fresh_library) == 1
    # the same again, in one batch with a tag: the tag reaches the one article
    report = fresh_library.import_paths([b], tags=["dup"])
    assert statuses(report) == ["duplicate"] and fresh_library.get(added.article_id).tags == ("dup",)


def test_duplicate_within_one_jsonl_file(tmp_path: Path, fresh_library: Library) -> None:
    line = json.dumps({"title": "Same", "body": BODY})
    report = fresh_library.import_paths([write(tmp_path, "d.jsonl", f"{line}\n{line}\n")])
    assert statuses(report) == ["added", "duplicate"] and len(fresh_library) == 1


# ----------------------------------------------------------------- sources and tags
def test_source_override_and_tags(tmp_path: Path, fresh_library: Library) -> None:
    feed = write(tmp_path, "wire.xml", rss_feed(full_items(1)))
    jsonl = write(tmp_path, "d.jsonl", json.dumps({"body": BODY, "url": "https://edition.cnn.com/x",
                                                    "tags": ["own"]}) + "\n")
    report = fresh_library.import_paths([feed, jsonl], source="  My\x1b[1m Source ", tags=["a", " b ", "", "a"])
    assert len(report.added) == 2
    for article in fresh_library.articles():
        assert article.source == "My Source"
        assert set(article.tags) >= {"a", "b"} and "" not in article.tags
    assert fresh_library.tags() == {"a": 2, "b": 2, "mexico": 1, "own": 1}


def test_source_from_the_site_of_the_url(tmp_path: Path, fresh_library: Library) -> None:
    urls = ["https://www.reuters.com/a", "https://m.washingtonpost.com/b", "http://globalnews.ca:8080/c"]
    lines = [json.dumps({"body": f"{BODY} {n}", "url": url}) for n, url in enumerate(urls)]
    fresh_library.import_paths([write(tmp_path, "u.jsonl", "\n".join(lines))])
    assert fresh_library.sources() == {"globalnews.ca": 1, "reuters.com": 1, "washingtonpost.com": 1}


# ----------------------------------------------------------------- bad input
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Laughs &lol9;</title>
<item><title>Item &lol9;</title><link>https://laughs.example/1</link>
<description>Body of the item &lol9; ends here.</description></item>
</channel></rss>"""


def external_entity_feed(secret: Path) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY % remote SYSTEM "file://{secret}"> %remote;]>
<rss version="2.0"><channel><title>XXE &xxe;</title>
<item><title>Item &xxe;</title><link>https://xxe.example/1</link>
<description>Body &xxe; ends here.</description></item></channel></rss>"""


def bomb(size: int, unit: bytes = b"a") -> bytes:
    """`size` bytes of text, gzip-compressed to about a thousandth of that, built without holding them."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = unit * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + compressor.flush()


def test_entity_expansion_is_refused_or_not_expanded(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "laughs.xml", BILLION_LAUGHS)
    html = write(tmp_path, "laughs.html", BILLION_LAUGHS.replace("rss [", "html [").split("]>")[0]
                 + "]>" + html_page("Laughs &lol9;", PARAGRAPHS + ["&lol9;"]))
    started = time.monotonic()
    report = fresh_library.import_paths([path, html])
    assert time.monotonic() - started < 1.0
    assert_one_line_reasons(report)
    for article in fresh_library.articles():
        assert "lollol" not in article.body + article.title + article.source
        assert len(article.body) < 5000


def test_external_entities_are_not_read(tmp_path: Path, fresh_library: Library) -> None:
    secret = write(tmp_path, "secret.txt", "TOPSECRET-MARKER")
    report = fresh_library.import_paths([write(tmp_path, "xxe.xml", external_entity_feed(secret))])
    assert_one_line_reasons(report)
    for article in fresh_library.articles():
        assert "TOPSECRET" not in article.body + article.title + article.source


BAD_FILES: dict[str, tuple[str, bytes, str]] = {
    "png": ("image.txt", b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "not text: a PNG image"),
    "pdf": ("paper.md", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)), "not text: a PDF document"),
    "random bytes with NULs": ("noise.txt", bytes(range(256)) * 8, "not text: binary data"),
    "control bytes": ("ctl.html", bytes([1, 2, 3, 4, 5, 6, 14, 15, 16]) * 50, "not text: binary data"),
    "empty": ("empty.txt", b"", "empty file"),
    "whitespace only": ("blank.md", b" \n\n\t\r\n ", "empty file"),
    "empty jsonl": ("empty.jsonl", b"", "empty file"),
    "blank jsonl": ("blank.jsonl", b"\n \n\t\n", "empty file"),
    "gzip without .gz": ("packed.txt", gzip.compress(b"A title\n\nbody"), "not text: gzip-compressed data"),
    "corrupt .gz": ("broken.txt.gz", b"\x1f\x8b\x08\x00garbage-garbage-garbage", "corrupt gzip data"),
    "malformed feed": ("broken.xml", b"<?xml version='1.0'?>\n<rss><channel><title>x</title><<<>>>&&&", "feed"),
    "feed with no items": ("none.rss", b"<rss version='2.0'><channel><title>Empty</title></channel></rss>",
                           "a feed with no items"),
    "jsonl only bad lines": ("bad.jsonl", b"{oops\n[1,2]\n\"text\"\n", "line"),
    "text of only boilerplate": ("ad.txt", b"Title\n\nAdvertisement\n\nREAD MORE: x\n\nSponsored content",
                                 "no article text after cleaning"),
}


@pytest.mark.parametrize("name, content, reason", list(BAD_FILES.values()), ids=list(BAD_FILES))
def test_bad_file_is_refused_with_a_reason(tmp_path: Path, fresh_library: Library, name: str, content: bytes,
                                           reason: str) -> None:
    fresh_library.import_paths([write(tmp_path, "good.txt", f"Good\n\n{BODY}")])
    before = snapshot(fresh_library)
    report = fresh_library.import_paths([write(tmp_path / "bad", name, content)])
    assert report.outcomes and all(outcome.status == "refused" for outcome in report.outcomes)
    assert_one_line_reasons(report)
    assert any(reason in outcome.message or reason in outcome.origin for outcome in report.outcomes), report
    assert len(fresh_library) == 1 and snapshot(fresh_library) == before


def test_missing_path_is_refused(tmp_path: Path, fresh_library: Library) -> None:
    [outcome] = fresh_library.import_paths([tmp_path / "nope.txt"]).outcomes
    assert outcome.status == "refused" and outcome.message == "no such file or folder"


def test_unreadable_file_is_refused(tmp_path: Path, fresh_library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "locked.txt", f"Locked\n\n{BODY}")
    path.chmod(0)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # root reads a mode-0 file anyway (and CI runs as root): deny the read the way the OS would
        import builtins

        from store.importers import reading

        def denied(file: object, *args: object, **kwargs: object) -> object:
            if Path(str(file)) == path:
                raise PermissionError(13, "Permission denied", str(file))
            return builtins.open(file, *args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(reading, "open", denied, raising=False)
    try:
        [outcome] = fresh_library.import_paths([path]).outcomes
    finally:
        path.chmod(0o600)
    assert outcome.status == "refused" and outcome.message == "permission denied"


def test_invalid_utf8_is_decoded_with_a_warning(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "latin.txt", "Peña Nieto’s café\n\nThe café of Peña Nieto — “quoted”.".encode("cp1252"))
    [outcome] = fresh_library.import_paths([path]).outcomes
    assert outcome.status == "added"
    assert "not valid UTF-8" in outcome.message and "Windows-1252" in outcome.message
    article = fresh_library.get(outcome.article_id)
    assert article.title == "Peña Nieto’s café" and article.body == "The café of Peña Nieto — “quoted”."


def test_undecodable_bytes_are_replaced_with_a_warning(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "odd.txt", b"Title\n\nBytes \x81\x8d\x8f that no code page has.")
    [outcome] = fresh_library.import_paths([path]).outcomes
    assert outcome.status == "added" and "replaced" in outcome.message
    assert fresh_library.get(outcome.article_id).body == "Bytes \ufffd\ufffd\ufffd that no code page has."


def test_utf16_with_bom_is_read(tmp_path: Path, fresh_library: Library) -> None:
    path = write(tmp_path, "wide.txt", "Wide title\n\nPeña Nieto said so.".encode("utf-16"))
    [outcome] = fresh_library.import_paths([path]).outcomes
    assert outcome.status == "added" and outcome.message == ""
    assert fresh_library.get(outcome.article_id).body == "Peña Nieto said so."


def test_size_cap(tmp_path: Path, fresh_library: Library) -> None:
    big = write(tmp_path, "big.txt", "Big\n\n" + "word " * 1000)
    small = write(tmp_path, "small.txt", f"Small\n\n{BODY}")
    report = fresh_library.import_paths([big, small], max_bytes=2000)
    assert statuses(report) == ["refused", "added"]
    assert report.refused[0].message.startswith("too large") and "limit" in report.refused[0].message
    jsonl = write(tmp_path, "lines.jsonl", json.dumps({"body": "word " * 1000}) + "\n"
                  + json.dumps({"body": BODY}) + "\n")
    report = fresh_library.import_paths([jsonl], max_bytes=2000)
    assert statuses(report) == ["refused", "duplicate"] and "line too long" in report.refused[0].message


@pytest.mark.parametrize("name", ["bomb.txt.gz", "bomb.jsonl.gz", "bomb.xml.gz"])
def test_gzip_bomb_file_is_refused_quickly(tmp_path: Path, fresh_library: Library, name: str) -> None:
    path = write(tmp_path, name, bomb(64 * 1024 * 1024))  # 64 MB of text in about 64 KB
    assert path.stat().st_size < 200_000
    before = snapshot(fresh_library)
    started = time.monotonic()
    [outcome] = fresh_library.import_paths([path]).outcomes
    assert time.monotonic() - started < 2.0
    assert outcome.status == "refused" and "compression bomb" in outcome.message
    assert snapshot(fresh_library) == before
    # a smaller cap refuses a smaller bomb too, and the compressed size is capped as well
    [outcome] = fresh_library.import_paths([path], max_bytes=50_000).outcomes
    assert outcome.status == "refused" and "too large" in outcome.message


def test_bad_files_never_abort_a_folder_import(tmp_path: Path, fresh_library: Library,
                                               seed_files: list[Path]) -> None:
    folder = tmp_path / "mixed"
    for index, (name, content, _) in enumerate(BAD_FILES.values()):
        write(folder / f"bad{index}", name, content)
    write(folder, "laughs.xml", BILLION_LAUGHS)
    write(folder, "bomb.txt.gz", bomb(32 * 1024 * 1024))
    for seed in seed_files:
        write(folder / "good", seed.name, seed.read_bytes())
    report = fresh_library.import_paths([folder])
    assert_one_line_reasons(report)
    assert len(report.added) >= 5 and len(fresh_library) == len(report.added)
    origins = {a.origin for a in fresh_library.articles()}
    assert {str((folder / "good" / seed.name).resolve()) for seed in seed_files} <= origins
    refused_files = {Path(o.origin.split("#")[0]).name for o in report.refused}
    assert refused_files >= {name for name, _, _ in BAD_FILES.values()} | {"bomb.txt.gz"}


# ----------------------------------------------------------------- fuzzing
STRUCTURE = st.sampled_from([
    "<?xml version='1.0'?>", "<rss version='2.0'>", "<channel>", "<item>", "</item>", "<title>", "</title>",
    "<description>", "</description>", "<link>https://f.example/1</link>", "<feed xmlns='http://www.w3.org/2005/Atom'>",
    "<entry>", "<content type='html'>", "<![CDATA[", "]]>", "<!DOCTYPE x [<!ENTITY e 'ee'>]>", "&e;", "&amp;",
    "<html>", "<body>", "<p>", "</p>", "<script>", "{\"title\": \"t\", \"body\": \"", "\"}", "\n", "\n\n",
    "---\ntitle: x\ntags: [a, b]\n---\n", "# ", "[link](http://x)", "\x1b[31m", "\x1b]0;t\x07", "\x9b",
    "\x00", "\u202e", "READ MORE: x", PARAGRAPHS[0], PARAGRAPHS[1], "\ufeff", "\r\n",
])
CONTENT = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=1500).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.lists(st.one_of(STRUCTURE, st.text(max_size=20)), max_size=80).map(lambda parts: "".join(parts).encode(
        "utf-8", "surrogatepass")),
)


def test_fuzzed_files_import_clean_or_are_refused(tmp_path: Path, fresh_library: Library) -> None:
    counter = iter(range(10**9))

    @settings(max_examples=100, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(content=CONTENT, suffix=st.sampled_from([".txt", ".html", ".xml", ".jsonl", ".md"]))
    def check(content: bytes, suffix: str) -> None:
        path = write(tmp_path / "fuzz", f"f{next(counter)}{suffix}", content)
        before, count = snapshot(fresh_library), len(fresh_library)
        report = fresh_library.import_paths([path])  # never raises
        assert report.outcomes
        assert_one_line_reasons(report)
        assert {o.status for o in report.outcomes} <= {"added", "updated", "duplicate", "unchanged", "refused"}
        assert len(fresh_library) == count + len(report.added)
        if all(o.status == "refused" for o in report.outcomes):
            assert snapshot(fresh_library) == before
        for outcome in report.added + report.updated:
            article = fresh_library.get(outcome.article_id)
            body = article.body
            assert body and clean_text(body) == body
            assert not UNSAFE.search(body) and unicodedata.is_normalized("NFC", body)
            for field in (article.title, article.source, article.url, article.author, article.origin,
                          *article.tags):
                assert "\n" not in field and not UNSAFE.search(field), repr(field)

    check()

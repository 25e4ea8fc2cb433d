"""RSS and Atom feeds (feedparser): each item becomes an article."""

from __future__ import annotations

import time
from typing import Callable, Iterator

import feedparser

from ..cleaning import clean_line
from ..records import Candidate, ImportOutcome
from .html import html_fragment_to_text
from .reading import Refused

MAX_ITEMS = 10_000
SUMMARY_ONLY_WORDS = 150  # an item with less text than this and no full content is a teaser

FetchPage = Callable[[str], Candidate]


def looks_like_feed(head: str) -> bool:
    start = head.lstrip("\ufeff \t\r\n")[:2048].lower()
    return start.startswith("<?xml") and any(tag in start for tag in ("<rss", "<feed", "<rdf:rdf")) or \
        start.startswith(("<rss", "<feed", "<rdf:rdf"))


def _date(entry: feedparser.FeedParserDict) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
    return entry.get("published") or entry.get("updated") or None


def parse_feed(data: bytes, origin: str, fetch_page: FetchPage | None) -> Iterator[Candidate | ImportOutcome]:
    """Every item of the feed. `fetch_page`, when given, fetches an item's full page when the feed
    carries only a summary; if that fails the summary is kept, with a warning."""
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    entries = parsed.get("entries", [])
    if parsed.get("bozo") and not entries:
        reason = parsed.get("bozo_exception")
        raise Refused(f"malformed feed ({type(reason).__name__}: {str(reason)[:120]})" if reason else "malformed feed")
    if not entries:
        raise Refused("a feed with no items")
    feed_title = parsed.get("feed", {}).get("title", "")
    for index, entry in enumerate(entries[:MAX_ITEMS]):
        link = clean_line(entry.get("link", ""))  # the item's origin: no escapes or newlines from the feed
        item_origin = link or f"{origin}#{clean_line(str(entry.get('id') or '')) or index + 1}"
        content = entry.get("content") or []
        html = content[0].get("value", "") if content else entry.get("summary", "")
        detail = content[0] if content else entry.get("summary_detail") or {}
        body = html if detail.get("type") == "text/plain" else html_fragment_to_text(html)
        candidate = Candidate(
            title=entry.get("title", ""), body=body, origin=item_origin, source=feed_title, url=link,
            author=entry.get("author", ""), published=_date(entry),
            tags=tuple(t.get("term", "") for t in entry.get("tags", []) if t.get("term")),
        )
        if not content and len(body.split()) < SUMMARY_ONLY_WORDS:
            if fetch_page is not None and link:
                try:
                    page = fetch_page(link)
                except Refused as error:
                    candidate.warning = f"only the feed's summary: fetching the full page failed ({error})"
                else:
                    candidate.body = page.body
                    candidate.author = candidate.author or page.author
                    candidate.published = candidate.published or page.published
            else:
                candidate.warning = "the feed has only a summary of this item (--fetch-full fetches the page)"
        if not candidate.body.strip():
            yield ImportOutcome(item_origin, "refused", "feed item with no text", title=candidate.title)
            continue
        yield candidate
    if len(entries) > MAX_ITEMS:
        yield ImportOutcome(origin, "refused", f"only the first {MAX_ITEMS} of {len(entries)} items were read")

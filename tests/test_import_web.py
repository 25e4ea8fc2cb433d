"""Import from URLs and feeds, against an HTTP server the test starts on 127.0.0.1 (no network):
pages, feeds, --fetch-full, redirects, errors, timeouts, compression bombs, binary content."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from store import Library

# tests/ is on sys.path (pytest's default "prepend" import mode; tests/ has no __init__.py)
from conftest import LocalServer
from test_importers import (BILLION_LAUGHS, BODY, PARAGRAPHS, assert_one_line_reasons, bomb, html_page,
                            rss_feed, snapshot, statuses)

RSS = "application/rss+xml; charset=utf-8"
FAST = 0.5  # seconds: the timeout for tests that wait on a server on purpose


def summary_items(server: LocalServer, count: int = 2) -> list[dict[str, str]]:
    return [{"title": f"Teaser {n}", "link": server.url(f"/story/{n}.html"), "summary": f"Short summary {n}."}
            for n in range(1, count + 1)]


# ----------------------------------------------------------------- pages
def test_html_page_by_url(http_server: LocalServer, fresh_library: Library) -> None:
    url = http_server.add("/world/mexico.html", html_page("Mexico to use border security as leverage", PARAGRAPHS))
    [outcome] = fresh_library.import_paths([url]).outcomes
    assert outcome.status == "added", outcome
    article = fresh_library.get(outcome.article_id)
    assert article.title == "Mexico to use border security as leverage"
    assert article.origin == article.url == url
    assert article.source == "Example News" and article.author == "Dave Graham"
    assert article.published == "2016-12-23"
    assert article.body == BODY


def test_plain_text_by_url_takes_its_source_from_the_site(http_server: LocalServer, fresh_library: Library,
                                                          seed_files: list[Path]) -> None:
    url = http_server.add("/seed.txt", seed_files[1].read_bytes(), content_type="text/plain; charset=utf-8")
    [outcome] = fresh_library.import_paths([url]).outcomes
    article = fresh_library.get(outcome.article_id)
    assert article.title == "Mexico to use border security, immigration as leverage in talks with Trump"
    assert article.source == "127.0.0.1" and article.url == url
    assert "181,163" in article.body and "READ MORE" not in article.body


def test_source_override_and_tags_for_a_url(http_server: LocalServer, fresh_library: Library) -> None:
    url = http_server.add("/a.html", html_page("A", PARAGRAPHS))
    [outcome] = fresh_library.import_paths([url], source="Global News", tags=["mexico"]).outcomes
    article = fresh_library.get(outcome.article_id)
    assert article.source == "Global News" and article.tags == ("mexico",)


def test_redirect_is_followed(http_server: LocalServer, fresh_library: Library) -> None:
    final = http_server.add("/news/2016/mexico.html", html_page("Moved story", PARAGRAPHS))
    start = http_server.redirect("/old-link", "/short")
    http_server.redirect("/short", final, status=301)
    [outcome] = fresh_library.import_paths([start]).outcomes
    assert outcome.status == "added"
    article = fresh_library.get(outcome.article_id)
    assert article.origin == start and article.url == final and article.title == "Moved story"
    # the same page by its final address is the same article
    [again] = fresh_library.import_paths([final]).outcomes
    assert again.status == "duplicate" and again.article_id == article.id


def test_redirect_loop_is_refused(http_server: LocalServer, fresh_library: Library) -> None:
    loop = http_server.redirect("/loop/a", "/loop/b")
    http_server.redirect("/loop/b", "/loop/a")
    [outcome] = fresh_library.import_paths([loop]).outcomes
    assert outcome.status == "refused" and outcome.message == "too many redirects"
    assert len(http_server.requests) <= 7


@pytest.mark.parametrize("status, reason", [(404, "404 Not Found"), (500, "500 Internal Server Error"),
                                            (403, "403 Forbidden")])
def test_error_status_is_refused(http_server: LocalServer, fresh_library: Library, status: int,
                                 reason: str) -> None:
    url = http_server.add("/err", "<html><body><p>error page</p></body></html>", status=status)
    before = snapshot(fresh_library)
    [outcome] = fresh_library.import_paths([url]).outcomes
    assert outcome.status == "refused" and outcome.message == f"the server answered {reason}"
    assert snapshot(fresh_library) == before


def test_unknown_path_is_404(http_server: LocalServer, fresh_library: Library) -> None:
    [outcome] = fresh_library.import_paths([http_server.url("/nothing-here")]).outcomes
    assert outcome.status == "refused" and "404" in outcome.message


def test_unreachable_url_is_refused_at_once(closed_port_url: str, fresh_library: Library) -> None:
    started = time.monotonic()
    [outcome] = fresh_library.import_paths([closed_port_url], timeout=FAST).outcomes
    assert time.monotonic() - started < 2.0
    assert outcome.status == "refused" and outcome.message.startswith("could not fetch it (ConnectError")
    assert_one_line_reasons(fresh_library.import_paths([closed_port_url], timeout=FAST))


def test_server_that_does_not_answer_times_out(http_server: LocalServer, fresh_library: Library) -> None:
    url = http_server.add("/slow", html_page("Slow", PARAGRAPHS), delay=30)
    started = time.monotonic()
    [outcome] = fresh_library.import_paths([url], timeout=FAST).outcomes
    assert time.monotonic() - started < FAST + 1.5
    assert outcome.status == "refused" and outcome.message == "the server did not answer in time"


def test_server_that_trickles_is_cut_off(http_server: LocalServer, fresh_library: Library) -> None:
    """One byte every 50 ms never trips a read timeout; the whole page still has a deadline."""
    url = http_server.add("/trickle", "<html><body><p>", trickle=0.05)
    started = time.monotonic()
    [outcome] = fresh_library.import_paths([url], timeout=FAST).outcomes
    assert time.monotonic() - started < FAST * 3 + 1.5
    assert outcome.status == "refused" and "in time" in outcome.message


@pytest.mark.parametrize("content_type", ["image/png", "application/octet-stream", "application/pdf",
                                          "video/mp4", "application/zip"])
def test_binary_content_type_is_refused(http_server: LocalServer, fresh_library: Library,
                                        content_type: str) -> None:
    url = http_server.add("/file", b"\x89PNG\r\n\x1a\n" + bytes(500), content_type=content_type)
    [outcome] = fresh_library.import_paths([url]).outcomes
    assert outcome.status == "refused" and outcome.message == f"not a page or a feed ({content_type})"


def test_binary_body_with_a_text_content_type_is_refused(http_server: LocalServer, fresh_library: Library) -> None:
    png = http_server.add("/lying.html", b"\x89PNG\r\n\x1a\n" + bytes(500))
    noise = http_server.add("/noise.txt", bytes(range(256)) * 4, content_type="text/plain")
    report = fresh_library.import_paths([png, noise])
    assert statuses(report) == ["refused", "refused"]
    assert report.outcomes[0].message == "not text: a PNG image"
    assert report.outcomes[1].message.startswith("not text: binary data")


def test_missing_content_type_is_sniffed(http_server: LocalServer, fresh_library: Library) -> None:
    page = http_server.add("/untyped", html_page("Untyped page", PARAGRAPHS), content_type=None)
    [outcome] = fresh_library.import_paths([page]).outcomes
    assert outcome.status == "added" and fresh_library.get(outcome.article_id).title == "Untyped page"


def test_gzip_encoded_page_is_decoded(http_server: LocalServer, fresh_library: Library) -> None:
    url = http_server.add("/gz.html", gzip.compress(html_page("Compressed", PARAGRAPHS).encode()),
                          headers={"Content-Encoding": "gzip"})
    [outcome] = fresh_library.import_paths([url]).outcomes
    assert outcome.status == "added" and fresh_library.get(outcome.article_id).body == BODY


def test_http_gzip_bomb_is_refused(http_server: LocalServer, fresh_library: Library) -> None:
    payload = bomb(64 * 1024 * 1024, b"<p>lol</p>")  # 64 MB of HTML in about 64 KB
    url = http_server.add("/bomb.html", payload, headers={"Content-Encoding": "gzip"})
    before = snapshot(fresh_library)
    started = time.monotonic()
    [outcome] = fresh_library.import_paths([url]).outcomes  # the default cap (10 MB)
    assert time.monotonic() - started < 3.0
    assert outcome.status == "refused" and "after decompression" in outcome.message
    [outcome] = fresh_library.import_paths([url], max_bytes=100_000).outcomes
    assert outcome.status == "refused" and "after decompression" in outcome.message
    assert snapshot(fresh_library) == before


def test_corrupt_gzip_encoding_is_refused(http_server: LocalServer, fresh_library: Library) -> None:
    url = http_server.add("/broken.html", b"\x1f\x8b\x08\x00" + b"not gzip at all" * 10,
                          headers={"Content-Encoding": "gzip"})
    [outcome] = fresh_library.import_paths([url]).outcomes
    assert outcome.status == "refused" and outcome.message.startswith("corrupt compressed response")


def test_declared_size_over_the_cap_is_refused_before_reading(http_server: LocalServer,
                                                              fresh_library: Library) -> None:
    url = http_server.add("/big.html", html_page("Big", PARAGRAPHS * 50))
    [outcome] = fresh_library.import_paths([url], max_bytes=5_000).outcomes
    assert outcome.status == "refused" and outcome.message.startswith("too large")


# ----------------------------------------------------------------- feeds
@pytest.mark.parametrize("content_type", [RSS, "application/xml", "text/xml", "text/html"])
def test_feed_by_url(http_server: LocalServer, fresh_library: Library, content_type: str) -> None:
    items = [{"title": f"Story {n}", "link": f"https://www.borderwire.example/{n}", "summary": "s",
              "content": f"<p>{PARAGRAPHS[0]} {n}</p><p>{PARAGRAPHS[1]}</p>"} for n in (1, 2, 3)]
    url = http_server.add("/feed", rss_feed(items, title="Border Wire"), content_type=content_type)
    report = fresh_library.import_paths([url], tags=["wire"])
    assert statuses(report) == ["added"] * 3
    for article in fresh_library.articles():
        assert article.source == "Border Wire" and article.tags == ("mexico", "wire")
        assert article.origin == article.url and article.url.startswith("https://www.borderwire.example/")
    again = fresh_library.import_paths([url])
    assert statuses(again) == ["unchanged"] * 3 and len(fresh_library) == 3


def test_summary_only_feed_without_fetch_full(http_server: LocalServer, fresh_library: Library) -> None:
    url = http_server.add("/teasers", rss_feed(summary_items(http_server)), content_type=RSS)
    report = fresh_library.import_paths([url])
    assert statuses(report) == ["added", "added"]
    assert all("only a summary" in outcome.message for outcome in report.outcomes)
    assert {a.body for a in fresh_library.articles()} == {"Short summary 1.", "Short summary 2."}
    assert http_server.requests == ["/teasers"]  # no page fetched


def test_fetch_full_fetches_each_item_page(http_server: LocalServer, fresh_library: Library) -> None:
    feed = http_server.add("/teasers", rss_feed(summary_items(http_server, 3)), content_type=RSS)
    for n in (1, 2):
        http_server.add(f"/story/{n}.html", html_page(f"Full story {n}", [f"{p} ({n})" for p in PARAGRAPHS],
                                                      author="Ana Martinez"))
    # item 3's page is missing: its summary is kept, with the reason
    report = fresh_library.import_paths([feed], fetch_full=True)
    assert_one_line_reasons(report)
    assert statuses(report) == ["added"] * 3
    first, second, third = (fresh_library.get(o.article_id) for o in report.outcomes)
    assert first.body == "\n\n".join(f"{p} (1)" for p in PARAGRAPHS)
    assert first.title == "Teaser 1" and first.author == "Ana Martinez" and first.source == "Border Wire"
    assert first.origin == http_server.url("/story/1.html")
    assert second.body.endswith("(2)")
    assert third.body == "Short summary 3."
    assert report.outcomes[0].message == "" and report.outcomes[1].message == ""
    assert "fetching the full page failed" in report.outcomes[2].message and "404" in report.outcomes[2].message
    assert sorted(http_server.requests) == ["/story/1.html", "/story/2.html", "/story/3.html", "/teasers"]


def test_fetch_full_from_a_feed_file(tmp_path: Path, http_server: LocalServer, fresh_library: Library) -> None:
    http_server.add("/story/1.html", html_page("Full story", PARAGRAPHS))
    http_server.add("/story/2.html", b"\x89PNG\r\n\x1a\n" + bytes(100), content_type="image/png")
    path = tmp_path / "teasers.xml"
    path.write_text(rss_feed(summary_items(http_server)), encoding="utf-8")
    report = fresh_library.import_paths([path], fetch_full=True)
    assert statuses(report) == ["added", "added"]
    assert fresh_library.get(report.outcomes[0].article_id).body == BODY
    assert "fetching the full page failed" in report.outcomes[1].message


def test_fetch_full_times_out_per_page(http_server: LocalServer, fresh_library: Library) -> None:
    feed = http_server.add("/teasers", rss_feed(summary_items(http_server, 1)), content_type=RSS)
    http_server.add("/story/1.html", html_page("Slow", PARAGRAPHS), delay=30)
    started = time.monotonic()
    [outcome] = fresh_library.import_paths([feed], fetch_full=True, timeout=FAST).outcomes
    assert time.monotonic() - started < FAST + 1.5
    assert outcome.status == "added" and "did not answer in time" in outcome.message


def test_malformed_feed_by_url(http_server: LocalServer, fresh_library: Library) -> None:
    url = http_server.add("/bad-feed", b"<?xml version='1.0'?><rss><channel><<<&&&", content_type=RSS)
    [outcome] = fresh_library.import_paths([url]).outcomes
    assert outcome.status == "refused" and "feed" in outcome.message
    assert_one_line_reasons(fresh_library.import_paths([url]))


def test_feed_entity_bomb_by_url(http_server: LocalServer, fresh_library: Library) -> None:
    url = http_server.add("/laughs", BILLION_LAUGHS, content_type=RSS)
    started = time.monotonic()
    report = fresh_library.import_paths([url])
    assert time.monotonic() - started < 1.0
    assert_one_line_reasons(report)
    for article in fresh_library.articles():
        assert "lollol" not in article.body + article.title + article.source


def test_feed_external_entity_is_never_fetched(http_server: LocalServer, fresh_library: Library) -> None:
    secret = http_server.add("/secret", "TOPSECRET-MARKER", content_type="text/plain")
    feed = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret}"><!ENTITY % remote SYSTEM "{secret}"> %remote;]>
<rss version="2.0"><channel><title>XXE &xxe;</title>
<item><title>Item &xxe;</title><link>https://xxe.example/1</link><description>Body &xxe; end.</description></item>
</channel></rss>"""
    url = http_server.add("/xxe", feed, content_type=RSS)
    report = fresh_library.import_paths([url])
    assert_one_line_reasons(report)
    assert "/secret" not in http_server.requests
    for article in fresh_library.articles():
        assert "TOPSECRET" not in article.body + article.title + article.source


def test_gzip_bomb_feed_is_refused(http_server: LocalServer, fresh_library: Library) -> None:
    url = http_server.add("/bomb-feed", bomb(32 * 1024 * 1024, b"<item><title>x</title></item>"),
                          content_type=RSS, headers={"Content-Encoding": "gzip"})
    [outcome] = fresh_library.import_paths([url], max_bytes=1_000_000).outcomes
    assert outcome.status == "refused" and "after decompression" in outcome.message


# ----------------------------------------------------------------- mixed
def test_bad_urls_never_abort_an_import(tmp_path: Path, http_server: LocalServer, closed_port_url: str,
                                        fresh_library: Library, seed_files: list[Path]) -> None:
    good = http_server.add("/good.html", html_page("Good page", PARAGRAPHS))
    targets = [
        http_server.url("/missing"), closed_port_url,
        http_server.add("/png", b"\x89PNG\r\n\x1a\n", content_type="image/png"),
        http_server.add("/slow", "x", delay=30),
        http_server.add("/bomb", bomb(16 * 1024 * 1024), headers={"Content-Encoding": "gzip"}),
        good, *map(str, seed_files),
    ]
    report = fresh_library.import_paths(targets, timeout=FAST, max_bytes=1_000_000)
    assert_one_line_reasons(report)
    assert statuses(report) == ["refused"] * 5 + ["added"] * 6
    assert len(fresh_library) == 6

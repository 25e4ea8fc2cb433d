"""HTML pages (trafilatura) and HTML fragments from feeds."""

from __future__ import annotations

import html as html_entities
import re

import lxml.html
import trafilatura
from trafilatura.settings import use_config

from ..cleaning import strip_controls
from ..records import Candidate
from .reading import Refused

MAX_TREE_SIZE = 200_000  # elements; a larger page is refused rather than parsed for minutes
# trafilatura 2.x refuses max_tree_size as an argument (ValueError); it takes it from its config.
_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
# Dates only from what the page says of itself (meta tags, JSON-LD, <time>, the URL), never
# guessed from its text: htmldate's extensive search turned "181,000 in 2015" into 2015-01-01,
# which then sorted the article, answered before:/after: and decided "who came first".
_DATE_PARAMS = {"extensive_search": False, "original_date": True}
_BLOCK = re.compile(r"(?i)<\s*(?:br\s*/?|/?\s*(?:p|div|li|h[1-6]|blockquote|tr|section|article|ul|ol|pre)\b[^>]*)>")


def parse_html_page(html: str, origin: str, url: str = "") -> Candidate:
    """The article in a whole page: text, title, author, date and site name."""
    try:
        document = trafilatura.bare_extraction(
            html, url=url or None, with_metadata=True, include_comments=False, include_tables=False,
            deduplicate=False, config=_TRAFILATURA_CONFIG, date_extraction_params=_DATE_PARAMS,
        )
    except Exception as error:  # trafilatura raises many kinds on broken markup
        raise Refused(f"could not read the HTML page ({type(error).__name__})") from None
    if document is None or not (document.text or "").strip():
        raise Refused("no article text found in the HTML page")
    title = (document.title or "").strip()
    lines = document.text.split("\n")
    if title and lines and lines[0].strip() == title:
        lines = lines[1:]  # the headline is usually extracted as the first paragraph too
    return Candidate(
        title=title,
        body="\n".join(lines),
        origin=origin,
        source=(document.sitename or "").strip(),
        url=url or (document.url or ""),
        author=(document.author or "").strip(),
        published=document.date or None,
        language=document.language or "",
    )


def html_fragment_to_text(fragment: str) -> str:
    """Text of an HTML fragment (a feed item's summary or content), one paragraph per line."""
    fragment = strip_controls(fragment)  # before lxml, which would drop ESC and keep its sequence as text
    if "<" not in fragment:
        return html_entities.unescape(fragment)  # "AT&amp;T" is "AT&T"
    marked = _BLOCK.sub("\n", fragment)
    try:
        root = lxml.html.fragment_fromstring(marked, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return re.sub(r"<[^>]*>", " ", marked)
    for dropped in root.xpath("//script|//style|//iframe|//object|//embed"):
        dropped.drop_tree()
    return root.text_content()

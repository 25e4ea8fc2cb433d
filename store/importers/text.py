"""Plain text (the seed format: a title line, a blank line, the body) and Markdown."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from ..records import Candidate

_MAX_TITLE = 300
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.DOTALL)
_FRONT_FIELD = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")


def parse_plain_text(text: str, origin: str) -> Candidate:
    """Title line, blank line, body; a text without that shape is all body."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").lstrip("\n")
    first, separator, rest = text.partition("\n\n")
    if separator and "\n" not in first.strip() and len(first.strip()) <= _MAX_TITLE:
        return Candidate(title=first.strip(), body=rest, origin=origin)
    return Candidate(title="", body=text, origin=origin)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        found = _FRONT_FIELD.match(line.strip())
        if found:
            fields[found.group(1).lower()] = found.group(2).strip().strip("\"'")
    return fields, text[match.end():]


def _tags(value: str) -> tuple[str, ...]:
    return tuple(t.strip().strip("\"'") for t in value.strip("[]").split(",") if t.strip().strip("\"'"))


def parse_markdown(text: str, origin: str) -> Candidate:
    """Markdown to plain paragraphs. Title from front matter, else the first level-1 heading.
    Link text is kept, link targets and images are dropped."""
    fields, source = _front_matter(text.lstrip("\ufeff"))
    tokens = MarkdownIt("commonmark").parse(source)
    paragraphs: list[str] = []
    title = fields.get("title", "")
    for index, token in enumerate(tokens):
        if token.type == "inline":
            words = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    words.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    words.append(" ")
            line = "".join(words).strip()
            heading = tokens[index - 1] if index else None
            if not title and heading is not None and heading.type == "heading_open" and heading.tag == "h1":
                title = line
                continue
            if line:
                paragraphs.append(line)
        elif token.type in ("fence", "code_block"):
            paragraphs.extend(line for line in token.content.splitlines() if line.strip())
    return Candidate(
        title=title,
        body="\n\n".join(paragraphs),
        origin=origin,
        source=fields.get("source", "") or fields.get("site", ""),
        url=fields.get("url", "") or fields.get("link", ""),
        author=fields.get("author", ""),
        published=fields.get("published") or fields.get("date") or None,
        tags=_tags(fields.get("tags", "")),
    )

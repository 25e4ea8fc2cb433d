"""Turn scraped article text into the clean text broadsheet stores.

Cleaning runs once, on import. It normalises Unicode and newlines, removes control characters and
terminal escape sequences (article text is untrusted and ends up on a terminal), and drops the
boilerplate lines that scrapers pick up with the story: "READ MORE: ...", video teasers, photo
credits, subscription nags. Paragraphs are kept, one per line, separated by a blank line.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

# ESC-introduced sequences, terminated or not: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC (ESC ] ...
# up to BEL or ST, or to the end of the text when unterminated), and two-byte ESC sequences.
# The 8-bit forms (0x9B CSI, 0x9D OSC, 0x90 DCS, ...) are covered the same way.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?          # CSI, possibly cut short
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC DCS SOS PM APC
  | \x1b[\x20-\x2f]*[\x30-\x7e]?                                  # other ESC sequences, or a lone ESC
    """,
    re.VERBOSE,
)
# C0 controls except tab and newline, DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible format characters that can reorder or hide text on screen (bidi overrides and
# isolates). Zero-width joiners stay: emoji sequences need them.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Zero-width characters that join nothing: they hide words from search ("pay\u200bpal" is not
# "paypal") and mark text invisibly. ZWJ and ZWNJ (U+200D, U+200C) stay: scripts and emoji need them.
_INVISIBLE = re.compile("[\u200b\u2060-\u2064\ufeff\u180e]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences, control characters (but tab and newline), bidi overrides
    and zero-width characters that join nothing."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _INVISIBLE.sub("", text)
    return _BIDI_CONTROL.sub("", text)


def normalise(text: str) -> str:
    """NFC, Unix newlines, no controls or escape sequences. Keeps the text's lines as they are."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = strip_controls(text)
    return unicodedata.normalize("NFC", text)


# A well-formed character reference ("&amp;", "&#8217;", "&#x2014;"): scraped text often keeps
# them ("Journal &amp; Courier"). Only with the semicolon: "AT&T" or "&copy2019" stay as written.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_entities(text: str) -> str:
    """HTML character references as the characters they stand for (before controls are stripped:
    "&#27;" is an escape character too)."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda match: html.unescape(match.group(0)), text)


def clean_origin(text: str) -> str:
    """A file path or URL as recorded: no controls, escapes or line breaks (a file's name is as
    untrusted as its text), but otherwise as given, so the same file always gives the same origin."""
    return strip_controls(text).replace("\n", " ").replace("\t", " ")


def clean_line(text: str) -> str:
    """A single-line field (title, source, author, tag): normalised, whitespace folded."""
    return _SPACES.sub(" ", normalise(text).replace("\n", " ")).strip()


@dataclass(frozen=True)
class BoilerplateRule:
    """One kind of scraped line that is not part of the story. `pattern` must match the whole line."""

    name: str
    pattern: re.Pattern[str]
    max_words: int = 40  # a longer line is article text that happens to start the same way


def _rule(name: str, pattern: str, max_words: int = 40) -> BoilerplateRule:
    return BoilerplateRule(name, re.compile(pattern, re.IGNORECASE), max_words)


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?"

BOILERPLATE_RULES: tuple[BoilerplateRule, ...] = (
    _rule("read more", r"(?:read|see) (?:more|also)\s*[:>\-–—].*"),
    _rule("related link", r"(?:related|more)(?: coverage| stories| articles)?\s*:.*", max_words=25),
    _rule("advertisement", r"(?:story continues below (?:the )?advertisement|advertisement|advertisements?|"
          r"continue reading(?: the main story)?(?: below)?|skip (?:to content|advertisement))"),
    _rule("video teaser", r"(?:watch|video|listen)\s*:.*", max_words=30),
    _rule("video player", r"click to (?:play|expand|watch|enlarge)\b.*"),
    _rule("video player", r".*\b(?:please )?enable javascript\b.*", max_words=20),
    _rule("sponsored", r"(?:sponsored(?: content| links?| stories)?|paid content|promoted(?: stories)?|"
          r"source link|original source|recommended(?: for you)?|most popular|trending now)"),
    _rule("subscription nag", r".*\b(?:subscribe (?:to|now|today)|subscription page|start your subscription|"
          r"already a subscriber|free articles?|sign up (?:for|to)|newsletter|log in to continue|"
          r"support (?:our|independent|quality) journalism|become a (?:member|subscriber)|"
          r"create (?:a|your) free account|you(?:'|’)ve reached your)\b.*", max_words=25),
    _rule("sharing", r"(?:share (?:this|on|via)\b.*|follow us on .*|tweet|email|print|share|"
          r"copy link|comments?|\d+ comments?)"),
    _rule("qr code", r"qr code\b.*|read this article in"),
    _rule("photo credit", r".*(?:\b(?:AP|AFP|EPA|Reuters|Getty|Bloomberg|File)\s*(?:Photo|Images?)?\s*/\s*[\w .'\-]+|"
          r"/\s*(?:AP|AFP|EPA|Reuters|Getty Images|File)(?:\s*/\s*File)?)\)?\.?", max_words=60),
    _rule("photo credit", r"(?:photo|image|credit|picture|pictured|caption)s?\s*(?:copyright)?\s*[:|].*|"
          r".*\bCREDIT\s*:.*|image copyright\b.*|\(?photo by .*", max_words=60),
)

# A video teaser's own title line ("Trudeau, Trump had talks about NAFTA – Nov 10, 2016") follows
# the "Click to play video" line; it is dropped only in that position.
_DATED_TEASER = re.compile(rf".{{3,200}}\s[–—-]\s{_MONTH}\s\d{{1,2}},\s\d{{4}}", re.IGNORECASE)
# A line this strong means the rest of the page is a paywall or donation appeal.
_PAYWALL = re.compile(
    r".*\b(?:you(?:'|’)ve read\b.*\barticles?|subscribe to continue|already a subscriber|"
    r"to continue reading,? (?:please )?(?:subscribe|log in|sign in))\b.*",
    re.IGNORECASE,
)
_PAYWALL_MAX_WORDS = 40  # a longer line is article text, as for the boilerplate rules
_CAPTION_WORDS = 8
# A wire photo caption ends with its dateline: "... in Mexico City, Aug. 31, 2016."
_DATELINED_CAPTION = re.compile(rf".{{20,600}},\s{_MONTH}\s\d{{1,2}},\s\d{{4}}\.?", re.IGNORECASE)


# A credit glued to the paragraph it stands above, as some scrapes have it: "Photo by Andrew
# Burton/Getty Images Martin Shkreli, the most famous price gouger ... was arrested Thursday."
# The credit goes; the paragraph stays (dropping the whole line emptied such articles).
_CREDIT_PREFIX = re.compile(
    r"\(?(?:photo|image|picture)s?\s+(?:by|credit|courtesy(?:\s+of)?)\s*:?\s*[\w .'\-]{1,40}?\s*/\s*"
    r"(?:getty\s+images|ap(?:\s+photo)?|afp|epa|reuters|bloomberg|file)\)?[\s.,;:]+",
    re.IGNORECASE)
_CREDITED_TEXT_WORDS = 12  # what must follow a credit for it to be a paragraph rather than a caption


def strip_credit_prefix(line: str) -> str:
    """The paragraph without a photo credit glued to its start (the line as it is if there is none,
    or if what follows the credit is too short to be article text)."""
    match = _CREDIT_PREFIX.match(line)
    if match is None:
        return line
    rest = line[match.end():]
    return rest if len(rest.split()) >= _CREDITED_TEXT_WORDS else line


def boilerplate_rule(line: str) -> str | None:
    """The name of the boilerplate rule `line` falls under, or None if it is article text."""
    words = len(line.split())
    for rule in BOILERPLATE_RULES:
        if words <= rule.max_words and rule.pattern.fullmatch(line):
            return rule.name
    return None


def _is_short_caption(line: str) -> bool:
    """A caption fragment such as "U.S. Border Patrol": a few words, no sentence punctuation."""
    return len(line.split()) <= _CAPTION_WORDS and not re.search(r"[.!?:;\"”]$", line)


def clean_paragraphs(paragraphs: list[str]) -> list[str]:
    """Drop boilerplate paragraphs. Each paragraph is one line (whitespace already folded)."""
    kept: list[str] = []
    dropped_previous: str | None = None
    total = len(paragraphs)
    for index, line in enumerate(paragraphs):
        line = strip_credit_prefix(line)
        paywall = len(line.split()) <= _PAYWALL_MAX_WORDS and _PAYWALL.fullmatch(line) is not None
        if paywall and index >= total // 2:
            break  # the rest is the paywall's appeal, QR codes and subscription links
        # Higher up, the paywall line alone is dropped. Keeping it would make cleaning depend on
        # how much boilerplate surrounds it: cleaning the cleaned text again would then cut there.
        rule = boilerplate_rule(line) or ("paywall" if paywall else None)
        if rule is None and dropped_previous == "video player" and _DATED_TEASER.fullmatch(line):
            rule = "video player"
        if rule is None and dropped_previous == "photo credit" and _DATELINED_CAPTION.fullmatch(line):
            rule = "photo credit"  # the caption under its credit
        if rule is None and kept and kept[-1] == line:
            rule = "repeated line"  # captions are often scraped twice
        if rule == "photo credit" and kept and _is_short_caption(kept[-1]) and len(kept) <= 3:
            kept.pop()  # the caption the credit belongs to, above the lead
        if rule is None:
            kept.append(line)
        dropped_previous = rule
    return kept


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of normalised text: blank lines separate them; a single newline inside one is a
    line break the scraper kept, which we treat as a paragraph break too (news paragraphs are
    single lines in every source we have seen)."""
    return [p for p in (_SPACES.sub(" ", line).strip() for line in text.split("\n")) if p]


def clean_text(text: str) -> str:
    """The stored form of an article body: normalised, boilerplate removed, paragraphs separated
    by one blank line. Character references are decoded first ("Journal &amp; Courier")."""
    return "\n\n".join(clean_paragraphs(split_paragraphs(normalise(decode_entities(text)))))


def word_count(text: str) -> int:
    return len(text.split())

"""Figures in news text (counts, amounts, percentages, years, dates) and their values, so two
reports' figures can be compared: "181,163 in 2015" against "in 2015, … 118,000"."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Figure", "figures", "same_value"]

_MONTHS = {name: index for index, names in enumerate((
    "jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august",
    "sep sept september", "oct october", "nov november", "dec december"), start=1) for name in names.split()}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "m": 1e6, "k": 1e3}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_FIGURE_RE = re.compile(
    r"(?P<date>\b(?P<month>" + _MONTH_RE + r")\.?\s+(?P<day>[0-3]?\d)\b(?![.,]\d))"
    r"|(?P<money>(?P<cur>[$€£¥])\s?(?P<mnum>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?:\s?(?P<mscale>thousand|million|billion|trillion|bn|m|k)\b)?)"
    r"|(?P<num>(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w]|[.,]\d))"
    r"(?:\s?(?P<pct>%|percent\b|per cent\b)|\s(?P<scale>thousand|million|billion|trillion)\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    """One figure: `text == body[start:end]`; `kind` is "count", "money", "percent", "year" or
    "date"; `value` is comparable within a kind (a date is month * 100 + day)."""

    start: int
    end: int
    text: str
    kind: str
    value: float
    unit: str = ""  # a count's unit of measure when it has one ("mile" in "60 miles", "year" in "13-year-old")


# Units that make a count a measurement: two counts are compared only if they measure the same
# thing, so "60 miles" never "differs" from "a 13-year-old" (counts of things, "181,163
# deportations" and "118,000 Central Americans", are still compared: they may be the same count).
MEASURES = frozenset("""mile kilometer km meter metre foot feet inch yard pound lb kg kilogram ton tonne gallon
liter litre acre hectare degree year month week day hour minute second mph percent point""".split())
_UNIT_AFTER = re.compile(r"[\s\-]{0,2}([A-Za-z]+)")


def _unit(text: str, end: int) -> str:
    match = _UNIT_AFTER.match(text, end)
    if match is None:
        return ""
    word = match.group(1).lower()
    singular = word[:-1] if word.endswith("s") and word[:-1] in MEASURES else word
    return singular if singular in MEASURES else ""



def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def figures(text: str, start: int = 0, end: int | None = None) -> list[Figure]:
    """The figures in text[start:end], with offsets into `text`."""
    end = len(text) if end is None else end
    found: list[Figure] = []
    for match in _FIGURE_RE.finditer(text, start, end):
        if match.group("date"):
            month = _MONTHS[match.group("month").lower()]
            day = int(match.group("day"))
            if not 1 <= day <= 31 or (match.group("month").lower() == "may" and not match.group("month")[0].isupper()):
                continue
            found.append(Figure(match.start(), match.end(), match.group(), "date", month * 100 + day))
        elif match.group("money"):
            value = _number(match.group("mnum"))
            if value is None:
                continue
            scale = (match.group("mscale") or "").lower()
            found.append(Figure(match.start(), match.end(), match.group(), "money", value * _SCALES.get(scale, 1)))
        else:
            raw = match.group("num")
            value = _number(raw)
            if value is None:
                continue
            if match.group("pct"):
                kind = "percent"
            elif match.group("scale"):
                kind, value = "count", value * _SCALES[match.group("scale").lower()]
            elif re.fullmatch(r"(1[89]|20)\d\d", raw):
                kind = "year"
            else:
                kind = "count"
            found.append(Figure(match.start(), match.end(), match.group(), kind, value,
                                _unit(text, match.end()) if kind == "count" else ""))
    return found


def same_value(a: Figure, b: Figure) -> bool:
    """Equal, or equal after rounding (181,163 and 181,000 are the same figure told roughly)."""
    if a.kind != b.kind:
        return False
    if a.value == b.value:
        return True
    if a.kind in ("year", "date"):
        return False
    larger = max(abs(a.value), abs(b.value))
    return larger > 0 and abs(a.value - b.value) / larger <= 0.005

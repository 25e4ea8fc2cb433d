"""Rich renderings of a comparison shared by the command line and the app: the pair header and
a sentence with its differing words marked. Article text only ever becomes `Text`, never markup."""

from __future__ import annotations

from rich.text import Text

from store import Article, PairHeader
from store.records import lag_text, plural

from .safe_text import plain, visible

DIFFER_STYLE = "bold underline"
FIGURE_STYLE = "bold reverse"


def label(article: Article, width: int = 28) -> str:
    """How a report is named in headers: its outlet, else its title, and a short id."""
    name = visible(article.source or article.title or "untitled")
    if len(name) > width:
        name = name[: width - 1] + "…"
    return f"{name} ({article.id[:6]})"


def figures_differ(number: int) -> str:
    return f"{plural(number, 'figure')} {'differs' if number == 1 else 'differ'}?"


def percent(share: float) -> str:
    return f"{round(share * 100)} %"


def header_text(a: Article, b: Article, header: PairHeader, letters: tuple[str, str] = ("A", "B")) -> Text:
    """One pair's figures, as a few lines of plain text. `letters` name the two reports as their
    columns do (a three-way compare's "A vs C" pair calls its second report C, not B)."""
    la, lb = letters
    text = Text()
    text.append(f"{la} ", style="bold")
    text.append_text(plain(label(a, 40)))
    text.append(f": {percent(header.share_a)} found in {lb}", style="dim")
    text.append(f"\n{lb} ", style="bold")
    text.append_text(plain(label(b, 40)))
    text.append(f": {percent(header.share_b)} found in {la}\n", style="dim")
    dates = f"published {(header.published_a or '?')[:16]} / {(header.published_b or '?')[:16]}"
    text.append(f"{dates} · {which_came_first(header, letters)}\n", style="dim")
    if not header.overlap:
        text.append("No shared passages or quotes: these reports have no text in common.", style="bold")
        text.append(f"  ({plural(header.unique_a, 'passage')} only in {la}, {header.unique_b} only in {lb}"
                    + (f", {figures_differ(header.figures)}" if header.figures else "") + ")")
        return text
    text.append(f"{plural(header.shared, 'shared passage')} ({header.moved} moved) · {header.unique_a} only in {la} · "
                f"{header.unique_b} only in {lb} · {plural(header.quotes, 'shared quote')} · ")
    text.append(figures_differ(header.figures), style="bold" if header.figures else "")
    return text


def which_came_first(header: PairHeader, letters: tuple[str, str]) -> str:
    la, lb = letters
    if header.first is not None:
        first, other = (la, lb) if header.first == header.a else (lb, la)
        return f"{first} came first, {other} {lag_text(header.lag_hours or 0.0)} later"
    if header.published_a and header.published_b:
        # dates without a time (or at midnight, how a bare date is stored) say only the day
        dates_only = all(len(p) <= 10 or p[11:19] in ("", "00:00:00") for p in (header.published_a, header.published_b))
        return "same day" if dates_only else "same time"
    return "which came first: unknown"


def header_line(header: PairHeader, letters: tuple[str, str]) -> Text:
    """One pair's figures on one line, for a three-way compare (whose columns already name the
    reports): shares, which came first, passage counts."""
    la, lb = letters
    text = Text()
    text.append(f"{la} vs {lb}  ", style="bold")
    text.append(f"{percent(header.share_a)} of {la} in {lb}, {percent(header.share_b)} of {lb} in {la}", style="dim")
    text.append(f" · {which_came_first(header, letters)}", style="dim")
    if not header.overlap:
        text.append(" · no text in common", style="bold")
        text.append(f" ({plural(header.unique_a, 'passage')} only in {la}, {header.unique_b} only in {lb})")
    else:
        text.append(f" · {header.shared} shared ({header.moved} moved) · {header.unique_a} only in {la} · "
                    f"{header.unique_b} only in {lb} · {plural(header.quotes, 'shared quote')}")
    if header.figures:
        text.append(f" · {figures_differ(header.figures)}", style="bold")
    return text


def marked(body: str, span: tuple[int, int], marks: tuple[tuple[int, int], ...], style: str = DIFFER_STYLE,
           brackets: tuple[str, str] | None = None) -> Text:
    """body[span] as plain text with `marks` (spans into body) styled. With `brackets`, each mark
    is also written between them, for output that loses styles (a pipe, a file): git's word-diff
    convention, "[-old-]" on one side and "{+new+}" on the other."""
    start, end = span
    piece = body[start:end]
    text = Text(visible(piece, single_line=True) if "\n" not in piece else visible(piece))
    if len(text.plain) != end - start:  # styles need the offsets to survive cleaning
        return text
    inside = sorted((max(0, s - start), min(end - start, e - start)) for s, e in marks if s < end and e > start)
    if brackets is None:
        for mark_start, mark_end in inside:
            text.stylize(style, mark_start, mark_end)
        return text
    result, at = Text(), 0
    for mark_start, mark_end in inside:
        if mark_start < at:
            continue
        result.append(text.plain[at:mark_start])
        result.append(brackets[0] + text.plain[mark_start:mark_end] + brackets[1], style=style)
        at = mark_end
    result.append(text.plain[at:])
    return result

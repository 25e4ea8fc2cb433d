"""Tests for tui.article_view.ArticleView and its wrapper."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len, split_graphemes
from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Region

from tui.article_view import (
    ArticleView,
    _wrap_simple,
    _wrap_tokens,
    paragraph_starts,
    sanitize,
    wrap_text,
)

UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


class ViewApp(App):
    def __init__(self, text: str = "", position: int = 0) -> None:
        super().__init__()
        self._text = text
        self._position = position
        self.moved: list[ArticleView.Moved] = []

    def compose(self) -> ComposeResult:
        view = ArticleView(self._text, id="view")
        if self._position:
            view.set_text(self._text, self._position)
        yield view

    def on_article_view_moved(self, message: ArticleView.Moved) -> None:
        self.moved.append(message)


def make_article(paragraphs: int, words: int = 40) -> str:
    vocabulary = (
        "the minister said on Tuesday that “inflation” would fall — economists weren’t "
        "convinced … café naïve budget deficit 2024 forecast"
    ).split()
    out = []
    for p in range(paragraphs):
        out.append(f"P{p} " + " ".join(vocabulary[(p * 7 + i) % len(vocabulary)] for i in range(words)))
    return "\n\n".join(out)


def check_rows(display: str, width: int, starts: list[int], ends: list[int]) -> None:
    """The invariants of wrap_text: rows cover the text in order (only the "\\n" between lines
    belongs to no row) and the visible part of every row fits the width."""
    assert len(starts) == len(ends) >= 1
    assert starts[0] == 0
    assert ends[-1] == len(display)
    for i, (start, end) in enumerate(zip(starts, ends)):
        assert start <= end
        row = display[start:end]
        assert "\n" not in row
        visible = row.rstrip(" ")
        if cell_len(visible) > width:
            # Only a single grapheme wider than the whole width may overflow (then it is cropped).
            assert len(split_graphemes(visible)[0]) == 1, (width, row)
        if i + 1 < len(starts):
            following = starts[i + 1]
            if following == end:
                assert end > start, "an empty row must end its line"
            else:
                assert following == end + 1 and display[end] == "\n", (end, following)
        if start == end:
            # Empty rows are empty lines only.
            assert (start == 0 or display[start - 1] == "\n") and (
                end == len(display) or display[end] == "\n"
            )
    # Every line produces at least one row, and the rows rebuild the text exactly.
    rebuilt = []
    for i, (start, end) in enumerate(zip(starts, ends)):
        rebuilt.append(display[start:end])
        if i + 1 < len(starts) and starts[i + 1] == end + 1:
            rebuilt.append("\n")
    assert "".join(rebuilt) == display


# ------------------------------------------------------------------------------- the wrapper


@pytest.mark.parametrize("width", [1, 2, 3, 5, 10, 17, 40, 80, 200])
def test_wrap_covers_text_and_fits(width: int) -> None:
    text = (
        "Short line.\n\n"
        + "A paragraph with several words that must wrap somewhere sensible. " * 3
        + "\n\nsupercalifragilisticexpialidocious-and-then-some-more-characters\n\n"
        + "中文新闻报道：政府周二表示通胀将会下降。 emoji 😀 and 👨‍👩‍👧 and e\u0301 combining.\n"
        + "   indented line   with   runs   of spaces   \n\n\n"
        + "last"
    )
    display = sanitize(text)
    starts, ends = wrap_text(display, width)
    check_rows(display, width, starts, ends)


def test_wrap_words_not_split_when_they_fit() -> None:
    starts, ends = wrap_text("alpha beta gamma delta", 11)
    rows = ["alpha beta gamma delta"[s:e] for s, e in zip(starts, ends)]
    assert rows == ["alpha beta ", "gamma delta"]
    starts, ends = wrap_text("abcdefghij klm", 4)
    rows = ["abcdefghij klm"[s:e] for s, e in zip(starts, ends)]
    assert rows == ["abcd", "efgh", "ij ", "klm"]
    # Wide characters: 2 cells each.
    starts, ends = wrap_text("中文字新闻", 5)
    assert [e - s for s, e in zip(starts, ends)] == [2, 2, 1]


text_alphabet = st.sampled_from(
    list("abcdefghij ")
    + [" ", " ", "  ", "\n", "\n\n", "\t"]
    + ["é", "e\u0301", "\u0301", "中", "文", "😀", "👍🏽", "👨\u200d👩\u200d👧", "❤\ufe0f", "\u200d", "\ufe0f"]
    + ["“", "”", "—", "…", "\x1b", "\x9b", "\x00", "\x7f"]
    + ["supercalifragilistic", "中文新闻报道政府周二表示", "😀😀😀😀😀😀"]
)


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(text_alphabet, max_size=80), width=st.integers(1, 200))
def test_wrap_property(parts: list[str], width: int) -> None:
    text = "".join(parts)
    display = sanitize(text)
    assert len(display) == len(text)
    assert UNSAFE.search(display) is None
    starts, ends = wrap_text(display, width)
    check_rows(display, width, starts, ends)


@settings(max_examples=300, deadline=None)
@given(
    line=st.text(alphabet=st.sampled_from(list("abc xyz  ")), max_size=120),
    width=st.integers(1, 30),
)
def test_simple_and_token_wrappers_agree(line: str, width: int) -> None:
    a_starts: list[int] = []
    a_ends: list[int] = []
    b_starts: list[int] = []
    b_ends: list[int] = []
    _wrap_simple(line, 0, width, a_starts, a_ends)
    _wrap_tokens(line, 0, width, b_starts, b_ends)
    assert (a_starts, a_ends) == (b_starts, b_ends)


@pytest.mark.parametrize(
    "label, text",
    [
        ("news", make_article(5000, 9)),  # ~ 300 KB, curly quotes and dashes
        ("cjk+emoji", "\n\n".join(f"P{i} 中文新闻报道，政府表示 😀 " * 2 for i in range(5000))),
    ],
)
@pytest.mark.parametrize("width", [38, 78])
def test_wrap_speed(label: str, text: str, width: int) -> None:
    display = sanitize(text)
    timings = []
    for _ in range(3):
        t0 = time.perf_counter()
        starts, _ends = wrap_text(display, width)
        timings.append(time.perf_counter() - t0)
    best = min(timings) * 1000
    print(
        f"\nwrap {label} {len(text.encode()) / 1000:.0f} KB ({len(text)} code points), "
        f"5,000 paragraphs, width {width}: {len(starts)} rows in {best:.1f} ms"
    )
    assert best < 300  # aim < 100 ms on this machine; generous for a loaded CI box


def test_paragraph_starts() -> None:
    assert paragraph_starts("a\n\nbb\n\n\ncc") == [0, 3, 8]
    assert paragraph_starts("one\ntwo\nthree") == [0, 4, 8]  # no blank line: every line
    assert paragraph_starts("\n\nx") == [2]


def reference_paragraph_starts(text: str) -> list[int]:
    lines, base = [], 0
    for line in text.split("\n"):
        lines.append((base, line))
        base += len(line) + 1
    blank = [not line.strip() for _, line in lines]
    separated = any(blank[i] for i in range(1, len(lines) - 1))  # a blank line between lines
    out = []
    for i, (offset, line) in enumerate(lines):
        if not blank[i] and (not separated or i == 0 or blank[i - 1]):
            out.append(offset)
    return out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "\t", "\u00a0"]), max_size=40))
def test_paragraph_starts_property(text: str) -> None:
    assert paragraph_starts(text) == reference_paragraph_starts(text)


# ------------------------------------------------------------------------------- the widget


async def test_rows_cover_text_in_widget_and_fit_width() -> None:
    text = make_article(30) + "\n\n中文新闻报道😀 " * 20
    app = ViewApp(text)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        width = view.wrap_width
        assert width == 58  # 60 minus the (stable) scrollbar gutter
        starts = [s for s, _ in view.rows]
        ends = [e for _, e in view.rows]
        check_rows(view._display, width, starts, ends)
        assert view.virtual_size.height == view.row_count
        for y in range(20):
            strip = view.render_line(y)
            assert strip.cell_length == width


async def test_offset_row_round_trip() -> None:
    text = make_article(20) + "\n\n中文新闻 e\u0301 😀 end"
    app = ViewApp(text)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        rows = view.rows
        for row, (start, end) in enumerate(rows):
            assert view.row_to_offset(row) == start
            assert view.offset_to_row(start) == row
        for offset in range(len(text) + 1):
            row = view.offset_to_row(offset)
            start, end = rows[row]
            if text[offset : offset + 1] == "\n" and offset == end:
                assert start <= offset == end
            else:
                assert start <= offset <= end
            r, column = view.offset_to_location(offset)
            assert r == row
            if offset < end and cell_len(text[offset]) > 0:
                assert view.location_to_offset(r, column) == offset


async def test_resize_rewraps_and_keeps_top_offset() -> None:
    text = make_article(200)
    app = ViewApp(text)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        target = text.index("P100 ")
        view.scroll_to_offset(target)
        await pilot.pause()
        assert view.top_offset == target
        rows_before = view.row_count
        for size in [(50, 20), (33, 15), (120, 30), (80, 20)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert view.wrap_width == size[0] - 2
            # The paragraph start stays at the top whatever the width.
            assert view.top_offset == target, size
            check_rows(view._display, view.wrap_width, *map(list, zip(*view.rows)))
        assert view.row_count == rows_before


async def test_set_text_position_and_cursor() -> None:
    text = make_article(100)
    position = text.index("P60 ")
    app = ViewApp(text, position=position)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        assert view.text == text
        assert view.top_offset == position
        assert view.cursor == position
        # Mid-row position: the top row is the row that holds it.
        mid = text.index("P70 ") + 50
        view.set_text(text, mid)
        await pilot.pause()
        assert view.rows[view.top_row][0] <= mid <= view.rows[view.top_row][1]
        assert view.cursor == mid
        view.set_text("short", 0)
        await pilot.pause()
        assert view.top_offset == 0 and view.row_count == 1
        assert view.render_line(0).text.rstrip() == "short"


async def test_actions_move_as_specified() -> None:
    text = make_article(100)
    app = ViewApp(text)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        height = view.visible_height
        assert height == 20
        view.action_line_down()
        await pilot.pause()
        assert view.scroll_y == 1
        assert view.top_offset == view.rows[1][0]
        view.action_line_up()
        view.action_line_up()  # clamps at the top
        await pilot.pause()
        assert view.scroll_y == 0
        view.action_page_down()
        await pilot.pause()
        assert view.scroll_y == height - 1
        # The cursor was pulled onto the visible rows.
        assert view.top_row <= view.offset_to_row(view.cursor) < view.top_row + height
        view.action_page_down()
        view.action_page_up()
        await pilot.pause()
        assert view.scroll_y == height - 1
        view.action_bottom()
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y == view.row_count - height
        assert view.offset_to_row(view.cursor) == view.row_count - 1
        view.action_top()
        await pilot.pause()
        assert view.scroll_y == 0 and view.cursor == 0

        starts = paragraph_starts(text)
        for expected in starts[1:6]:
            view.action_next_paragraph()
            await pilot.pause()
            assert view.cursor == expected
            assert view.top_offset == expected
        for expected in reversed(starts[:5]):
            view.action_previous_paragraph()
            await pilot.pause()
            assert view.cursor == expected
            assert view.top_offset == expected
        view.action_previous_paragraph()  # at the first paragraph: nothing to do
        assert view.cursor == 0

        # At the end the view cannot scroll further, but the cursor still walks the paragraphs.
        view.action_bottom()
        await pilot.pause()
        view.action_top()
        view.action_bottom()
        view.action_previous_paragraph()
        await pilot.pause()
        assert view.cursor == starts[-1]


async def test_keymap_can_bind_actions() -> None:
    class KeyApp(ViewApp):
        BINDINGS = [("j", "view_line_down", "down"), ("J", "view_para", "para")]

        def action_view_line_down(self) -> None:
            self.query_one(ArticleView).action_line_down()

        def action_view_para(self) -> None:
            self.query_one(ArticleView).action_next_paragraph()

    text = make_article(50)
    app = KeyApp(text)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        await pilot.press("j", "j")
        assert view.scroll_y == 2
        cursor = view.cursor
        await pilot.press("J")
        expected = next(p for p in paragraph_starts(text) if p > cursor)
        assert view.top_offset == view.cursor == expected
        # The app's keymap binds the actions; the widget's only keys are highlight mode's (all with
        # ids, remappable), and it drops ScrollView's id-less ones (down/up/pagedown...), which
        # would shadow the keymap. Outside the mode only the key that enters it is live.
        bindings = [b for found in view._bindings.key_to_bindings.values() for b in found]
        assert bindings and all(b.id == "reader.highlight_mode" or (b.id or "").startswith("highlight.")
                                for b in bindings)
        live = {b.id for b in bindings if view.check_action(b.action.split("(")[0], ())}
        assert live == {"reader.highlight_mode"}
        await pilot.press("down", "pagedown", "end")
        assert view.top_offset == expected


async def test_moved_messages() -> None:
    text = make_article(100)
    app = ViewApp(text)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        app.moved.clear()
        view.action_next_paragraph()
        await pilot.pause()
        assert app.moved, "no Moved message"
        last = app.moved[-1]
        assert last.offset == view.top_offset
        assert last.cursor == view.cursor
        assert last.control is view
        count = len(app.moved)
        view.cursor = view.cursor + 3
        await pilot.pause()
        assert len(app.moved) == count + 1 and app.moved[-1].offset == view.top_offset


async def test_spans_render_with_their_style() -> None:
    text = "alpha beta gamma delta epsilon"
    app = ViewApp(text)
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        view.blur()  # no cursor drawn
        await pilot.pause()
        view.set_spans("search", [(6, 16, "bold red")])  # "beta gamma"
        view.set_spans("shared", [(11, 22, Style(bgcolor="yellow"))])  # "gamma delta"
        strip = view.render_line(0)
        segments = [(seg.text, seg.style) for seg in strip if seg.text.strip()]
        by_text = {t: s for t, s in segments}
        assert by_text["alpha "].color is None or by_text["alpha "].bold is not True
        assert by_text["beta "].bold and by_text["beta "].color.name == "red"
        # Overlap: both layers, the later one drawn over.
        assert by_text["gamma"].bold and by_text["gamma"].bgcolor.name == "yellow"
        assert by_text[" delta"].bgcolor.name == "yellow" and not by_text[" delta"].bold
        # The later layer wins where both set the same attribute.
        view.set_spans("search", [(0, 5, "on blue")])
        view.set_spans("shared", [(0, 5, "on green")])
        strip = view.render_line(0)
        first = next(seg for seg in strip if seg.text == "alpha")
        assert first.style.bgcolor.name == "green"
        view.clear_spans("shared")
        strip = view.render_line(0)
        first = next(seg for seg in strip if seg.text == "alpha")
        assert first.style.bgcolor.name == "blue"
        view.clear_spans("search")
        strip = view.render_line(0)
        assert [seg.text for seg in strip][0].startswith("alpha beta gamma")
        # Same range twice in one layer, unordered input, styles given both ways.
        view.set_spans("search", [(6, 10, Style(italic=True)), (0, 5, "bold"), (0, 5, Style(underline=True))])
        first = next(seg for seg in view.render_line(0) if seg.text == "alpha")
        assert first.style.bold and first.style.underline


async def test_spans_across_rows_and_many_spans() -> None:
    text = make_article(300)
    hits = [(m.start(), m.end(), "reverse") for m in re.finditer("inflation", text)]
    assert len(hits) > 100
    app = ViewApp(text)
    async with app.run_test(size=(50, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        view.set_spans("search", hits)
        view.scroll_to_offset(hits[150][0])
        await pilot.pause()
        row = view.offset_to_row(hits[150][0]) - view.top_row
        strip = view.render_line(row)
        styled = "".join(seg.text for seg in strip if seg.style and seg.style.reverse)
        assert "inflation" in styled
        # A span crossing a row boundary is drawn on both rows.
        rows = view.rows
        r = next(r for r in range(3, 20) if rows[r][1] == rows[r + 1][0])  # wrapped mid-line
        start = rows[r][1] - 3
        view.set_spans("shared", [(start, start + 8, "underline")])
        view.scroll_to_offset(0)
        await pilot.pause()
        underlined = [
            "".join(seg.text for seg in view.render_line(y) if seg.style and seg.style.underline)
            for y in (r, r + 1)
        ]
        assert underlined == [text[start : rows[r][1]], text[rows[r][1] : start + 8]]


async def test_cursor_drawn_reverse_only_with_focus() -> None:
    text = "hello world"
    app = ViewApp(text)
    async with app.run_test(size=(30, 5)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        view.focus()
        view.cursor = 4
        await pilot.pause()
        reversed_text = [seg.text for seg in view.render_line(0) if seg.style and seg.style.reverse]
        assert reversed_text == ["o"]
        view.cursor = len(text)  # past the end: a reverse blank cell after the text
        reversed_text = [seg.text for seg in view.render_line(0) if seg.style and seg.style.reverse]
        assert reversed_text == [" "]
        view.blur()
        await pilot.pause()
        assert not [seg for seg in view.render_line(0) if seg.style and seg.style.reverse]


async def test_markup_is_literal_and_clicking_it_does_not_quit() -> None:
    text = "Click [@click=app.quit]x[/] here\n\nclose [/bold] tag\n\nprice [USD] 5 [link=https://e.vil]l[/link]"
    app = ViewApp(text)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        shown = [view.render_line(y).text.rstrip() for y in range(view.row_count)]
        assert shown == [
            "Click [@click=app.quit]x[/] here",
            "",
            "close [/bold] tag",
            "",
            "price [USD] 5 [link=https://e.vil]l[/link]",
        ]
        for y in range(view.row_count):
            for seg in view.render_line(y):
                assert not (seg.style and (seg.style.meta or seg.style.link))
        x = text.index("x[/]")
        await pilot.click(ArticleView, offset=(x, 0))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert view.cursor == x
        await pilot.click(ArticleView, offset=(text.index("[@click") + 2, 0))
        await pilot.pause()
        assert app.is_running


async def test_click_sets_cursor_with_wide_chars_and_scroll() -> None:
    text = make_article(40) + "\n\n中文 news"
    app = ViewApp(text)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        view.action_bottom()
        await pilot.pause()
        y = view.offset_to_row(text.index("中文")) - view.top_row
        await pilot.click(ArticleView, offset=(3, y))  # second cell of 文
        await pilot.pause()
        assert view.cursor == text.index("文")
        await pilot.click(ArticleView, offset=(55, y))  # past the end of the row
        await pilot.pause()
        assert view.cursor == len(text)
        assert view.has_focus


async def test_control_characters_never_reach_segments() -> None:
    evil = "osc52 \x1b]52;c;ZXZpbA==\x07 csi8 \x9b31m red \x1b[2J nul\x00 del\x7f bs\x08 cr\r tab\tend"
    text = f"{evil}\n\n{evil * 3}\n\nline\u2028sep\n\n{evil * 4}"
    app = ViewApp(text)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        view.focus()
        view.set_spans("search", [(0, 10, "bold")])
        assert view.row_count > view.visible_height  # several pages
        for cursor in (0, 6, 7, text.index("\x9b"), len(text)):
            view.cursor = cursor
            for top in range(0, view.row_count, view.visible_height):
                view.scroll_to_offset(view.row_to_offset(top))
                for y in range(view.visible_height):
                    for seg in view.render_line(y):
                        assert UNSAFE.search(seg.text) is None, repr(seg.text)
                        assert "\x1b" not in seg.text and "\x9b" not in seg.text
        view.scroll_to_offset(0)
        # The whole composited screen (styles, padding, scrollbar) too.
        for strip in view.render_lines(Region(0, 0, view.outer_size.width, view.outer_size.height)):
            for seg in strip:
                assert UNSAFE.search(seg.text) is None
        shown = "".join(view.render_line(y).text for y in range(view.visible_height))
        assert "␛]52;c;ZXZpbA==\ufffd" in shown
        assert "␛31m" in shown
        # Offsets still line up with the stored text.
        assert len(view._display) == len(text)


async def test_big_article_mounts_and_repaints_fast() -> None:
    text = make_article(5000, 12)  # one row per paragraph at width 98, plus the blank rows
    t0 = time.perf_counter()
    app = ViewApp(text)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        mount_ms = (time.perf_counter() - t0) * 1000
        view = app.query_one(ArticleView)
        assert view.row_count >= 9999
        timings = []
        for _ in range(5):
            view._line_cache.clear()
            t1 = time.perf_counter()
            for y in range(40):
                view.render_line(y)
            timings.append((time.perf_counter() - t1) * 1000)
        full = []
        for _ in range(5):
            view._line_cache.clear()
            view._styles_cache.clear()
            t1 = time.perf_counter()
            view.render_lines(Region(0, 0, 100, 40))
            full.append((time.perf_counter() - t1) * 1000)
        # Scrolling far and repainting touches only the visible rows.
        view.scroll_to_offset(text.index("P4000 "))
        await pilot.pause()
        view._line_cache.clear()
        t1 = time.perf_counter()
        for y in range(40):
            view.render_line(y)
        far_ms = (time.perf_counter() - t1) * 1000
        print(
            f"\n{view.row_count} rows: mount+first paint {mount_ms:.0f} ms; "
            f"render_line x40 cold {timings[0]:.2f} ms, median {statistics.median(timings):.2f} ms; "
            f"render_lines (with styles) median {statistics.median(full):.2f} ms; "
            f"40 rows after a far scroll (cold) {far_ms:.2f} ms"
        )
        assert mount_ms < 3000
        assert statistics.median(timings) < 50
        assert "P4000" in view.render_line(0).text


async def test_scrollbar_and_mouse_wheel() -> None:
    from textual import events

    text = make_article(100)
    app = ViewApp(text)
    async with app.run_test(size=(60, 15)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        assert view.show_vertical_scrollbar
        assert view.vertical_scrollbar.window_virtual_size == view.row_count
        view.post_message(events.MouseScrollDown(view, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert view.scroll_y > 0
        assert view.top_offset == view.rows[view.top_row][0]
        # Short text: no scrollbar, same wrap width (the gutter is stable).
        width = view.wrap_width
        view.set_text("one line")
        await pilot.pause()
        assert not view.show_vertical_scrollbar and view.wrap_width == width


async def test_hidden_view_keeps_position_and_does_not_wrap_to_nothing() -> None:
    text = make_article(100)
    app = ViewApp(text)
    async with app.run_test(size=(60, 15)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        target = text.index("P50 ")
        view.scroll_to_offset(target)
        await pilot.pause()
        rows = view.row_count
        view.display = False
        await pilot.pause()
        assert view.row_count == rows and view.top_offset == target
        view.set_text(text, text.index("P70 "))  # while hidden: applied when shown
        await pilot.pause()
        assert view.top_offset == text.index("P70 ")
        view.display = True
        await pilot.pause()
        assert view.row_count == rows
        assert view.top_offset == text.index("P70 ")
        assert view.render_line(0).text.startswith("P70 ")


async def test_scroll_to_offset_center() -> None:
    text = make_article(100)
    app = ViewApp(text)
    async with app.run_test(size=(80, 21)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        target = text.index("P50 ")
        cursor = view.cursor
        view.scroll_to_offset(target, center=True)
        await pilot.pause()
        assert view.offset_to_row(target) - view.top_row == view.visible_height // 2
        assert view.cursor == cursor  # scrolling does not move the cursor
        view.scroll_to_offset(len(text))  # past the end: clamped to the last page
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y

"""Anchors and re-anchoring (store/anchoring.py), as pure functions on two versions of a text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from store.anchoring import CONTEXT, FUZZY_THRESHOLD, Quote, numbers, place, quote_at

TEXT = ("Mexican officials plan to defend free trade with the United States by using border security "
        "and immigration policy to gain leverage in talks with the president-elect.\n\n"
        "The officials said the deal could include cooperation on security, immigration and management "
        "of the border, alongside trade, in a single negotiation.\n\n"
        "A spokesman declined to comment on the figures, which put deportations at 181,163 in 2015.")


def anchor(text: str, quote: str, occurrence: int = 0) -> tuple[Quote, int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    end = start + len(quote)
    return quote_at(text, start, end), start, end


def test_quote_takes_32_characters_of_context() -> None:
    quote, start, end = anchor(TEXT, "border security")
    assert quote.exact == "border security"
    assert quote.prefix == TEXT[start - CONTEXT:start] and len(quote.prefix) == CONTEXT == 32
    assert quote.suffix == TEXT[end:end + CONTEXT]


def test_unchanged_text_keeps_the_position() -> None:
    quote, start, end = anchor(TEXT, "gain leverage")
    placed = place(TEXT, quote, start, end)
    assert (placed.start, placed.end, placed.state, placed.score) == (start, end, "anchored", 1.0)


def test_text_inserted_before_shifts_it() -> None:
    quote, start, end = anchor(TEXT, "gain leverage in talks")
    edited = "EDITOR'S NOTE: this story was updated.\n\n" + TEXT
    placed = place(edited, quote, start, end)
    assert placed.state == "anchored" and edited[placed.start:placed.end] == quote.exact
    assert placed.start == start + len("EDITOR'S NOTE: this story was updated.\n\n")


def test_an_edit_inside_the_quote_is_moved_with_its_score() -> None:
    quote, start, end = anchor(TEXT, "declined to comment on the figures, which put deportations at 181,163")
    edited = TEXT.replace("declined to comment", "refused to comment")
    placed = place(edited, quote, start, end)
    assert placed.state == "moved"
    assert edited[placed.start:placed.end] == "refused to comment on the figures, which put deportations at 181,163"
    assert placed.score == round(fuzz.ratio(quote.exact, edited[placed.start:placed.end]) / 100, 4)
    assert FUZZY_THRESHOLD <= placed.score < 1


def test_a_quote_whose_figure_changed_is_orphaned_not_moved_onto_the_new_figure() -> None:
    """A highlight of "181,163" is evidence of that number: re-anchoring it onto "181,000" would
    have a fact-checker cite a figure they never marked. It waits, with its quote, to be re-attached."""
    for old, new in (("181,163", "181,000"), ("181,163", "181,163.5"), ("2015", "2016")):
        quote, start, end = anchor(TEXT, "which put deportations at 181,163 in 2015")
        placed = place(TEXT.replace(old, new), quote, start, end)
        assert placed.state == "orphaned", (old, new)
    quote, start, end = anchor(TEXT, "181,163")
    assert place(TEXT.replace("181,163", "181,500"), quote, start, end).state == "orphaned"
    assert numbers("at 181,163 in 2015, 3.5 % and 1,000,000") == ["181163", "2015", "3.5", "1000000"]


def test_words_inserted_inside_the_quote_are_taken_in() -> None:
    quote, start, end = anchor(TEXT, "cooperation on security, immigration and management of the border")
    edited = TEXT.replace("security, immigration", "security, drugs, immigration")
    placed = place(edited, quote, start, end)
    assert placed.state == "moved"
    assert edited[placed.start:placed.end] == "cooperation on security, drugs, immigration and management of the border"


def test_words_deleted_inside_the_quote_shrink_it() -> None:
    quote, start, end = anchor(TEXT, "defend free trade with the United States by using border security")
    edited = TEXT.replace("with the United States ", "")
    placed = place(edited, quote, start, end)
    assert placed.state == "moved"
    assert edited[placed.start:placed.end] == "defend free trade by using border security"


def test_a_deleted_quote_is_orphaned_not_misplaced() -> None:
    quote, start, end = anchor(TEXT, "A spokesman declined to comment on the figures")
    edited = TEXT.replace("A spokesman declined to comment on the figures, which", "Figures")
    placed = place(edited, quote, start, end)
    assert placed.state == "orphaned" and placed.score == 0.0
    assert (placed.start, placed.end) == (start, end)


def test_a_whole_paragraph_deleted_orphans_its_highlights() -> None:
    quote, start, end = anchor(TEXT, "in a single negotiation")
    edited = TEXT.split("\n\n")[0] + "\n\n" + TEXT.split("\n\n")[2]
    assert place(edited, quote, start, end).state == "orphaned"


def test_when_the_quote_appears_twice_the_context_decides() -> None:
    text = ("The mayor said the plan was final. Critics disagreed.\n\n"
            "Later the governor said the plan was final as well.")
    quote, start, end = anchor(text, "said the plan was final", occurrence=1)
    edited = "A new lead paragraph.\n\n" + text
    placed = place(edited, quote, start, end)
    assert placed.state == "anchored"
    assert edited[placed.start - len("governor "):placed.start] == "governor "


def test_a_copy_of_the_quote_put_where_it_was_does_not_steal_it() -> None:
    text = "Alpha beta gamma. The plan was final, said the mayor on Monday. Delta epsilon."
    quote, start, end = anchor(text, "The plan was final")
    # The sentence moved later, and a different sentence with the same words now sits at the old offset.
    edited = "Zeta eta. The plan was final, a critic joked. " + text
    placed = place(edited, quote, start, end)
    assert edited[placed.end:placed.end + len(", said the mayor")] == ", said the mayor"


def test_with_equal_context_the_nearest_occurrence_wins() -> None:
    text = "x " * 40 + "same words here" + " y" * 40
    quote, start, end = anchor(text, "same words here")
    edited = text + "\n\n" + text  # the whole text twice: both occurrences have the same context
    placed = place(edited, quote, start, end)
    assert (placed.start, placed.state) == (start, "anchored")


def test_a_short_quote_whose_context_is_gone_is_not_put_on_another_occurrence() -> None:
    text = "He said yes to the budget. " * 3 + "The minister, asked about the harbour, said no."
    quote, start, end = anchor(text, "no")
    edited = text.replace("The minister, asked about the harbour, said no.", "The minister left without a word.")
    placed = place(edited, quote, start, end)
    assert placed.state == "orphaned" or edited[placed.start:placed.end] == "no"


def test_emoji_and_combining_marks_around_the_quote() -> None:
    text = "Crowds cheered 🇲🇽👨‍👩‍👧 as the café\u0301 owner said “¡sí, se puede!” and Zoë wept 😢 loudly."
    quote, start, end = anchor(text, "“¡sí, se puede!”")
    for edited in ("🎉🎉 " + text, text.replace("👨‍👩‍👧", "👨‍👩‍👧‍👦"), text.replace("Zoë", "Zoe\u0308")):
        placed = place(edited, quote, start, end)
        assert placed.state == "anchored" and edited[placed.start:placed.end] == quote.exact
    edited = text.replace("¡sí, se puede!", "¡sí, se pudo!")
    placed = place(edited, quote, start, end)
    assert placed.state == "moved" and edited[placed.start:placed.end] == "“¡sí, se pudo!”"


def test_a_quote_of_combining_marks_and_emoji_only() -> None:
    text = "before 👍🏽 after"
    quote, start, end = anchor(text, "👍🏽")
    placed = place("new " + text, quote, start, end)
    assert placed.state == "anchored" and ("new " + text)[placed.start:placed.end] == "👍🏽"


def test_empty_new_text_orphans() -> None:
    quote, start, end = anchor(TEXT, "gain leverage")
    assert place("", quote, start, end).state == "orphaned"


# ------------------------------------------------------------------------------- properties
WORDS = st.sampled_from("harbour council vote storm budget talks court election figures agency protest market "
                        "drought ceasefire said the a of in on 2015 181,163 “quote” café ünïcode 🇲🇽 ‍ e\u0301".split())
TEXTS = st.lists(WORDS, min_size=20, max_size=120).map(" ".join)


@st.composite
def edited_texts(draw: st.DrawFn) -> tuple[str, int, int, str, list[tuple[int, int, str]]]:
    text = draw(TEXTS)
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 80)))
    edits = []
    edited = text
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(edited)))
        cut = draw(st.integers(0, min(12, len(edited) - at)))
        new = draw(st.one_of(st.just(""), WORDS, st.text(max_size=8)))
        edits.append((at, cut, new))
        edited = edited[:at] + new + edited[at + cut:]
    return text, start, end, edited, edits


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_texts())
def test_a_highlight_lands_on_its_quote_or_is_scored_or_is_orphaned(case: tuple) -> None:
    """Never silently wrong offsets: whatever the edits, a placement says truthfully what is there."""
    text, start, end, edited, _ = case
    quote = quote_at(text, start, end)
    placed = place(edited, quote, start, end)
    if placed.state == "anchored":
        assert edited[placed.start:placed.end] == quote.exact and placed.score == 1.0
    elif placed.state == "moved":
        found = edited[placed.start:placed.end]
        assert found and found != quote.exact
        assert placed.score >= FUZZY_THRESHOLD
        assert numbers(found) == numbers(quote.exact)  # a changed number is never "moved" onto
        assert abs(placed.score - fuzz.ratio(quote.exact, found) / 100) < 1e-3
    else:
        assert placed.state == "orphaned" and placed.score == 0.0


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.data())
def test_edits_away_from_the_quote_keep_it_exactly(text: str, data: st.DataObject) -> None:
    """Edits outside the quote and its context: the highlight is found at its shifted offsets."""
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, min(len(text), start + 60)))
    quote = quote_at(text, start, end)
    before = data.draw(st.text(max_size=40))
    after = data.draw(st.text(max_size=40))
    low, high = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    head = text[:low]
    cut = data.draw(st.integers(0, len(head)))
    edited = head[cut:] + before + text[low:high] + after + text[high:]
    expected = start - cut + len(before)
    placed = place(edited, quote, start, end)
    assert placed.state == "anchored" and edited[placed.start:placed.end] == quote.exact
    if placed.start != expected:  # only another copy of the quote with context as good may win
        assert edited.count(quote.exact) > 1


def test_a_long_quote_is_found_by_its_ends_and_a_deleted_one_quickly_orphaned() -> None:
    import random
    import time

    rng = random.Random(7)
    words = "harbour council vote storm budget talks court election figures agency protest market".split()
    text = " ".join(rng.choice(words) + ("." if rng.random() < 0.1 else "") for _ in range(12_000))
    start = text.index(" ", 30_000) + 1
    end = text.index(" ", start + 3000)
    quote = quote_at(text, start, end)
    middle = (start + end) // 2
    edited = "A new lead paragraph.\n\n" + text[:middle] + " an inserted clause," + text[middle:]
    placed = place(edited, quote, start, end)
    shift = len("A new lead paragraph.\n\n")
    assert placed.state == "moved" and placed.start == start + shift
    assert placed.end == end + shift + len(" an inserted clause,")
    began = time.perf_counter()
    gone = place(text[:start] + text[end:], quote, start, end)
    assert gone.state in ("orphaned", "moved") and time.perf_counter() - began < 1.0
    if gone.state == "moved":
        assert gone.score >= FUZZY_THRESHOLD

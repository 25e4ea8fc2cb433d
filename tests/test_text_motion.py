"""Highlight-mode cursor moves: words, sentences, characters, and trimming a selection."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.text_motion import (char_back, char_forward, sentence_back, sentence_forward, sentence_starts,
                             trim_range, word_back, word_end, word_forward)

TEXT = ("Mr. Trump met U.S. officials on Monday. “It shows a basic misunderstanding,” said Kevin "
        "Appleby. Then what?\n\nA new paragraph starts here! It has 181,163 deportations.")


def test_words() -> None:
    assert word_forward(TEXT, 0) == TEXT.index("Trump")
    assert word_end(TEXT, 0) == TEXT.index(".")  # "Mr" ends before its dot (the dot joins no word)
    start = TEXT.index("U.S.")
    assert word_end(TEXT, start) == start + len("U.S")  # initials stay one word
    assert word_back(TEXT, start + 2) == start
    assert word_back(TEXT, start) == TEXT.index("met")
    number = TEXT.index("181,163")
    assert word_end(TEXT, number) == number + len("181,163")
    assert word_forward(TEXT, len(TEXT) - 2) == len(TEXT)
    assert word_back(TEXT, 0) == 0


def test_sentences_skip_abbreviations_and_initials() -> None:
    starts = sentence_starts(TEXT)
    assert TEXT.index("Trump") not in starts  # "Mr." does not end a sentence
    assert TEXT.index("officials") not in starts  # nor do initials
    assert TEXT.index("“It shows") in starts
    assert TEXT.index("Then what") in starts
    assert TEXT.index("A new paragraph") in starts
    assert TEXT.index("It has") in starts
    assert sentence_forward(TEXT, 0) == TEXT.index("“It shows")
    assert sentence_back(TEXT, TEXT.index("basic")) == TEXT.index("“It shows")
    assert sentence_back(TEXT, TEXT.index("“It shows")) == 0
    assert sentence_forward(TEXT, TEXT.index("It has")) == len(TEXT)


def test_characters_keep_marks_and_emoji_whole() -> None:
    text = "ae\u0301b👩\u200d👩\u200d👧c"
    assert char_forward(text, 1) == 3  # e + combining acute
    assert char_back(text, 3) == 1
    family_start = text.index("👩")
    assert char_forward(text, family_start) == text.index("c")
    assert char_back(text, text.index("c")) == family_start
    assert char_forward(text, len(text)) == len(text) and char_back(text, 0) == 0


def test_trim_range() -> None:
    assert trim_range("  ab  ", 0, 6) == (2, 4)
    assert trim_range("ab", 2, 0) == (0, 2)
    assert trim_range("   ", 0, 3)[0] == trim_range("   ", 0, 3)[1]


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .!?\n’,-") + ["\u0301", "\u200d", "É", "👩"]), max_size=60),
       st.integers(min_value=0, max_value=60))
def test_moves_stay_in_the_text_and_go_their_way(text: str, position: int) -> None:
    position = min(position, len(text))
    for forward in (char_forward, word_forward, word_end, sentence_forward):
        moved = forward(text, position)
        assert position <= moved <= len(text)
        assert moved > position or position == len(text)
    for back in (char_back, word_back, sentence_back):
        moved = back(text, position)
        assert 0 <= moved <= position
        assert moved < position or position == 0
    start, end = trim_range(text, 0, position)
    assert 0 <= start <= end <= position

"""Segmentation, alignment, moved passages, word-level differences, shared quotes and differing
figures (store.segment, store.alignment, store.figures), on synthetic text and the seed corpus."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings, strategies as st

from store import align_texts
from store.boilerplate import is_boilerplate, normalize_line, recurring_lines
from store.demo import demo_files
from store.figures import figures
from store.segment import quotes, sentences


def seed(prefix: str) -> str:
    path = next(p for p in demo_files() if Path(p).name.startswith(prefix))
    return Path(path).read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- segmentation
def test_abbreviations_initials_and_decimals_do_not_end_sentences() -> None:
    text = ("Mr. Smith met J. R. Jones on Jan. 20 in the U.S. The rate was 3.5 percent. "
            "The U.S. Army said no. Dr. Lee works at Acme Inc. in St. Louis.")
    assert [s.text for s in sentences(text)] == [
        "Mr. Smith met J. R. Jones on Jan. 20 in the U.S.",
        "The rate was 3.5 percent.",
        "The U.S. Army said no.",
        "Dr. Lee works at Acme Inc. in St. Louis.",
    ]


def test_sentences_end_inside_closing_quotes_and_at_line_breaks() -> None:
    text = 'He said: “We will win.” Then he left!\n“Why?” asked Mrs. Lee. "Go," she said.\nA caption'
    assert [s.text for s in sentences(text)] == [
        "He said: “We will win.”", "Then he left!", "“Why?” asked Mrs. Lee.", '"Go," she said.', "A caption"]


def test_sentence_spans_are_offsets_into_the_body() -> None:
    body = seed("001")
    for sentence in sentences(body):
        assert body[sentence.start:sentence.end] == sentence.text


def test_quotes_curly_straight_and_open_at_paragraph_end() -> None:
    text = 'She said “this is the plan for now,” and he said "we will see about that".\n“It goes on and on\nNext'
    assert [q.text for q in quotes(text)] == ["this is the plan for now", "we will see about that",
                                              "It goes on and on"]
    assert quotes("“too short”") == []


# ----------------------------------------------------------------------------- alignment
A = ("The storm hit the coast on Monday. Officials said 12 people were killed in the flooding. "
     "Schools will stay closed until Friday. The governor asked for federal help.")


def test_identical_texts_align_completely() -> None:
    result = align_texts(A, A)
    assert len(result.pairs) == 4 and all(p.identical and not p.moved for p in result.pairs)
    assert result.share_a == result.share_b == 1.0
    assert not result.unique_a and not result.unique_b and not result.figures


def test_reordered_sentence_is_marked_moved() -> None:
    b = ("The governor asked for federal help. The storm hit the coast on Monday. "
         "Officials said 12 people were killed in the flooding. Schools will stay closed until Friday.")
    result = align_texts(A, b)
    assert len(result.pairs) == 4
    moved = result.moved
    assert len(moved) == 1 and A[moved[0].a[0]:moved[0].a[1]] == "The governor asked for federal help."


def test_disjoint_texts_share_nothing() -> None:
    b = "Quarterly earnings beat forecasts. The chief executive praised cloud revenue growth."
    result = align_texts(A, b)
    assert not result.pairs and not result.has_overlap and result.share_a == 0.0
    assert len(result.unique_a) == 4 and len(result.unique_b) == 2


def test_partial_match_marks_the_differing_words() -> None:
    b = "The powerful storm hit the northern coast on Monday night."
    result = align_texts(A, b)
    assert len(result.pairs) == 1
    pair = result.pairs[0]
    assert not pair.identical
    assert [b[s:e] for s, e in pair.differ_b] == ["powerful", "northern", "night"]
    assert [A[s:e] for s, e in pair.shared_a] == ["The storm hit the coast on Monday"]


def test_figures_that_differ_in_aligned_sentences() -> None:
    b = A.replace("12 people", "14 people")
    result = align_texts(A, b)
    assert [(f.a_text, f.b_text, f.kind, f.aligned) for f in result.figures] == [("12", "14", "count", True)]
    diff = result.figures[0]
    assert A[diff.a_context[0]:diff.a_context[1]] == diff.a_sentence
    assert "killed" in diff.b_sentence


def test_equal_figures_and_rounding_are_not_flagged() -> None:
    a = "The agency deported 181,163 people in 2015, officials said on Tuesday."
    b = "The agency deported about 181,000 people in 2015, officials said on Tuesday."
    assert align_texts(a, b).figures == ()


def test_a_measurement_is_compared_only_with_the_same_measure() -> None:
    """"60 miles" against "a 13-year-old" is not a figure that differs; 60 against 45 miles is."""
    base = "The police chase went on for {} on Monday before the driver stopped near the bridge."
    assert not align_texts(base.format("60 miles"), base.format("a 13-year-old's")).figures
    diff = align_texts(base.format("60 miles"), base.format("45 miles")).figures
    assert [(d.a_text, d.b_text) for d in diff] == [("60", "45")]
    assert [(f.text, f.unit) for f in figures("a 13-year-old drove 60 miles; 40 people")] == [
        ("13", "year"), ("60", "mile"), ("40", "")]


def test_figure_kinds() -> None:
    found = {(f.text, f.kind) for f in figures("worth $500 billion, up 3.5% on Jan. 20, 2015, and 1.5 million people")}
    assert found == {("$500 billion", "money"), ("3.5%", "percent"), ("Jan. 20", "date"), ("2015", "year"),
                     ("1.5 million", "count")}


def test_seed_000_and_001_share_lead_border_passage_and_giorgana_quote() -> None:
    a, b = seed("000"), seed("001")
    result = align_texts(a, b)
    texts_a = [a[p.a[0]:p.a[1]] for p in result.pairs]
    assert any("defend free trade" in t for t in texts_a)  # the shared lead
    assert any("security, immigration and management of the U.S.-Mexican border" in t for t in texts_a)
    giorgana = [q for q in result.quotes if "put us at a disadvantage" in q.text]
    assert giorgana and giorgana[0].speaker == "Victor Giorgana"
    assert "It can’t just be about one issue" in b[giorgana[0].b[0]:giorgana[0].b[1]]
    lead = next(q for q in result.quotes if q.text.startswith("defend free trade"))
    assert lead.speaker == "Reuters"  # "Reuters reports that Mexican officials plan to “defend …”"
    assert 0.1 < result.share_a <= 1 and 0 < result.share_b < result.share_a


def test_a_sentence_split_in_two_aligns_with_the_half_that_carries_the_quote() -> None:
    """001 splits 000's "“It can’t just be about one issue…,” said Victor Giorgana, a congressman…"
    into a paraphrase of the attribution and the quote: the quote is the shared passage (it was
    paired with the paraphrase, and the coverage view called the quote "only here")."""
    a, b = seed("000"), seed("001")
    result = align_texts(a, b)
    pair = next(p for p in result.pairs if "put us at a disadvantage" in a[p.a[0]:p.a[1]])
    assert "put us at a disadvantage" in b[pair.b[0]:pair.b[1]]
    assert not any("put us at a disadvantage" in b[s:e] for s, e in result.unique_b)


def test_seed_001_and_004_deportation_figures_differ() -> None:
    a, b = seed("001"), seed("004")
    result = align_texts(a, b)
    pairs = {(f.a_text, f.b_text) for f in result.figures}
    assert ("181,163", "118,000") in pairs
    diff = next(f for f in result.figures if f.a_text == "181,163")
    assert "2015" in diff.a_sentence and "2015" in diff.b_sentence and not diff.aligned


def test_boilerplate_never_fakes_shared_passages() -> None:
    furniture = "Story continues below advertisement\nREAD MORE: Something else entirely\nAP Photo/Someone"
    a = "Quarterly earnings beat forecasts.\n" + furniture
    b = "The storm hit the coast on Monday.\n" + furniture
    result = align_texts(a, b)
    assert not result.pairs and len(result.boilerplate_a) == 3
    assert is_boilerplate("Advertisement") and not is_boilerplate("The storm hit the coast.")
    nag = "Subscribe to our daily briefing for the best stories"
    lines = recurring_lines([("site", f"x {i}\n{nag}") for i in range(3)] + [("other", nag)])
    assert lines == {"subscribe to our daily briefing for the best stories"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from("ab_ ,.\n\r\t\xa0İ-"), max_size=30), min_size=3, max_size=3))
def test_recurring_lines_are_the_lines_normalize_line_gives(bodies: list[str]) -> None:
    """recurring_lines normalises a whole body in one pass; it must agree with normalize_line per line."""
    per_line = [{normalize_line(line) for line in body.split("\n")} - {""} for body in bodies]
    expected = set.intersection(*per_line)
    assert recurring_lines([("site", body) for body in bodies]) == expected


def test_swapped_alignment_mirrors_the_pair() -> None:
    a, b = seed("000"), seed("001")
    forward, backward = align_texts(a, b), align_texts(b, a).swapped()
    assert {(p.a, p.b) for p in forward.pairs} == {(p.a, p.b) for p in backward.pairs}


# ----------------------------------------------------------------------------- properties
_words = st.sampled_from(["Mr.", "U.S.", "the", "storm", "3.5", "181,163", "“said", "quote”", '"', "2015",
                          "Jan.", "killed", "people", "\n", "a.", "?", "é", "$5", "%", "—", "  "])


@settings(max_examples=60, deadline=None)
@given(st.lists(_words, max_size=60), st.lists(_words, max_size=60), st.text(max_size=40))
def test_random_texts_never_crash_and_spans_stay_in_bounds(words_a: list[str], words_b: list[str],
                                                            noise: str) -> None:
    a = " ".join(words_a) + noise
    b = " ".join(words_b[:20] + words_a[5:30] + words_b[20:])
    result = align_texts(a, b)
    for side, length, spans in (
        ("a", len(a), [p.a for p in result.pairs] + list(result.unique_a)),
        ("b", len(b), [p.b for p in result.pairs] + list(result.unique_b)),
    ):
        spans.sort()
        for (start, end), following in zip(spans, spans[1:] + [(length, length)]):
            assert 0 <= start < end <= length, side
            assert end <= following[0], f"{side}: overlapping sentence spans"
    for pair in result.pairs:
        for runs, (start, end) in ((pair.shared_a + pair.differ_a, pair.a), (pair.shared_b + pair.differ_b, pair.b)):
            ordered = sorted(runs)
            assert all(start <= s < e <= end for s, e in ordered)
            assert all(x[1] <= y[0] for x, y in zip(ordered, ordered[1:]))
    for diff in result.figures:
        assert 0 <= diff.a[0] < diff.a[1] <= len(a) and 0 <= diff.b[0] < diff.b[1] <= len(b)
    for quote in result.quotes:
        assert 0 <= quote.a[0] <= quote.a[1] <= len(a) and 0 <= quote.b[0] <= quote.b[1] <= len(b)


def test_the_speaker_named_after_the_quote_before_said() -> None:
    from store.alignment import _speaker

    body = '"It\'s destructive to the fabric of the relationship," Rice said on Tuesday.'
    assert _speaker(body, 1, body.index(',"')) == "Rice"
    body = '“We will not pay for the wall,” Enrique Peña Nieto told reporters.'
    assert _speaker(body, 1, body.index(',”')) == "Enrique Peña Nieto"
    body = '"We will see," he said.'
    assert _speaker(body, 1, body.index(',"')) is None
    body = '"We will see," said Susan Rice, the adviser.'
    assert _speaker(body, 1, body.index(',"')) == "Susan Rice"

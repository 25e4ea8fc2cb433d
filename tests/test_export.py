"""Export of highlights (Markdown, JSON-LD, CSV), import of JSON-LD, and their round trips."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Iterator

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_annotations import files
from store import BadAnnotation, Candidate, Library

BODY_A = ("The council voted on Tuesday to close the harbour for the winter.\n\n"
          "Officials said the storm damage would cost 4.2 million dollars to repair, "
          "and that the budget talks would resume in March.\n\n"
          "Critics called the decision *rushed* and [unfair] <b>today</b>.")
BODY_B = "=SUM(A1:A9) is what the spreadsheet said, according to a \"leaked\" memo, 2015."


def candidates() -> list[Candidate]:
    return [Candidate(title="Harbour [closes] *now*", body=BODY_A, origin="memory:a", source="Reuters",
                      url="https://example.com/harbour?a=1&b=2"),
            Candidate(title="Memo", body=BODY_B, origin="memory:b")]


def open_library(path: Path) -> Library:
    lib = Library.open(path)
    lib.add_candidates(candidates())
    return lib


@pytest.fixture()
def lib(tmp_path: Path) -> Iterator[Library]:
    with open_library(tmp_path / "source") as library:
        yield library


def ids(lib: Library) -> tuple[str, str]:
    by_title = {a.title: a.id for a in lib.articles()}
    return by_title["Harbour [closes] *now*"], by_title["Memo"]


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def annotate_some(lib: Library) -> list:
    a, b = ids(lib)
    return [
        lib.annotate(a, *span(BODY_A, "4.2 million dollars"), color=2, note="Check against *Reuters*\nsecond line",
                     tags=["money", "needs check"]),
        lib.annotate(a, *span(BODY_A, "Critics called the decision *rushed* and [unfair] <b>today</b>."), color=4),
        lib.annotate(b, *span(BODY_B, "=SUM(A1:A9) is what"), color=3, note='says "leaked", really?', tags=["memo"]),
    ]


def without_date(text: str) -> str:
    text = re.sub(r'"generated": "[^"]*"', '"generated": ""', text)
    return re.sub(r"exported: .*", "exported:", text)


# ------------------------------------------------------------------------------- markdown
def test_markdown_has_a_section_per_article_with_blockquotes(lib: Library) -> None:
    made = annotate_some(lib)
    lib.set_color_label(2, "figure")
    text = lib.export_annotations("md")
    assert text.startswith("---\ngenerator: broadsheet\nexported: ")
    assert "## Harbour \\[closes\\] \\*now\\*" in text
    assert "- Source: Reuters" in text and "- Link: <https://example.com/harbour?a=1&b=2>" in text
    assert f"> 4.2 million dollars ^{made[0].id}" in text
    assert "Check against *Reuters*\nsecond line" in text  # the user's own Markdown is kept
    assert "Tags: #money #needs-check · Colour: 2 (figure)" in text
    # markup in the article's text stays text
    assert "> Critics called the decision \\*rushed\\* and \\[unfair\\] \\<b\\>today\\</b\\>." in text
    assert "## Memo" in text and "- From: `memory:b`" in text
    assert text.index("## Harbour") != text.index("## Memo")
    assert text.count("## ") == 2


def test_markdown_of_nothing(lib: Library) -> None:
    assert "No highlights." in lib.export_annotations("md")


# ------------------------------------------------------------------------------- JSON-LD
def test_jsonld_is_a_w3c_annotation_collection(lib: Library) -> None:
    made = annotate_some(lib)
    data = orjson.loads(lib.export_annotations("jsonld"))
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection" and data["total"] == 3
    items = data["first"]["items"]
    assert data["first"]["type"] == "AnnotationPage"
    first = next(i for i in items if i["id"].endswith(made[0].id))
    assert first["type"] == "Annotation" and first["motivation"] == "commenting"
    quote, position = first["target"]["selector"]
    assert quote == {"type": "TextQuoteSelector", "exact": "4.2 million dollars", "prefix": made[0].prefix,
                     "suffix": made[0].suffix}
    assert position == {"type": "TextPositionSelector", "start": made[0].start, "end": made[0].end}
    assert first["target"]["source"] == "https://example.com/harbour?a=1&b=2"
    assert first["target"]["styleClass"] == "broadsheet-color-2"
    purposes = [(b["purpose"], b["value"]) for b in first["body"]]
    assert purposes == [("commenting", "Check against *Reuters*\nsecond line"), ("tagging", "money"),
                        ("tagging", "needs check"), ("classifying", "evidence")]
    memo = next(i for i in items if i["id"].endswith(made[2].id))
    assert memo["target"]["source"] == f"urn:broadsheet:article:{made[2].article_id}"
    plain = next(i for i in items if i["id"].endswith(made[1].id))
    assert plain["motivation"] == "highlighting"


# ------------------------------------------------------------------------------- CSV
def test_csv_has_one_properly_quoted_row_per_highlight(lib: Library) -> None:
    made = annotate_some(lib)
    text = lib.export_annotations("csv")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 3
    assert list(rows[0]) == ["id", "article_id", "title", "source", "url", "start", "end", "exact", "note", "tags",
                             "color", "label", "state", "score", "created", "updated", "original_exact"]
    by_id = {row["id"]: row for row in rows}
    row = by_id[made[0].id]
    assert row["note"] == "Check against *Reuters*\nsecond line" and row["tags"] == "money; needs check"
    assert (row["start"], row["end"], row["color"], row["label"], row["state"]) == (
        str(made[0].start), str(made[0].end), "2", "evidence", "anchored")
    assert row["url"] == "https://example.com/harbour?a=1&b=2" and row["source"] == "Reuters"
    memo = by_id[made[2].id]
    assert memo["exact"] == "'=SUM(A1:A9) is what"  # a spreadsheet must not run it
    assert memo["note"] == 'says "leaked", really?'


# ------------------------------------------------------------------------------- filters
def test_filters_by_article_tag_and_colour(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    made = annotate_some(lib)
    a, b = ids(lib)
    only_b = orjson.loads(lib.export_annotations("jsonld", article_ids=[b]))
    assert [i["id"] for i in only_b["first"]["items"]] == [f"urn:broadsheet:annotation:{made[2].id}"]
    tagged = list(csv.DictReader(io.StringIO(lib.export_annotations("csv", tag="money"), newline="")))
    assert [r["id"] for r in tagged] == [made[0].id]
    assert "4.2 million" not in lib.export_annotations("md", color=4)
    with pytest.raises(BadAnnotation, match="unknown export format"):
        lib.export_annotations("pdf")
    monkeypatch.delattr(Library, "story", raising=False)  # a build without the stories module
    with pytest.raises(BadAnnotation, match="stories are not available"):
        lib.export_annotations("md", story_id="x")


# ------------------------------------------------------------------------------- import
def test_export_import_export_gives_the_same_file(lib: Library, tmp_path: Path) -> None:
    annotate_some(lib)
    lib.set_color_label(4, "contested")
    exported = {fmt: lib.export_annotations(fmt) for fmt in ("md", "jsonld", "csv")}
    with open_library(tmp_path / "empty") as other:
        report = other.import_annotations(exported["jsonld"])
        assert (len(report.added), len(report.present), len(report.unmatched)) == (3, 0, 0)
        assert report.labels == {4: "contested"}
        assert other.annotations() == lib.annotations()
        for fmt, text in exported.items():
            assert without_date(other.export_annotations(fmt)) == without_date(text), fmt
        again = other.import_annotations(exported["jsonld"])
        assert (len(again.added), len(again.present)) == (0, 3)
        assert other.annotations() == lib.annotations()


def test_importing_into_the_same_library_adds_nothing(lib: Library) -> None:
    annotate_some(lib)
    before = files(lib.path)
    report = lib.import_annotations(lib.export_annotations("jsonld"))
    assert report.added == [] and len(report.present) == 3
    assert files(lib.path) == before


def test_import_matches_by_url_or_content_when_ids_differ_and_reports_unmatched(lib: Library,
                                                                                tmp_path: Path) -> None:
    annotate_some(lib)
    data = orjson.loads(lib.export_annotations("jsonld"))
    for item in data["first"]["items"]:
        item["broadsheet"]["article"] = "000000000000"
    memo = next(i for i in data["first"]["items"] if i["broadsheet"]["title"] == "Memo")
    memo["broadsheet"].update(content_hash="f" * 64, origin="elsewhere")
    with Library.open(tmp_path / "other") as other:
        other.add_candidates([candidates()[0]])
        report = other.import_annotations(orjson.dumps(data).decode())
        assert len(report.added) == 2
        assert report.unmatched and "elsewhere" in report.unmatched[0][1]


def test_import_re_anchors_by_quote_when_the_text_differs(lib: Library, tmp_path: Path) -> None:
    made = annotate_some(lib)
    exported = lib.export_annotations("jsonld")
    edited = Candidate(title="Harbour", body="A new first paragraph.\n\n" + BODY_A.replace("dollars", "dolars"),
                       origin="memory:a", url="https://example.com/harbour?a=1&b=2")
    with Library.open(tmp_path / "edited") as other:
        other.add_candidates([edited])
        report = other.import_annotations(exported)
        assert len(report.added) == 2 and len(report.unmatched) == 1
        body = other.articles()[0].body
        by_id = {a.id: a for a in other.annotations()}
        moved = by_id[made[0].id]
        assert moved.state == "moved" and body[moved.start:moved.end] == "4.2 million dolars"
        assert moved.original_exact == "4.2 million dollars"
        assert "highlighted as “4.2 million dollars”" in other.export_annotations("md")
        row = next(r for r in csv.DictReader(io.StringIO(other.export_annotations("csv"), newline=""))
                   if r["id"] == moved.id)
        assert (row["exact"], row["original_exact"]) == ("4.2 million dolars", "4.2 million dollars")
        shifted = by_id[made[1].id]
        assert shifted.state == "anchored" and body[shifted.start:shifted.end] == made[1].exact


def test_imported_highlights_on_a_changed_figure_are_orphaned(lib: Library, tmp_path: Path) -> None:
    made = annotate_some(lib)
    exported = lib.export_annotations("jsonld")
    edited = Candidate(title="Harbour", body=BODY_A.replace("4.2", "4.7"), origin="memory:a",
                       url="https://example.com/harbour?a=1&b=2")
    with Library.open(tmp_path / "edited") as other:
        other.add_candidates([edited])
        other.import_annotations(exported)
        figure = {a.id: a for a in other.annotations()}[made[0].id]
        assert figure.state == "orphaned" and figure.exact == "4.2 million dollars"


def test_a_foreign_web_annotation_is_imported(lib: Library) -> None:
    foreign = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "https://annotations.example/anno/7",
        "type": "Annotation",
        "body": [{"type": "TextualBody", "value": "Interesting", "purpose": "commenting"},
                 {"type": "TextualBody", "value": "politics", "purpose": "classifying"}],
        "target": {"source": "https://example.com/harbour?a=1&b=2",
                   "selector": {"type": "TextQuoteSelector", "exact": "budget talks", "prefix": "that the ",
                                "suffix": " would"}},
    }
    report = lib.import_annotations(orjson.dumps(foreign).decode())
    (added,) = report.added
    assert added.exact == "budget talks" and added.note == "Interesting" and added.color == 1
    assert lib.color_labels()[1] == "key claim" and report.labels == {}  # a foreign label renames nothing
    assert BODY_A[added.start:added.end] == "budget talks"
    assert lib.import_annotations(orjson.dumps(foreign).decode()).present == [added.id]


def test_an_imported_quote_in_nfd_with_crlf_is_found(lib: Library) -> None:
    import unicodedata

    lib.add_candidates([Candidate(title="Café", body="Le café\u0301 est fermé.\n\nLa mairie a voté hier soir.",
                                  origin="memory:cafe")])
    foreign = {"type": "Annotation", "target": {"source": "memory:cafe", "selector": {
        "type": "TextQuoteSelector", "exact": unicodedata.normalize("NFD", "est fermé.\r\n\r\nLa mairie")}},
        "broadsheet": {"origin": "memory:cafe"}}
    (added,) = lib.import_annotations(orjson.dumps(foreign).decode()).added
    body = next(a for a in lib.articles() if a.title == "Café").body
    assert added.state == "anchored" and body[added.start:added.end] == "est fermé.\n\nLa mairie"


MALFORMED = [
    ("", "not valid JSON"),
    ("{", "not valid JSON"),
    ("[1, 2]", "annotation 1: not an object"),
    ('"text"', "not a JSON-LD annotation file"),
    ('{"type": "Person"}', "not a JSON-LD annotation file"),
    ('{"type": "AnnotationCollection", "first": "https://x/page1"}', "first page is a link"),
    ('{"type": "AnnotationPage", "items": {"a": 1}}', "items are not a list"),
    ('{"type": "AnnotationPage", "items": [{"type": "Annotation"}]}', "no target"),
    ('{"type": "AnnotationPage", "items": [{"type": "Annotation", "target": {"selector": []}}]}',
     "no TextQuoteSelector"),
    ('{"type": "AnnotationPage", "items": [{"type": "Annotation", "target": {"selector": '
     '{"type": "TextQuoteSelector", "exact": ""}}}]}', "quote (exact) is empty"),
    ('{"type": "AnnotationPage", "items": [{"type": "Annotation", "target": {"selector": '
     '{"type": "TextQuoteSelector", "exact": 5}}}]}', "exact must be text"),
    ('{"type": "AnnotationPage", "items": [{"type": "Annotation", "target": {"selector": ['
     '{"type": "TextQuoteSelector", "exact": "x"}, {"type": "TextPositionSelector", "start": 5, "end": 2}]}}]}',
     "end is not after start"),
    ('{"type": "AnnotationPage", "items": [{"type": "Annotation", "body": [{"value": 3}], "target": {"selector": '
     '{"type": "TextQuoteSelector", "exact": "x"}}}]}', "value must be text"),
    ('{"type": "AnnotationPage", "items": [{"type": "Annotation", "broadsheet": {"color": 9}, "target": '
     '{"selector": {"type": "TextQuoteSelector", "exact": "x"}}}]}', "colour must be 1 to 5"),
]


@pytest.mark.parametrize("text, message", MALFORMED)
def test_malformed_jsonld_gets_one_line_and_changes_nothing(lib: Library, text: str, message: str) -> None:
    annotate_some(lib)
    before = files(lib.path)
    with pytest.raises(BadAnnotation, match=re.escape(message)) as error:
        lib.import_annotations(text)
    assert "\n" not in str(error.value) and "nothing was imported" in str(error.value)
    assert files(lib.path) == before


def test_one_bad_item_among_good_ones_imports_none(lib: Library, tmp_path: Path) -> None:
    annotate_some(lib)
    data = orjson.loads(lib.export_annotations("jsonld"))
    data["first"]["items"][2]["target"]["selector"] = []
    with open_library(tmp_path / "other") as other:
        with pytest.raises(BadAnnotation, match="annotation 3"):
            other.import_annotations(orjson.dumps(data).decode())
        assert other.annotations() == []


# ------------------------------------------------------------------------------- round trip, randomly
NASTY = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60) | st.sampled_from(
    ["[bold]x[/]", "[@click=app.quit]q[/]", "\x1b[31mred\x1b[0m", "<script>alert(1)</script>", "# heading",
     "> quote", "line\r\nbreak", "=1+2", "a,b;\"c\"", "🇲🇽 e\u0301", "%%hidden%%", "==mark==", "$x$"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from([0, 1]), st.integers(0, 10_000), st.integers(1, 60),
                          st.integers(1, 5), NASTY, st.lists(NASTY, max_size=4)), min_size=1, max_size=4),
       st.sampled_from(["", "my label [x]", "=evil"]))
def test_round_trip_of_random_annotations(lib: Library, tmp_path_factory: pytest.TempPathFactory,
                                          specs: list, label: str) -> None:
    articles = ids(lib)
    for which, start, length, color, note, tags in specs:
        body = BODY_A if which == 0 else BODY_B
        start %= len(body) - 1
        end = min(len(body), start + length)
        if not body[start:end].strip():
            continue
        lib.annotate(articles[which], start, end, color=color, note=note, tags=tags)
    lib.set_color_label(5, label)
    exported = {fmt: lib.export_annotations(fmt) for fmt in ("md", "jsonld", "csv")}
    with open_library(tmp_path_factory.mktemp("target") / "library") as other:
        report = other.import_annotations(exported["jsonld"])
        assert not report.unmatched
        assert other.annotations() == lib.annotations()
        for fmt, text in exported.items():
            assert without_date(other.export_annotations(fmt)) == without_date(text), fmt
        assert other.import_annotations(exported["jsonld"]).added == []
    for row in csv.DictReader(io.StringIO(exported["csv"], newline="")):
        assert not row["note"].startswith(("=", "+", "-", "@"))
    assert "\x1b" not in exported["md"] + exported["csv"] + exported["jsonld"]


def test_markdown_headings_tell_apart_two_reports_with_one_title(tmp_path: Path) -> None:
    with Library.open(tmp_path / "twins") as lib:
        lib.add_candidates([Candidate(title="Harbour closed", body=BODY_A, origin="memory:a", source="Reuters"),
                            Candidate(title="Harbour closed", body=BODY_A.replace("winter", "season"),
                                      origin="memory:b", source="AP")])
        for article in lib.articles():
            lib.annotate(article.id, 0, 11)
        headings = [line for line in lib.export_annotations("md").splitlines() if line.startswith("## ")]
        assert len(headings) == 2 and len(set(headings)) == 2
        assert all(h.startswith("## Harbour closed (") for h in headings)

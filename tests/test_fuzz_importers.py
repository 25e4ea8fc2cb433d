"""Importers against broken and hostile files: valid documents of every kind cut short, corrupted
and spliced with payloads; entity bombs, external entities, compression bombs and endless lines
measured for time and memory in a fresh process.

tests/test_importers.py fuzzes random bytes and random structure; this file starts from real
documents of each kind, which reach deeper into each parser. BROADSHEET_FUZZ_EXAMPLES raises the
number of examples (default 40 per importer) for a longer run.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hostile
from hostile import stored_problems
from store import ImportReport, Library
from store.cleaning import clean_text
from test_importers import BILLION_LAUGHS, bomb, external_entity_feed, html_page, rss_feed, full_items

EXAMPLES = int(os.environ.get("BROADSHEET_FUZZ_EXAMPLES", "40"))
TRIED: dict[str, int] = {}

_article = hostile.hostile_articles(huge_line=False)[5]
DOCUMENTS: dict[str, tuple[str, bytes]] = {
    "text": (".txt", f"{_article.title}\n\n{_article.body}\n".encode()),
    "markdown": (".md", hostile._as_markdown(_article).encode()),
    "html": (".html", html_page("Border talks resume", [hostile.LEAD] * 4).encode()),
    "rss": (".xml", rss_feed(full_items(3)).encode()),
    "atom": (".atom", hostile._as_atom(hostile.hostile_articles(huge_line=False)[:3]).encode()),
    "jsonl": (".jsonl", hostile._as_jsonl(hostile.hostile_articles(huge_line=False)[:4]).encode()),
}
PAYLOAD_BYTES = [p.encode("utf-8", "surrogatepass") for p in hostile.PAYLOADS.values()] + [
    b"\xff\xfe", b"\x00", b"<", b"]]>", b"&", b"&#27;", b"&#x9b;", b"&#0;", b"\"", b"{", b"}", b"\n", b"\r",
    b"<![CDATA[", b"<!--", b"<script>", b"</item>", b"</entry>", b"\\u0000", b"\\u001b]0;PWN\\u0007", b"\\ud800"]


def snapshot(library: Library) -> dict[str, bytes]:
    return {str(p.relative_to(library.path)): p.read_bytes() for p in sorted(library.path.rglob("*"))
            if p.is_file() and not p.name.startswith(".lock")}


def check_outcome(library: Library, report: ImportReport, before: dict[str, bytes], count: int) -> None:
    """Imported clean, or refused with a one-line reason and the library unchanged."""
    assert report.outcomes
    for outcome in report.outcomes:
        for text in (outcome.origin, outcome.message, outcome.title):
            assert not stored_problems(text, single_line=True), outcome
        if outcome.status == "refused":
            assert outcome.message.strip()
    assert len(library) == count + len(report.added)
    if not (report.added or report.updated or any(o.status in ("duplicate", "unchanged") for o in report.outcomes)):
        assert snapshot(library) == before
    for outcome in report.added + report.updated:
        article = library.get(outcome.article_id)
        assert article.body and clean_text(article.body) == article.body
        assert not stored_problems(article.body, single_line=False), article.body[:200]
        assert unicodedata.is_normalized("NFC", article.body)
        for value in (article.title, article.source, article.author, article.url, article.origin, *article.tags):
            assert not stored_problems(value, single_line=True), value


@st.composite
def mutated(draw: st.DrawFn, document: bytes) -> bytes:
    """`document` cut short, with bytes flipped, payloads spliced in, or a slice repeated."""
    data = bytearray(document)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["cut", "flip", "splice", "repeat", "delete"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "cut":
            del data[at:]
        elif kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "splice":
            data[at:at] = draw(st.sampled_from(PAYLOAD_BYTES))
        elif kind == "repeat":
            end = draw(st.integers(at, min(len(data), at + 200)))
            data[at:at] = data[at:end] * draw(st.integers(1, 20))
        else:
            del data[at:draw(st.integers(at, min(len(data), at + 100)))]
    return bytes(data)


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_broken_documents_import_clean_or_are_refused(tmp_path: Path, fresh_library: Library, kind: str) -> None:
    suffix, document = DOCUMENTS[kind]
    counter = iter(range(10**9))
    compress = st.booleans()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(content=mutated(document), packed=compress)
    def check(content: bytes, packed: bool) -> None:
        name = f"f{next(counter)}{suffix}" + (".gz" if packed else "")
        path = tmp_path / "fuzz" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(gzip.compress(content) if packed else content)
        before, count = snapshot(fresh_library), len(fresh_library)
        report = fresh_library.import_paths([path])  # never raises
        check_outcome(fresh_library, report, before, count)
        TRIED[kind] = TRIED.get(kind, 0) + 1

    check()
    print(f"\nfuzz {kind}: {TRIED.get(kind, 0)} broken documents tried, library {len(fresh_library)} articles")


# --------------------------------------------------------------------------- bombs, in a fresh process
MEASURE = r"""
import json, resource, sys, time
from pathlib import Path
from store import Library
import store.importers, feedparser, trafilatura  # loaded before the baseline
paths = [Path(p) for p in sys.argv[2:]]
results = {}
with Library.open(sys.argv[1]) as lib:
    lib.import_paths([paths[0]])  # warm the parsers once
    for path in paths[1:]:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started, cpu = time.perf_counter(), time.process_time()
        report = lib.import_paths([path])
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
        bodies = [lib.get(o.article_id).body + lib.get(o.article_id).title for o in report.added]
        results[path.name] = {"seconds": elapsed, "cpu": cpu, "peak_growth_kb": grown,
                              "statuses": [o.status for o in report.outcomes],
                              "messages": [o.message for o in report.outcomes],
                              "longest": max((len(b) for b in bodies), default=0),
                              "leaked": any("TOPSECRET" in b or "lollollol" in b for b in bodies)}
print(json.dumps(results))
"""

QUADRATIC = ('<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "' + "x" * 50_000 + '">]>\n'
             '<rss version="2.0"><channel><title>q</title><item><title>q</title><link>https://q.example/1</link>'
             "<description>" + "&a;" * 50_000 + "</description></item></channel></rss>")


def test_bombs_are_refused_fast_and_in_bounded_memory(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-MARKER")
    files: dict[str, bytes] = {
        "warm.txt": b"Warm up\n\nA first article so that every parser is loaded before measuring.\n",
        "laughs.xml": BILLION_LAUGHS.encode(),
        "laughs.atom": BILLION_LAUGHS.replace("rss [", "feed [").encode(),
        "laughs.html": (BILLION_LAUGHS.split("]>")[0].replace("rss [", "html [") + "]>"
                        + html_page("Laughs &lol9;", [hostile.LEAD, "&lol9;"])).encode(),
        "quadratic.xml": QUADRATIC.encode(),
        "xxe.xml": external_entity_feed(secret).encode(),
        "xxe.html": f'<!DOCTYPE html [<!ENTITY x SYSTEM "file://{secret}">]>'.encode()
        + html_page("XXE &x;", [hostile.LEAD, "&x;"]).encode(),
        "bomb.txt.gz": bomb(256 * 1024 * 1024),
        "bomb.xml.gz": bomb(256 * 1024 * 1024, b"<"),
        "bomb.jsonl.gz": bomb(256 * 1024 * 1024, b"{"),
        "endless-line.jsonl": b'{"title": "x", "body": "' + b"a" * (48 * 1024 * 1024),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", MEASURE, str(tmp_path / "lib"), *(str(tmp_path / n) for n in files)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    lines = []
    for name, r in results.items():
        lines.append(f"{name}: {r['cpu'] * 1000:.0f} ms CPU ({r['seconds'] * 1000:.0f} ms wall), "
                     f"peak +{r['peak_growth_kb'] / 1024:.0f} MB, {r['statuses']}")
        # CPU time: the machine is shared, and wall time measures the neighbours as much as the import
        assert r["cpu"] < 1.0 and r["seconds"] < 5.0, (name, r)
        assert r["peak_growth_kb"] < 64 * 1024, (name, r)  # the bombs would need gigabytes
        assert not r["leaked"], (name, r)
        assert r["longest"] < 1_000_000, (name, r)  # no larger than its file: nothing was expanded
        assert all("\n" not in m for m in r["messages"])
    for name in ("bomb.txt.gz", "bomb.xml.gz", "bomb.jsonl.gz"):
        assert results[name]["statuses"] == ["refused"] and "compression bomb" in results[name]["messages"][0]
    assert results["endless-line.jsonl"]["statuses"] == ["refused"]
    assert "line too long" in results["endless-line.jsonl"]["messages"][0]
    print("\nbombs:\n  " + "\n  ".join(lines))

"""Highlights survive a SIGKILL: every annotate/update that returned is on disk, nothing half-made.

Uses the forked-child machinery of tests/test_durability.py (pipes, no sleeps, a watchdog)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from store import Library
from test_durability import Child, ChildCommand, ChildReport, seed_library, temporaries, trace_steps

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill tests fork")

KILLS = 16
OPS = 30
SEED = 20261123


def _highlighter(path: Path, iteration: int, trace: bool) -> Any:
    """Annotate and re-note as fast as possible; "B op" before each write, "C op" after it returned."""

    def run(report: ChildReport, _command: ChildCommand) -> None:
        rng = random.Random(SEED * 100 + iteration)
        if trace:
            trace_steps(report, partial_writes=True)
        with Library.open(path) as lib:
            articles = lib.articles()
            mine: list[str] = [a.id for a in lib.annotations()]
            report("OPEN")
            for n in range(OPS):
                if mine and rng.random() < 0.3:
                    target = rng.choice(mine)
                    op = {"n": n, "kind": "note", "id": target, "note": f"note {iteration}-{n}"}
                    report("B " + json.dumps(op))
                    lib.update_annotation(target, note=op["note"])
                    report("C " + json.dumps(op))
                else:
                    article = rng.choice(articles)
                    start = rng.randrange(0, len(article.body) - 6)
                    end = start + rng.randint(3, 6)
                    op = {"n": n, "kind": "annotate", "article": article.id, "start": start, "end": end,
                          "note": f"made {iteration}-{n}"}
                    report("B " + json.dumps(op))
                    try:
                        made = lib.annotate(article.id, start, end, color=rng.randint(1, 5), note=op["note"])
                    except Exception as error:  # a whitespace-only selection: refused, nothing written
                        report("C " + json.dumps({**op, "refused": str(error)}))
                        continue
                    mine.append(made.id)
                    report("C " + json.dumps({**op, "id": made.id, "exact": made.exact}))

    return run


def test_sigkill_while_highlighting_loses_no_confirmed_highlight(tmp_path: Path) -> None:
    path = tmp_path / "library"
    seed_library(path)
    rng = random.Random(SEED)
    expected_notes: dict[str, str] = {}  # annotation id -> note every confirmed write leaves
    confirmed_total = 0
    for iteration in range(KILLS):
        mode = rng.choice(("after k confirmations", "inside a write"))
        with Child(_highlighter(path, iteration, trace=mode == "inside a write")) as child:
            prefix, k = ("C ", rng.randint(1, OPS)) if mode == "after k confirmations" else ("S ", rng.randint(1, OPS))
            counter = iter(range(1, k + 1))
            child.wait_line(lambda line: line == "END" or (line.startswith(prefix) and next(counter) == k))
            child.kill()
            lines = child.lines
        begun = [json.loads(line[2:]) for line in lines if line.startswith("B ")]
        confirmed = [json.loads(line[2:]) for line in lines if line.startswith("C ")]
        assert len(begun) - len(confirmed) <= 1
        under_way = begun[len(confirmed)] if len(begun) > len(confirmed) else None
        confirmed_total += len(confirmed)

        with Library.open(path, read_only=True) as reader:  # parses: never a broken file
            on_disk = {a.id: a for a in reader.annotations()}
            for op in confirmed:
                if op.get("refused"):
                    continue
                if op["kind"] == "annotate":
                    found = on_disk.get(op["id"])
                    assert found is not None, f"kill {iteration}: confirmed highlight {op} is missing"
                    body = reader.get(op["article"]).body
                    assert (found.start, found.end, found.exact) == (op["start"], op["end"],
                                                                     body[op["start"]:op["end"]])
                expected_notes[op["id"]] = op["note"]
            for annotation_id, note in expected_notes.items():
                found = on_disk[annotation_id]
                allowed = {note}
                if under_way and under_way["kind"] == "note" and under_way["id"] == annotation_id:
                    allowed.add(under_way["note"])
                assert found.note in allowed, f"kill {iteration}: {annotation_id} has {found.note!r}"
            unexpected = set(on_disk) - set(expected_notes)
            if unexpected:  # only the annotate under way may have landed without its confirmation
                assert under_way and under_way["kind"] == "annotate" and len(unexpected) == 1
                (extra,) = unexpected
                assert on_disk[extra].note == under_way["note"]
                expected_notes[extra] = under_way["note"]
            elif under_way and under_way["kind"] == "note" and under_way["id"] in on_disk:
                expected_notes[under_way["id"]] = on_disk[under_way["id"]].note
        with Library.open(path) as lib:  # the next writer opens it and cleans up
            assert not temporaries(path)
            assert {a.id for a in lib.annotations()} == set(expected_notes)
    assert confirmed_total > KILLS

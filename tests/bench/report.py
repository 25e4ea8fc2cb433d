"""What every benchmark shares: a figure against its budget, the printed table, percentiles.

Each `bench_*.py` is a script that prints its figures as a table (`print_table`) and, given
`--json PATH`, writes them there as a list of {name, budget, result, ok}; `run_all.py` relies on
that, and exits non-zero when a figure is over budget.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Figure:
    name: str
    budget: str
    result: str
    ok: bool | None  # None: informational, no budget

    @property
    def verdict(self) -> str:
        return "-" if self.ok is None else ("pass" if self.ok else "FAIL")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def print_table(figures: list[Figure]) -> None:
    headers = ("figure", "budget", "result", "pass/fail")
    rows = [(f.name, f.budget, f.result, f.verdict) for f in figures]
    widths = [max(len(str(r[i])) for r in (headers, *rows)) for i in range(4)]
    line = "  ".join("{:<%d}" % w for w in widths)
    print(line.format(*headers))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))


def write_json(path: Path | None, figures: list[Figure]) -> None:
    if path is not None:
        path.write_text(json.dumps([asdict(f) for f in figures], indent=2))


def exit_code(figures: list[Figure]) -> int:
    return 0 if all(f.ok is not False for f in figures) else 1


def finish(figures: list[Figure], json_path: Path | None) -> int:
    """The end of every benchmark: the table, the JSON file if asked for, the exit status."""
    print()
    print_table(figures)
    write_json(json_path, figures)
    return exit_code(figures)

"""Run every benchmark and print one table of figure, budget, result and pass/fail.

    .venv/bin/python tests/bench/run_all.py            # full sizes (10k and 100k libraries; minutes)
    .venv/bin/python tests/bench/run_all.py --quick    # small sizes, to check the runner and the scripts
    .venv/bin/python tests/bench/run_all.py --only library,scale

Each tests/bench/bench_*.py runs as its own process (a fresh interpreter, so memory figures are its
own) with the arguments below, writes its figures with `--json PATH`, and the figures are gathered
here. Exit status 1 if any figure is over budget or a script fails.

A new benchmark needs no change here to be run (every bench_*.py is); add a line to ARGUMENTS only
when its defaults are not what run_all should use.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from report import Figure, exit_code, print_table  # noqa: E402

# script name (without bench_ and .py) -> (full arguments, --quick arguments)
ARGUMENTS: dict[str, tuple[list[str], list[str]]] = {
    "annotations": ([], ["--size", "1000", "--writes", "10"]),
    "app": ([], ["--sizes", "1000", "--repeats", "2"]),
    "library": ([], ["--sizes", "1000", "--import-size", "200", "--writes", "10"]),
    "scale": ([], ["--size", "1000", "--pages", "10"]),
    "stories": ([], ["--quick"]),
}


def scripts() -> list[Path]:
    return sorted(BENCH.glob("bench_*.py"))


def run_one(script: Path, quick: bool, timeout: float) -> tuple[list[Figure], str | None]:
    """The script's figures, and an error line if it failed."""
    name = script.stem.removeprefix("bench_")
    full, small = ARGUMENTS.get(name, ([], []))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "figures.json"
        command = [sys.executable, str(script), *(small if quick else full), "--json", str(out)]
        print(f"== {name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            done = subprocess.run(command, cwd=BENCH.parent.parent, timeout=timeout, stdout=sys.stderr)
        except subprocess.TimeoutExpired:
            return [], f"{name}: did not finish within {timeout:.0f} s"
        figures = [Figure(**f) for f in json.loads(out.read_text())] if out.exists() else []
        print(f"== {name}: {time.monotonic() - started:.0f} s, exit {done.returncode}", file=sys.stderr, flush=True)
        if not figures:
            return [], f"{name}: exited {done.returncode} without figures"
        if done.returncode != 0 and exit_code(figures) == 0:
            return figures, f"{name}: exited {done.returncode}"
        return [Figure(f"[{name}] {f.name}", f.budget, f.result, f.ok) for f in figures], None


def main() -> int:
    parser = argparse.ArgumentParser(description="run every tests/bench/bench_*.py and print one table")
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the scripts, not the budgets")
    parser.add_argument("--only", default="", help="comma-separated script names (library, scale, ...)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per script")
    parser.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    args = parser.parse_args()
    chosen = {n.strip() for n in args.only.split(",") if n.strip()}
    figures: list[Figure] = []
    errors: list[str] = []
    for script in scripts():
        if chosen and script.stem.removeprefix("bench_") not in chosen:
            continue
        found, error = run_one(script, args.quick, args.timeout)
        figures += found
        if error:
            errors.append(error)
    print()
    print_table(figures)
    for error in errors:
        print(f"error: {error}")
    if args.json:
        args.json.write_text(json.dumps([f.__dict__ for f in figures], indent=2))
    return 1 if errors or exit_code(figures) else 0


if __name__ == "__main__":
    sys.exit(main())

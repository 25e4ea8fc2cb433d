"""Progress of a long command on stderr: a Rich bar on a terminal, plain lines anywhere else.

A Rich bar draws nothing when stderr is a pipe or a file, so `broadsheet import big.jsonl 2>log`
in a script or a cron job would show no sign of life for minutes. There a line is written at each
tenth of the work, and at least every PLAIN_EVERY seconds, at each new phase.
"""

from __future__ import annotations

import time
from typing import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from store.cleaning import strip_controls

PLAIN_EVERY = 10.0  # seconds between plain lines when the tenths come slowly


class CliProgress:
    """A progress callback `(done, total, what)` for `store`'s long operations.

    `label` names the work ("importing"); nothing is shown for fewer than `show_from` items, and
    no plain lines for fewer than `plain_from` (a short import's stderr stays its report).
    `what` is an item's name when `items` is true (the file being imported: shown on the bar, not
    worth a plain line of its own), else a phase ("grouping into stories": a plain line each).
    `auto_refresh=False` draws only from the callback: no refresh thread, which the stories build
    needs because it forks its workers.
    """

    def __init__(self, console: Console, label: str, *, show_from: int, plain_from: int, items: bool,
                 auto_refresh: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.console, self.label, self.items, self.clock = console, label, items, clock
        self.terminal = console.is_terminal
        self.show_from = show_from if self.terminal else plain_from
        columns = [TextColumn(label), BarColumn()]
        if items:
            columns += [MofNCompleteColumn(), TimeRemainingColumn()]
        columns.append(TextColumn("{task.description}", markup=False))  # a file name is not markup
        self.bar = Progress(*columns, console=console, transient=True, auto_refresh=auto_refresh)
        self.auto_refresh = auto_refresh
        self.task: int | None = None
        self._started = False
        self._last_tenth = -1
        self._last_phase: str | None = None
        self._last_line = 0.0

    def __call__(self, done: int, total: int | None, what: str) -> None:
        if not self._started:
            if total is None or total < self.show_from:
                return  # done before a bar would be worth drawing
            self._started = True
            if self.terminal:
                self.bar.start()
                self.task = self.bar.add_task("", total=total)
        description = strip_controls(what)[-40:]
        if self.terminal:
            self.bar.update(self.task, completed=done, total=total, description=description,
                            refresh=not self.auto_refresh)
            return
        self._plain(done, total, description)

    def _plain(self, done: int, total: int | None, what: str) -> None:
        now = self.clock()
        tenth = done * 10 // total if total else 0
        phase = None if self.items else what
        if phase != self._last_phase:
            self._last_tenth = -1
        if tenth == self._last_tenth and phase == self._last_phase and now - self._last_line < PLAIN_EVERY:
            return
        self._last_tenth, self._last_phase, self._last_line = tenth, phase, now
        line = f"{self.label}: "
        if not self.items and what:
            line += f"{what}, "
        if total is not None and total > 1:  # a phase reported as (0, 1) has nothing to count
            line += f"{done:,} of {total:,} ({done * 100 // total} %)"
        line = line.removesuffix(", ").removesuffix(": ")
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def stop(self) -> None:
        if self.terminal and self._started:
            self.bar.stop()

    def __enter__(self) -> "CliProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""The real app in a pseudo-terminal: start `broadsheet` on a pty, type keys, read every byte it
writes. Waits are for text to appear on screen (with a timeout), never sleeps.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

# The escape sequences a terminal would act on, removed to find the text drawn between them.
_SEQUENCES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[P_^X][^\x1b]*\x1b\\|\x1b.")

KEYS: dict[str, bytes] = {
    "enter": b"\r", "escape": b"\x1b", "tab": b"\t", "space": b" ", "backspace": b"\x7f",
    "up": b"\x1b[A", "down": b"\x1b[B", "right": b"\x1b[C", "left": b"\x1b[D",
    "home": b"\x1b[H", "end": b"\x1b[F", "pageup": b"\x1b[5~", "pagedown": b"\x1b[6~",
    "question_mark": b"?", "slash": b"/", "f1": b"\x1bOP",
    "left_curly_bracket": b"{", "right_curly_bracket": b"}", "left_square_bracket": b"[",
    "right_square_bracket": b"]", "left_parenthesis": b"(", "right_parenthesis": b")",
}


# The kitty keyboard protocol: `CSI > flags u` turns flags on (1: disambiguate escape codes; Textual
# asks for it at start), `CSI < u` turns them off again. A terminal that honours flag 1 sends Escape
# as CSI 27 u, which cannot be mistaken for the start of a sequence: a lone ESC byte is an Escape
# only once Textual has waited ESCDELAY (100 ms) for more, and a key sent within that wait joins it
# (ESC then ctrl+q reads as alt+ctrl+q), so a test that sends ESC bytes must guess how long to wait.
_KITTY_FLAGS = re.compile(rb"\x1b\[([<>])(\d*)u")
KITTY_ESCAPE = b"\x1b[27u"


def key_bytes(key: str) -> bytes:
    """What a terminal sends for a key in Textual's key names (ctrl+x, letters, named keys)."""
    if key in KEYS:
        return KEYS[key]
    if key.startswith("ctrl+") and len(key) == 6:
        return bytes([ord(key[-1].lower()) & 0x1F])
    if len(key) == 1:
        return key.encode()
    raise ValueError(f"no byte sequence known for key {key!r}")


def broadsheet_command() -> list[str]:
    """The installed `broadsheet` script next to this Python, else the module."""
    script = Path(sys.executable).parent / "broadsheet"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from tui.cli import main; main()"]


class TerminalSession:
    """`argv` running on a pty of `size` (columns, rows). `output` holds everything it wrote."""

    def __init__(self, argv: list[str], *, env: dict[str, str], size: tuple[int, int] = (120, 40),
                 cwd: Path | None = None) -> None:
        master, slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                        start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self._mark = 0  # where the text a wait looks for may start
        self._answered = False
        self._kitty_flags = 0  # the kitty keyboard protocol's flags the app turned on

    # ------------------------------------------------------------ reading
    def _read(self, timeout: float) -> bool:
        """Read what is there (waiting up to `timeout`); False once the terminal is closed."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the app closed the terminal (it exited)
            return False
        if not chunk:
            return False
        if not self._answered and b"\x1b[?2026$p" in self.output[-len(chunk) - 16:] + chunk:
            # Say we support synchronized output (mode 2026): the app then brackets each frame, so a
            # test can tell a whole frame from one still being written.
            os.write(self.master, b"\x1b[?2026;2$y")
            self._answered = True
        for match in _KITTY_FLAGS.finditer(bytes(self.output[-16:]) + chunk):
            self._kitty_flags = int(match.group(2) or 1) if match.group(1) == b">" else 0
        self.output += chunk
        return True

    def _frame_open(self) -> bool:
        return self.output.rfind(b"\x1b[?2026h") > self.output.rfind(b"\x1b[?2026l")

    def screen_text(self, start: int = 0) -> str:
        """What was drawn since byte `start`, with the escape sequences taken out."""
        return _SEQUENCES.sub(b"", bytes(self.output[start:])).decode("utf-8", "replace")

    def wait_for(self, *texts: str, timeout: float = 30.0) -> None:
        """Until one of `texts` is drawn after the last key sent (or the last wait)."""
        deadline = time.monotonic() + timeout
        text = texts[0] if len(texts) == 1 else texts

        def drawn() -> bool:
            screen = self.screen_text(self._mark)
            return any(t in screen for t in texts)

        while not drawn():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._read(min(remaining, 0.5)) and not drawn():
                tail = self.screen_text(max(0, len(self.output) - 3000))[-600:]
                raise AssertionError(f"{text!r} was not drawn within {timeout} s (exit code "
                                     f"{self.process.poll()}); last text drawn: {tail!r}")
        self._mark = len(self.output)

    def press_until(self, keys: tuple[str, ...], *texts: str, attempts: int = 3, timeout: float = 10.0) -> None:
        """Press `keys` and wait for one of `texts`; press them again if nothing came. For keys that
        are harmless to repeat (focus a pane, open a dialog): Textual moves the focus only after the
        key that asked for it is handled, so a key can still reach the widget that had it before."""
        for attempt in range(attempts):
            self.press(*keys)
            try:
                self.wait_for(*texts, timeout=timeout)
                return
            except AssertionError:
                if attempt == attempts - 1:
                    raise

    def drain(self) -> None:
        """Read what the app has written so far, and the rest of a frame it is writing."""
        deadline = time.monotonic() + 10
        while select.select([self.master], [], [], 0)[0] and self._read(0):
            pass
        while self._frame_open() and time.monotonic() < deadline and self._read(0.5):
            pass

    # ------------------------------------------------------------ typing
    def press(self, *keys: str) -> None:
        self.drain()
        self._mark = len(self.output)
        for key in keys:
            if key == "escape" and self._kitty_flags & 1:
                os.write(self.master, KITTY_ESCAPE)
            else:
                os.write(self.master, key_bytes(key))

    def type(self, text: str) -> None:
        self.drain()
        self._mark = len(self.output)
        os.write(self.master, text.encode())

    # ------------------------------------------------------------ ending
    def wait_exit(self, timeout: float = 30.0) -> int:
        """Read until the app exits; its exit code."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        while self._read(0.05) and self.process.poll() is not None and select.select([self.master], [], [], 0)[0]:
            pass
        code = self.process.poll()
        if code is None:
            raise AssertionError(f"the app did not exit within {timeout} s")
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        try:
            os.close(self.master)
        except OSError:
            pass

    def __enter__(self) -> "TerminalSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def app_environment(home: Path) -> dict[str, str]:
    """A clean environment for the app: its own home and config, a common terminal type."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("TEXTUAL", "BROADSHEET", "PYTEST", "COLUMNS", "LINES"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_STATE_HOME=str(home / ".local/state"), TERM="xterm-256color", COLORTERM="truecolor",
               LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONDONTWRITEBYTECODE="1")
    return env

"""Key maps: which keys run which action (see `tui.actions`), loaded from TOML and checked.

Three maps ship in the `keymaps` package (default, vim, emacs). The user's `config.toml` picks one
(or a path to their own map) and may override single actions:

    keymap = "vim"                    # default | vim | emacs | a path to a .toml key map
    theme = "nord"                    # optional: pins the theme (else the last one chosen is kept)
    [keys]
    "library.toggle_star" = "x"       # a string or a list; replaces that action's keys
    "library.top" = ["g g", "home"]   # a space separates the keys of a sequence

Nothing here stops the app from starting: every problem (bad TOML, unknown map, unknown action, bad
key name, reserved key, clash, action without a key) becomes a `KeymapProblem` naming the file and
line, and the bad part falls back to the default map. Rules:

* An entry with any problem is ignored as a whole: a bad override leaves the map's keys, a bad
  entry in a key map file leaves the default map's keys for that action.
* Keys of scope "app" work everywhere, so they clash with the same key in any scope; "library" and
  "reader" keys clash only within their own scope. A sequence clashes with a key or sequence that
  is a prefix of it ("g" alone would run before "g g" could be typed).
* In a clash an override loses to the map (it is the override that is reported and ignored); of
  two overrides, or two entries of one map, the later line loses. Keys that came from the default
  map as a fallback give way to anything written explicitly.

Key names are Textual's (`textual.keys`): letters ("G" is shift+g), digits, named keys (enter,
escape, space, pagedown, f1...), punctuation by name (question_mark, right_curly_bracket; a single
character such as "?" is accepted and stored as its name), and ctrl+ / alt+ / shift+ modifiers,
which are stored in Textual's order (alt, ctrl, shift).
"""

from __future__ import annotations

import difflib
import os
import re
import string
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import orjson
from textual.keys import Keys, _character_to_key, key_to_character

from .actions import ACTIONS, ACTIONS_BY_ID

if TYPE_CHECKING:
    from textual.binding import Binding

CONFIG_ENV = "BROADSHEET_CONFIG"
CONFIG_NAME = "config.toml"
UI_STATE_NAME = "ui-state.json"
DEFAULT_KEYMAP = "default"

RESERVED_KEYS = frozenset({
    "ctrl+c",     # Textual: copy selected text / "how to quit" hint; terminals also send it as SIGINT
    "ctrl+p",     # Textual's command palette (a priority binding: it fires before any of ours)
    "tab",        # Textual: focus the next widget (and ctrl+i arrives as tab)
    "shift+tab",  # Textual: focus the previous widget
})
RESERVED_WHY = {
    "ctrl+c": "Textual uses it to copy text",
    "ctrl+p": "it opens the command palette",
    "tab": "it moves the focus",
    "shift+tab": "it moves the focus back",
}

# Shown in the key hints line (tui/key_hints.py); the rest are listed by the help screen and `broadsheet keys`.
SHOWN_ACTIONS = frozenset({"app.quit", "app.help", "app.import", "library.open", "library.filter", "app.search",
                           "search.open", "search.close", "reader.close", "reader.highlight_mode",
                           "compare.next_shared", "compare.next_figure", "compare.close", "coverage.pick",
                           "coverage.close"})

# A key no terminal sends: `Keymap.textual_keymap()` gives it to actions bound only to sequences, so
# that App.set_keymap removes their default single keys (Textual ignores an empty key string).
UNBOUND_KEY = "broadsheet_unbound"


# ------------------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class KeymapProblem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


# ------------------------------------------------------------------------------------- key names
class KeyNameError(ValueError):
    """A key that Textual would never deliver as written (the message says why)."""


_MODIFIERS = ("alt", "ctrl", "shift")  # sorted, as Textual writes them
_NAMED_KEYS = frozenset({
    Keys.Escape, Keys.Enter, Keys.Tab, Keys.Space, Keys.Backspace, Keys.Up, Keys.Down, Keys.Left,
    Keys.Right, Keys.Home, Keys.End, Keys.Insert, Keys.Delete, Keys.PageUp, Keys.PageDown,
    *(getattr(Keys, f"F{n}") for n in range(1, 25)),
})
NAMED_KEYS = frozenset(str(key.value) for key in _NAMED_KEYS)
PUNCTUATION_KEYS = frozenset(_character_to_key(c) for c in string.punctuation)  # "?" -> question_mark
_ALL_BASE_NAMES = sorted(NAMED_KEYS | PUNCTUATION_KEYS)

# Keys Textual names but terminals send as another key (legacy encoding): bind the other key.
_ARRIVES_AS = {"ctrl+i": "tab", "ctrl+m": "enter", "ctrl+h": "backspace",
               "ctrl+left_square_bracket": "escape", "alt+b": "ctrl+left", "alt+f": "ctrl+right",
               "alt+backspace": "ctrl+w", "alt+tab": "shift+tab", "alt+enter": "enter", "alt+escape": "escape"}
_SPELLED_AS = {"ctrl+space": "ctrl+@", "ctrl+at": "ctrl+@"}  # Textual's own name for NUL
_MISSPELLINGS = {"esc": "escape", "return": "enter", "ret": "enter", "cr": "enter", "pgup": "pageup",
                 "page_up": "pageup", "pgdn": "pagedown", "pgdown": "pagedown", "page_down": "pagedown",
                 "del": "delete", "ins": "insert", "bs": "backspace", "spc": "space", "lt": "less_than_sign",
                 "gt": "greater_than_sign", "question": "question_mark", "bang": "exclamation_mark",
                 "lbrace": "left_curly_bracket", "rbrace": "right_curly_bracket",
                 "left_brace": "left_curly_bracket", "right_brace": "right_curly_bracket",
                 "dot": "full_stop", "period": "full_stop", "hyphen": "minus", "dash": "minus",
                 "arrow_up": "up", "arrow_down": "down", "arrow_left": "left", "arrow_right": "right"}
_MODIFIER_MISSPELLINGS = {"control": "ctrl", "ctl": "ctrl", "c": "ctrl", "meta": "alt", "m": "alt",
                          "option": "alt", "opt": "alt", "s": "shift"}


def normalize_key(text: str) -> str:
    """One key (not a sequence) in Textual's spelling; raises KeyNameError if it is not a key."""
    raw = text.strip()
    if not raw:
        raise KeyNameError("empty key")
    if len(raw) == 1:
        if not raw.isprintable() or raw.isspace():
            raise KeyNameError("not a printable character; use a key name such as space or enter")
        return _character_to_key(raw)
    if "+" in raw:
        *mods, base = raw.split("+")
        if not base or not all(mods):
            raise KeyNameError('write the + key as "plus" (e.g. "ctrl+plus")')
    else:
        mods, base = [], raw
    modifiers: set[str] = set()
    for mod in mods:
        name = mod.lower()
        if name not in _MODIFIERS:
            hint = _MODIFIER_MISSPELLINGS.get(name) or next(
                iter(difflib.get_close_matches(name, _MODIFIERS, n=1, cutoff=0.6)), None)
            raise KeyNameError(f'unknown modifier "{mod}"' + (f' (did you mean "{hint}"?)' if hint else
                                                               " (use ctrl, alt or shift)"))
        if name in modifiers:
            raise KeyNameError(f'modifier "{name}" given twice')
        modifiers.add(name)
    if len(base) == 1:
        if base.isalpha() and base.isupper() and "ctrl" in modifiers:
            raise KeyNameError(f'write "{"+".join([*sorted(modifiers), base.lower()])}": a letter after ctrl+ is '
                               "lower case (most terminals send ctrl+shift+letter as ctrl+letter)")
        if base.isalpha() and base.isupper() and modifiers:  # alt+G is what Textual calls alt+shift+g
            modifiers.add("shift")
            base = base.lower()
        base = _character_to_key(base)
    else:
        lowered = base.lower()
        if lowered not in NAMED_KEYS and lowered not in PUNCTUATION_KEYS:
            raise KeyNameError(f'unknown key name "{base}"' + _suggest_key(lowered))
        base = lowered
    if "shift" in modifiers:
        if len(base) == 1 and base.isalpha():
            if modifiers == {"shift"}:
                return base.upper()  # terminals send shift+g as "G"
        elif base not in NAMED_KEYS and modifiers != {"ctrl", "shift"}:
            raise KeyNameError(f'terminals send shift+{base} as the character it types: bind that '
                               '(e.g. "question_mark", not "shift+slash")')
    key = "+".join([*sorted(modifiers), base])
    if key in _ARRIVES_AS:
        raise KeyNameError(f'most terminals send {key} as "{_ARRIVES_AS[key]}"; bind that instead')
    return _SPELLED_AS.get(key, key)


def _suggest_key(name: str) -> str:
    if name in _MISSPELLINGS:
        return f' (did you mean "{_MISSPELLINGS[name]}"?)'
    close = difflib.get_close_matches(name, _ALL_BASE_NAMES, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def normalize_binding(text: str) -> str:
    """A key or a sequence ("g g": keys separated by spaces), canonical; raises KeyNameError."""
    if not isinstance(text, str):
        raise KeyNameError(f"expected a string, got {_toml_type(text)}")
    parts = text.split()
    if not parts:
        raise KeyNameError("empty key")
    keys = []
    for part in parts:
        try:
            keys.append(normalize_key(part))
        except KeyNameError as error:
            raise KeyNameError(f'"{part}": {error}' if len(parts) > 1 else str(error)) from None
    return " ".join(keys)


def reserved_in(binding: str) -> str | None:
    """The first reserved key in a key or sequence, if any."""
    return next((key for key in binding.split(" ") if key in RESERVED_KEYS), None)


# ------------------------------------------------------------------------------------- key maps
@dataclass(frozen=True)
class Keymap:
    name: str
    keys: dict[str, tuple[str, ...]]  # action id -> keys; a key with a space is a sequence

    def keys_for(self, action_id: str) -> tuple[str, ...]:
        return self.keys.get(action_id, ())

    def single_keys(self, action_id: str) -> list[str]:
        return [key for key in self.keys_for(action_id) if " " not in key]

    def sequences(self, scope: str | None = None) -> dict[tuple[str, ...], str]:
        """Multi-key sequences -> action id. With a scope: those active there (its own and the app's),
        which is what a pane should use, since library and reader may share a sequence ("g g").
        Without: every sequence; one shared by library and reader maps to the library's action."""
        found: dict[tuple[str, ...], str] = {}
        for spec in reversed(ACTIONS):  # reversed: earlier scopes (app, library) win a shared sequence
            if scope is None or spec.scope in (scope, "app"):
                for key in self.keys_for(spec.id):
                    if " " in key:
                        found[tuple(key.split(" "))] = spec.id
        return found

    def textual_keymap(self) -> dict[str, str]:
        """For App.set_keymap: binding id -> "k1,k2" (single keys only; see UNBOUND_KEY)."""
        return {spec.id: ",".join(self.single_keys(spec.id)) or UNBOUND_KEY for spec in ACTIONS}

    def action_for(self, scope: str, key: str) -> str | None:
        """The action a single key runs in a scope (app keys count everywhere), or None."""
        for spec in ACTIONS:
            if spec.scope in (scope, "app") and key in self.keys_for(spec.id):
                return spec.id
        return None


def bindings_for(scope: str, keymap: Keymap) -> list[Binding]:
    """Textual Bindings for one scope's actions: one per action, id = the action id. Sequences are
    left to the app (`Keymap.sequences()`); an action bound only to sequences gets no Binding."""
    from textual.binding import Binding

    bindings = []
    for spec in ACTIONS:
        if spec.scope != scope:
            continue
        singles = keymap.single_keys(spec.id)
        if singles:
            bindings.append(Binding(",".join(singles), spec.action, spec.description,
                                    show=spec.id in SHOWN_ACTIONS, id=spec.id))
    return bindings


def builtin_keymap_names() -> list[str]:
    folder = resources.files("keymaps")
    return sorted(item.name[:-5] for item in folder.iterdir() if item.name.endswith(".toml"))


def builtin_keymap_path(name: str) -> Path:
    return Path(str(resources.files("keymaps").joinpath(f"{name}.toml")))


@lru_cache(maxsize=1)
def default_keymap() -> Keymap:
    """The built-in default map (for class-level BINDINGS); tests check it has no problems."""
    keymap, _problems = effective_keymap(Config())
    return keymap


# ------------------------------------------------------------------------------------- config
def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from store.paths import config_dir

    return config_dir() / CONFIG_NAME


def ui_state_path(config: Path | None = None) -> Path:
    """Small app-written state (the theme), next to config.toml, which the app never rewrites."""
    return (config or config_path()).parent / UI_STATE_NAME


@dataclass
class Config:
    keymap: str = DEFAULT_KEYMAP
    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)  # as written, checked later
    theme: str | None = None  # from config.toml if set there, else the theme remembered last
    path: Path = field(default_factory=config_path)
    keymap_line: int | None = None
    override_lines: dict[str, int | None] = field(default_factory=dict)


def load_config(path: Path | None = None) -> tuple[Config, list[KeymapProblem]]:
    """Read config.toml (a missing file is the defaults). Never raises for bad content."""
    path = path or config_path()
    config = Config(path=path)
    problems: list[KeymapProblem] = []
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        config.theme = load_theme(path)
        return config, problems
    except (OSError, UnicodeDecodeError) as error:
        problems.append(KeymapProblem(where, None, f"cannot read the config: {_reason(error)}; "
                                                   "using the default settings"))
        config.theme = load_theme(path)
        return config, problems
    data, problem = _parse_toml(text, where)
    if problem:
        problems.append(KeymapProblem(problem.file, problem.line, problem.message + "; using the default settings"))
        config.theme = load_theme(path)
        return config, problems

    for name in data:
        if name not in ("keymap", "theme", "keys"):
            close = difflib.get_close_matches(name, ["keymap", "theme", "keys"], n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else " (known: keymap, theme, [keys])"
            problems.append(KeymapProblem(where, _find_setting_line(text, name), f'unknown setting "{name}"{hint}; ignored'))
    if "keymap" in data:
        config.keymap_line = _find_setting_line(text, "keymap")
        if isinstance(data["keymap"], str) and data["keymap"].strip():
            config.keymap = data["keymap"].strip()
        else:
            problems.append(KeymapProblem(where, config.keymap_line,
                                          f"keymap must be a name ({', '.join(builtin_keymap_names())}) or a path, "
                                          f'not {_toml_type(data["keymap"])}; using "{DEFAULT_KEYMAP}"'))
    theme = data.get("theme")
    if theme is not None and not (isinstance(theme, str) and theme.strip()):
        problems.append(KeymapProblem(where, _find_setting_line(text, "theme"),
                                      f"theme must be a theme name, not {_toml_type(theme)}; ignored"))
        theme = None
    config.theme = theme.strip() if theme else load_theme(path)
    if "keys" in data:
        if isinstance(data["keys"], dict):
            for action_id, value in _flatten(data["keys"]).items():
                config.overrides[action_id] = value if isinstance(value, tuple) else (value,)  # type: ignore[assignment]
                config.override_lines[action_id] = _find_action_line(text, action_id)
        else:
            problems.append(KeymapProblem(where, _find_setting_line(text, "keys"),
                                          f'"keys" must be a table ([keys]), not {_toml_type(data["keys"])}; ignored'))
    return config, sort_problems(problems)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """[keys] entries: "library.down" = ..., library.down = ... (a dotted key) and [keys.library]
    all name the action library.down. Lists become tuples (type-checked later)."""
    flat: dict[str, Any] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = tuple(value) if isinstance(value, list) else value
    return flat


def _parse_toml(text: str, where: str) -> tuple[dict[str, Any], KeymapProblem | None]:
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line: int | None = None
        found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if found:
            line = int(found.group(1))
            message = f"{message[:found.start()]} (column {found.group(2)})"
        elif message.endswith("(at end of document)"):
            line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
            message = message.replace("(at end of document)", "(at the end of the file)")
        return {}, KeymapProblem(where, line, f"TOML syntax error: {message}")


def _find_setting_line(text: str, name: str) -> int | None:
    pattern = re.compile(rf"""^\s*(\[\s*)?["']?{re.escape(name)}["']?\s*(=|\])""")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def _find_action_line(text: str, action_id: str) -> int | None:
    """tomllib gives no positions: find the entry by its quoted id, else as a dotted bare key, else
    as a bare name under a [keys.scope] header."""
    lines = text.splitlines()
    quoted = re.compile(rf"""^\s*(["']){re.escape(action_id)}\1\s*=""")
    scope, _, leaf = action_id.rpartition(".")
    dotted_scope = r"\s*\.\s*".join(re.escape(part) for part in scope.split("."))
    dotted = re.compile(rf"""^\s*{dotted_scope}\s*\.\s*["']?{re.escape(leaf)}["']?\s*=""")
    for pattern in (quoted, dotted):
        for number, line in enumerate(lines, 1):
            if pattern.match(line):
                return number
    header = re.compile(rf"""^\s*\[\s*["']?keys["']?\s*\.\s*["']?{re.escape(scope)}["']?\s*\]""")
    bare = re.compile(rf"""^\s*["']?{re.escape(leaf)}["']?\s*=""")
    inside = False
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("["):
            inside = bool(header.match(line))
        elif inside and bare.match(line):
            return number
    return None


def _toml_type(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "a string", dict: "a table",
             list: "a list", tuple: "a list"}
    return names.get(type(value), type(value).__name__)


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error)


# ------------------------------------------------------------------------------------- theme
def save_theme(name: str, config: Path | None = None) -> None:
    """Remember the theme in ui-state.json (config.toml is the user's and is never rewritten)."""
    from store.atomic import atomic_write

    path = ui_state_path(config)
    state = _read_ui_state(path)
    state["theme"] = name
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, orjson.dumps(state, option=orjson.OPT_INDENT_2) + b"\n")


def load_theme(config: Path | None = None) -> str | None:
    """The theme last saved with save_theme, or None."""
    theme = _read_ui_state(ui_state_path(config)).get("theme")
    return theme if isinstance(theme, str) and theme else None


def _read_ui_state(path: Path) -> dict[str, Any]:
    try:
        state = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return state if isinstance(state, dict) else {}


# ------------------------------------------------------------------------------------- loading maps
@dataclass
class _Entry:
    """A candidate set of keys for one action, and where it came from."""

    keys: tuple[str, ...]
    origin: str  # "override" | "map" | "fallback"
    file: str
    line: int | None
    dropped: set[str] = field(default_factory=set)  # fallback keys given up to explicit ones

    @property
    def live(self) -> tuple[str, ...]:
        return tuple(key for key in self.keys if key not in self.dropped)


def _check_entry(action_id: str, value: object, file: str, line: int | None, fallback_note: str,
                 problems: list[KeymapProblem]) -> tuple[str, ...] | None:
    """The canonical keys of one entry, or None (with a problem) if the entry is unusable."""
    if action_id not in ACTIONS_BY_ID:
        close = difflib.get_close_matches(action_id, list(ACTIONS_BY_ID), n=1, cutoff=0.5)
        hint = f' (did you mean "{close[0]}"?)' if close else " (`broadsheet keys` lists them)"
        problems.append(KeymapProblem(file, line, f'unknown action "{action_id}"{hint}; ignored'))
        return None
    values = value if isinstance(value, (list, tuple)) else (value,)
    if not values:
        problems.append(KeymapProblem(file, line, f"no key given for {action_id}; {fallback_note}"))
        return None
    keys: list[str] = []
    for raw in values:
        if not isinstance(raw, str):
            problems.append(KeymapProblem(file, line, f"keys for {action_id} must be strings, not "
                                                      f"{_toml_type(raw)}; {fallback_note}"))
            return None
        try:
            key = normalize_binding(raw)
        except KeyNameError as error:
            problems.append(KeymapProblem(file, line, f'invalid key "{raw}" for {action_id}: {error}; {fallback_note}'))
            return None
        reserved = reserved_in(key)
        if reserved:
            problems.append(KeymapProblem(file, line, f'key "{reserved}" for {action_id} is reserved '
                                                      f"({RESERVED_WHY[reserved]}); {fallback_note}"))
            return None
        if key not in keys:
            keys.append(key)
    return tuple(keys)


@dataclass
class _MapFile:
    name: str
    entries: dict[str, tuple[str, ...]]  # the valid entries, canonical
    lines: dict[str, int | None]
    seen: set[str]  # every known action id the file mentions, valid or not


def _read_map(path: Path, where: str, problems: list[KeymapProblem]) -> _MapFile | None:
    """A key map file, or None (with a problem) if it is unusable as a whole."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(KeymapProblem(where, None, f"cannot read the key map: {_reason(error)}; "
                                                   f'using "{DEFAULT_KEYMAP}"'))
        return None
    data, problem = _parse_toml(text, where)
    if problem:
        problems.append(KeymapProblem(problem.file, problem.line, f'{problem.message}; using "{DEFAULT_KEYMAP}"'))
        return None
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        problems.append(KeymapProblem(where, _find_setting_line(text, "name"), "name must be a string"))
        name = path.stem
    for setting in data:
        if setting not in ("name", "keys", "description"):
            problems.append(KeymapProblem(where, _find_setting_line(text, setting),
                                          f'unknown setting "{setting}" (a key map has name and [keys]); ignored'))
    table = data.get("keys")
    if not isinstance(table, dict):
        problems.append(KeymapProblem(where, _find_setting_line(text, "keys"),
                                      f'no [keys] table; using "{DEFAULT_KEYMAP}"'))
        return None
    result = _MapFile(name.strip(), {}, {}, set())
    for action_id, value in _flatten(table).items():
        line = _find_action_line(text, action_id)
        keys = _check_entry(action_id, value, where, line, f"using the default keys for {action_id}", problems)
        if action_id in ACTIONS_BY_ID:
            result.seen.add(action_id)
        if keys is not None:
            result.entries[action_id] = keys
            result.lines[action_id] = line
    return result


def _conflicting_scopes(first: str, second: str) -> bool:
    return first == second or "app" in (first, second)


def _overlap(first: str, second: str) -> bool:
    """Equal, or one is a prefix of the other (a sequence cannot start with a key bound alone)."""
    a, b = first.split(" "), second.split(" ")
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def _describe(key: str) -> str:
    return f'sequence "{key}"' if " " in key else f'key "{key}"'


def _find_clash(current: dict[str, _Entry]) -> tuple[str, str, str, str] | None:
    """(action, key, other action, other key) of the first clash, in ACTIONS order."""
    claims = [(spec.id, spec.scope, key) for spec in ACTIONS for key in current[spec.id].live]
    for index, (action, scope, key) in enumerate(claims):
        for other, other_scope, other_key in claims[index + 1:]:
            if other != action and _conflicting_scopes(scope, other_scope) and _overlap(key, other_key):
                return action, key, other, other_key
    return None


def _resolve(candidates: dict[str, list[_Entry]], problems: list[KeymapProblem]) -> dict[str, tuple[str, ...]]:
    """Pick each action's keys so that nothing clashes (see the module docstring for who loses)."""
    rank = {"override": 2, "map": 1}
    chosen = {action: 0 for action in candidates}
    while True:
        current = {action: candidates[action][index] for action, index in chosen.items()}
        clash = _find_clash(current)
        if clash is None:
            break
        first, first_key, second, second_key = clash
        a, b = current[first], current[second]
        if a.origin == "fallback" or b.origin == "fallback":
            # a default key used as a fallback gives way (of two fallbacks: the later action's)
            loser, key = (first, first_key) if a.origin == "fallback" and b.origin != "fallback" else (second, second_key)
            current[loser].dropped.add(key)
            continue
        if rank[a.origin] != rank[b.origin]:
            loser = first if rank[a.origin] > rank[b.origin] else second  # the override loses to the map
        else:
            loser = first if (a.line or 0) > (b.line or 0) else second  # the later line loses
        winner = second if loser == first else first
        lost_key, won_key = (first_key, second_key) if loser == first else (second_key, first_key)
        entry = current[loser]
        note = "override ignored" if entry.origin == "override" else f"using the default keys for {loser}"
        if lost_key == won_key:
            what = f"{_describe(lost_key)} for {loser} is already bound to {winner}"
        elif len(lost_key) > len(won_key):
            what = (f'{_describe(lost_key)} for {loser} starts with "{won_key}", which is bound to {winner} '
                    f"(it would run before the sequence is finished)")
        else:
            what = (f'{_describe(lost_key)} for {loser} is how {_describe(won_key)} for {winner} starts '
                    f"(it would run before the sequence is finished)")
        scopes = ACTIONS_BY_ID[loser].scope, ACTIONS_BY_ID[winner].scope
        if scopes[0] != scopes[1]:
            what += " (app keys work in every pane)"
        problems.append(KeymapProblem(entry.file, entry.line, f"{what}; {note}"))
        chosen[loser] += 1
    result: dict[str, tuple[str, ...]] = {}
    for spec in ACTIONS:
        entry = current[spec.id]
        result[spec.id] = entry.live
        if not entry.live:
            problems.append(KeymapProblem(entry.file, None, f"{spec.id} has no key left ({spec.description})"))
    return result


def _locate_map(config: Config, problems: list[KeymapProblem]) -> tuple[Path, str] | None:
    """The file of the chosen key map (None: use the default), with the name to show for it."""
    choice = config.keymap
    names = builtin_keymap_names()
    if choice in names:
        return builtin_keymap_path(choice), choice
    looks_like_path = "/" in choice or "\\" in choice or choice.endswith(".toml") or choice.startswith("~")
    if looks_like_path:
        path = Path(choice).expanduser()
        if not path.is_absolute():
            path = config.path.parent / path
        if not path.is_file():
            problems.append(KeymapProblem(str(config.path), config.keymap_line,
                                          f'key map file {path} not found; using "{DEFAULT_KEYMAP}"'))
            return None
        return path, str(path)
    close = difflib.get_close_matches(choice, names, n=1, cutoff=0.5)
    hint = f'did you mean "{close[0]}"? ' if close else ""
    problems.append(KeymapProblem(str(config.path), config.keymap_line,
                                  f'unknown key map "{choice}" ({hint}built-in: {", ".join(names)}, '
                                  f'or a path to a .toml file); using "{DEFAULT_KEYMAP}"'))
    return None


def effective_keymap(config: Config) -> tuple[Keymap, list[KeymapProblem]]:
    """The map the app uses: the chosen map, its bad parts replaced by the default's, then the
    user's overrides. Never raises for bad content; every problem is returned."""
    problems: list[KeymapProblem] = []
    default_path = builtin_keymap_path(DEFAULT_KEYMAP)
    default_where = str(default_path)
    default = _read_map(default_path, default_where, problems) or _MapFile(DEFAULT_KEYMAP, {}, {}, set())
    default_entries, default_lines = default.entries, default.lines
    chosen, map_where = default, default_where
    located = _locate_map(config, problems) if config.keymap != DEFAULT_KEYMAP else None
    if located is not None:
        path, shown = located
        loaded = _read_map(path, shown, problems)
        if loaded is not None:
            chosen, map_where = loaded, shown
    if chosen.seen != set(ACTIONS_BY_ID):
        missing = [spec.id for spec in ACTIONS if spec.id not in chosen.seen]
        if missing:
            listed = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
            problems.append(KeymapProblem(map_where, None, f"no keys for {listed}; using the default keys"))
    name, map_entries, map_lines = chosen.name, chosen.entries, chosen.lines

    config_where = str(config.path)
    candidates: dict[str, list[_Entry]] = {}
    for spec in ACTIONS:
        stack: list[_Entry] = []
        if spec.id in config.overrides:
            keys = _check_entry(spec.id, config.overrides[spec.id], config_where,
                                config.override_lines.get(spec.id), "override ignored", problems)
            if keys is not None:
                stack.append(_Entry(keys, "override", config_where, config.override_lines.get(spec.id)))
        if spec.id in map_entries:
            stack.append(_Entry(map_entries[spec.id], "map", map_where, map_lines.get(spec.id)))
        stack.append(_Entry(default_entries.get(spec.id, ()), "fallback", default_where, default_lines.get(spec.id)))
        candidates[spec.id] = stack
    for action_id in config.overrides:
        if action_id not in ACTIONS_BY_ID:  # reported once, here
            _check_entry(action_id, config.overrides[action_id], config_where,
                         config.override_lines.get(action_id), "ignored", problems)
    keys = _resolve(candidates, problems)
    return Keymap(name=name, keys=keys), sort_problems(problems)


def load_effective(path: Path | None = None) -> tuple[Config, Keymap, list[KeymapProblem]]:
    """load_config + effective_keymap: what the app and `broadsheet keys` use."""
    config, problems = load_config(path)
    keymap, more = effective_keymap(config)
    return config, keymap, sort_problems(problems + more)


def validate_keymap_file(path: Path) -> list[KeymapProblem]:
    """Every problem of one key map file used on its own (no overrides); empty for a good map."""
    _keymap, problems = effective_keymap(Config(keymap=str(path.resolve()), path=path.parent / CONFIG_NAME))
    return problems


def display_key(key: str) -> str:
    """A key or sequence as people read it: "?" for question_mark, "alt+<", "g g". Every form shown
    is also accepted in a key map."""
    shown = []
    for part in key.split(" "):
        *mods, base = part.split("+") if part != "ctrl+@" else ["ctrl", "@"]
        if base in PUNCTUATION_KEYS and base != "plus":
            base = key_to_character(base) or base
        shown.append("+".join([*mods, base]))
    return " ".join(shown)


def display_keys(keys: Iterable[str]) -> str:
    return ", ".join(display_key(key) for key in keys)


def sort_problems(problems: Iterable[KeymapProblem]) -> list[KeymapProblem]:
    """In the order of the files and their lines (problems without a line last in their file)."""
    problems = list(problems)
    first_seen = {problem.file: index for index, problem in reversed(list(enumerate(problems)))}
    return sorted(problems, key=lambda p: (first_seen[p.file], p.line is None, p.line or 0))

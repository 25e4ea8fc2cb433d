"""Key maps: the built-in maps, the user's config, every kind of problem, and the commands."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.keys import Keys, _character_to_key
from textual.widgets import Static

from tui.actions import ACTIONS, ACTIONS_BY_ID, SCOPES
from tui.keymap import (
    NAMED_KEYS,
    PUNCTUATION_KEYS,
    RESERVED_KEYS,
    UNBOUND_KEY,
    Config,
    Keymap,
    KeymapProblem,
    KeyNameError,
    bindings_for,
    builtin_keymap_names,
    builtin_keymap_path,
    config_path,
    default_keymap,
    display_key,
    effective_keymap,
    load_config,
    load_effective,
    load_theme,
    normalize_binding,
    normalize_key,
    save_theme,
    validate_keymap_file,
)

BUILTIN = ["default", "emacs", "vim"]


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config path: nothing reads or writes the real user's files."""
    path = tmp_path / "config" / "config.toml"
    path.parent.mkdir()
    monkeypatch.setenv("BROADSHEET_CONFIG", str(path))
    return path


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def resolve(path: Path) -> tuple[Keymap, list[KeymapProblem]]:
    _config, keymap, problems = load_effective(path)
    return keymap, problems


def only_problem(problems: list[KeymapProblem]) -> KeymapProblem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# ------------------------------------------------------------------------------------- built-in maps
def test_the_builtin_maps_are_default_emacs_and_vim() -> None:
    assert builtin_keymap_names() == BUILTIN


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_map_names_every_action_and_validates_clean(name: str) -> None:
    path = builtin_keymap_path(name)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["name"] == name
    assert set(data["keys"]) == set(ACTIONS_BY_ID), "every action id, and nothing else"
    assert validate_keymap_file(path) == []
    keymap, problems = effective_keymap(Config(keymap=name))
    assert problems == []
    assert keymap.name == name
    for spec in ACTIONS:
        keys = keymap.keys_for(spec.id)
        assert keys == tuple(data["keys"][spec.id]), f"{spec.id}: written in canonical form, used as written"
        assert all(normalize_binding(key) == key for key in keys)
        # every action also has a single key, so it works even where sequences are not handled
        assert keymap.single_keys(spec.id), spec.id


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_maps_keep_reserved_keys_free_and_app_keys_unique(name: str) -> None:
    keymap, _ = effective_keymap(Config(keymap=name))
    used = [(spec.scope, part) for spec in ACTIONS for key in keymap.keys_for(spec.id) for part in key.split(" ")]
    assert not {part for _, part in used} & RESERVED_KEYS
    assert ("app", "slash") in used  # "/" searches, in every map
    app_first_keys = {key.split(" ")[0] for spec in ACTIONS if spec.scope == "app" for key in keymap.keys_for(spec.id)}
    other_first_keys = {key.split(" ")[0] for spec in ACTIONS if spec.scope != "app" for key in keymap.keys_for(spec.id)}
    assert not app_first_keys & other_first_keys


def test_default_keys_are_the_documented_ones() -> None:
    keymap = default_keymap()
    expect = {"app.quit": "q", "app.help": "question_mark", "app.focus_library": "alt+1", "app.focus_reader": "alt+2",
              "app.toggle_layout": "ctrl+l", "app.import": "i", "library.down": "down", "library.up": "up",
              "library.page_down": "pagedown", "library.top": "home", "library.bottom": "end",
              "library.open": "enter", "library.toggle_read": "r", "library.toggle_star": "s", "library.tag": "t",
              "library.delete": "d", "library.undo": "u", "library.filter": "f", "library.sort": "o",
              "library.group": "g", "reader.next_paragraph": "right_curly_bracket",
              "reader.previous_paragraph": "left_curly_bracket", "reader.close": "escape",
              "reader.page_down": "space"}
    for action_id, key in expect.items():
        assert key in keymap.keys_for(action_id), action_id
    assert keymap.sequences() == {}


def test_vim_and_emacs_keys() -> None:
    vim, _ = effective_keymap(Config(keymap="vim"))
    assert vim.single_keys("library.down") == ["j", "down"]
    assert "G" in vim.keys_for("reader.bottom")
    assert vim.sequences("library")[("g", "g")] == "library.top"
    assert vim.sequences("reader")[("g", "g")] == "reader.top"
    assert vim.sequences("library")[("d", "d")] == "library.delete"
    assert ("d", "d") not in vim.sequences("reader")
    assert vim.sequences("reader")[("ctrl+w", "w")] == "app.toggle_layout"  # app sequences work everywhere
    emacs, _ = effective_keymap(Config(keymap="emacs"))
    assert emacs.single_keys("library.down")[0] == "ctrl+n"
    assert "alt+p" in emacs.keys_for("library.up") and "ctrl+p" not in emacs.keys_for("library.up")
    assert {"alt+less_than_sign", "less_than_sign"} <= set(emacs.keys_for("reader.top"))
    assert "ctrl+g" in emacs.keys_for("reader.close")


# ------------------------------------------------------------------------------------- key names
def test_key_names_are_textuals() -> None:
    textual_names = {str(key.value) for key in Keys}
    assert NAMED_KEYS <= textual_names
    assert {"right_curly_bracket", "left_curly_bracket", "question_mark", "less_than_sign", "slash"} <= PUNCTUATION_KEYS
    assert _character_to_key("}") == "right_curly_bracket"


@pytest.mark.parametrize(("written", "canonical"), [
    ("j", "j"), ("G", "G"), ("shift+g", "G"), ("?", "question_mark"), ("}", "right_curly_bracket"),
    ("question_mark", "question_mark"), ("PageDown", "pagedown"), ("F5", "f5"), ("ctrl+d", "ctrl+d"),
    ("Ctrl+d", "ctrl+d"), ("alt+<", "alt+less_than_sign"), ("alt+G", "alt+shift+g"),
    ("shift+ctrl+up", "ctrl+shift+up"), ("ctrl+space", "ctrl+@"), ("shift+tab", "shift+tab"), ("space", "space"),
])
def test_keys_are_stored_as_textual_names(written: str, canonical: str) -> None:
    assert normalize_key(written) == canonical
    assert normalize_key(display_key(canonical)) == canonical  # what `broadsheet keys` shows is accepted


@pytest.mark.parametrize(("written", "message"), [
    ("esc", 'unknown key name "esc" (did you mean "escape"?)'),
    ("pgdn", 'did you mean "pagedown"?'),
    ("ctrl+shft+x", 'unknown modifier "shft" (did you mean "shift"?)'),
    ("cmd+x", 'unknown modifier "cmd" (use ctrl, alt or shift)'),
    ("ctrl+ctrl+x", 'modifier "ctrl" given twice'),
    ("ctrl++", 'write the + key as "plus"'),
    ("shift+1", "terminals send shift+1 as the character it types"),
    ("ctrl+i", 'most terminals send ctrl+i as "tab"'),
    ("ctrl+D", 'write "ctrl+d": a letter after ctrl+ is lower case'),
    ("alt+f", 'most terminals send alt+f as "ctrl+right"'),
    ("", "empty key"),
])
def test_bad_key_names_say_why(written: str, message: str) -> None:
    with pytest.raises(KeyNameError) as error:
        normalize_key(written)
    assert message in str(error.value)


def test_sequences_are_split_on_spaces() -> None:
    assert normalize_binding("g  g") == "g g"
    assert normalize_binding("ctrl+x alt+F") == "ctrl+x alt+shift+f"
    with pytest.raises(KeyNameError, match='"gg": unknown key name'):
        normalize_binding("g gg")


# ------------------------------------------------------------------------------------- config
def test_no_config_file_means_the_default_map(isolated_config: Path) -> None:
    assert config_path() == isolated_config
    config, keymap, problems = load_effective()
    assert problems == [] and keymap.name == "default" and config.overrides == {}
    assert keymap.keys == default_keymap().keys


def test_a_keymap_and_overrides(isolated_config: Path) -> None:
    write_config(isolated_config, 'keymap = "vim"\n[keys]\n"library.toggle_star" = "x"\n'
                                  '"reader.close" = ["escape", "q q"]\n')
    # q is app.quit's, so "q q" clashes; "x" is fine
    keymap, problems = resolve(isolated_config)
    assert keymap.name == "vim"
    assert keymap.keys_for("library.toggle_star") == ("x",)
    problem = only_problem(problems)
    assert str(problem).startswith(f"{isolated_config}:4: ")
    assert 'sequence "q q" for reader.close starts with "q", which is bound to app.quit' in problem.message
    assert keymap.keys_for("reader.close") == ("escape", "h")  # the bad override is ignored as a whole


def test_overrides_may_be_dotted_keys_or_scope_tables(isolated_config: Path) -> None:
    write_config(isolated_config, '[keys]\nlibrary.toggle_star = "x"\n\n[keys.reader]\nclose = "ctrl+g"\n'
                                  'shut = "ctrl+t"\n')
    keymap, problems = resolve(isolated_config)
    assert keymap.keys_for("library.toggle_star") == ("x",)
    assert keymap.keys_for("reader.close") == ("ctrl+g",)
    problem = only_problem(problems)
    assert problem.line == 6 and 'unknown action "reader.shut"' in problem.message


def test_toml_syntax_error_names_the_line_and_falls_back(isolated_config: Path) -> None:
    write_config(isolated_config, 'keymap = "vim"\n[keys]\n"library.down" = [j]\n')
    keymap, problems = resolve(isolated_config)
    problem = only_problem(problems)
    assert problem.file == str(isolated_config) and problem.line == 3
    assert problem.message.startswith("TOML syntax error: Invalid value (column ")
    assert problem.message.endswith("; using the default settings")
    assert keymap.name == "default" and keymap.keys == default_keymap().keys


def test_toml_error_at_the_end_of_the_file(isolated_config: Path) -> None:
    write_config(isolated_config, '[keys]\n"library.down" = ["j",\n')
    problem = only_problem(resolve(isolated_config)[1])
    assert problem.line == 2 and "at the end of the file" in problem.message


def test_unknown_keymap_name_suggests_and_uses_default(isolated_config: Path) -> None:
    write_config(isolated_config, '# my settings\nkeymap = "vimm"\n')
    keymap, problems = resolve(isolated_config)
    problem = only_problem(problems)
    assert str(problem) == (f'{isolated_config}:2: unknown key map "vimm" (did you mean "vim"? built-in: default, '
                            'emacs, vim, or a path to a .toml file); using "default"')
    assert keymap.name == "default"


def test_unknown_action_suggests_the_closest_id(isolated_config: Path) -> None:
    write_config(isolated_config, '[keys]\n"library.down" = "j"\n"library.toggle_stars" = "x"\n')
    keymap, problems = resolve(isolated_config)
    assert str(only_problem(problems)) == (f'{isolated_config}:3: unknown action "library.toggle_stars" '
                                           '(did you mean "library.toggle_star"?); ignored')
    assert keymap.keys_for("library.down") == ("j",)


def test_invalid_key_name(isolated_config: Path) -> None:
    write_config(isolated_config, '[keys]\n"library.tag" = ["T", "ctrl+shft+t"]\n')
    keymap, problems = resolve(isolated_config)
    assert str(only_problem(problems)) == (f'{isolated_config}:2: invalid key "ctrl+shft+t" for library.tag: unknown '
                                           'modifier "shft" (did you mean "shift"?); override ignored')
    assert keymap.keys_for("library.tag") == ("t",)


def test_wrong_value_types(isolated_config: Path) -> None:
    write_config(isolated_config, 'keymap = 3\n[keys]\n"library.tag" = 7\n')
    keymap, problems = resolve(isolated_config)
    assert [p.line for p in problems] == [1, 3]
    assert "keymap must be a name (default, emacs, vim) or a path, not a number" in problems[0].message
    assert "keys for library.tag must be strings, not a number; override ignored" in problems[1].message
    assert keymap.name == "default"


@pytest.mark.parametrize(("key", "why"), [
    ("ctrl+p", "it opens the command palette"),
    ("tab", "it moves the focus"), ("shift+tab", "it moves the focus back"), ("ctrl+c", "Textual uses it to copy"),
    ("g ctrl+c", "Textual uses it to copy"),
])
def test_reserved_keys_are_refused(isolated_config: Path, key: str, why: str) -> None:
    write_config(isolated_config, f'[keys]\n"library.filter_text" = "{key}"\n')
    keymap, problems = resolve(isolated_config)
    problem = only_problem(problems)
    assert problem.line == 2 and "is reserved" in problem.message and why in problem.message
    assert keymap.keys_for("library.filter_text") == default_keymap().keys_for("library.filter_text")


def test_same_scope_clash(isolated_config: Path) -> None:
    write_config(isolated_config, 'keymap = "vim"\n[keys]\n"library.sort" = "j"\n')
    keymap, problems = resolve(isolated_config)
    assert str(only_problem(problems)) == (f'{isolated_config}:3: key "j" for library.sort is already bound to '
                                           'library.down; override ignored')
    assert keymap.keys_for("library.sort") == ("o",) and keymap.keys_for("library.down") == ("j", "down")


def test_app_keys_clash_with_every_scope(isolated_config: Path) -> None:
    write_config(isolated_config, '[keys]\n"app.help" = "r"\n"reader.close" = "i"\n')
    keymap, problems = resolve(isolated_config)
    assert [(p.line, p.message) for p in problems] == [
        (2, 'key "r" for app.help is already bound to library.toggle_read (app keys work in every pane); '
            "override ignored"),
        (3, 'key "i" for reader.close is already bound to app.import (app keys work in every pane); '
            "override ignored"),
    ]
    assert keymap.keys_for("app.help") == ("question_mark", "f1")


def test_library_and_reader_may_share_keys(isolated_config: Path) -> None:
    write_config(isolated_config, '[keys]\n"reader.close" = ["escape", "r"]\n')
    keymap, problems = resolve(isolated_config)
    assert problems == []
    assert keymap.keys_for("reader.close") == ("escape", "r") and keymap.keys_for("library.toggle_read") == ("r",)


def test_a_sequence_cannot_start_with_a_bound_key(isolated_config: Path) -> None:
    write_config(isolated_config, 'keymap = "vim"\n[keys]\n"library.group" = "g"\n"library.sort" = "o o"\n')
    keymap, problems = resolve(isolated_config)
    assert [(p.line, p.message) for p in problems] == [
        (3, 'key "g" for library.group is how sequence "g g" for library.top starts (it would run before the '
            "sequence is finished); override ignored"),
    ]
    assert keymap.keys_for("library.sort") == ("o o",)  # "o" alone was sort's own key, now replaced


def test_swapping_two_keys_is_not_a_clash(isolated_config: Path) -> None:
    write_config(isolated_config, 'keymap = "vim"\n[keys]\n"library.down" = "k"\n"library.up" = "j"\n')
    keymap, problems = resolve(isolated_config)
    assert problems == []
    assert keymap.keys_for("library.down") == ("k",) and keymap.keys_for("library.up") == ("j",)


def test_of_two_overrides_with_one_key_the_later_line_loses(isolated_config: Path) -> None:
    write_config(isolated_config, '[keys]\n"library.tag" = "x"\n"library.sort" = "x"\n')
    keymap, problems = resolve(isolated_config)
    assert str(only_problem(problems)) == (f'{isolated_config}:3: key "x" for library.sort is already bound to '
                                           "library.tag; override ignored")
    assert keymap.keys_for("library.tag") == ("x",) and keymap.keys_for("library.sort") == ("o",)


def test_an_empty_override_leaves_the_action_its_keys(isolated_config: Path) -> None:
    write_config(isolated_config, '[keys]\n"library.tag" = []\n')
    keymap, problems = resolve(isolated_config)
    assert str(only_problem(problems)) == f"{isolated_config}:2: no key given for library.tag; override ignored"
    assert keymap.keys_for("library.tag") == ("t",)


def test_unknown_settings_are_reported(isolated_config: Path) -> None:
    write_config(isolated_config, 'keymap = "emacs"\nthme = "nord"\n')
    keymap, problems = resolve(isolated_config)
    assert str(only_problem(problems)) == f'{isolated_config}:2: unknown setting "thme" (did you mean "theme"?); ignored'
    assert keymap.name == "emacs"


# ------------------------------------------------------------------------------------- own key map files
def test_own_keymap_file_relative_to_the_config(isolated_config: Path) -> None:
    own = dict(tomllib.loads(builtin_keymap_path("vim").read_text())["keys"])
    own["library.toggle_star"] = ["x"]
    body = "".join(f'"{action_id}" = {list(keys)!r}\n'.replace("'", '"') for action_id, keys in own.items())
    (isolated_config.parent / "mine.toml").write_text(f'name = "mine"\n[keys]\n{body}')
    write_config(isolated_config, 'keymap = "mine.toml"\n')
    keymap, problems = resolve(isolated_config)
    assert problems == [] and keymap.name == "mine"
    assert keymap.keys_for("library.toggle_star") == ("x",) and keymap.keys_for("library.top") == ("g g", "home")


def test_own_keymap_with_gaps_and_mistakes_falls_back_to_default_keys(isolated_config: Path) -> None:
    mine = isolated_config.parent / "mine.toml"
    mine.write_text('[keys]\n"library.down" = ["j", "down"]\n"library.up" = ["k", "upp"]\n'
                    '"library.filter" = "s"\n"library.sort" = "j"\n')
    write_config(isolated_config, f'keymap = "{mine}"\n')
    keymap, problems = resolve(isolated_config)
    messages = [str(p) for p in problems]
    assert messages[0] == (f'{mine}:3: invalid key "upp" for library.up: unknown key name "upp" '
                           '(did you mean "up"?); using the default keys for library.up')
    assert messages[1] == f'{mine}:5: key "j" for library.sort is already bound to library.down; ' \
                          "using the default keys for library.sort"
    assert messages[2].startswith(f"{mine}: no keys for app.quit, app.help, ")
    assert messages[2].endswith("; using the default keys")
    # library.toggle_star is missing: its default "s" gives way to the map's library.filter = "s"
    assert messages[3] == f"{builtin_keymap_path('default')}: library.toggle_star has no key left (Star / unstar)"
    assert len(messages) == 4
    assert keymap.keys_for("library.up") == ("up",)  # the default's keys (the whole entry is ignored)
    assert keymap.keys_for("library.sort") == ("o",)
    assert keymap.keys_for("app.quit") == ("q", "ctrl+q")
    assert keymap.keys_for("library.toggle_star") == ()


@pytest.mark.parametrize(("content", "expect"), [
    (None, "key map file {mine} not found; using \"default\""),
    ('[keys\n', "TOML syntax error"),
    ('name = "x"\n', 'no [keys] table; using "default"'),
])
def test_unusable_own_keymap_means_the_default_map(isolated_config: Path, content: str | None, expect: str) -> None:
    mine = isolated_config.parent / "mine.toml"
    if content is not None:
        mine.write_text(content)
    write_config(isolated_config, 'keymap = "./mine.toml"\n')
    keymap, problems = resolve(isolated_config)
    assert expect.format(mine=mine) in only_problem(problems).message
    assert keymap.name == "default" and keymap.keys == default_keymap().keys


# ------------------------------------------------------------------------------------- Textual
def test_bindings_for_each_scope() -> None:
    keymap, _ = effective_keymap(Config(keymap="vim"))
    for scope in SCOPES:
        bindings = bindings_for(scope, keymap)
        assert [b.id for b in bindings] == [spec.id for spec in ACTIONS if spec.scope == scope]
        for binding in bindings:
            spec = ACTIONS_BY_ID[binding.id]
            assert binding.action == spec.action and binding.description == spec.description
            assert binding.key == ",".join(keymap.single_keys(spec.id))
    top = next(b for b in bindings_for("library", keymap) if b.id == "library.top")
    assert top.key == "home"  # "g g" is the app's to handle
    shown = {b.id for scope in SCOPES for b in bindings_for(scope, keymap) if b.show}
    assert {"app.quit", "app.help", "library.open", "reader.close"} <= shown
    for scope in SCOPES:  # a pane's footer shows its own keys and the app's: few enough to read
        in_footer = [b for b in (*bindings_for("app", keymap), *bindings_for(scope, keymap)) if b.show]
        assert len({b.id for b in in_footer}) <= 8, scope


def test_textual_keymap_unbinds_actions_left_with_only_sequences(isolated_config: Path) -> None:
    write_config(isolated_config, '[keys]\n"library.top" = "x x"\n')
    keymap, problems = resolve(isolated_config)
    assert problems == []
    assert keymap.textual_keymap()["library.top"] == UNBOUND_KEY
    assert keymap.textual_keymap()["library.down"] == "down"
    assert keymap.sequences() == {("x", "x"): "library.top"}
    assert [b.id for b in bindings_for("library", keymap)].count("library.top") == 0


class KeysApp(App[None]):
    """The default map's app bindings, then the vim map applied with App.set_keymap."""

    BINDINGS = bindings_for("app", default_keymap())

    def __init__(self, keymap: Keymap) -> None:
        super().__init__()
        self.ran: list[str] = []
        self.wanted = keymap

    def compose(self) -> ComposeResult:
        yield Static("keys")

    def on_mount(self) -> None:
        self.set_keymap(self.wanted.textual_keymap())

    def action_help(self) -> None:
        self.ran.append("help")

    def action_import_dialog(self) -> None:
        self.ran.append("import")

    def action_toggle_layout(self) -> None:
        self.ran.append("layout")


async def test_textual_runs_the_mapped_actions(isolated_config: Path) -> None:
    write_config(isolated_config, 'keymap = "vim"\n[keys]\n"app.help" = "H"\n"app.import" = "ctrl+x ctrl+f"\n')
    keymap, problems = resolve(isolated_config)
    assert problems == []
    app = KeysApp(keymap)
    async with app.run_test() as pilot:
        await pilot.press("question_mark", "H", "i", "ctrl+l", "f1")
        await pilot.pause()
    # ? and f1 were replaced by H; i was replaced by a sequence (the app's to handle)
    assert app.ran == ["help", "layout"]


# ------------------------------------------------------------------------------------- theme
def test_theme_is_remembered_beside_the_config_without_touching_it(isolated_config: Path) -> None:
    write_config(isolated_config, 'keymap = "vim"  # mine\n')
    before = isolated_config.read_bytes()
    assert load_theme() is None
    save_theme("nord")
    save_theme("gruvbox")
    assert load_theme() == "gruvbox"
    assert (isolated_config.parent / "ui-state.json").is_file()
    assert isolated_config.read_bytes() == before
    assert load_config()[0].theme == "gruvbox"


def test_theme_in_config_toml_wins_and_a_broken_state_file_is_ignored(isolated_config: Path) -> None:
    (isolated_config.parent / "ui-state.json").write_text("{not json")
    assert load_theme() is None
    save_theme("nord")  # a broken state file is replaced, not a crash
    assert load_theme() == "nord"
    write_config(isolated_config, 'theme = "dracula"\n')
    config, problems = load_config()
    assert problems == [] and config.theme == "dracula"


# ------------------------------------------------------------------------------------- commands
def run_cli(tmp_path: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BROADSHEET_CONFIG": str(config), "BROADSHEET_LIBRARY": str(tmp_path / "lib"),
           "COLUMNS": "200"}
    env.pop("BROADSHEET_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, env=env,
                          timeout=60, cwd=Path(__file__).parents[1])


def test_keys_command_prints_the_table_and_problems_one_per_line(tmp_path: Path, isolated_config: Path) -> None:
    write_config(isolated_config, 'keymap = "vim"\n[keys]\n"library.toggle_star" = "x"\n'
                                  '"library.sort" = "j"\n"library.tagg" = "y"\n')
    result = run_cli(tmp_path, isolated_config, "keys")
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert "key map: vim" in lines[0]
    assert "scope" in lines[1] and "action" in lines[1] and "keys" in lines[1] and "description" in lines[1]
    rows = {line.split()[1]: line for line in lines[2:] if line.strip()}
    assert set(rows) == set(ACTIONS_BY_ID)
    assert "x" in rows["library.toggle_star"].split() and "Star / unstar" in rows["library.toggle_star"]
    assert "g g, home" in rows["library.top"] and "?, f1" in rows["app.help"]
    assert result.stderr.splitlines() == [
        f'{isolated_config}:4: key "j" for library.sort is already bound to library.down; override ignored',
        f'{isolated_config}:5: unknown action "library.tagg" (did you mean "library.tag"?); ignored',
    ]
    assert not (tmp_path / "lib").exists()  # listing keys does not create a library


def test_keys_command_with_another_keymap(tmp_path: Path, isolated_config: Path) -> None:
    result = run_cli(tmp_path, isolated_config, "keys", "--keymap", "emacs")
    assert result.returncode == 0 and result.stderr == ""
    assert "key map: emacs" in result.stdout and "alt+<, <, home" in result.stdout


def test_config_path_command(tmp_path: Path, isolated_config: Path) -> None:
    result = run_cli(tmp_path, isolated_config, "config", "--path")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == f"{isolated_config}\n"


def test_config_command_reports_file_keymap_and_problems(tmp_path: Path, isolated_config: Path) -> None:
    result = run_cli(tmp_path, isolated_config, "config")
    assert result.returncode == 0
    assert f"config file: {isolated_config} (not created yet)" in result.stdout
    assert "key map:     default" in result.stdout and "problems:    none" in result.stdout
    write_config(isolated_config, 'keymap = "emacs"\n[keys]\n"reader.close" = "tab"\n')
    result = run_cli(tmp_path, isolated_config, "config")
    assert result.returncode == 0
    assert f"config file: {isolated_config}\n" in result.stdout
    assert "key map:     emacs (0 of 1 overrides in effect)" in result.stdout  # the one is ignored, below
    assert (f'  {isolated_config}:3: key "tab" for reader.close is reserved (it moves the focus); '
            "override ignored") in result.stdout.splitlines()


# ------------------------------------------------------------------------------------- packaging
def test_a_plain_install_ships_the_keymaps_styles_and_demo() -> None:
    """Files read at run time must be package data, or a non-editable install misses them (checked
    by hand too: `pip install .` into a fresh venv, then `broadsheet keys --keymap vim` elsewhere)."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages, data = set(config["packages"]), config["package-data"]
    for folder, pattern in (("keymaps", "*.toml"), ("tui", "*.tcss"), ("store/demo", "*.txt")):
        package = folder.replace("/", ".")
        assert package in packages, package
        files = list((root / folder).glob(pattern))
        assert files, folder
        for file in files:
            assert any(fnmatch.fnmatch(file.name, p) for p in data.get(package, [])), file

"""Every action the app offers, with a stable id that key maps bind.

The id is the contract: `keymaps/*.toml` and the user's config map ids to keys, the help screen and
the command palette list them, and `broadsheet keys` prints them. An action's `scope` says which
part of the app handles it: "app" anywhere, "library" in the library pane, "reader" in the reader;
a pane adds its own scope by giving its key-handling widget `KEY_SCOPE = "<scope>"` and
`BINDINGS = bindings_for("<scope>", default_keymap())`, and listing the scope in SCOPES.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSpec:
    id: str
    action: str  # the Textual action name, run on the widget of the scope (app for "app")
    description: str
    scope: str


ACTIONS: tuple[ActionSpec, ...] = (
    # anywhere
    ActionSpec("app.quit", "quit", "Quit", "app"),
    ActionSpec("app.help", "help", "Show the keys of this pane", "app"),
    ActionSpec("app.focus_library", "focus_library", "Go to the library", "app"),
    ActionSpec("app.focus_reader", "focus_reader", "Go to the reader", "app"),
    ActionSpec("app.toggle_layout", "toggle_layout", "Switch between library and reader (narrow)", "app"),
    ActionSpec("app.import", "import_dialog", "Import files, folders, URLs or feeds", "app"),
    # library pane
    ActionSpec("library.down", "cursor_down", "Next article", "library"),
    ActionSpec("library.up", "cursor_up", "Previous article", "library"),
    ActionSpec("library.page_down", "page_down", "Page down", "library"),
    ActionSpec("library.page_up", "page_up", "Page up", "library"),
    ActionSpec("library.top", "top", "First article", "library"),
    ActionSpec("library.bottom", "bottom", "Last article", "library"),
    ActionSpec("library.open", "open_article", "Open the article", "library"),
    ActionSpec("library.toggle_read", "toggle_read", "Mark read / unread", "library"),
    ActionSpec("library.toggle_star", "toggle_star", "Star / unstar", "library"),
    ActionSpec("library.tag", "tag", "Add or remove tags", "library"),
    ActionSpec("library.delete", "delete", "Delete the article", "library"),
    ActionSpec("library.undo", "undo_delete", "Undo the last delete", "library"),
    ActionSpec("library.filter", "cycle_filter", "Show all / unread / starred", "library"),
    ActionSpec("library.filter_text", "filter_text", "Filter by tag, source or title", "library"),
    ActionSpec("library.sort", "cycle_sort", "Sort by date / source / title / words", "library"),
    ActionSpec("library.group", "cycle_group", "Group by story / source / date / none", "library"),
    # reader pane
    ActionSpec("reader.down", "line_down", "Scroll down a line", "reader"),
    ActionSpec("reader.up", "line_up", "Scroll up a line", "reader"),
    ActionSpec("reader.page_down", "page_down", "Page down", "reader"),
    ActionSpec("reader.page_up", "page_up", "Page up", "reader"),
    ActionSpec("reader.next_paragraph", "next_paragraph", "Next paragraph", "reader"),
    ActionSpec("reader.previous_paragraph", "previous_paragraph", "Previous paragraph", "reader"),
    ActionSpec("reader.top", "top", "Top of the article", "reader"),
    ActionSpec("reader.bottom", "bottom", "End of the article", "reader"),
    ActionSpec("reader.close", "close_reader", "Back to the library", "reader"),
    # search pane (tui/search_pane.py) and search hits in the reader
    ActionSpec("app.search", "search", "Search the library", "app"),
    ActionSpec("search.down", "cursor_down", "Next result", "search"),
    ActionSpec("search.up", "cursor_up", "Previous result", "search"),
    ActionSpec("search.page_down", "page_down", "Results: page down", "search"),
    ActionSpec("search.page_up", "page_up", "Results: page up", "search"),
    ActionSpec("search.open", "open_result", "Open the result at its match", "search"),
    ActionSpec("search.close", "close_search", "Close the search", "search"),
    ActionSpec("reader.next_hit", "next_hit", "Next search hit", "reader"),
    ActionSpec("reader.previous_hit", "previous_hit", "Previous search hit", "reader"),
)

ACTIONS_BY_ID: dict[str, ActionSpec] = {spec.id: spec for spec in ACTIONS}
SCOPES = ("app", "library", "reader", "search")

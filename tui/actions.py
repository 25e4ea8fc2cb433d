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
    ActionSpec("app.toggle_layout", "toggle_layout", "Reader full width and back (narrow: library or reader)", "app"),
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
    ActionSpec("library.clear_filter", "clear_filter", "Clear the filter", "library"),
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
    # highlight mode (the article view in the reader and in every compare column) and annotations pane
    ActionSpec("reader.highlight_mode", "hl_enter", "Highlight mode (select, colour, note)", "reader"),
    ActionSpec("app.annotations", "annotations", "Annotations: every highlight", "app"),
    ActionSpec("app.export_annotations", "export_annotations", "Export highlights (Markdown, JSON-LD, CSV)", "app"),
    ActionSpec("highlight.leave", "hl_leave", "Leave highlight mode", "highlight"),
    ActionSpec("highlight.mark", "hl_mark", "Start (or drop) a selection at the cursor", "highlight"),
    ActionSpec("highlight.char_forward", "hl_char_forward", "Cursor: next character", "highlight"),
    ActionSpec("highlight.char_back", "hl_char_back", "Cursor: previous character", "highlight"),
    ActionSpec("highlight.word_forward", "hl_word_forward", "Cursor: start of the next word", "highlight"),
    ActionSpec("highlight.word_end", "hl_word_end", "Cursor: end of the word", "highlight"),
    ActionSpec("highlight.word_back", "hl_word_back", "Cursor: start of the word", "highlight"),
    ActionSpec("highlight.sentence_forward", "hl_sentence_forward", "Cursor: next sentence", "highlight"),
    ActionSpec("highlight.sentence_back", "hl_sentence_back", "Cursor: start of the sentence", "highlight"),
    ActionSpec("highlight.paragraph_forward", "hl_paragraph_forward", "Cursor: next paragraph", "highlight"),
    ActionSpec("highlight.paragraph_back", "hl_paragraph_back", "Cursor: start of the paragraph", "highlight"),
    ActionSpec("highlight.line_down", "hl_line_down", "Cursor: next line", "highlight"),
    ActionSpec("highlight.line_up", "hl_line_up", "Cursor: previous line", "highlight"),
    ActionSpec("highlight.line_start", "hl_line_start", "Cursor: start of the line", "highlight"),
    ActionSpec("highlight.line_end", "hl_line_end", "Cursor: end of the line", "highlight"),
    ActionSpec("highlight.page_down", "hl_page_down", "Cursor: a page down", "highlight"),
    ActionSpec("highlight.page_up", "hl_page_up", "Cursor: a page up", "highlight"),
    *(ActionSpec(f"highlight.color_{n}", f"hl_color({n})", f"Highlight the selection in colour {n}", "highlight")
      for n in range(1, 6)),
    ActionSpec("highlight.note", "hl_note", "Add or edit the note of a highlight", "highlight"),
    ActionSpec("highlight.tags", "hl_tags", "Tag a highlight", "highlight"),
    ActionSpec("highlight.list_here", "hl_list_here", "List the highlights under the cursor", "highlight"),
    ActionSpec("highlight.next", "hl_next", "Next highlight", "highlight"),
    ActionSpec("highlight.previous", "hl_previous", "Previous highlight", "highlight"),
    ActionSpec("highlight.copy", "hl_copy", "Copy the selection or highlight (OSC 52)", "highlight"),
    ActionSpec("highlight.delete", "hl_delete", "Delete the highlight under the cursor", "highlight"),
    ActionSpec("highlight.undo", "hl_undo", "Undo the last highlight delete", "highlight"),
    ActionSpec("highlight.labels", "hl_labels", "Rename the colours (1 = key claim ...)", "highlight"),
    ActionSpec("annotations.open", "jump", "Show the highlight in the reader", "annotations"),
    ActionSpec("annotations.down", "cursor_down", "Next highlight", "annotations"),
    ActionSpec("annotations.up", "cursor_up", "Previous highlight", "annotations"),
    ActionSpec("annotations.page_down", "page_down", "Page down", "annotations"),
    ActionSpec("annotations.page_up", "page_up", "Page up", "annotations"),
    ActionSpec("annotations.top", "top", "First highlight", "annotations"),
    ActionSpec("annotations.bottom", "bottom", "Last highlight", "annotations"),
    ActionSpec("annotations.scope", "toggle_scope", "Whole library / current article", "annotations"),
    ActionSpec("annotations.filter", "filter_text", "Filter: words, color:N, tag:T, article:A, story:S",
               "annotations"),
    ActionSpec("annotations.color_filter", "cycle_color", "Show one colour / all colours", "annotations"),
    *(ActionSpec(f"annotations.color_{n}", f"recolor({n})", f"Change the highlight to colour {n}", "annotations")
      for n in range(1, 6)),
    ActionSpec("annotations.note", "note", "Edit the note", "annotations"),
    ActionSpec("annotations.tags", "tags", "Edit the tags", "annotations"),
    ActionSpec("annotations.delete", "delete", "Delete the highlight", "annotations"),
    ActionSpec("annotations.undo", "undo", "Undo the last delete", "annotations"),
    ActionSpec("annotations.reattach", "reattach", "Re-attach an orphaned highlight by hand", "annotations"),
    ActionSpec("annotations.labels", "labels", "Rename the colours", "annotations"),
    ActionSpec("annotations.close", "close", "Close the annotations pane", "annotations"),
    # compare pane and coverage view
    ActionSpec("library.pick", "pick", "Pick / unpick the article for comparison", "library"),
    ActionSpec("library.clear_picks", "clear_picks", "Unpick every picked article", "library"),
    ActionSpec("library.compare", "compare", "Compare the picked articles (or the article's story)", "library"),
    ActionSpec("compare.down", "line_down", "Scroll down a line", "compare"),
    ActionSpec("compare.up", "line_up", "Scroll up a line", "compare"),
    ActionSpec("compare.page_down", "page_down", "Page down", "compare"),
    ActionSpec("compare.page_up", "page_up", "Page up", "compare"),
    ActionSpec("compare.top", "top", "Top of the report", "compare"),
    ActionSpec("compare.bottom", "bottom", "End of the report", "compare"),
    ActionSpec("compare.next_shared", "next_shared", "Next shared passage", "compare"),
    ActionSpec("compare.previous_shared", "previous_shared", "Previous shared passage", "compare"),
    ActionSpec("compare.next_unique", "next_unique", "Next passage only this report has", "compare"),
    ActionSpec("compare.next_figure", "next_figure", "Next figure that differs", "compare"),
    ActionSpec("compare.next_column", "next_column", "Next report (column)", "compare"),
    ActionSpec("compare.previous_column", "previous_column", "Previous report (column)", "compare"),
    ActionSpec("compare.coverage", "coverage", "Coverage view of these reports", "compare"),
    ActionSpec("compare.close", "close_compare", "Close the comparison", "compare"),
    ActionSpec("coverage.down", "cursor_down", "Next passage", "coverage"),
    ActionSpec("coverage.up", "cursor_up", "Previous passage", "coverage"),
    ActionSpec("coverage.left", "cursor_left", "Previous report", "coverage"),
    ActionSpec("coverage.right", "cursor_right", "Next report", "coverage"),
    ActionSpec("coverage.pick", "pick_column", "Pick this report; two picked open side by side", "coverage"),
    ActionSpec("coverage.close", "close_coverage", "Close the coverage view", "coverage"),
)

ACTIONS_BY_ID: dict[str, ActionSpec] = {spec.id: spec for spec in ACTIONS}
SCOPES = ("app", "library", "reader", "search", "highlight", "annotations", "compare", "coverage")

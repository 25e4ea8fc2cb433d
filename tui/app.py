"""The broadsheet app: the library and the reader side by side (or one at a time when narrow)."""

from __future__ import annotations

import gc
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.notifications import SeverityLevel
from textual.containers import Horizontal
from textual.widget import Widget
from textual.timer import Timer
from textual.widgets import Button, Input, TextArea

from store import Article, ImportReport, Library, LibraryError, LibraryLocked
from store.demo import demo_files
from store.records import ProgressCallback

from .actions import ACTIONS, ACTIONS_BY_ID
from .annotations_pane import ANNOTATION_DIALOGS, AnnotationsAppMixin
from .commands import ActionCommands
from .dialogs import ConfirmDialog, HelpScreen, ImportDialog, TagDialog
from .key_hints import KeyHints
from .keymap import Keymap, KeymapProblem, bindings_for, default_keymap, display_keys, effective_keymap, \
    load_config, load_theme, save_theme
from .library_pane import ArticleTable, LibraryPane
from .reader_pane import ReaderPane
from .safe_text import plain, visible
from .search_pane import SearchScreen
from .story_progress import BuildEvent, StoryBuild, StoryProgress
from .too_small import TooSmallScreen, too_small

if TYPE_CHECKING:
    from store import Story
    from store import SearchHit

NARROW_WIDTH = 100
HOLD_SECONDS = 0.5  # longest wait for an opening text box to take focus before held keys go on
TEXT_BOXES = (Input, TextArea)
STORIES_IN_FOREGROUND = 300  # up to this many articles clustering takes well under half a second: the first frame waits for it


def freeze_heap() -> None:
    """Move every object alive now out of the collector's sight (gc.freeze). A 100k library is
    millions of long-lived objects (records, articles, rows, the search index's documents); each
    full collection walked them all, 0.5 s at a random key press (a highlight, a keystroke of a
    search). What is frozen is still freed when nothing refers to it."""
    gc.freeze()


class _Closing(Exception):
    """Raised from a progress callback to stop background work when the app exits."""


class BroadsheetApp(AnnotationsAppMixin, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "broadsheet"
    BINDINGS = bindings_for("app", default_keymap())
    COMMANDS = App.COMMANDS | {ActionCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_WIDTH, "-wide")]

    def __init__(self, library: Library, *, keymap: Keymap | None = None,
                 notices: list[str] | None = None, remember_theme: bool = True,
                 theme: str | None = None, build_stories: bool = True) -> None:
        super().__init__()
        self.build_stories = build_stories  # build a missing stories index in a background process
        self.stories_in_foreground = STORIES_IN_FOREGROUND
        self.configured_theme = theme  # config.toml's `theme`, which wins over the one last picked
        self.library = library
        self.keymap_in_use = keymap or default_keymap()
        self.notices = list(notices or [])
        self.remember_theme = remember_theme
        self._last_deleted: list[Article] = []
        self._pending_keys: tuple[str, ...] = ()
        self._sequences = self._collect_sequences(self.keymap_in_use)
        self._quit_anywhere = self._untypable_keys(self.keymap_in_use.keys.get("app.quit", ()))
        self.showing = "library"  # which pane a narrow layout shows
        self._width = 0  # the terminal's width as of the last resize (0 until one arrives)
        self._height = 0
        self._stories_loaded = False  # stories() has answered once in this session (later calls are quick)
        self._stories_loading = False
        self._stories_hint_shown = False
        self._story_build: StoryBuild | None = None
        self._held_keys: list[events.Key] | None = None  # keys typed while a text box opens
        self._hold_timer: Timer | None = None
        self._quitting = False  # set on exit: background work stops at its next progress report
        self._last_query = ""  # the search pane opens on the last query

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield LibraryPane(id="library")
            yield ReaderPane(id="reader")
        yield StoryProgress(id="story-progress")
        yield KeyHints()

    def on_mount(self) -> None:
        self.set_keymap({action_id: ",".join(k for k in keys if " " not in k)
                         for action_id, keys in self.keymap_in_use.keys.items()})
        theme = self.configured_theme or (load_theme() if self.remember_theme else None)
        if theme and theme in self.available_themes:
            self.theme = theme
        elif theme:
            self.notices.append(f'unknown theme "{theme}" (the palette\'s "Change theme" lists them); '
                                f'using "{self.theme}"')
        self.refresh_library()
        self.library_pane.table.focus()
        self._apply_showing()
        if self.library.read_only:
            self.notify(f"Read-only: {self.library.read_only_reason}", severity="warning", timeout=8)
        for notice in self.notices:
            self.notify(notice, severity="warning", timeout=10)

    def watch_theme(self, theme: str) -> None:
        if self.remember_theme and self.is_running:
            try:
                save_theme(theme)
            except OSError:
                pass
            if self.configured_theme and theme != self.configured_theme:
                self.notify(f'config.toml sets theme = "{self.configured_theme}", which wins at the next start',
                            severity="warning", timeout=5)

    @property
    def library_pane(self) -> LibraryPane:
        return self.query_one(LibraryPane)

    @property
    def reader_pane(self) -> ReaderPane:
        return self.query_one(ReaderPane)

    @property
    def narrow(self) -> bool:
        return (self._width or self.size.width) < NARROW_WIDTH

    def on_resize(self, event: events.Resize) -> None:
        # the app's own size is updated after this handler runs, so the event's size is the truth
        self._width, self._height = event.size.width, event.size.height
        self._apply_showing()

    def _guard_size(self, width: int, height: int) -> None:
        """Cover every screen with TooSmallScreen while the terminal is too small; uncover it when
        it is large enough again."""
        covering = next((screen for screen in self.screen_stack if isinstance(screen, TooSmallScreen)), None)
        if too_small(width, height):
            if covering is None:
                keys = self.keymap_in_use.keys.get("app.quit", ())
                self.push_screen(TooSmallScreen(frozenset(keys), display_keys(keys[:1]), (width, height)))
            else:
                covering.show_size(width, height)
        elif covering is not None and self.screen is covering:
            self.pop_screen()  # (one under a dialog opened meanwhile pops itself when it is on top again)

    def _apply_showing(self) -> None:
        """Narrow: one pane at a time. Wide: both, unless the reader was maximised."""
        library, reader = self.library_pane, self.reader_pane
        width, height = self._width or self.size.width, self._height or self.size.height
        self._guard_size(width, height)
        if self.narrow:
            library.display = self.showing == "library"
            reader.display = not library.display  # "reader" or the wide layout's "reader-only"
        else:
            library.display = self.showing != "reader-only"
            reader.display = True

    # ------------------------------------------------------------------ library data
    def refresh_library(self, keep: str | None = None) -> None:
        self.library_pane.highlight_counts = self._highlight_counts()
        self.library_pane.show(self.library.articles(), keep=keep, stories=self._stories_at_hand())
        freeze_heap()  # now, not after the frame: the first frame paid for a full collection (0.8 s at 100k)



    def _stories_at_hand(self) -> list[Story] | None:
        """Stories to group the list by, when they come quickly. In a large library whose stories
        index is cached, its first load (about 2 s at 10k articles) runs in a worker after the first
        frame and the list regroups when it is done; later calls are incremental. A large library
        without the cache gets one built by a background process (story_progress.py), with a
        progress line, and regroups when it is saved: building it in this process would starve
        the interface (numpy holds the GIL: 2 s per key press) and hold up quitting."""
        try:
            if self.library.stories_are_quick() and (self._stories_loaded
                                                     or len(self.library) <= self.stories_in_foreground):
                stories = self.library.stories(evidence=False)
                self._stories_loaded = True
                return stories
            if not self.library.stories_cached():
                if self.build_stories and self._story_build is None and not self._stories_hint_shown:
                    self._stories_hint_shown = True  # one build per session, even if it fails
                    self.call_after_refresh(self._start_story_build)
                elif not self._stories_hint_shown:
                    self._stories_hint_shown = True
                    self.notify("To group this library by story, run `broadsheet stories` once "
                                "(it builds the index the app then loads).", timeout=8)
                return None
        except Exception:  # noqa: BLE001 - grouping by story is a convenience; the list must still show
            return None
        if not self._stories_loading:
            self._stories_loading = True
            self.call_after_refresh(self._load_stories)  # a thread started now would slow the first frame
        return None

    def _start_story_build(self) -> None:
        if self._quitting:
            return
        try:
            self._story_build = StoryBuild(self.library.path)
        except OSError as error:
            self.notify(f"Could not start grouping by story: {error}", severity="warning", timeout=8)
            return
        self.query_one(StoryProgress).start()
        self._follow_story_build(self._story_build)

    @work(thread=True, group="story-build")
    def _follow_story_build(self, build: StoryBuild) -> None:
        for event in build.events(stop=lambda: self._quitting):
            if self._quitting:
                break
            self.call_from_thread(self._story_build_event, event)

    def _story_build_event(self, event: BuildEvent) -> None:
        progress = self.query_one(StoryProgress)
        if event.kind == "progress":
            progress.show(event)
            return
        progress.stop()
        if event.kind == "error":
            self.notify(f"Could not group by story: {event.text}", severity="warning", timeout=10)
            return
        self.refresh_library()  # finds the saved index and loads it in a worker; the cursor stays

    @work(thread=True, group="stories")
    def _load_stories(self) -> None:
        def stop_when_closing(done: int, total: int | None, what: str) -> None:
            # Python waits for worker threads before it exits: quitting must not wait for clustering
            if self._quitting:
                raise _Closing()

        try:
            self.library.stories(evidence=False, progress=stop_when_closing)
        except Exception:  # noqa: BLE001 - as above: the list stays ungrouped (or the app is closing)
            return
        finally:
            self._stories_loading = False
        self.call_from_thread(self._stories_ready)

    def _stories_ready(self) -> None:
        self._stories_loaded = True
        table = self.library_pane.table
        untouched = table.cursor_row <= 1  # on the first row (or its group's header): not moved yet
        self.refresh_library()
        if untouched:
            # the cursor followed its article into the middle of the regrouped list; a reader who
            # had not moved yet expects the top of the list, as before it regrouped
            table.move_cursor(next((i for i, key in enumerate(table.row_keys) if key.startswith("article:")), 0))

    def _highlight_counts(self) -> dict[str, int]:
        """Highlights per article, once the library keeps annotations (they come with the notes
        pane); a library without them shows an empty column."""
        counts = getattr(self.library, "annotation_counts", None)
        annotations = getattr(self.library, "annotations", None)
        try:
            if callable(counts):
                return dict(counts())
            if callable(annotations):
                return dict(Counter(note.article_id for note in annotations()))
        except LibraryError:
            pass
        return {}

    def import_targets(self, targets: list[str], progress: ProgressCallback | None = None) -> ImportReport:
        """Runs in the import dialog's worker thread; the dialog is modal, so nothing else writes."""
        report = self.library.import_paths(targets, progress=progress)
        self.call_from_thread(self.refresh_library)
        return report

    def _write(self, change: Callable[[], object], done: str | None = None) -> bool:
        """Run a library write; a failure is a message, never a crash."""
        try:
            change()
        except LibraryError as error:
            self.notify(str(error), severity="error", timeout=8)
            return False
        if done:
            self.notify(done, timeout=2)
        return True

    def library_toggle_read(self, article: Article | None) -> None:
        if article and self._write(lambda: self.library.set_read([article.id], not article.read)):
            self.article_changed(article.id)

    def library_toggle_star(self, article: Article | None) -> None:
        if article and self._write(lambda: self.library.set_starred([article.id], not article.starred)):
            self.article_changed(article.id)

    def library_tag(self, article: Article | None) -> None:
        if article is None:
            return

        def apply(result: tuple[list[str], list[str]] | None) -> None:
            if result and self._write(lambda: self.library.tag([article.id], add=result[0], remove=result[1])):
                self.article_changed(article.id)

        self.push_screen(TagDialog(article.title, article.tags), apply)

    def library_delete(self, article: Article | None) -> None:
        if article is None:
            return
        question = Text("Delete ")
        question.append_text(plain(article.title, style="bold"))
        undo = self.keys_for("library.undo")
        question.append("?\nIts text and highlights are kept on disk" +
                        (f", so {undo} undoes this." if undo else "."))

        def apply(yes: bool | None) -> None:
            if not yes:
                return
            removed: list[Article] = []
            if self._write(lambda: removed.extend(self.library.remove([article.id]))):
                self._last_deleted = removed
                if self.reader_pane.article and self.reader_pane.article.id == article.id:
                    self.reader_pane.clear()
                self.refresh_library()
                self.notify(f"Deleted. Press {self.keys_for('library.undo') or 'u'} to undo.", timeout=4)

        self.push_screen(ConfirmDialog(question), apply)

    def library_undo_delete(self) -> None:
        if not self._last_deleted:
            self.notify("Nothing to undo.", timeout=2)
            return
        restored = self._last_deleted
        if self._write(lambda: self.library.restore(restored), "Restored."):
            self._last_deleted = []
            self.refresh_library(keep=restored[0].id)

    # ------------------------------------------------------------------ comparing
    def library_pick(self, article: Article | None) -> None:
        if article is None:
            return
        self.library_pane.toggle_pick(article.id)
        if article.id in self.library_pane.picked:
            self._prepare_compare(article.id)

    @work(thread=True, group="prepare-compare")
    def _prepare_compare(self, article_id: str) -> None:
        """While the user picks the next report: read what comparing this one will need, and the
        compare pane's modules. Only a head start: compare() does anything this did not finish."""
        from . import compare_pane, coverage_pane  # noqa: F401

        try:
            self.library.prepare_compare([article_id])
        except Exception:  # noqa: BLE001 (the library may change under a worker; compare reads again)
            pass

    def library_compare(self, article: Article | None) -> None:
        """Compare the picked articles; with fewer than two picked, the selected article's story."""
        ids = list(self.library_pane.picked)
        if len(ids) < 2:
            stories = getattr(self.library, "story_of", None)
            if article is not None and stories is not None:
                try:
                    ids = list(stories(article.id).article_ids)
                except (LibraryError, KeyError):
                    ids = []
            if len(ids) < 2:
                keys = self.keys_for("library.pick") or "m"
                self.notify(f"Pick two or three articles with {keys}, then compare them.", timeout=4)
                return
        self.open_compare(ids)

    def open_compare(self, ids: list[str]) -> None:
        from .compare_pane import CompareScreen
        from .coverage_pane import CoverageScreen

        try:
            comparison = self.library.compare(ids, coverage=True)
        except (LibraryError, OSError) as error:
            self.notify(f"Cannot compare: {error}", severity="error")
            return
        self.push_screen(CompareScreen(comparison) if len(ids) <= 3 else CoverageScreen(comparison))

    # ------------------------------------------------------------------ reading
    def on_article_table_open_requested(self, message: ArticleTable.OpenRequested) -> None:
        self.open_article(message.article_id)

    def open_article(self, article_id: str) -> None:
        self._save_position()
        try:
            article = self.library.get(article_id)
            body_loaded = article.body
        except (LibraryError, OSError) as error:
            self.notify(f"Cannot open it: {error}", severity="error")
            return
        del body_loaded
        self.reader_pane.show(article)
        self.library_pane.select(article.id)
        self.showing = "reader" if self.narrow else self.showing
        self._apply_showing()
        self.reader_pane.view.focus()
        if not article.read and not self.library.read_only:
            # opening marks it read; the write waits until the article is on screen
            self.call_after_refresh(self._mark_read, article.id)

    def _mark_read(self, article_id: str) -> None:
        if self._write(lambda: self.library.set_read([article_id], True)):
            self.article_changed(article_id)

    def article_changed(self, article_id: str) -> None:
        """One article changed (read, starred, tags, highlights): redraw its row without re-reading
        the library. Panes that change an article (a new highlight) call this."""
        try:
            article = self.library.get(article_id)
        except LibraryError:
            self.refresh_library()
            return
        annotations = getattr(self.library, "annotations", None)
        if callable(annotations):
            try:
                self.library_pane.highlight_counts[article_id] = len(annotations(article_id))
            except LibraryError:
                pass
        self.library_pane.update_article(article)
        if self.reader_pane.article and self.reader_pane.article.id == article_id:
            self.reader_pane.article = article

    def _save_position(self) -> None:
        current = self.reader_pane.article
        if current is None or self.library.read_only:
            return
        offset = self.reader_pane.view.top_offset
        if offset != current.position:
            try:
                self.library.set_position(current.id, offset)
            except LibraryError:
                pass  # the article may have been deleted; a lost position is not worth an error

    def action_close_reader(self) -> None:
        self._save_position()
        self.showing = "library"
        self._apply_showing()
        self.library_pane.table.focus()

    def action_focus_library(self) -> None:
        self.showing = "library"
        self._apply_showing()
        self.library_pane.table.focus()

    def action_focus_reader(self) -> None:
        if self.narrow:
            self.showing = "reader"
        self._apply_showing()
        self.reader_pane.view.focus()

    def action_toggle_layout(self) -> None:
        if self.narrow:
            self.showing = "reader" if self.showing == "library" else "library"
        else:
            self.showing = "reader-only" if self.showing != "reader-only" else "library"
        self._apply_showing()
        (self.reader_pane.view if self.showing.startswith("reader") else self.library_pane.table).focus()

    def action_import_dialog(self) -> None:
        if self.library.read_only:
            self.notify(f"Read-only: {self.library.read_only_reason}", severity="warning")
            return
        self.push_screen(ImportDialog(), lambda report: self.refresh_library())

    # ------------------------------------------------------------------ search (tui/search_pane.py)
    def action_search(self) -> None:
        if isinstance(self.screen, SearchScreen):
            return
        screen = SearchScreen(self.library, self._last_query)
        self.push_screen(screen, lambda hit: self._search_closed(screen, hit))

    def _search_closed(self, screen: SearchScreen, hit: SearchHit | None) -> None:
        self._last_query = screen.query_text
        if hit is None:
            return
        self.open_article(hit.article_id)
        if self.reader_pane.article and self.reader_pane.article.id == hit.article_id:
            self.reader_pane.view.show_search_hits(list(hit.spans), hit.offset if hit.offset >= 0 else 0)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add-demo":
            if self._write(lambda: self.library.import_paths(demo_files(), tags=["demo"]), "Added the demo articles."):
                self.refresh_library()
                self.library_pane.table.focus()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notice is plain text, whoever sends it (widgets pass markup=True): messages carry
        file names, titles, tags and error texts, which Textual would parse as markup ("[/bold]"
        raises, "[@click=app.quit]x[/]" becomes a live action) and whose escape sequences would
        reach the terminal."""
        super().notify(visible(str(message), single_line=False), title=visible(str(title)), severity=severity,
                       timeout=timeout, markup=False)

    # ------------------------------------------------------------------ typing into a box that opens
    def expect_typing(self) -> None:
        """A text box is opening (a filter, a dialog, search): hold the keys that arrive before it
        has focus and type them into it then. Textual hands each key to the widget focused when it
        arrived, so without this a burst ("F" then "wire", or a paste) ran "i" as Import and lost
        the rest. Released when a text box takes focus, or after HOLD_SECONDS if none does."""
        if self._held_keys is None:
            self._held_keys = []
            self._hold_timer = self.set_timer(HOLD_SECONDS, self._release_held_keys)

    def _release_held_keys(self) -> None:
        held, self._held_keys = self._held_keys or [], None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        for key in held:
            self.post_message(events.Key(key.key, key.character))  # routed anew, to what has focus now

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if self._held_keys is not None and isinstance(event.widget, TEXT_BOXES):
            self._release_held_keys()

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        result = super().push_screen(screen, *args, **kwargs)
        if getattr(self.screen, "TAKES_TYPING", False):
            self.expect_typing()  # a dialog with a text box, which gets focus only once it is mounted
        return result

    def action_help_quit(self) -> None:
        """ctrl+c (Textual's copy key) says how to quit, as Textual's own hint does but without markup."""
        keys = self.keys_for("app.quit")
        if keys:
            self.notify(f"Press {keys.split(', ')[0]} to quit the app", title="Do you want to quit?")

    async def action_quit(self) -> None:
        self._save_position()
        self.exit()

    def exit(self, *args: object, **kwargs: object) -> None:
        self._quitting = True
        if self._story_build is not None:
            self._story_build.cancel()  # the builder is a child process: quitting must not wait for it
        super().exit(*args, **kwargs)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ keys, help, palette
    def keys_for(self, action_id: str) -> str:
        """The keys bound to an action now, as people read them ("?" rather than question_mark)."""
        return display_keys(self.keymap_in_use.keys.get(action_id, ()))

    def focused_scope(self) -> tuple[str, Widget | None]:
        """The key scope of the focused widget and the widget that handles it: the nearest of the
        focused widget and its ancestors with a `KEY_SCOPE` (each pane's key handler declares one)."""
        node = self.focused
        if getattr(node, "highlighting", False):  # an article view in highlight mode
            return "highlight", node
        while node is not None:
            scope = getattr(node, "KEY_SCOPE", None)
            if isinstance(scope, str) and isinstance(node, Widget):
                return scope, node
            node = node.parent
        return "library", self.library_pane.table if self.screen is self.screen_stack[0] else None

    def scope_widget(self, scope: str) -> Widget | None:
        """The widget on the current screen that handles a scope's actions, focused for them.
        Library and reader are brought into view first (a narrow layout shows one at a time)."""
        if scope == "highlight":
            return self._highlight_scope_widget()
        if scope == "library":
            self.action_focus_library()
            return self.library_pane.table
        if scope == "reader":
            self.action_focus_reader()
            return self.reader_pane.view
        for widget in self.screen.query("*"):
            if getattr(widget, "KEY_SCOPE", None) == scope:
                widget.focus()
                return widget
        return None

    def run_action_id(self, action_id: str) -> None:
        spec = ACTIONS_BY_ID[action_id]
        if spec.scope == "app":
            self.call_later(self.run_action, spec.action)
            return
        target = self.scope_widget(spec.scope)
        if target is None:
            self.notify(f"{spec.description}: not available here.", severity="warning", timeout=3)
            return
        self.call_later(self.run_action, spec.action, target)

    def action_help(self) -> None:
        scope, _ = self.focused_scope()
        rows = [(self.keys_for(spec.id) or "—", spec.description, spec.id)
                for spec in sorted(ACTIONS, key=lambda spec: spec.scope == "app") if spec.scope in (scope, "app")]
        title = f"Keys: {scope} pane (key map: {self.keymap_in_use.name})"
        self.push_screen(HelpScreen(title, rows))

    @staticmethod
    def _collect_sequences(keymap: Keymap) -> dict[tuple[str, ...], list[str]]:
        sequences: dict[tuple[str, ...], list[str]] = {}
        for action_id, keys in keymap.keys.items():
            for key in keys:
                if " " in key:
                    sequences.setdefault(tuple(key.split()), []).append(action_id)
        return sequences

    @staticmethod
    def _untypable_keys(keys: tuple[str, ...] | list[str]) -> frozenset[str]:
        """The keys no text box types (ctrl+ and alt+ combinations, function keys)."""
        return frozenset(key for key in keys if " " not in key
                         and (key.startswith(("ctrl+", "alt+")) or re.fullmatch(r"f\d{1,2}", key)))

    async def on_event(self, event: events.Event) -> None:
        """Once a sequence has begun (emacs's `ctrl+x`), its next key belongs to the sequence: it
        must not also reach the focused widget, whose single-key binding (`o` sorts) would fire.

        The quit keys that cannot be typed (`ctrl+q`) quit from every screen, dialogs included, as
        Textual's own `ctrl+q` does: the app's `app.quit` binding replaces Textual's priority one,
        and a modal dialog hides the app's bindings, so without this a dialog swallowed them."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            if event.key in self._quit_anywhere:
                self._pending_keys = ()
                event.stop()
                await self.run_action("quit")
                return
            if self._pending_keys and self._continue_sequence(event):
                return
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        """Multi-key sequences such as vim's `g g`: Textual has none, so we collect keys that no
        binding took and run the action whose sequence they complete. While a text box opens,
        keys are held for it instead (expect_typing): neither bindings nor sequences see them."""
        if self._held_keys is not None:
            self._held_keys.append(event)
            event.stop()
            event.prevent_default()  # App._on_key, next in line, would run their bindings
            return
        self._continue_sequence(event)

    def _continue_sequence(self, event: events.Key) -> bool:
        """Feed one key to the sequence matcher; True if it was part of a sequence."""
        if not self._sequences or isinstance(self.screen, (ConfirmDialog, TagDialog, ImportDialog, HelpScreen,
                                                           SearchScreen, TooSmallScreen, *ANNOTATION_DIALOGS)):
            self._pending_keys = ()
            return False
        pending = (*self._pending_keys, event.key)
        if pending in self._sequences:
            self._pending_keys = ()
            scope, handler = self.focused_scope()
            for action_id in self._sequences[pending]:
                spec = ACTIONS_BY_ID[action_id]
                if spec.scope in (scope, "app"):
                    target = self if spec.scope == "app" else handler
                    self.call_later(self.run_action, spec.action, target)
                    event.stop()
                    return True
            return True
        if any(sequence[:len(pending)] == pending for sequence in self._sequences):
            self._pending_keys = pending
            event.stop()
            return True
        self._pending_keys = ()
        return False


def run(path: Path, *, read_only: bool = False, demo: bool = False) -> None:
    """Open the library and run the app until the user quits."""
    notices: list[str] = []
    try:
        library = Library.open(path, read_only=read_only)
    except LibraryLocked as error:
        library = Library.open(path, read_only=True)
        library.read_only_reason = f"another broadsheet process is writing it ({error})"
    config, problems = load_config()
    keymap, keymap_problems = effective_keymap(config)
    notices.extend(str(problem) for problem in (*problems, *keymap_problems))
    try:
        # config.theme falls back to the remembered theme; only a theme written in config.toml pins it
        pinned = config.theme if config.theme != load_theme(config.path) else None
        BroadsheetApp(library, keymap=keymap, notices=notices, theme=pinned).run()
    finally:
        library.close()


__all__ = ["BroadsheetApp", "KeymapProblem", "run"]

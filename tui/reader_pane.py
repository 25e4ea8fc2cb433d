"""The reader pane: an article's title, source, date and origin above its cleaned text."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from store import Article

from .article_view import ArticleView
from .keymap import bindings_for, default_keymap
from .safe_text import plain


class ReaderView(ArticleView):
    """The article view as the reader uses it, with the reader's key map."""

    KEY_SCOPE = "reader"
    BINDINGS = bindings_for(KEY_SCOPE, default_keymap())

    def action_close_reader(self) -> None:
        self.app.action_close_reader()  # type: ignore[attr-defined]


PLACEHOLDER = Text.assemble(("No article open.\n", "bold"),
                            ("Enter opens the one under the cursor (or click it twice).\n"
                             "? lists the keys; Ctrl+P, every action.", "dim"))


class ReaderPane(Vertical):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.article: Article | None = None

    def compose(self) -> ComposeResult:
        yield Static(PLACEHOLDER, id="reader-header")
        yield ReaderView(id="reader-view")

    @property
    def view(self) -> ReaderView:
        return self.query_one(ReaderView)

    def show(self, article: Article) -> None:
        self.article = article
        header = Text()
        header.append_text(plain(article.title, style="bold"))
        header.append("\n")
        details = [article.source or "no source",
                   article.published[:10] if article.published else f"imported {article.imported_at[:10]}",
                   f"{article.word_count} words"]
        if article.author:
            details.insert(1, article.author)
        header.append_text(plain(" · ".join(details), style="dim"))
        header.append("\n")
        header.append_text(plain(article.url or article.origin, style="dim italic"))
        self.query_one("#reader-header", Static).update(header)
        self.view.set_text(article.body, article.position)

    def clear(self) -> None:
        self.article = None
        self.query_one("#reader-header", Static).update(PLACEHOLDER)
        self.view.set_text("")

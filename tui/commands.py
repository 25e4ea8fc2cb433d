"""The command palette (Ctrl+P) lists every action, with its keys."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .actions import ACTIONS


class ActionCommands(Provider):
    def _keys(self, action_id: str) -> str:
        keys = getattr(self.app, "keys_for", lambda _: "")(action_id)
        return f"keys: {keys}" if keys else "no key bound"

    async def discover(self) -> Hits:
        for spec in ACTIONS:
            yield DiscoveryHit(spec.description, partial(self.app.run_action_id, spec.id),  # type: ignore[attr-defined]
                               help=f"{spec.id} · {self._keys(spec.id)}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for spec in ACTIONS:
            text = f"{spec.description} ({spec.id})"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self.app.run_action_id, spec.id),  # type: ignore[attr-defined]
                          help=self._keys(spec.id))

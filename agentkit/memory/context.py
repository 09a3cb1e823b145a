"""Rendering retrieved items for a prompt, fenced off as untrusted data.

Retrieved text may contain anything, including instructions a document's author
planted. Each item goes inside its own delimited block carrying its id, so the model
can cite it (`[id]`) and the prompt can tell it to treat the contents as data only.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from agentkit.memory.models import MemoryItem

__all__ = ["CONTEXT_TAG", "render_context"]

CONTEXT_TAG = "untrusted-context"


def render_context(items: Sequence[MemoryItem], *, max_chars: int = 1500) -> str:
    """One `<untrusted-context id=... >` block per item, each truncated to `max_chars`."""
    blocks = []
    for item in items:
        text = item.text if len(item.text) <= max_chars else item.text[:max_chars] + " […]"
        # A planted closing tag must not end the block early.
        text = text.replace(f"</{CONTEXT_TAG}", f"<\\/{CONTEXT_TAG}")
        attrs = f'id="{escape(item.id)}" kind="{item.kind}" source="{escape(item.source)}"'
        blocks.append(f'<{CONTEXT_TAG} {attrs} score="{item.score:.2f}">\n{text}\n</{CONTEXT_TAG}>')
    return "\n".join(blocks)

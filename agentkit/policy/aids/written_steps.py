"""Aid `written_steps`: a step planned without a tool gets one decision, its written
result (the grammar allows only "done"). A plan made without any tool has at least
MIN_STEPS steps, so an open goal is still broken down into parts worth writing."""

from __future__ import annotations

from agentkit.decision import Action

__all__ = ["ACTIONS", "MIN_STEPS"]

MIN_STEPS = 2
ACTIONS: tuple[Action, ...] = ("done",)

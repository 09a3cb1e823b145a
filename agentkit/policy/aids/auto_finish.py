"""Aid `auto_finish`: a step planned around a tool is finished by that tool's first
successful result, which becomes the step's result. A small model asked "is the step
done?" after a good result calls the tool again or writes a worse result itself."""

from __future__ import annotations

from agentkit.events import ObservationMade, PlanStep

__all__ = ["finishes"]


def finishes(step: PlanStep, observation: ObservationMade) -> bool:
    return observation.ok and observation.tool == step.tool

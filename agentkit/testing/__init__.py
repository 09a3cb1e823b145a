"""Test doubles shipped with the library, for deterministic tests of code built on agentkit.

- `ScriptedModel` replays the replies you script, checked against each call's schema.
- `SchemaModel` makes up a reply valid against whatever schema the call carries: the
  minimal valid instance, or a seeded random one.
- `ALLOW_MODEL_LOADS` / `model_loads(False)` make a test fail loudly when code under
  test would load a real model (for example an `Agent` built with `model=None`).
- `Agent.override(model=..., tools=...)` swaps the model and tools of agents inside a
  `with` block; see the "Testing your agent" page of the docs.

    from agentkit import Agent
    from agentkit.testing import SchemaModel, model_loads

    with model_loads(False), Agent.override(model=SchemaModel()):
        result = my_app.answer("What is 6 * 7?")   # builds an Agent somewhere inside
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from agentkit.testing.schema import SchemaModel, UnsupportedSchemaError, instance_for
from agentkit.testing.scripted import Reply, ScriptedModel, ScriptExhausted, load_script

__all__ = [
    "ALLOW_MODEL_LOADS",
    "ModelLoadBlockedError",
    "Reply",
    "SchemaModel",
    "ScriptExhausted",
    "ScriptedModel",
    "UnsupportedSchemaError",
    "check_model_load",
    "instance_for",
    "load_script",
    "model_loads",
]

ALLOW_MODEL_LOADS = True
"""Set to False (or AGENTKIT_ALLOW_MODEL_LOADS=0 for subprocesses) to forbid real models."""

_ENV = "AGENTKIT_ALLOW_MODEL_LOADS"


class ModelLoadBlockedError(AssertionError):
    """Code under test tried to load a real model while model loads were blocked."""


def check_model_load(spec: str | None) -> None:
    """Raise `ModelLoadBlockedError` if real models are blocked; the model factory calls this.

    A missing or malformed model file still raises its own error first, so tests of those
    errors need no real model."""
    env = os.environ.get(_ENV, "").strip().lower()
    if ALLOW_MODEL_LOADS and env not in {"0", "false", "no", "off"}:
        return
    from agentkit.llm.resolve import resolve_model

    path = resolve_model(spec)  # ModelNotFoundError / ModelFormatError come first
    raise ModelLoadBlockedError(
        f"a test tried to load the real model {path.name}; pass model=ScriptedModel(...) or "
        "SchemaModel(), or use Agent.override(model=...); model loads are blocked "
        f"(agentkit.testing.ALLOW_MODEL_LOADS / {_ENV})"
    )


@contextmanager
def model_loads(allowed: bool) -> Iterator[None]:
    """Allow or block real model loads inside the block (process-wide, not per thread)."""
    global ALLOW_MODEL_LOADS
    before, ALLOW_MODEL_LOADS = ALLOW_MODEL_LOADS, allowed
    try:
        yield
    finally:
        ALLOW_MODEL_LOADS = before

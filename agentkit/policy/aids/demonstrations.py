"""Aid `demonstrations`: dynamic few-shot. Worked plans of the goals most similar to this
one (by sentence-embedding similarity) are shown before the plan request, as earlier
exchanges in the transcript's stable prefix. A small model copies the shape of a close
example far better than it follows a rule: whether a step needs a tool, and which.

The library is `demonstrations.yaml` from the prompts directories (bundled, or a user's
override) plus the runs a user kept (`agentkit runs keep ID`, stored in
`<data dir>/demonstrations.yaml`). Demonstrations that use a tool this run cannot use
are never retrieved.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import yaml
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from agentkit.errors import ConfigError
from agentkit.events import PlanStep
from agentkit.llm.base import Message
from agentkit.policy.aids.routing import TextEmbedder

__all__ = [
    "MIN_SIMILARITY",
    "DemoStep",
    "Demonstration",
    "K",
    "Library",
    "Scored",
    "append_demonstration",
    "load_library",
    "plan_messages",
]

if TYPE_CHECKING:
    from agentkit.prompts import PromptRenderer

log = logging.getLogger(__name__)

MAX_STEPS = 6

K = 3  # demonstrations shown: one is copied blindly, more mix up; three let it pick
MIN_SIMILARITY = 0.2  # below this a demonstration is about something else entirely
MARGIN = 0.12  # and this far below the closest one it is about another kind of goal
FILE_NAME = "demonstrations.yaml"


class DemoStep(BaseModel):
    title: str = Field(max_length=80)
    tool: str | None = None
    result: str | None = Field(None, max_length=300)  # what a step without a tool wrote


class Demonstration(BaseModel):
    goal: str
    steps: list[DemoStep] = Field(min_length=1, max_length=6)

    @property
    def tools(self) -> list[str]:
        return [s.tool for s in self.steps if s.tool is not None]


def _read(path: Path) -> list[Demonstration]:
    problem = f"{path} is not a valid list of demonstrations"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return TypeAdapter(list[Demonstration]).validate_python(raw or [])
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ConfigError(f"{problem}: at {where}: {error['msg']}") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{problem}: {str(exc).splitlines()[0]}") from exc


def load_library(prompt_dirs: Sequence[Path], data_home: Path | None) -> list[Demonstration]:
    bundled = next((d / FILE_NAME for d in prompt_dirs if (d / FILE_NAME).is_file()), None)
    demos = _read(bundled) if bundled is not None else []
    if data_home is not None and (data_home / FILE_NAME).is_file():
        demos += _read(data_home / FILE_NAME)
    return demos


def append_demonstration(data_home: Path, demo: Demonstration) -> Path:
    """Add `demo` to the user's library (what `agentkit runs keep` does)."""
    path = data_home / FILE_NAME
    kept = _read(path) if path.is_file() else []
    kept.append(demo)
    data_home.mkdir(parents=True, exist_ok=True)
    rows = [d.model_dump(exclude_none=False) for d in kept]
    path.write_text(yaml.safe_dump(rows, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


class Scored(NamedTuple):
    similarity: float
    demo: Demonstration


class Library:
    """The demonstrations with their goal embeddings, computed once per library."""

    _cache: ClassVar[dict[str, list[list[float]]]] = {}

    def __init__(self, demos: Sequence[Demonstration], embedder: TextEmbedder) -> None:
        self.demos = list(demos)
        self.embedder = embedder
        key = hashlib.sha256(
            ("\n".join(d.goal for d in self.demos) + f"|{id(embedder)}").encode()
        ).hexdigest()
        if key not in Library._cache:
            Library._cache[key] = embedder.embed([d.goal for d in self.demos]) if demos else []
        self.vectors = Library._cache[key]

    def nearest(self, goal: str, usable: Sequence[str], k: int = K) -> list[Scored]:
        """The `k` demonstrations most similar to `goal` that use only `usable` tools, each
        with its similarity, the closest first."""
        if not self.demos:
            return []
        query = self.embedder.embed([goal])[0]
        allowed = set(usable)
        scored = [
            (sum(a * b for a, b in zip(query, vec, strict=True)), demo)
            for vec, demo in zip(self.vectors, self.demos, strict=True)
            if set(demo.tools) <= allowed
        ]
        scored.sort(key=lambda pair: -pair[0])
        log.debug("demonstrations for %r: %s", goal, [(round(s, 3), d.goal) for s, d in scored[:k]])
        best = scored[0][0] if scored else 0.0
        floor = max(MIN_SIMILARITY, best - MARGIN)
        return [Scored(score, demo) for score, demo in scored[:k] if score >= floor]


def plan_json(demo: Demonstration) -> dict[str, Any]:
    """A demonstration's plan exactly as a model writes one (see agentkit.plan.plan_json)."""
    return {
        "steps": [
            {"id": i, "tool": s.tool, "title": s.title, "depends_on": [i - 1] if i > 1 else []}
            for i, s in enumerate(demo.steps, 1)
        ]
    }


def plan_messages(
    demos: Sequence[Demonstration], renderer: PromptRenderer, tool_names: Sequence[str]
) -> list[Message]:
    """Each demonstration as a plan request and its plan, the least similar first so the
    closest one is nearest the real request. The closest one's written steps (no tool, a
    result) follow its plan, each as the step's request and its result: that teaches a
    small model to write a step's substance (the haiku itself) rather than its title or
    "the haiku is done". Steps that call a tool are not shown: a call has its own prompt,
    with the tool's examples."""
    messages: list[Message] = []
    for rank, demo in reversed(list(enumerate(demos))):
        plan = renderer.render(
            "plan", goal=demo.goal, memory="", max_steps=MAX_STEPS, tool_names=list(tool_names)
        )
        messages.append(Message(role="user", content=plan))
        messages.append(Message(role="assistant", content=json.dumps(plan_json(demo))))
        if rank == 0:
            for i, step in enumerate(demo.steps, 1):
                if step.tool is not None or not step.result:
                    continue
                shown = PlanStep(id=i, title=step.title, depends_on=[i - 1] if i > 1 else [])
                request = renderer.render("step", goal=demo.goal, step=shown, tool=None, memory="")
                reply = {"action": "done", "result": step.result}
                messages.append(Message(role="user", content=request))
                messages.append(Message(role="assistant", content=json.dumps(reply)))
    return messages

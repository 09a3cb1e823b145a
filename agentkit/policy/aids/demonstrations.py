"""Aid `demonstrations`: dynamic few-shot. Worked plans of the goals most similar to this
one (by sentence-embedding similarity) are shown before the plan request, as earlier
exchanges in the transcript's stable prefix. A small model copies the shape of a close
example far better than it follows a rule: whether a step needs a tool, and which.

The library is `demonstrations.yaml` from the prompts directories (bundled, or a user's
override) plus the runs a user kept (`agentkit runs keep ID`, stored in
`<data dir>/demonstrations.yaml`). Demonstrations that use a tool this run cannot use
are never retrieved. The goal embeddings are kept in a Chroma collection under
`<data dir>/demonstrations/` (see demo_store), so a process embeds only what is new.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from agentkit.errors import ConfigError
from agentkit.events import PlanStep
from agentkit.llm.base import Message
from agentkit.policy.aids.demo_store import demo_key, open_store, store_dir
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
    """The demonstrations, their goal embeddings kept in a Chroma collection under
    `data_home` (in memory when None; see demo_store). Identical demonstrations are one."""

    def __init__(
        self,
        demos: Sequence[Demonstration],
        embedder: TextEmbedder,
        data_home: Path | None = None,
    ) -> None:
        self.demos = list(demos)
        self.embedder = embedder
        self._by_key: dict[str, Demonstration] = {}
        for demo in self.demos:
            self._by_key.setdefault(demo_key(demo), demo)
        self._tools = {t for demo in self.demos for t in demo.tools}
        self.store = open_store(store_dir(data_home), embedder, self._by_key) if demos else None

    def nearest(self, goal: str, usable: Sequence[str], k: int = K) -> list[Scored]:
        """The `k` demonstrations most similar to `goal` that use only `usable` tools, each
        with its similarity, the closest first."""
        if self.store is None or k < 1:
            return []
        query = self.embedder.embed([goal])[0]
        excluded = sorted(self._tools - set(usable))
        found = self.store.nearest(query, list(self._by_key), excluded, k)
        scored = [Scored(similarity, self._by_key[key]) for key, similarity in found]
        log.debug("demonstrations for %r: %s", goal, [(round(s, 3), d.goal) for s, d in scored])
        best = scored[0].similarity if scored else 0.0
        floor = max(MIN_SIMILARITY, best - MARGIN)
        return [s for s in scored if s.similarity >= floor]


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

"""The scripting API: one `Session` holding settings, model, tools and memory.

    from agentkit.workflow import Session

    with Session(yes=True) as s:
        s.call_tool("write_file", path="hello.txt", content="hi")
        city = s.prompt("Name a city.", schema={"type": "string", "maxLength": 30})
        result = s.run_agent(f"What is the weather like in {city}?", tools=["http_get"])

Everything is built lazily, so a script that only calls tools never loads the model
and one that never touches memory never imports chromadb. Workflow files run on the
same object (agentkit.workflow.engine), so both paths behave the same.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentkit.config import Settings, load_settings
from agentkit.errors import ConfigError, ToolError

if TYPE_CHECKING:
    from agentkit.agent import Agent
    from agentkit.checkpoints import Checkpointer
    from agentkit.journal import Journal
    from agentkit.llm.base import Completion, JsonSchema, Message, Model
    from agentkit.memory import MemoryItem
    from agentkit.registry import Toolset
    from agentkit.result import RunResult
    from agentkit.tool import Approver, Observation

__all__ = ["Session", "tool_output"]


def tool_output(text: str) -> Any:
    """A tool's observation as data: JSON objects and lists parsed, anything else as text."""
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return text


class Session:
    """Settings plus lazily built model, toolset and memory, for scripts and workflows."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        model: Model | None = None,
        tools: Toolset | None = None,
        memory: Any | None = None,
        journal: Journal | None = None,
        approve: Approver | None = None,
        **overrides: Any,
    ) -> None:
        """`overrides` are settings fields (yes=True, workspace=..., no_memory=True)."""
        base = settings if settings is not None else load_settings(overrides).settings
        self.settings = base.model_copy(update=overrides) if settings is not None else base
        self.journal = journal
        self.approve = approve
        self._model = model
        self._tools = tools
        self._memory = memory

    # -- lazily built parts --------------------------------------------------------------

    @property
    def model(self) -> Model:
        if self._model is None:
            from agentkit.llm.factory import load_model

            self._model = load_model(self.settings)
        return self._model

    @property
    def model_name(self) -> str:
        """The model's name without loading it."""
        if self._model is not None:
            return str(getattr(self._model, "name", "model"))
        return self.settings.model or "bundled"

    @property
    def toolset(self) -> Toolset:
        if self._tools is None:
            from agentkit.registry import load_toolset

            self._tools = load_toolset(self.settings)
        return self._tools

    @property
    def memory(self) -> Any:
        """The vector memory; ConfigError when the settings disable it."""
        if self._memory is None:
            if self.settings.no_memory:
                raise ConfigError("memory is disabled (no_memory); enable it to use memory")
            from agentkit.memory import Memory

            self._memory = Memory.open(self.settings)
        return self._memory

    def _tool_memory(self) -> Any:
        """What tools see as ctx.memory: None when disabled, else opened on first use."""
        return None if self.settings.no_memory and self._memory is None else _LazyMemory(self)

    # -- tools -----------------------------------------------------------------------

    def tool(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        run_id: str = "script",
        checkpoints: Checkpointer | None = None,
    ) -> Observation:
        """Call a tool through Toolset.call (validation, permission, timeout); never raises.
        With `checkpoints`, what a write or execute call may change is saved first, under
        the journaled run `run_id`, so `agentkit runs undo` can restore it."""
        from agentkit.tool import ToolContext

        ctx = ToolContext.create(
            self.settings,
            run_id=run_id,
            memory=self._tool_memory(),
            approve=self.approve,
            checkpoints=checkpoints,
        )
        return self.toolset.call(name, arguments, ctx)

    def call_tool(self, name: str, /, **arguments: Any) -> Any:
        """Call a tool and return its result as data; ToolError if it failed or was refused."""
        obs = self.tool(name, arguments)
        if not obs.ok:
            raise ToolError(obs.text)
        return tool_output(obs.text)

    # -- the model -------------------------------------------------------------------

    def generate(
        self, messages: Sequence[Message], schema: JsonSchema | None, max_tokens: int
    ) -> tuple[Any, Completion]:
        """One model call: grammar-constrained JSON with `schema`, else stripped text."""
        if schema is not None:
            from agentkit.llm.structured import generate

            return generate(self.model, messages, schema, max_tokens=max_tokens)
        completion = self.model.complete(messages, max_tokens=max_tokens)
        return completion.text.strip(), completion

    def prompt(
        self,
        text: str,
        *,
        schema: JsonSchema | None = None,
        system: str | None = None,
        max_tokens: int = 256,
    ) -> Any:
        """Generate once; with a bounded JSON `schema` the reply is parsed, valid data."""
        from agentkit.llm.base import Message

        messages = [Message(role="system", content=system)] if system else []
        messages.append(Message(role="user", content=text))
        return self.generate(messages, schema, max_tokens)[0]

    # -- agents and memory -----------------------------------------------------------

    def agent(
        self,
        *,
        tools: Sequence[str] | None = None,
        max_steps: int | None = None,
        max_time: float | None = None,
        max_tokens: int | None = None,
    ) -> Agent:
        """A planner-loop Agent on this session's model and memory, with its own budgets."""
        from agentkit.agent import Agent

        budgets = {"max_steps": max_steps, "max_time": max_time, "max_tokens": max_tokens}
        update = {k: v for k, v in budgets.items() if v is not None}
        toolset = self.toolset if tools is None else self.toolset.subset(tools)
        memory = None if self.settings.no_memory else self.memory
        return Agent(
            self.model,
            toolset,
            memory,
            settings=self.settings.model_copy(update=update),
            journal=self.journal,
            approve=self.approve,
        )

    def run_agent(self, goal: str, **options: Any) -> RunResult:
        """Run a sub-goal to the end; options are those of `agent()`."""
        return self.agent(**options).run(goal)

    def remember(self, text: str) -> str:
        return str(self.memory.add(text, kind="note", source="script"))

    def search(self, query: str, k: int = 3) -> list[MemoryItem]:
        return list(self.memory.search(query, k=k))

    def close(self) -> None:
        if self._memory is not None and hasattr(self._memory, "close"):
            self._memory.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _LazyMemory:
    """Opens the session's memory only when a tool actually uses it (chromadb is slow to import)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session.memory, name)

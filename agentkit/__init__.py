"""agentkit: a local-first agentic task runner.

The public API lives at the package root::

    from agentkit import Agent, tool

    @tool
    def multiply(a: int, b: int) -> int:
        \"\"\"Multiply two integers.\"\"\"
        return a * b

    result = Agent(tools=[multiply]).run("What is 1234 * 5678?")

Every name below is imported on first use (PEP 562), so `import agentkit` stays cheap
and `agentkit --help` never pays for pydantic models, llama_cpp or chromadb. Test
doubles live in `agentkit.testing`.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it. One table, so a module that moves (the loop
# is being split into agentkit.run / agentkit.policy) is a one-line change here.
_EXPORTS: dict[str, str] = {
    # running an agent
    "Agent": "agentkit.agent",
    "RunResult": "agentkit.result",
    "RunUsage": "agentkit.result",
    "StepRecord": "agentkit.result",
    # tools
    "tool": "agentkit.tool",
    "Tool": "agentkit.tool",
    "ToolContext": "agentkit.tool",
    "ToolDefinition": "agentkit.tool",
    "Observation": "agentkit.tool",
    "Permission": "agentkit.tool",
    "Toolset": "agentkit.registry",
    "load_toolset": "agentkit.registry",
    # workflows and scripting
    "Session": "agentkit.workflow.api",
    # settings
    "Settings": "agentkit.config",
    "load_settings": "agentkit.config",
    # the model boundary
    "Model": "agentkit.llm.base",
    "Message": "agentkit.llm.base",
    "Completion": "agentkit.llm.base",
    "Usage": "agentkit.llm.base",
    # memory
    "Memory": "agentkit.memory",
    # events the loop yields
    "Event": "agentkit.events",
    "RunStarted": "agentkit.events",
    "PlanMade": "agentkit.events",
    "StepStarted": "agentkit.events",
    "ModelCalled": "agentkit.events",
    "ToolCalled": "agentkit.events",
    "ObservationMade": "agentkit.events",
    "StepFinished": "agentkit.events",
    "MemoryRetrieved": "agentkit.events",
    "Replanned": "agentkit.events",
    "Answered": "agentkit.events",
    "RunFinished": "agentkit.events",
    # errors
    "AgentkitError": "agentkit.errors",
    "ConfigError": "agentkit.errors",
    "ModelError": "agentkit.errors",
    "SchemaError": "agentkit.errors",
    "ToolError": "agentkit.errors",
}

__all__ = [
    "Agent",
    "AgentkitError",
    "Answered",
    "Completion",
    "ConfigError",
    "Event",
    "Memory",
    "MemoryRetrieved",
    "Message",
    "Model",
    "ModelCalled",
    "ModelError",
    "Observation",
    "ObservationMade",
    "Permission",
    "PlanMade",
    "Replanned",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "RunUsage",
    "SchemaError",
    "Session",
    "Settings",
    "StepFinished",
    "StepRecord",
    "StepStarted",
    "Tool",
    "ToolCalled",
    "ToolContext",
    "ToolDefinition",
    "ToolError",
    "Toolset",
    "Usage",
    "__version__",
    "load_settings",
    "load_toolset",
    "tool",
]

if TYPE_CHECKING:  # mypy and IDEs see the real names; runtime goes through __getattr__
    from agentkit.agent import Agent
    from agentkit.config import Settings, load_settings
    from agentkit.errors import AgentkitError, ConfigError, ModelError, SchemaError, ToolError
    from agentkit.events import (
        Answered,
        Event,
        MemoryRetrieved,
        ModelCalled,
        ObservationMade,
        PlanMade,
        Replanned,
        RunFinished,
        RunStarted,
        StepFinished,
        StepStarted,
        ToolCalled,
    )
    from agentkit.llm.base import Completion, Message, Model, Usage
    from agentkit.memory import Memory
    from agentkit.registry import Toolset, load_toolset
    from agentkit.result import RunResult, RunUsage, StepRecord
    from agentkit.tool import (
        Observation,
        Permission,
        Tool,
        ToolContext,
        ToolDefinition,
        tool,
    )
    from agentkit.workflow.api import Session


class _CallableModule(ModuleType):
    """`agentkit.tool` is both the module and the decorator: Python binds a package's
    submodule to the package attribute of the same name, so the module is made callable
    and `from agentkit import tool` works whatever was imported first."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.tool(*args, **kwargs)


class _Package(ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name == "tool" and type(value) is ModuleType:
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentkit' has no attribute {name!r}")
    imported = importlib.import_module(module)
    if name == "tool":  # the callable module, already bound here by the import system
        return imported
    value = getattr(imported, name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

"""The agentkit exception tree.

Every error a user can cause, or that the environment causes, is one of these.
Each message is one line that says what went wrong and what to do. Third-party
errors (llama.cpp, chromadb, sqlite3, OS errors) are translated into this tree at
the boundary where they happen; a bug in agentkit itself raises ordinary Python
exceptions and is never hidden.

    AgentkitError
    ├── ConfigError                 invalid settings, config file or CLI usage
    ├── ModelError
    │   ├── ModelNotFoundError      no file at the path, or unknown alias
    │   ├── ModelFormatError        not a GGUF, truncated or corrupt GGUF
    │   ├── ContextOverflowError    prompt longer than the context window
    │   ├── EmptyOutputError        the model emitted nothing
    │   └── SchemaError             a schema that cannot become a grammar (a bug: never retried)
    │       └── InvalidOutputError  model output that fails validation (retried by the loop)
    ├── ToolError
    │   ├── ToolNotFoundError
    │   ├── ToolConflictError       two tools with one name
    │   └── PluginError             a plugin that cannot be loaded
    ├── MemoryStoreError            memory directory unwritable, corrupt, or server down
    ├── JournalError                run journal unreadable or unknown run id
    ├── WorkflowError               invalid workflow file or failed workflow step
    └── BudgetExceeded              a hard budget ran out (used inside the loop)
"""

from __future__ import annotations

__all__ = [
    "AgentkitError",
    "BudgetExceeded",
    "ConfigError",
    "ContextOverflowError",
    "EmptyOutputError",
    "InvalidOutputError",
    "JournalError",
    "MemoryStoreError",
    "ModelError",
    "ModelFormatError",
    "ModelNotFoundError",
    "PluginError",
    "SchemaError",
    "ToolConflictError",
    "ToolError",
    "ToolNotFoundError",
    "WorkflowError",
]


class AgentkitError(Exception):
    """Base of every error agentkit reports to a user as one line."""

    exit_code: int = 1


class ConfigError(AgentkitError):
    exit_code = 2


class ModelError(AgentkitError):
    pass


class ModelNotFoundError(ModelError):
    pass


class ModelFormatError(ModelError):
    pass


class ContextOverflowError(ModelError):
    pass


class EmptyOutputError(ModelError):
    pass


class SchemaError(ModelError):
    pass


class InvalidOutputError(SchemaError):
    """The model's output is not valid JSON for the call's schema: the model's fault."""


class ToolError(AgentkitError):
    pass


class ToolNotFoundError(ToolError):
    pass


class ToolConflictError(ToolError):
    pass


class PluginError(ToolError):
    pass


class MemoryStoreError(AgentkitError):
    pass


class JournalError(AgentkitError):
    pass


class WorkflowError(AgentkitError):
    pass


class BudgetExceeded(AgentkitError):
    exit_code = 3

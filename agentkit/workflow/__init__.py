"""Scripted multi-step automations: workflow files and the Python scripting API.

    agentkit run --file flow.yaml --var key=value

`Session` (api.py) is the Python side; `load_workflow` + `Engine` run YAML files.
Heavy parts (the model, chromadb) load only when a step needs them.
"""

from agentkit.workflow.api import Session, tool_output
from agentkit.workflow.engine import Engine, StepBegan, StepEnded, StepNote, WorkflowResult
from agentkit.workflow.loader import WorkflowFileError, load_workflow, parse_workflow
from agentkit.workflow.model import Workflow

__all__ = [
    "Engine",
    "Session",
    "StepBegan",
    "StepEnded",
    "StepNote",
    "Workflow",
    "WorkflowFileError",
    "WorkflowResult",
    "load_workflow",
    "parse_workflow",
    "tool_output",
]

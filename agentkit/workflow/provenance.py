"""Who shaped a workflow tool step's call, for the taint rule (agentkit/approval.py).

In an agent run the model picks each call, so once untrusted text has entered the run a
write to a file the goal doesn't name, or any command, needs a fresh approval. In a
workflow's tool step the workflow file picks the tool and its arguments, and only the
data templated into them can come from elsewhere: an earlier step's output (a tool
result, a model's text) is untrusted, the workflow's inputs (`--var`) are the user's.

So a tool step is tainted exactly when its rendered arguments differ from what the
workflow file and its inputs alone give. Its targets count as named when the workflow
file's own text for the step, or an input value, names them; a write tool without
declared paths (a plugin that changes the workspace its own way) is the file's own
choice, but a command or code built from a step's output still needs approval.
"""

from __future__ import annotations

import json
from typing import Any

from agentkit.checkpoints import Provenance
from agentkit.errors import WorkflowError
from agentkit.workflow.model import ToolStep
from agentkit.workflow.templates import evaluate, render

__all__ = ["provenance"]


def provenance(step: ToolStep, args: Any, context: dict[str, Any]) -> Provenance:
    inputs = context.get("inputs", {})
    named_by = " ".join(
        [json.dumps(step.args, ensure_ascii=False, default=str)]
        + [str(v) for v in (inputs.values() if isinstance(inputs, dict) else [])]
    )
    tainted = not _from_trusted(step, args, context)
    return Provenance(named_by=named_by, tainted=tainted, user_chose_tool=True)


def _from_trusted(step: ToolStep, args: Any, context: dict[str, Any]) -> bool:
    """The arguments render the same from the inputs alone (no step outputs)."""
    trusted: dict[str, Any] = {"inputs": context.get("inputs", {}), "steps": {}}
    try:
        if "item" in context:  # a foreach item is trusted if the inputs alone give it
            if step.foreach is None:
                return False
            items = evaluate(step.foreach, trusted)
            number = context.get("index")
            if not isinstance(items, list | tuple) or not isinstance(number, int):
                return False
            if number >= len(items) or items[number] != context["item"]:
                return False
            trusted.update(item=context["item"], index=number)
        return bool(render(step.args, trusted) == args)
    except WorkflowError:  # it needs a step's output (or something else untrusted)
        return False

"""YAML file → `Workflow`, with every error naming the file, the line and the key.

PyYAML composes a node tree that keeps each node's position (its "mark"); a
pydantic error location such as ("steps", 2, "args") is walked down that tree to
the line where the offending key (or the nearest enclosing one) was written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentkit.errors import WorkflowError
from agentkit.workflow.model import Workflow

if TYPE_CHECKING:
    import yaml
    from pydantic import ValidationError

__all__ = ["WorkflowFileError", "load_workflow", "parse_workflow"]

_TAGS = {"tool", "prompt", "agent"}
_PATH_IN_MESSAGE = re.compile(
    r"^(?:Value error, )?(?P<path>[A-Za-z_]\w*(?:\.\w+)*): (?P<msg>.*)$", re.S
)


class WorkflowFileError(WorkflowError):
    """An invalid workflow file; `problems` holds one "file:line: key: message" per error."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_workflow(path: Path) -> Workflow:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkflowFileError([f"{path}: cannot read workflow file: {exc}"]) from exc
    return parse_workflow(text, str(path))


def parse_workflow(text: str, filename: str = "<workflow>") -> Workflow:
    import yaml
    from pydantic import ValidationError

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise WorkflowFileError([f"{filename}{line}: invalid YAML: {exc.problem}"]) from exc
    except yaml.YAMLError as exc:
        raise WorkflowFileError([f"{filename}: invalid YAML: {exc}"]) from exc
    except RecursionError:  # PyYAML composes recursively; absurd nesting exhausts the stack
        raise WorkflowFileError([f"{filename}: invalid YAML: nested too deeply"]) from None
    if not isinstance(data, dict):
        raise WorkflowFileError([f"{filename}:1: a workflow file is a mapping with name and steps"])
    try:
        return Workflow.model_validate(data)
    except ValidationError as exc:
        raise WorkflowFileError(_problems(exc, root, filename)) from exc


def _problems(exc: ValidationError, root: yaml.Node | None, filename: str) -> list[str]:
    out: list[str] = []
    for err in exc.errors():
        loc = list(err["loc"])
        if len(loc) > 2 and loc[0] == "steps" and loc[2] in _TAGS:
            del loc[2]  # the union tag pydantic inserts: ("steps", 0, "tool", "args")
        msg = str(err["msg"])
        found = _PATH_IN_MESSAGE.match(msg)
        if found and err["type"] == "value_error":  # validators name a deeper path in the text
            loc += [int(p) if p.isdigit() else p for p in found["path"].split(".")]
            msg = found["msg"]
        else:
            msg = msg.removeprefix("Value error, ")
        line = _line(root, loc)
        key = _dotted(loc) or "(top level)"
        out.append(f"{filename}:{line}: {key}: {msg}")
    return out


def _walk(root: yaml.Node | None, loc: list[Any]) -> tuple[yaml.Node | None, int]:
    """The deepest node along `loc` and the line (1-based) of its key or item."""
    from yaml import MappingNode, SequenceNode

    node, line = root, 1
    for part in loc:
        if isinstance(node, MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return node, line


def _line(root: yaml.Node | None, loc: list[Any]) -> int:
    return _walk(root, loc)[1]


def _dotted(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text

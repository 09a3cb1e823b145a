"""agentkit from Python: call a tool, run a prompt with a schema, run a sub-agent, use memory.

    python examples/scripting.py [WORKSPACE]

Everything runs locally on the bundled model. Files go to WORKSPACE (default: a new
temporary directory); the memory is a throwaway one inside it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from agentkit import Session


def main() -> int:
    workspace = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    # Settings fields as keyword arguments; yes=True approves write/execute tools.
    with Session(workspace=workspace, memory_dir=workspace / ".memory", yes=True) as s:
        # 1. Call a tool directly: validated, permission-checked, with a timeout.
        print("calculator:", s.call_tool("calculator", expression="19 * 23"))
        s.call_tool("write_file", path="notes.txt", content="Team lunch is on Friday at 12:30.\n")

        # 2. One grammar-constrained generation: the reply is parsed, schema-valid data.
        schema = {
            "type": "object",
            "properties": {"title": {"type": "string", "minLength": 3, "maxLength": 40}},
            "required": ["title"],
        }
        note = s.call_tool("read_file", path="notes.txt")
        print("title:", s.prompt(f"Give this note a short title.\n\n{note}", schema=schema))

        # 3. Memory: remember a fact, then find it again by meaning.
        s.remember("The office wifi password is on the fridge in the kitchen.")
        for item in s.search("where is the wifi password written?", k=1):
            print(f"memory: {item.text} (score {item.score:.2f})")

        # 4. A sub-agent: the planner loop on one goal, with a tool subset and budgets.
        result = s.run_agent("What is 1234 * 5678?", tools=["calculator"], max_steps=3)
        print(f"agent ({result.status}): {result.answer}")
        for step in result.steps:
            print(f"  {step.tool} {step.arguments} -> {step.observation[:60]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

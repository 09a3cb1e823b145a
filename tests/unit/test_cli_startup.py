"""`agentkit --help` and `agentkit tools list` import nothing heavy.

bench/cli_startup.py times them.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from agentkit.cli import app as root

HEAVY = {"chromadb", "llama_cpp", "onnxruntime", "numpy", "httpx", "jinja2", "tokenizers"}
# `--help` must not even build the settings model or render with rich.
HEAVY_FOR_HELP = HEAVY | {"rich", "agentkit.config", "agentkit.agent", "agentkit.registry"}

PROBE = """
import json, sys
sys.argv = ["agentkit", *json.loads(sys.argv[1])]
from agentkit.cli.app import main
try:
    main()
except SystemExit:
    pass
print("\\nMODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_after(*argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    loaded = set(json.loads(line.removeprefix("MODULES ")))
    return loaded | {name.split(".")[0] for name in loaded}


@pytest.mark.parametrize("argv", [("--help",), ("tools", "--help"), ()])
def test_help_imports_nothing_heavy(argv: tuple[str, ...]) -> None:
    assert _modules_after(*argv) & HEAVY_FOR_HELP == set()


def test_tools_list_imports_nothing_heavy() -> None:
    assert _modules_after("tools", "list") & HEAVY == set()


def test_every_command_loads_and_its_listed_help_is_its_own() -> None:
    for name, (target, short_help) in root.COMMANDS.items():
        module, attribute = target.split(":")
        obj = getattr(__import__(module, fromlist=[attribute]), attribute)
        if inspect.isfunction(obj):  # a single command: the table repeats its docstring
            assert (obj.__doc__ or "").strip().splitlines()[0] == short_help, name
        result = CliRunner().invoke(root.app, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_root_help_lists_every_command_with_completion_options() -> None:
    result = CliRunner().invoke(root.app, ["--help"])
    assert result.exit_code == 0
    for name in root.COMMANDS:
        assert f"  {name} " in result.output
    assert "--install-completion" in result.output
